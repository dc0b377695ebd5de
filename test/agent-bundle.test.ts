// The agent as AWS runs it: the built bundle (dist/agent/index.js, `npm test` builds it first)
// driven with Kafka-shaped events against the Port and Codefresh emulators and moto (local DynamoDB).
// Assertions read the emulators' state and request logs, not the handler's return value alone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PutCommand, DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { BLUEPRINTS, DEPLOYMENT, ENVIRONMENT, ENVIRONMENT_KINDS } from "../blueprints/vocabulary";
import { AgentWorld, BUNDLE, DEPLOY_PIPELINE, captureOutput, useBundleWorld } from "./support/agent-world";
import { DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { TEST_CREDENTIALS } from "./support/port-emulator";
import { startSecretsManager } from "./support/secrets-manager";

/** Output that is not the agent's: Node's warning lines and the AWS SDK's Node.js-version notice. */
const FOREIGN_OUTPUT: readonly RegExp[] = [
  /^\(node:\d+\) (\[\w+\] )?Warning: /,
  /^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)$/,
  /^versions published after the first week of \w+ \d{4}$/,
  /^will require node >=\d+\. You are running node v[\d.]+\.$/,
  /^To continue receiving updates to AWS services, bug fixes,$/,
  /^and security updates please upgrade to node >=\d+\.$/,
  /^More information can be found at: https:\/\/a\.co\/\w+$/,
];

/**
 * Checks everything captured while the agent ran: no forbidden string and no payload anywhere
 * (whoever printed it), and every line but FOREIGN_OUTPUT an agent JSON log line.
 */
function assertCleanOutput(lines: readonly string[], forbidden: readonly string[]): void {
  const all = lines.join("\n");
  for (const secret of forbidden) assert.ok(!all.includes(secret), `output leaks ${secret.slice(0, 6)}…: ${lines.find((l) => l.includes(secret))}`);
  const payload = /"value"|eyJ|"requestedBy"/;
  assert.ok(!payload.test(all), `output carries a payload: ${lines.find((l) => payload.test(l))}`);
  for (const line of lines.filter((l) => !FOREIGN_OUTPUT.some((re) => re.test(l)))) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      assert.fail(`not a JSON log line: ${line}`);
    }
    assert.ok(parsed !== null && typeof parsed === "object" && parsed.level && parsed.message, `structured line: ${line}`);
  }
}

