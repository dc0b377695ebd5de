// The generated reporter scripts, run for real: bash + curl + jq against the Port emulator,
// with Port answering normally, rate-limiting (429 then 200), failing and unreachable.
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { CATALOG } from "../blueprints";
import { deploymentIdentifier, imageIdentifier } from "../blueprints/identifiers";
import { deployActions } from "../actions/deploy";
import { deployReporterScript, imageReporterScript, REPORTER_EXIT } from "../pipelines/reporters";
import { runBash, ScriptResult } from "./support/bash";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const DEPLOY_PIPELINE = "developer-portal/deploy";

/** Catalog, a product, an environment running an old image, and a new image. */
export function seedCatalog(port: PortEmulator): void {
  port.seed({
    blueprints: CATALOG.filter((b) => ["product", "image", "environment", "deployment"].includes(b.identifier)).map((b) => b.body),
    actions: deployActions({ pipelines: [DEPLOY_PIPELINE], requireApprovalForProduction: false }).map((a) => a.body),
    entities: {
      product: [{ identifier: "billing", title: "Billing" }],
      image: [
        { identifier: "billing-api:main-0000001", title: "billing-api:main-0000001", properties: { service: "billing-api" }, relations: { product: "billing" } },
        { identifier: "billing-api:main-abc1234", title: "billing-api:main-abc1234", properties: { service: "billing-api" }, relations: { product: "billing" } },
      ],
      environment: [{ identifier: "billing-dev", title: "Billing dev", properties: { kind: "Dev" }, relations: { product: "billing", image_deployed: "billing-api:main-0000001" } }],
    },
  });
}

const portEnv = (port: PortEmulator) => ({
  PORT_API_URL: port.url,
  PORT_CLIENT_ID: TEST_CREDENTIALS.clientId,
  PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret,
  REPORTER_BACKOFF_SECONDS: "0.05",
});

const ciEnv = {
  SERVICE_NAME: "billing-api",
  PRODUCT_ID: "billing",
  IMAGE_REPOSITORY: "registry.example.com/developer-portal",
  CF_BRANCH: "feature/Login",
  CF_BRANCH_TAG_NORMALIZED: "feature-Login",
  CF_SHORT_REVISION: "abc1234",
  CF_REVISION: "abc1234def5678abc1234def5678abc1234def56",
  CF_BUILD_URL: "https://g.codefresh.io/build/64ed0bc7c64d3336272d6c51",
  CF_BUILD_TIMESTAMP: "1767225600000",
  CF_URL: "https://g.codefresh.io",
  CF_REPO_NAME: "billing-api",
};

function noSecretsIn(port: PortEmulator, r: ScriptResult): void {
  const out = r.stdout + r.stderr;
  assert.ok(!out.includes(TEST_CREDENTIALS.clientSecret), "the client secret was printed");
  for (const token of port.state.tokens.keys()) assert.ok(!out.includes(token), "a Port token was printed");
}

