// The one HTTP retry policy (clients/http.ts), rule by rule, with the transport and the clock
// injected (the client's own seams): which answers and errors are retried, how long it waits
// (backoff, Retry-After, x-ratelimit-reset), what a spent budget or an unsent-only call reports.
// The same rules against real HTTP: clients.test.ts and port-client-errors.test.ts.
import assert from "node:assert/strict";
import { DEFAULT_RETRY_POLICY, HttpClient, HttpError, HttpRequest, isRetryableStatus } from "../clients/http";

type Step = Response | Error | ((init: RequestInit | undefined) => Response);

/** A fetch that plays `steps` in order and records every call. */
function script(steps: Step[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const step = steps.shift();
    if (step === undefined) throw new Error("no more scripted answers");
    if (step instanceof Error) throw step;
    return typeof step === "function" ? step(init) : step;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** An error as undici reports a failed connection: TypeError("fetch failed") caused by a coded error. */
function network(code: string): Error {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
  return new TypeError("fetch failed", { cause });
}

function client(steps: Step[], policy: Partial<typeof DEFAULT_RETRY_POLICY> = {}) {
  const sleeps: number[] = [];
  const attempts: string[] = [];
  const s = script(steps);
  const http = new HttpClient({
    fetch: s.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    onAttempt: (method, url) => attempts.push(`${method} ${url}`),
    policy: { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 1_000, ...policy },
  });
  return { http, sleeps, attempts, calls: s.calls };
}

const GET: HttpRequest = { method: "GET", url: "https://api.example.test/v1/things?secret_query=1" };
const POST: HttpRequest = { method: "POST", url: "https://api.example.test/v1/things", body: { a: 1 }, replay: "unsent" };

describe("HTTP retry policy", () => {
  let random: () => number;
  beforeEach(() => {
    random = Math.random;
    Math.random = () => 0.5;
  });
  afterEach(() => {
    Math.random = random;
  });

  it("retries exactly 429 and 5xx", () => {
    assert.deepEqual([200, 301, 400, 401, 404, 428, 429, 430, 499, 500, 502, 503, 599].map(isRetryableStatus), [false, false, false, false, false, false, true, false, false, true, true, true, true]);
  });

  it("defaults: 15 s per attempt, 4 retries, 250 ms first step, 20 s cap, 60 s longest rate-limit wait", () => {
    assert.deepEqual(DEFAULT_RETRY_POLICY, { timeoutMs: 15_000, retries: 4, baseDelayMs: 250, maxDelayMs: 20_000, maxRateLimitWaitMs: 60_000 });
  });

  it("sends JSON with accept and content-type, the body once serialized, and no content-type without a body", async () => {
    const c = client([json(200, { ok: true }), json(200, { ok: true })]);
    await c.http.send({ ...POST, headers: { authorization: "Bearer t" } });
    const init = c.calls[0].init!;
    assert.equal(init.method, "POST");
    assert.deepEqual(init.headers, { accept: "application/json", "content-type": "application/json", authorization: "Bearer t" });
    assert.equal(init.body, JSON.stringify({ a: 1 }));
    assert.ok(init.signal instanceof AbortSignal);
    await c.http.send(GET);
    assert.deepEqual(c.calls[1].init!.headers, { accept: "application/json" });
    assert.equal(c.calls[1].init!.body, undefined);
    assert.deepEqual(c.attempts, ["POST https://api.example.test/v1/things", `GET ${GET.url}`]);
  });

  it("reads a JSON body, a text body, and an empty body as undefined", async () => {
    const c = client([json(200, { a: [1] }), new Response("plain words", { status: 200 }), new Response(null, { status: 204 })]);
    assert.deepEqual((await c.http.send(GET)).body, { a: [1] });
    assert.equal((await c.http.send(GET)).body, "plain words");
    const empty = await c.http.send(GET);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, undefined);
  });

  it("backs off exponentially with full jitter, capped at maxDelayMs", async () => {
    const c = client([json(500, {}), json(503, {}), json(502, {}), json(200, { ok: 1 })], { retries: 3, baseDelayMs: 300, maxDelayMs: 1_000 });
    assert.deepEqual((await c.http.send(GET)).body, { ok: 1 });
    // random 0.5 of min(1000, 300·2^n): 150, 300, then the cap 1000 → 500.
    assert.deepEqual(c.sleeps, [150, 300, 500]);
    assert.equal(c.attempts.length, 4);
  });

  it("gives up after retries + 1 attempts with the last status, path only (no query) in the message", async () => {
    const c = client([json(500, { e: 1 }), json(500, { e: 2 }), json(500, { e: 3 })], { retries: 2 });
    await assert.rejects(c.http.send(GET), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.message, "GET /v1/things: HTTP 500 after 3 attempts");
      assert.equal(err.status, 500);
      assert.deepEqual(err.body, { e: 3 });
      assert.equal(err.method, "GET");
      assert.equal(err.path, "/v1/things");
      return true;
    });
    assert.equal(c.attempts.length, 3);
  });

  it("with no retries, sends once and reports the spent budget", async () => {
    const c = client([json(503, {})], { retries: 0 });
    await assert.rejects(c.http.send(GET), /HTTP 503 after 1 attempts/);
    assert.equal(c.attempts.length, 1);
    assert.deepEqual(c.sleeps, []);
  });

  it("honours Retry-After in seconds (fractions too), capped at maxDelayMs, when longer than the backoff", async () => {
    const c = client([json(429, {}, { "retry-after": "0.8" }), json(429, {}, { "retry-after": "30" }), json(429, {}, { "retry-after": "soon" }), json(200, {})]);
    await c.http.send(GET);
    assert.deepEqual(c.sleeps, [800, 1_000, 200]);
  });

  it("learns x-ratelimit-reset as epoch seconds or as a delta once the window is spent, and waits before the next call", async () => {
    const now = Date.now();
    const epoch = String(Math.ceil((now + 3_000) / 1000));
    const c = client([json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch }), json(200, {})], { maxDelayMs: 10_000 });
    await c.http.send(GET);
    await c.http.send(GET);
    assert.equal(c.sleeps.length, 1);
    assert.ok(c.sleeps[0] > 1_500 && c.sleeps[0] <= 4_000, `waited ${c.sleeps[0]} ms for an epoch reset 3 s away`);

    const d = client([json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" }), json(200, {})]);
    await d.http.send(GET);
    await d.http.send(GET);
    assert.equal(d.sleeps.length, 1);
    assert.ok(d.sleeps[0] > 1_500 && d.sleeps[0] <= 2_000, `waited ${d.sleeps[0]} ms for a 2 s delta`);
  });

  it("ignores the reset while requests remain, or when a header is missing or not a number", async () => {
    const cases: Record<string, string>[] = [
      { "x-ratelimit-remaining": "1", "x-ratelimit-reset": "5" },
      { "x-ratelimit-remaining": "0" },
      { "x-ratelimit-reset": "5" },
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "later" },
    ];
    for (const headers of cases) {
      const c = client([json(200, {}, headers), json(200, {})]);
      await c.http.send(GET);
      await c.http.send(GET);
      assert.deepEqual(c.sleeps, [], JSON.stringify(headers));
    }
  });

  it("waits for a spent window on a 429 without Retry-After, capped at maxDelayMs", async () => {
    const c = client([json(429, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "0.6" }), json(200, {})], { baseDelayMs: 1 });
    await c.http.send(GET);
    assert.ok(c.sleeps[0] > 400 && c.sleeps[0] <= 600, `waited ${c.sleeps[0]}`);
    const capped = client([json(429, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30" }), json(200, {})], { baseDelayMs: 1, maxDelayMs: 1_000 });
    await capped.http.send(GET);
    assert.equal(capped.sleeps[0], 1_000);
  });

  it("refuses to send into a window that resets later than maxRateLimitWaitMs, naming the wait", async () => {
    const c = client([json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "90" })], { maxRateLimitWaitMs: 60_000 });
    await c.http.send(GET);
    await assert.rejects(c.http.send(GET), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 429);
      assert.match(err.message, /^GET \/v1\/things: rate limit exhausted for another (89|90) s \(x-ratelimit-reset\); not sent$/);
      return true;
    });
    assert.equal(c.attempts.length, 1, "the second call was never sent");
  });

  it("retries network errors of an idempotent call, and reports the last one when they persist", async () => {
    const ok = client([network("ECONNRESET"), network("ETIMEDOUT"), json(200, { ok: 1 })]);
    assert.deepEqual((await ok.http.send(GET)).body, { ok: 1 });
    assert.deepEqual(ok.sleeps, [50, 100]);
    const bad = client([network("ECONNRESET"), network("ECONNRESET"), network("ECONNREFUSED")], { retries: 2 });
    await assert.rejects(bad.http.send(GET), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, undefined);
      assert.equal(err.message, "GET /v1/things: fetch failed (ECONNREFUSED) after 3 attempts");
      return true;
    });
  });

  describe("a call that must not run twice (replay: unsent)", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]) {
      it(`replays a connection that surely never reached the server (${code})`, async () => {
        const c = client([network(code), json(201, { id: 1 })]);
        assert.deepEqual((await c.http.send(POST)).body, { id: 1 });
        assert.equal(c.attempts.length, 2);
      });
    }

    it("does not replay a reset, a timeout or an error without a code, saying why", async () => {
      const timeout = Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
      const cases: [Error, RegExp][] = [
        [network("ECONNRESET"), /^POST \/v1\/things: fetch failed \(ECONNRESET\) \(not retried: the request may have been received\)$/],
        [timeout, /^POST \/v1\/things: timed out \(not retried/],
        [new Error("socket hang up"), /^POST \/v1\/things: socket hang up \(not retried/],
      ];
      for (const [error, message] of cases) {
        const c = client([error, json(201, {})]);
        await assert.rejects(c.http.send(POST), (err: unknown) => err instanceof HttpError && message.test(err.message) && err.status === undefined);
        assert.equal(c.attempts.length, 1, error.message);
      }
    });

    it("finds the error code a few causes deep", async () => {
      const deep = new TypeError("fetch failed", { cause: new Error("wrapped", { cause: Object.assign(new Error("inner"), { code: "ECONNREFUSED" }) }) });
      const c = client([deep, json(201, {})]);
      await c.http.send(POST);
      assert.equal(c.attempts.length, 2);
    });

    it("replays only a 429 (a refusal before anything was done); a 5xx may follow a build that exists", async () => {
      const c = client([json(429, {}), json(201, {})]);
      assert.equal((await c.http.send(POST)).status, 201);
      for (const status of [500, 502, 503, 504]) {
        const c = client([json(status, { e: 1 }), json(201, {})]);
        const res = await c.http.send(POST);
        assert.equal(res.status, status, `${status} answered as is: the caller finds out what happened`);
        assert.equal(c.attempts.length, 1);
      }
    });
  });

  it("reads Retry-After only when it is a number of seconds, whole or with decimals", async () => {
    const c = client([json(429, {}, { "retry-after": "1.25" }), json(429, {}, { "retry-after": "2abc" }), json(429, {}, { "retry-after": "abc2" }), json(200, {})], { maxDelayMs: 5_000 });
    await c.http.send(GET);
    assert.deepEqual(c.sleeps, [1_250, 100, 200], "1.25 s, then the plain backoff");
  });

  it("a reset that is not a number does not disable the gate for later answers", async () => {
    const c = client([json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "later" }), json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" }), json(200, {})]);
    await c.http.send(GET);
    await c.http.send(GET);
    await c.http.send(GET);
    assert.equal(c.sleeps.length, 1);
    assert.ok(c.sleeps[0] > 1_500 && c.sleeps[0] <= 2_000, `waited ${c.sleeps[0]}`);
  });

  it("looks for an error code at most four causes deep, and survives a cause that points at itself", async () => {
    const chain = (depth: number) => {
      let e: Error = Object.assign(new Error("innermost"), { code: "ECONNREFUSED" });
      for (let i = 0; i < depth; i++) e = new Error(`level ${i}`, { cause: e });
      return e;
    };
    const found = client([chain(3), json(201, {})]);
    assert.equal((await found.http.send(POST)).status, 201, "code 3 causes deep: unsent, replayed");
    const tooDeep = client([chain(4), json(201, {})]);
    await assert.rejects(tooDeep.http.send(POST), /not retried/);
    const loop: Error & { cause?: unknown } = new Error("loop");
    loop.cause = loop;
    const looped = client([loop, json(201, {})]);
    await assert.rejects(looped.http.send(POST), /^HttpError: POST \/v1\/things: loop \(not retried/);
  });

  it("reports what was thrown when it is not an Error, and a URL it cannot parse as given", async () => {
    const thrower = new HttpClient({ fetch: (async () => { throw "boom"; }) as unknown as typeof fetch, sleep: async () => {}, policy: { retries: 0 } });
    await assert.rejects(thrower.send({ method: "POST", url: "not-a-url/path", replay: "unsent" }), (err: unknown) => err instanceof HttpError && err.name === "HttpError" && err.message === "POST not-a-url/path: boom (not retried: the request may have been received)" && err.path === "not-a-url/path");
  });

  it("really waits between attempts when no sleep is injected", async () => {
    const s = script([json(503, {}, { "retry-after": "0.15" }), json(200, {})]);
    const http = new HttpClient({ fetch: s.fetch, policy: { retries: 1, baseDelayMs: 1, maxDelayMs: 1_000, timeoutMs: 1_000 } });
    const started = Date.now();
    await http.send(GET);
    assert.ok(Date.now() - started >= 140, `waited ${Date.now() - started} ms`);
  });

  it("shares the rate gate between calls of one client only", async () => {
    const a = client([json(200, {}, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1" })]);
    await a.http.send(GET);
    const b = client([json(200, {})]);
    await b.http.send(GET);
    assert.deepEqual(b.sleeps, []);
  });
});