describe("agent bundle (Lambda handlers against emulators)", function () {
  this.timeout(60_000);
  let world: AgentWorld;
  useBundleWorld((w) => (world = w));
  beforeEach(async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addImage("img-7", "billing");
    world.addImage("img-p", "portal");
    world.addEnvironment("env-1", "billing");
    world.addEnvironment("env-2", "billing");
    world.addEnvironment("env-3", "portal");
  });

  const runPosts = () => world.cf.requestsTo("POST", "/api/pipelines/run/");

  it("is one CommonJS file exporting handler and reaper, with the AWS SDK left to the Lambda runtime and no Pulumi inside", () => {
    const source = readFileSync(BUNDLE, "utf8");
    assert.match(source, /require\("@aws-sdk\/client-dynamodb"\)/);
    assert.ok(!source.includes("@pulumi/"));
    const agent = world.loadBundle();
    assert.equal(typeof agent.handler, "function");
    assert.equal(typeof agent.reaper, "function");
  });

  describe("a valid request", () => {
    it("starts one build with explicit variables and the run-id annotation, and sends Codefresh no user data", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      assert.deepEqual(summary.outcomes, { started: 1 });
      const builds = world.cf.buildsFor(runId);
      assert.equal(builds.length, 1);
      assert.equal(builds[0].pipelineName, DEPLOY_PIPELINE);
      assert.deepEqual(builds[0].variables, {
        PORT_RUN_ID: runId,
        PORT_IMAGE: "img-1",
        PORT_IMAGE_REF: "registry.example.com/billing/app:img-1",
        PORT_ENVIRONMENT: "env-1",
        PORT_PRODUCT: "billing",
      });
      assert.deepEqual(builds[0].annotations, { port_run_id: runId });
      const sent = JSON.stringify(builds[0].requestBody);
      assert.ok(!sent.includes("dev@example.com"), "the user's e-mail must not reach Codefresh");
      assert.ok(!sent.includes("deploy_image"), "the Port message must not be forwarded");
    });

    it("links the Port run to the build (link, external run id, status label, log line) and leaves it in progress", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      const [build] = world.cf.buildsFor(runId);
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "IN_PROGRESS");
      assert.equal(run.run.externalRunId, build.id);
      assert.equal(run.run.link, `${world.cf.url}/build/${build.id}`);
      assert.equal(run.run.statusLabel, "Deploying");
      assert.equal(run.logs.length, 1);
      assert.match(run.logs[0].message, new RegExp(`Started Codefresh build ${build.id}`));
    });

    it("records a running deployment entity tied to the run, the only place the requester's e-mail goes", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      const [build] = world.cf.buildsFor(runId);
      const entity = world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(runId))!;
      assert.ok(entity, "deployment entity written");
      assert.equal(entity.properties[DEPLOYMENT.status], "running");
      assert.equal(entity.properties[DEPLOYMENT.build], `${world.cf.url}/build/${build.id}`);
      assert.equal(entity.properties[DEPLOYMENT.requestedBy], "dev@example.com");
      assert.equal(entity.properties[DEPLOYMENT.runId], runId);
      assert.match(String(entity.properties[DEPLOYMENT.runLink]), /^https:\/\/app\.example\.com\/.*runId=/);
      assert.ok(!Number.isNaN(Date.parse(String(entity.properties[DEPLOYMENT.startedAt]))));
      assert.deepEqual(entity.relations, { image: "img-1", environment: "env-1", product: "billing" });
      const affected = world.port.run(runId)!.affectedEntities;
      assert.deepEqual(affected.map((a) => [a.blueprint, a.identifier, a.whileInProgress]), [[BLUEPRINTS.deployment, deploymentIdentifier(runId), true]]);
    });

    it("looks up a large batch's six environments with one Port search, not a GET per record", async () => {
      const agent = world.loadBundle();
      const envs = ["env-4", "env-5", "env-6", "env-7", "env-8"];
      for (const env of envs) world.addEnvironment(env, "billing");
      const runs = envs.map((env) => ({ env, runId: world.createRun(env) }));
      const missing = world.createRun("env-1");
      const summary = await agent.handler(world.kafkaEvent([
        ...runs.map(({ env, runId }) => ({ value: world.request(runId, "img-1", env) })),
        { value: world.request(missing, "img-1", "env-404") },
      ]));
      assert.deepEqual(summary.outcomes, { started: 5, refused: 1 });
      assert.deepEqual(world.port.requestsTo("POST", "/entities/search").map((r) => r.path), ["/v1/blueprints/environment/entities/search"]);
      // The one image they share is a single GET.
      assert.deepEqual(world.port.requestsTo("GET", "/entities/").map((r) => r.path), ["/v1/blueprints/image/entities/img-1"]);
      assert.equal(world.port.run(missing)!.run.summary, "Deploy refused: environment env-404 does not exist in Port");
    });
  });

  describe("redelivery", () => {
    it("a request delivered three times (concurrently and again later) starts exactly one build and reports once", async () => {
      const agent = world.loadBundle();
      const other = world.loadBundle(); // a second warm container, as the ESM may use
      const runId = world.createRun("env-1");
      const event = world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]);
      const results = await Promise.all([agent.handler(event), other.handler(event)]);
      const third = await agent.handler(event);
      const outcomes = [...results, third].map((r) => Object.keys(r.outcomes)[0]).sort();
      assert.deepEqual(outcomes, ["duplicate", "duplicate", "started"]);
      assert.equal(world.cf.buildsFor(runId).length, 1);
      assert.equal(runPosts().length, 1);
      const run = world.port.run(runId)!;
      assert.equal(run.patches.length, 1, "Port is not told twice");
      assert.equal(run.logs.length, 1);
    });

    it("a redelivered refusal does not report again (Port keeps its first answer)", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-3");
      const event = world.kafkaEvent([{ value: world.request(runId, "img-7", "env-3") }]);
      await agent.handler(event);
      const again = await agent.handler(event);
      assert.deepEqual(again.outcomes, { duplicate: 1 });
      assert.equal(world.port.run(runId)!.patches.length, 1);
    });
  });

  describe("bad records", () => {
    it("a mixed batch with garbage never throws, fails recoverable runs with a reason and still starts the good ones", async () => {
      const agent = world.loadBundle();
      const good1 = world.createRun("env-1");
      const good2 = world.createRun("env-2");
      const badSchema = world.createRun("env-1");
      const event = world.kafkaEvent([
        { value: Buffer.from("{not json") },
        { value: { rawBase64: "%%%not-base64%%%" } },
        { value: world.request(good1, "img-1", "env-1"), partition: 1 },
        { value: { runId: badSchema, action: "deploy_image", image: "", environment: "env-1" } },
        { value: { action: "deploy_image", image: "img-1" } },
        { value: world.request(good2, "img-1", "env-2"), partition: 2 },
      ]);
      // A record with no offset at all and one with no value, as a broken producer might send.
      event.records["org_test.runs-3"] = [{ topic: "org_test.runs", partition: 3 }, { topic: "org_test.runs", partition: 3, offset: 9, value: null }];
      const summary = await agent.handler(event);
      assert.deepEqual(summary.outcomes, { malformed: 6, started: 2 });
      assert.equal(world.cf.buildsFor(good1).length, 1);
      assert.equal(world.cf.buildsFor(good2).length, 1);
      assert.equal(runPosts().length, 2);
      const failed = world.port.run(badSchema)!;
      assert.equal(failed.run.status, "FAILURE");
      assert.match(failed.run.summary!, /could not be read: the deploy request is invalid \(.*image.*pipeline.*\)/);
      assert.ok(!world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(badSchema)));
    });

    it("a message of another Kafka action on the org topic is left alone", async () => {
      const agent = world.loadBundle();
      const foreignRun = world.createRun("env-1");
      const summary = await agent.handler(world.kafkaEvent([{ value: { action: "create_vm", runId: foreignRun, properties: {} } }]));
      assert.deepEqual(summary.outcomes, { foreign: 1 });
      assert.equal(world.port.run(foreignRun)!.patches.length, 0);
    });

    it("an event that is not a Kafka event is logged and ignored, not thrown", async () => {
      const agent = world.loadBundle({ POWERTOOLS_LOG_LEVEL: "INFO" });
      const capture = captureOutput();
      let result;
      try {
        result = await agent.handler({ hello: "world" });
      } finally {
        capture.restore();
      }
      assert.deepEqual(result, { records: 0, outcomes: {} });
      const logged = capture.lines().filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; message: string; reason?: string });
      assert.deepEqual(logged.map((l) => [l.level, l.message]), [["ERROR", "event ignored"]]);
      assert.match(logged[0].reason ?? "", /not a Kafka event/);
      assert.equal(world.port.requests.length, 0, "ignored: Port is not called");
      assert.equal(world.cf.requests.length, 0, "ignored: Codefresh is not called");
    });
  });

  describe("refusals", () => {
    const addProductionEnvironment = () => {
      const kind = ENVIRONMENT_KINDS.find((k) => k === "Production")!;
      world.port.seed({ entities: { [BLUEPRINTS.environment]: [{ identifier: "billing-prod", properties: { [ENVIRONMENT.kind]: kind }, relations: { [ENVIRONMENT.product]: "billing" } }] } });
    };

    it("refuses an image and environment of different products with a readable summary and no deployment entity", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-3");
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-7", "env-3") }]));
      assert.deepEqual(summary.outcomes, { refused: 1 });
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.equal(run.run.summary, "Deploy refused: image img-7 belongs to product billing, environment env-3 to product portal");
      assert.equal(run.logs.length, 1);
      assert.equal(runPosts().length, 0);
      assert.equal(world.port.entities(BLUEPRINTS.deployment).length, 0);
    });

    it("refuses a Production deploy that did not come through the approval action (a run created through Port's API), and starts the approved one", async () => {
      addProductionEnvironment();
      const agent = world.loadBundle();
      const bypass = world.createRun("billing-prod");
      const fromImage = world.createRun("billing-prod");
      const approved = world.createRun("billing-prod");
      const summary = await agent.handler(world.kafkaEvent([
        { value: world.request(bypass, "img-1", "billing-prod", { action: DEPLOY_ACTIONS.fromEnvironment }) },
        { value: world.request(fromImage, "img-1", "billing-prod", { action: DEPLOY_ACTIONS.fromImage }) },
        { value: world.request(approved, "img-1", "billing-prod", { action: DEPLOY_ACTIONS.fromEnvironmentWithApproval }) },
      ]));
      assert.deepEqual(summary.outcomes, { refused: 2, started: 1 });
      for (const runId of [bypass, fromImage]) {
        const run = world.port.run(runId)!;
        assert.equal(run.run.status, "FAILURE");
        assert.equal(run.run.summary, 'Deploy refused: environment billing-prod is Production: deploy it with "Deploy an image to this environment (approval required)"');
        assert.equal(world.cf.buildsFor(runId).length, 0);
      }
      assert.equal(world.cf.buildsFor(approved).length, 1);
    });

    it("starts any Production deploy when the stack turned production approvals off (REQUIRE_PRODUCTION_APPROVAL=false)", async () => {
      addProductionEnvironment();
      let agent;
      try {
        agent = world.loadBundle({ REQUIRE_PRODUCTION_APPROVAL: "false" });
      } finally {
        delete process.env.REQUIRE_PRODUCTION_APPROVAL; // read at load; not among the keys the world resets
      }
      const runId = world.createRun("billing-prod");
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "billing-prod") }]));
      assert.deepEqual(summary.outcomes, { started: 1 });
    });

    it("refuses a pipeline outside the allowlist without calling Codefresh", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1", { pipeline: "deploy/not-allowed" }) }]));
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.match(run.run.summary!, /pipeline "deploy\/not-allowed" is not one this agent may start \(allowed: deploy\/deploy-app\)/);
      assert.equal(world.cf.requests.length, 0);
    });

    it("refuses an image that does not exist", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-404", "env-1") }]));
      assert.equal(world.port.run(runId)!.run.summary, "Deploy refused: image img-404 does not exist in Port");
    });

    it("reports a Codefresh 4xx once, in Codefresh's own words, and does not retry it", async () => {
      const agent = world.loadBundle({ ALLOWED_PIPELINES: `${DEPLOY_PIPELINE},deploy/unknown` });
      const runId = world.createRun("env-1");
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1", { pipeline: "deploy/unknown" }) }]));
      assert.deepEqual(summary.outcomes, { failed: 1 });
      assert.equal(runPosts().length, 1);
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.equal(run.run.summary, "Codefresh refused to start deploy/unknown: Could not find pipeline: deploy/unknown (HTTP 404)");
    });
  });

  describe("remote faults", () => {
    it("rides out 429 and 500 bursts from Port and a 429 burst from Codefresh, still one build per run", async () => {
      const agent = world.loadBundle();
      const runs = ["env-1", "env-2"].map((env) => ({ env, runId: world.createRun(env) }));
      world.port.inject({ method: "GET", path: "/entities/", times: 3, status: 429 });
      world.port.inject({ method: "PATCH", path: "/v1/actions/runs/", times: 2, status: 500 });
      world.port.inject({ method: "POST", path: "/logs", times: 1, status: 503 });
      world.cf.injectError(429, { method: "POST", path: "/api/pipelines/run/", times: 2 });
      const summary = await agent.handler(world.kafkaEvent(runs.map(({ env, runId }) => ({ value: world.request(runId, "img-1", env) }))));
      assert.deepEqual(summary.outcomes, { started: 2 });
      for (const { runId } of runs) {
        assert.equal(world.cf.buildsFor(runId).length, 1);
        const run = world.port.run(runId)!;
        assert.ok(run.run.externalRunId);
        assert.equal(run.logs.length, 1);
      }
      assert.equal(world.port.requests.filter((r) => r.status === 429).length, 3);
      assert.equal(world.port.requests.filter((r) => r.status === 500).length, 2);
      assert.equal(runPosts().filter((r) => r.status === 429).length, 2);
    });

    it("refreshes the Port token once when it expires in the middle of a batch", async () => {
      const agent = world.loadBundle({ AGENT_CONCURRENCY: "2" });
      world.port.latencyMs = 15;
      const envs = ["env-1", "env-2"];
      const inputs = Array.from({ length: 8 }, (_, i) => {
        const env = envs[i % 2];
        return { value: world.request(world.createRun(env), "img-1", env) };
      });
      const event = world.kafkaEvent(inputs);
      const expiry = setTimeout(() => world.port.expireTokens(), 120);
      const summary = await agent.handler(event);
      clearTimeout(expiry);
      assert.deepEqual(summary.outcomes, { started: 8 });
      assert.ok(world.port.requests.some((r) => r.status === 401), "some call met the expired token");
      assert.equal(world.port.tokensIssued, 2, "one token before, one after expiry: cached, refreshed once");
    });
  });

  describe("ordering", () => {
    it("handles requests for the same environment one after the other in Kafka order, other environments alongside", async () => {
      const agent = world.loadBundle();
      world.port.latencyMs = 20;
      world.cf.latencyMs = 20;
      const a = [world.createRun("env-1"), world.createRun("env-1"), world.createRun("env-1")];
      const b = world.createRun("env-2");
      const event = world.kafkaEvent([
        { value: world.request(a[0], "img-1", "env-1") },
        { value: world.request(a[1], "img-7", "env-1") },
        { value: world.request(b, "img-1", "env-2") },
        { value: world.request(a[2], "img-1", "env-1") },
      ]);
      await agent.handler(event);
      const posts = runPosts().map((r) => (r.body as { variables: Record<string, string> }).variables.PORT_RUN_ID);
      assert.deepEqual(posts.filter((id) => a.includes(id)), a, "env-1 builds start in offset order");
      // Sequential means each env-1 request began only after the previous one was fully reported.
      const doneAt = (runId: string) => Math.max(...world.port.requests.filter((r) => r.path.includes(runId)).map((r) => r.at));
      const startedAt = (runId: string) => world.cf.requestsTo("POST", "/api/pipelines/run/").find((r) => (r.body as { variables: Record<string, string> }).variables.PORT_RUN_ID === runId)!.at;
      assert.ok(startedAt(a[1]) > doneAt(a[0]), "second env-1 request starts its build after the first was reported");
      assert.ok(startedAt(a[2]) > doneAt(a[1]));
      assert.ok(startedAt(b) < startedAt(a[1]), "env-2 did not wait behind env-1");
    });
  });

  describe("reaper", () => {
    const doc = () => DynamoDBDocumentClient.from(world.dynamo.client);

    it("closes the run of a terminated build with a summary, and a second reaper running at once does nothing harmful", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      const [build] = world.cf.buildsFor(runId);
      world.cf.setBuildStatus(build.id, "terminated");
      world.port.latencyMs = 10;
      const other = world.loadBundle();
      const [r1, r2] = await Promise.all([agent.reaper({}), other.reaper({})]);
      const closed = (r1.outcomes.closed ?? 0) + (r2.outcomes.closed ?? 0);
      assert.equal(closed, 1, `exactly one reaper closes: ${JSON.stringify([r1, r2])}`);
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.equal(run.run.summary, `Deploy build ${build.id} was terminated before it could report`);
      assert.equal(run.patches.filter((p) => p.status).length, 1, "closed once");
      assert.equal(run.logs.length, 2, "start log + one reaper log");
      assert.equal(world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(runId))!.properties[DEPLOYMENT.status], "terminated");
      const entry = await doc().send(new GetCommand({ TableName: world.table, Key: { runId } }));
      assert.equal(entry.Item?.state, "closed");
      assert.equal((await agent.reaper({})).entries, 0, "nothing left to reap");
    });

    it("leaves a running build alone and forgets a run its pipeline already closed", async () => {
      const agent = world.loadBundle();
      const running = world.createRun("env-1");
      const reported = world.createRun("env-2");
      await agent.handler(world.kafkaEvent([{ value: world.request(running, "img-1", "env-1") }, { value: world.request(reported, "img-1", "env-2") }]));
      // The deploy pipeline closes its run itself, then its build ends.
      const [b2] = world.cf.buildsFor(reported);
      world.cf.setBuildStatus(b2.id, "success");
      world.port.run(reported)!.run.status = "SUCCESS";
      const patchesBefore = world.port.run(reported)!.patches.length;
      const result = await agent.reaper({});
      assert.deepEqual(result.outcomes, { running: 1, "already-closed": 1 });
      assert.equal(world.port.run(running)!.run.status, "IN_PROGRESS");
      assert.equal(world.port.run(reported)!.patches.length, patchesBefore);
    });

    it("adopts a build started by an agent that died before recording it, then closes the run when it ends", async () => {
      const agent = world.loadBundle({ REAPER_CLAIM_LEASE_SECONDS: "60" });
      const runId = world.createRun("env-1");
      const claimedAt = Date.now() - 61_000;
      await doc().send(new PutCommand({ TableName: world.table, Item: { runId, state: "claimed", pipeline: DEPLOY_PIPELINE, environment: "env-1", claimedAt, updatedAt: claimedAt, expiresAt: 2e9 } }));
      // The build the dead agent started (with its annotation), plus an unrelated one.
      const call = (runFor: string) =>
        fetch(`${world.cf.url}/api/pipelines/run/${encodeURIComponent(DEPLOY_PIPELINE)}`, {
          method: "POST",
          headers: { authorization: DEFAULT_CODEFRESH_API_KEY, "content-type": "application/json" },
          body: JSON.stringify({ variables: { PORT_RUN_ID: runFor }, annotations: { port_run_id: runFor } }),
        }).then((r) => r.json() as Promise<string>);
      await call("r_someoneElse");
      const buildId = await call(runId);
      const first = await agent.reaper({});
      assert.deepEqual(first.outcomes, { adopted: 1 });
      const run = world.port.run(runId)!;
      assert.equal(run.run.externalRunId, buildId);
      assert.equal(run.run.status, "IN_PROGRESS");
      world.cf.setBuildStatus(buildId, "success");
      const second = await agent.reaper({});
      assert.deepEqual(second.outcomes, { closed: 1 });
      assert.equal(world.port.run(runId)!.run.status, "SUCCESS");
      assert.equal(world.cf.builds().length, 2, "the reaper never starts builds");
    });

    it("fails a run whose claim is stale and for which no build exists", async () => {
      const agent = world.loadBundle({ REAPER_CLAIM_LEASE_SECONDS: "60" });
      const runId = world.createRun("env-1");
      await doc().send(new PutCommand({ TableName: world.table, Item: { runId, state: "claimed", pipeline: DEPLOY_PIPELINE, environment: "env-1", claimedAt: Date.now() - 61_000, updatedAt: 0, expiresAt: 2e9 } }));
      const result = await agent.reaper({});
      assert.deepEqual(result.outcomes, { closed: 1 });
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.match(run.run.summary!, /stopped before it started the Codefresh build/);
    });

    it("does not touch a fresh claim (its agent may still be starting the build)", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      await doc().send(new PutCommand({ TableName: world.table, Item: { runId, state: "claimed", pipeline: DEPLOY_PIPELINE, environment: "env-1", claimedAt: Date.now(), updatedAt: 0, expiresAt: 2e9 } }));
      assert.deepEqual((await agent.reaper({})).outcomes, { waiting: 1 });
      assert.equal(world.port.run(runId)!.patches.length, 0);
    });
  });

  describe("credentials from Secrets Manager", () => {
    it("reads both secrets once per container (cached) and starts builds with them", async () => {
      const sm = await startSecretsManager({
        "arn:aws:secretsmanager:eu-west-1:1:secret:port": JSON.stringify(TEST_CREDENTIALS),
        "arn:aws:secretsmanager:eu-west-1:1:secret:cf": DEFAULT_CODEFRESH_API_KEY,
      });
      try {
        const agent = world.loadBundle({
          PORT_CLIENT_ID: "", PORT_CLIENT_SECRET: "", CODEFRESH_API_KEY: "",
          PORT_CREDENTIALS_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:port",
          CODEFRESH_API_KEY_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:cf",
          AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
        });
        for (const env of ["env-1", "env-2"]) {
          const runId = world.createRun(env);
          assert.deepEqual((await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", env) }]))).outcomes, { started: 1 });
        }
        assert.deepEqual(sm.calls.sort(), [
          "secretsmanager.GetSecretValue arn:aws:secretsmanager:eu-west-1:1:secret:cf",
          "secretsmanager.GetSecretValue arn:aws:secretsmanager:eu-west-1:1:secret:port",
        ]);
      } finally {
        await sm.stop();
      }
    });
  });

  describe("logs and settings", () => {
    it("writes structured JSON lines that never contain a secret, a token, the user's e-mail or a whole message", async () => {
      const capture = captureOutput();
      let lines: string[];
      try {
        const agent = world.loadBundle({ POWERTOOLS_LOG_LEVEL: "DEBUG", ALLOWED_PIPELINES: `${DEPLOY_PIPELINE},deploy/unknown` });
        const ok = world.createRun("env-1");
        const refused = world.createRun("env-3");
        const cfFail = world.createRun("env-2");
        const bad = world.createRun("env-1");
        world.port.inject({ method: "GET", path: "/entities/", times: 1, status: 500 });
        await agent.handler(world.kafkaEvent([
          { value: world.request(ok, "img-1", "env-1") },
          { value: world.request(refused, "img-7", "env-3") },
          { value: world.request(cfFail, "img-1", "env-2", { pipeline: "deploy/unknown" }) },
          { value: { runId: bad, action: "deploy_image", requestedBy: "dev@example.com" } },
        ]));
        world.port.expireTokens();
        world.cf.setBuildStatus(world.cf.buildsFor(ok)[0].id, "error");
        await agent.reaper({});
      } finally {
        capture.restore();
        lines = capture.lines();
      }
      assert.ok(lines.length >= 6, `expected log lines, got ${lines.length}`);
      const tokens = [...world.port.state.tokens.keys()];
      const forbidden = [TEST_CREDENTIALS.clientSecret, DEFAULT_CODEFRESH_API_KEY, "dev@example.com", "registry.example.com", ...tokens];
      assertCleanOutput(lines, forbidden);
    });

    it("(the output check itself) fails on a secret in any line, JSON or not, and on a line that is not JSON", () => {
      const json = JSON.stringify({ level: "INFO", message: "record handled" });
      assert.doesNotThrow(() => assertCleanOutput([json, "(node:1) Warning: NodeVersionSupportWarning: …"], ["s3cr3t"]));
      assert.throws(() => assertCleanOutput([json, "token s3cr3t"], ["s3cr3t"]), /leaks s3cr3t/, "console.log of a secret");
      assert.throws(() => assertCleanOutput([JSON.stringify({ level: "INFO", message: "s3cr3t" })], ["s3cr3t"]), /leaks/);
      assert.throws(() => assertCleanOutput([json, "  at someLibrary (lib.js:1)"], ["s3cr3t"]), /not a JSON log line/);
      assert.throws(() => assertCleanOutput([json, 'debug {"value":"eyJhbGciOi"}'], ["s3cr3t"]), /payload/);
    });

    it("fails at start with one clear line when a setting is missing", async () => {
      const capture = captureOutput();
      let agent;
      try {
        agent = world.loadBundle({ RUN_LEDGER_TABLE: "", ALLOWED_PIPELINES: "", POWERTOOLS_LOG_LEVEL: "ERROR" });
      } finally {
        capture.restore();
      }
      const errors = capture.lines().filter((l) => l.includes("agent settings"));
      assert.equal(errors.length, 1);
      assert.match(errors[0], /agent settings: RUN_LEDGER_TABLE is required; ALLOWED_PIPELINES is required/);
      await assert.rejects(agent.handler(world.kafkaEvent([])), /^SettingsError: agent settings: RUN_LEDGER_TABLE is required; ALLOWED_PIPELINES is required$/);
    });
  });
});
