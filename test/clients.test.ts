// The shared Port and Codefresh clients against the emulators: token caching and refresh,
// bounded retries on 429/5xx/network, x-ratelimit pacing, and build starts that are never
// replayed once Codefresh may have received them.
import assert from "node:assert/strict";
import { CodefreshClient } from "../clients/codefresh";
import { HttpError } from "../clients/http";
import { PortClient } from "../clients/port";
import { CodefreshEmulator } from "./support/codefresh-emulator";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

const FAST = { baseDelayMs: 5, maxDelayMs: 50, retries: 3, timeoutMs: 2_000 };

describe("clients against the emulators", function () {
  this.timeout(20_000);

  describe("PortClient", () => {
    let port: PortEmulator;
    beforeEach(async () => {
      port = await PortEmulator.start();
    });
    afterEach(() => port.stop());

    it("fetches one token for many calls, and one more after it expires (one 401 replayed)", async () => {
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: FAST });
      await Promise.all(Array.from({ length: 5 }, () => client.listBlueprints()));
      assert.equal(port.tokensIssued, 1);
      port.expireTokens();
      await client.listBlueprints();
      await client.listBlueprints();
      assert.equal(port.tokensIssued, 2);
      assert.equal(port.requests.filter((r) => r.status === 401).length, 1);
    });

    it("retries 429 and 5xx with backoff until success, and gives up after the bounded number of attempts", async () => {
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: FAST });
      await client.listBlueprints();
      port.inject({ method: "GET", path: "/v1/blueprints", times: 2, status: 429 });
      port.inject({ method: "GET", path: "/v1/blueprints", times: 1, status: 502 });
      assert.deepEqual(await client.listBlueprints(), []);
      port.inject({ method: "GET", path: "/v1/blueprints", times: 10, status: 500 });
      const before = port.requestsTo("GET", "/v1/blueprints").length;
      await assert.rejects(client.listBlueprints(), (err: unknown) => err instanceof HttpError && err.status === 500);
      assert.equal(port.requestsTo("GET", "/v1/blueprints").length - before, FAST.retries + 1);
    });

    it("retries a dropped connection on an idempotent call", async () => {
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: FAST });
      await client.listBlueprints();
      port.inject({ method: "GET", path: "/v1/blueprints", times: 1, status: "network" });
      assert.deepEqual(await client.listBlueprints(), []);
    });
  });

  it("PortClient waits for the rate-limit window to reset instead of running into 429s", async () => {
    const port = await PortEmulator.start({ rateLimit: { limit: 4, periodSeconds: 1, resetFormat: "seconds" } });
    try {
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: { ...FAST, maxDelayMs: 2_000 } });
      const started = Date.now();
      for (let i = 0; i < 6; i++) await client.listBlueprints();
      assert.equal(port.requests.filter((r) => r.status === 429).length, 0, "paced by x-ratelimit-remaining/reset");
      assert.ok(Date.now() - started >= 500, "waited for the window to reset");
    } finally {
      await port.stop();
    }
  });

  it("fails at once instead of sending into 429s when the window resets later than it may wait", async () => {
    const port = await PortEmulator.start({ rateLimit: { limit: 3, periodSeconds: 120, resetFormat: "seconds" } });
    try {
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: { ...FAST, maxRateLimitWaitMs: 1_000 } });
      await client.listBlueprints(); // token + list: the window is nearly spent
      await client.listBlueprints();
      const sent = port.requests.length;
      await assert.rejects(client.listBlueprints(), /rate limit exhausted for another \d+ s/);
      assert.equal(port.requests.length, sent, "nothing sent while the window is exhausted");
    } finally {
      await port.stop();
    }
  });

  describe("CodefreshClient build start", () => {
    let cf: CodefreshEmulator;
    beforeEach(async () => {
      cf = await CodefreshEmulator.start({ autoAdvance: true });
      cf.seedProject("deploy");
      cf.seedPipeline({ metadata: { name: "deploy/app" }, spec: {} });
    });
    afterEach(() => cf.stop());
    const client = (policy = FAST) => new CodefreshClient({ baseUrl: cf.url, apiKey: cf.apiKey, policy });

    it("replays a start Codefresh refused up front (429) and starts exactly one build", async () => {
      cf.injectError(429, { method: "POST", path: "/api/pipelines/run/" });
      cf.injectError(429, { method: "POST", path: "/api/pipelines/run/" });
      const id = await client().runPipeline("deploy/app", { variables: { A: "1" }, annotations: { port_run_id: "r_1" } });
      assert.match(id, /^[0-9a-f]{24}$/);
      assert.equal(cf.builds().length, 1);
      assert.deepEqual(await client().buildAnnotations(id), { port_run_id: "r_1" });
    });

    it("does not replay a start answered 500, 502, 503 (a gateway may answer after Codefresh acted) or cut off", async () => {
      for (const status of [500, 502, 503]) {
        cf.injectError(status, { method: "POST", path: "/api/pipelines/run/" });
        await assert.rejects(client().runPipeline("deploy/app", { variables: {} }), new RegExp(`HTTP ${status}`));
      }
      cf.inject({ method: "POST", path: "/api/pipelines/run/", times: 1, status: "network" });
      await assert.rejects(client().runPipeline("deploy/app", { variables: {} }), /not retried/);
      assert.equal(cf.requestsTo("POST", "/api/pipelines/run/").length, 4);
    });

    it("does not replay a start that timed out, so the build Codefresh did create is the only one", async () => {
      cf.latencyMs = 300;
      await assert.rejects(client({ ...FAST, timeoutMs: 100 }).runPipeline("deploy/app", { variables: {} }), /timed out.*not retried/);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(cf.builds().length, 1);
    });

    it("lists a pipeline's builds since a moment", async () => {
      const a = await client().runPipeline("deploy/app", { variables: {} });
      const b = await client().runPipeline("deploy/app", { variables: {} });
      const pipelineId = cf.pipeline("deploy/app")!.current.metadata.id;
      const builds = await client().listBuildsSince({ pipelineId, since: Date.now() - 60_000 });
      assert.deepEqual(new Set(builds.map((x) => x.id)), new Set([a, b]));
    });
  });
});
