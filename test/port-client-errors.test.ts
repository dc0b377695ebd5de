// Port's refusals (a 4xx other than 429) are final: the client sends the request once, never
// retries it, and throws a PortApiError carrying Port's own status, error code and message.
// Real HTTP against the Port emulator.
import assert from "node:assert/strict";
import { HttpClient } from "../clients/http";
import { PortApiError, PortClient } from "../clients/port";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

const FAST = { baseDelayMs: 5, maxDelayMs: 50, retries: 3, timeoutMs: 2_000 };

describe("Port client: a refusal is final and reported in Port's words", function () {
  this.timeout(20_000);
  let port: PortEmulator;
  let client: PortClient;

  beforeEach(async () => {
    port = await PortEmulator.start();
    client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, policy: FAST });
    await client.listBlueprints(); // token fetched, so only the call under test is counted below
  });
  afterEach(() => port.stop());

  for (const status of [400, 403, 409, 413, 422]) {
    it(`sends a call answered ${status} exactly once and throws PortApiError with Port's code and message`, async () => {
      const before = port.requestsTo("GET", "/v1/blueprints").length;
      port.inject({ method: "GET", path: "/v1/blueprints", times: 5, status, body: { ok: false, error: "refused_by_port", message: `Port refuses this (${status})` } });
      await assert.rejects(client.listBlueprints(), (err: unknown) => {
        assert.ok(err instanceof PortApiError, `a PortApiError, got ${String(err)}`);
        assert.equal(err.status, status);
        assert.equal(err.code, "refused_by_port");
        assert.equal(err.portMessage, `Port refuses this (${status})`);
        assert.equal(err.method, "GET");
        assert.equal(err.path, "/v1/blueprints");
        assert.equal(err.message, `Port GET /v1/blueprints failed: HTTP ${status} refused_by_port: Port refuses this (${status})`);
        return true;
      });
      assert.equal(port.requestsTo("GET", "/v1/blueprints").length - before, 1, "one request, no retry");
      assert.equal(port.tokensIssued, 1, "no token refresh either");
    });
  }

  it("sends a body Port's own validation refuses exactly once, with Port's message", async () => {
    await assert.rejects(client.createBlueprint({ identifier: "not valid!", title: "x", schema: { properties: {} } }), (err: unknown) => {
      assert.ok(err instanceof PortApiError, String(err));
      assert.ok(err.status >= 400 && err.status < 500 && err.status !== 429, `a refusal, got ${err.status}`);
      assert.ok(err.portMessage.length > 0 && err.portMessage !== "no message", err.portMessage);
      return true;
    });
    assert.equal(port.requestsTo("POST", "/v1/blueprints").length, 1);
  });

  it("reads a refusal without Port's envelope: the error code, else the text, else 'no message'", async () => {
    port.inject({ method: "GET", path: "/v1/blueprints", times: 1, status: 400, body: { error: "only_a_code" } });
    await assert.rejects(client.listBlueprints(), (err: unknown) => err instanceof PortApiError && err.portMessage === "only_a_code" && err.code === "only_a_code");
    port.inject({ method: "GET", path: "/v1/blueprints", times: 1, status: 400, body: "plain text refusal" });
    await assert.rejects(client.listBlueprints(), (err: unknown) => err instanceof PortApiError && err.portMessage === "plain text refusal" && err.code === undefined);
    port.inject({ method: "GET", path: "/v1/blueprints", times: 1, status: 400, body: 42 });
    await assert.rejects(client.listBlueprints(), (err: unknown) => err instanceof PortApiError && err.portMessage === "no message" && err.message === "Port GET /v1/blueprints failed: HTTP 400: no message");
  });

  it("treats a 404 on a read as absent after one request", async () => {
    const before = port.requests.length;
    assert.equal(await client.getBlueprint("nope"), undefined);
    assert.equal(port.requests.length - before, 1);
  });

  it("a refused token request is final too: one request, PortApiError naming the token route", async () => {
    const fresh = new PortClient({ baseUrl: port.url, credentials: { clientId: TEST_CREDENTIALS.clientId, clientSecret: "wrong-secret" }, policy: FAST });
    const before = port.requestsTo("POST", "/v1/auth/access_token").length;
    await assert.rejects(fresh.listBlueprints(), (err: unknown) => err instanceof PortApiError && err.path === "/v1/auth/access_token" && err.status >= 400 && err.status < 500);
    assert.equal(port.requestsTo("POST", "/v1/auth/access_token").length - before, 1);
  });

  describe("the HTTP policy underneath", () => {
    for (const replay of ["always", "unsent"] as const) {
      it(`returns a 4xx answer after one attempt, body parsed (replay: ${replay})`, async () => {
        let attempts = 0;
        const http = new HttpClient({ policy: FAST, onAttempt: () => attempts++ });
        port.inject({ method: "GET", path: "/v1/blueprints", times: 5, status: 400, body: { ok: false, error: "bad_request", message: "nope" } });
        const res = await http.send({ method: "GET", url: `${port.url}/v1/blueprints`, replay });
        assert.equal(res.status, 400);
        assert.deepEqual(res.body, { ok: false, error: "bad_request", message: "nope" });
        assert.equal(attempts, 1);
      });
    }
  });
});