describe("CI image reporter (bash + curl + jq against the Port emulator)", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  const script = imageReporterScript();
  const tag = `${ciEnv.CF_BRANCH_TAG_NORMALIZED}-${ciEnv.CF_SHORT_REVISION}`;
  const id = imageIdentifier(ciEnv.SERVICE_NAME, tag);

  before(async () => (port = await PortEmulator.start()));
  after(() => port.stop());
  beforeEach(() => {
    port.reset();
    seedCatalog(port);
  });

  it("upserts the image entity of a green build with every property and its product, under the TS identifier", async () => {
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, REPORTER_EXIT.ok, r.stderr);
    const e = port.entity("image", id);
    assert.ok(e, `no image ${id}; stderr: ${r.stderr}`);
    assert.equal(e.title, "billing-api:feature-Login-abc1234");
    assert.deepEqual(e.relations.product, "billing");
    assert.deepEqual(
      { ...e.properties },
      {
        service: "billing-api",
        image_branch: "feature/Login",
        commit_sha: ciEnv.CF_REVISION,
        image_ref: `registry.example.com/developer-portal/billing-api:${tag}`,
        codefresh_build: ciEnv.CF_BUILD_URL,
        codefresh_build_result: "success",
        created_at: "2026-01-01T00:00:00Z",
        builds_for_git_repo_and_branch: "https://g.codefresh.io/builds2?filter=page:1;repository:billing-api;branch:feature%2FLogin",
      },
    );
    noSecretsIn(port, r);
  });

  it("reports a red build as error (the reporter never hides a failure)", async () => {
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "error" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(port.entity("image", id)?.properties.codefresh_build_result, "error");
  });

  it("without the exported status, trusts only step results that all resolved to success", async () => {
    const green = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_STEP_RESULTS: "success success success" });
    assert.equal(green.code, 0, green.stderr);
    assert.equal(port.entity("image", id)?.properties.codefresh_build_result, "success");
    // A step that never ran leaves its ${{steps.X.result}} unresolved: not proof of success.
    const unresolved = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_STEP_RESULTS: "success success ${{steps.push.result}}" });
    assert.equal(unresolved.code, 0);
    assert.equal(port.entity("image", id)?.properties.codefresh_build_result, "error");
    const none = await runBash(script, { ...portEnv(port), ...ciEnv });
    assert.equal(none.code, 0);
    assert.equal(port.entity("image", id)?.properties.codefresh_build_result, "error");
  });

  it("retries Port's 429 and then succeeds, fetching the token only once", async () => {
    port.inject({ method: "POST", path: "/v1/blueprints/image/entities", status: 429, times: 1, headers: { "retry-after": "1" } });
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(port.requestsTo("POST", "/v1/blueprints/image/entities").length, 2);
    assert.deepEqual(port.requestsTo("POST", "/v1/blueprints/image/entities").map((q) => q.status), [429, 201]);
    assert.equal(port.requestsTo("POST", "/v1/auth/access_token").length, 1);
    assert.ok(port.entity("image", id));
    assert.match(r.stderr, /HTTP 429; retry 1\/4 in 1s/);
  });

  it("retries 5xx on the token route too", async () => {
    port.inject({ method: "POST", path: "/v1/auth/access_token", status: 503, times: 2 });
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(port.requestsTo("POST", "/v1/auth/access_token").length, 3);
    assert.ok(port.entity("image", id));
  });

  it("gives up after a bounded number of 5xx answers and exits 3", async () => {
    port.inject({ method: "POST", path: "/v1/blueprints/image/entities", status: 500, times: 100 });
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "success", REPORTER_MAX_ATTEMPTS: "3" });
    assert.equal(r.code, REPORTER_EXIT.portFailed);
    assert.equal(port.requestsTo("POST", "/v1/blueprints/image/entities").length, 3);
    assert.match(r.stderr, /FAILED: HTTP 500/);
  });

  it("does not retry a 4xx refusal and prints Port's reason", async () => {
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PRODUCT_ID: "no-such-product", PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, REPORTER_EXIT.portFailed);
    assert.equal(port.requestsTo("POST", "/v1/blueprints/image/entities").length, 1);
    assert.match(r.stderr, /FAILED: HTTP 4\d\d [a-z_]+: .*no-such-product/, "Port's error code and message");
  });

  it("exits 3 in bounded time when Port is unreachable, printing no secret", async () => {
    const closed = await closedPort();
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORT_API_URL: `http://127.0.0.1:${closed}`, PORTAL_BUILD_STATUS: "success", REPORTER_MAX_ATTEMPTS: "3" }, 30_000);
    assert.equal(r.code, REPORTER_EXIT.portFailed);
    assert.match(r.stderr, /Port unreachable/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.ok(!(r.stdout + r.stderr).includes(TEST_CREDENTIALS.clientSecret));
  });

  it("stops at a hanging Port after its curl timeout instead of waiting forever", async () => {
    port.latencyMs = 5_000;
    try {
      const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORTAL_BUILD_STATUS: "success", REPORTER_MAX_ATTEMPTS: "1", REPORTER_TIMEOUT_SECONDS: "1" }, 20_000);
      assert.equal(r.code, REPORTER_EXIT.portFailed);
      assert.ok(r.ms < 4_000, `took ${r.ms} ms`);
    } finally {
      port.latencyMs = 0;
    }
  });

  it("refuses to run without its encrypted credentials and calls nothing", async () => {
    const r = await runBash(script, { ...portEnv(port), ...ciEnv, PORT_CLIENT_SECRET: "" });
    assert.equal(r.code, REPORTER_EXIT.badInput);
    assert.match(r.stderr, /not set: PORT_CLIENT_SECRET/);
    assert.equal(port.requests.length, 0);
  });

  it("never prints the environment nor enables tracing", () => {
    for (const s of [imageReporterScript(), deployReporterScript()]) {
      assert.doesNotMatch(s, /\bprintenv\b|^\s*env\s*$|set -x|\$\{\{/m);
      assert.match(s, /^set -euo pipefail/);
    }
  });
});

describe("deploy finish reporter (bash + curl + jq against the Port emulator)", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  const script = deployReporterScript();
  const buildUrl = "https://g.codefresh.io/build/64ed0bc7c64d3336272d6c52";

  before(async () => (port = await PortEmulator.start()));
  after(() => port.stop());

  /** A deploy run as the agent leaves it: IN_PROGRESS, deployment entity "running". */
  function deployRun(): string {
    port.reset();
    seedCatalog(port);
    const runId = port.createRun({ action: "deploy_image", entity: "billing-dev", properties: { image: "billing-api:main-abc1234", cf_pipeline: DEPLOY_PIPELINE } });
    port.seed({
      entities: {
        deployment: [{
          identifier: deploymentIdentifier(runId),
          title: "billing-api:main-abc1234 to billing-dev",
          properties: { status: "running", requested_by: "dev@example.com", started_at: "2026-01-01T10:00:00Z", run_id: runId },
          relations: { image: "billing-api:main-abc1234", environment: "billing-dev", product: "billing" },
        }],
      },
    });
    return runId;
  }

  const deployEnv = (runId: string) => ({
    ...portEnv(port),
    PORT_RUN_ID: runId,
    PORT_IMAGE: "billing-api:main-abc1234",
    PORT_IMAGE_REF: "registry.example.com/developer-portal/billing-api:main-abc1234",
    PORT_ENVIRONMENT: "billing-dev",
    PORT_PRODUCT: "billing",
    CF_BUILD_URL: buildUrl,
  });

  it("on success: deployment merged, environment points at the new image, run closed SUCCESS with link, all tied to the run", async () => {
    const runId = deployRun();
    const r = await runBash(script, { ...deployEnv(runId), PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, 0, r.stderr);
    const d = port.entity("deployment", deploymentIdentifier(runId))!;
    assert.equal(d.properties.status, "success");
    assert.equal(d.properties.build_url, buildUrl);
    assert.match(String(d.properties.finished_at), /^\d{4}-\d\d-\d\dT/);
    // What the agent wrote stays (merge=true).
    assert.equal(d.properties.requested_by, "dev@example.com");
    assert.equal(d.properties.started_at, "2026-01-01T10:00:00Z");
    const env = port.entity("environment", "billing-dev")!;
    assert.equal(env.relations.image_deployed, "billing-api:main-abc1234");
    assert.equal(env.relations.product, "billing");
    assert.equal(env.properties.cf_deployment_build, buildUrl);
    assert.equal(env.properties.cf_deployment_build_status, "success");
    assert.match(String(env.properties.last_deployment_timestamp), /^\d{4}-\d\d-\d\dT/);
    const run = port.run(runId)!;
    assert.equal(run.run.status, "SUCCESS");
    assert.deepEqual(run.run.link, [buildUrl]);
    assert.match(run.run.summary ?? "", /Deployed billing-api:main-abc1234 to billing-dev/);
    assert.deepEqual(run.affectedEntities.map((a) => [a.blueprint, a.identifier, a.whileInProgress]), [
      ["deployment", deploymentIdentifier(runId), true],
      ["environment", "billing-dev", true],
    ]);
    assert.equal(port.requestsTo("POST", "/v1/auth/access_token").length, 1);
    noSecretsIn(port, r);
  });

  it("on failure: run FAILURE, environment shows the error and keeps the image it was running", async () => {
    const runId = deployRun();
    const r = await runBash(script, { ...deployEnv(runId), PORTAL_BUILD_STATUS: "error" });
    assert.equal(r.code, 0, r.stderr);
    const env = port.entity("environment", "billing-dev")!;
    assert.equal(env.properties.cf_deployment_build_status, "error");
    assert.equal(env.relations.image_deployed, "billing-api:main-0000001");
    assert.equal(port.entity("deployment", deploymentIdentifier(runId))?.properties.status, "error");
    assert.equal(port.run(runId)?.run.status, "FAILURE");
    assert.match(port.run(runId)?.run.summary ?? "", /failed: the Codefresh build ended with error/);
  });

  it("still closes the run when an entity write fails, saying what was not recorded, and exits 3", async () => {
    const runId = deployRun();
    port.inject({ method: "PATCH", path: "/v1/blueprints/environment/entities/", status: 500, times: 100 });
    const r = await runBash(script, { ...deployEnv(runId), PORTAL_BUILD_STATUS: "success", REPORTER_MAX_ATTEMPTS: "2" });
    assert.equal(r.code, REPORTER_EXIT.portFailed);
    const run = port.run(runId)!.run;
    assert.equal(run.status, "SUCCESS");
    assert.match(run.summary ?? "", /Not recorded in Port: update environment billing-dev: HTTP 500/);
  });

  it("retries a 429 on closing the run", async () => {
    const runId = deployRun();
    port.inject({ method: "PATCH", path: `/v1/actions/runs/${runId}`, status: 429, times: 1 });
    const r = await runBash(script, { ...deployEnv(runId), PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(port.requestsTo("PATCH", `/v1/actions/runs/${runId}`).map((q) => q.status), [429, 200]);
    assert.equal(port.run(runId)?.run.status, "SUCCESS");
  });

  it("exits 3 in bounded time when Port is unreachable (the reaper closes the run later)", async () => {
    const runId = deployRun();
    const closed = await closedPort();
    const r = await runBash(script, { ...deployEnv(runId), PORT_API_URL: `http://127.0.0.1:${closed}`, PORTAL_BUILD_STATUS: "success", REPORTER_MAX_ATTEMPTS: "3" }, 30_000);
    assert.equal(r.code, REPORTER_EXIT.portFailed);
    assert.match(r.stderr, /reaper/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.equal(port.run(runId)?.run.status, "IN_PROGRESS");
  });

  it("rejects a malformed run id before calling Port", async () => {
    const runId = deployRun();
    const r = await runBash(script, { ...deployEnv(runId), PORT_RUN_ID: "r_1; rm -rf /", PORTAL_BUILD_STATUS: "success" });
    assert.equal(r.code, REPORTER_EXIT.badInput);
    assert.equal(port.requests.length, 0);
  });
});
