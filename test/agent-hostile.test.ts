// The agent under hostile conditions (issue 11, deploy path): lost answers after the side effect,
// an unreachable or silent DynamoDB, runs Port closed meanwhile, other teams' messages, refused
// reports, echoed secrets, broken events. The built bundle against the emulators and moto (local DynamoDB),
// with Port's run reads shaped as Port shapes them (no externalRunId, no offset).
import assert from "node:assert/strict";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { handleBatch } from "../agent/batch";
import { consumerAgent } from "../agent/consumer";
import { decodeMessage } from "../agent/kafka-records";
import { logger } from "../agent/log";
import { STARTING_LABEL, UNCERTAIN_LABEL } from "../agent/port-ledger";
import { loadConsumerSettings } from "../agent/settings";
import { AgentWorld, DEPLOY_PIPELINE, TOPIC, captureOutput, useBundleWorld } from "./support/agent-world";
import { DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { startLossyDynamo, startSilentDynamo } from "./support/dynamodb";
import { TEST_CREDENTIALS } from "./support/port-emulator";

const GENERIC_422 = { ok: false, error: "invalid_request", message: "The json provided does not match the route's schema" };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

describe("agent under hostile conditions (deploy path)", function () {
  this.timeout(60_000);
  let world: AgentWorld;
  useBundleWorld((w) => (world = w));
  beforeEach(async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addImage("img-7", "billing");
    world.addEnvironment("env-1", "billing");
    world.addEnvironment("env-2", "billing");
    world.addEnvironment("env-3", "portal");
  });

  const runPosts = () => world.cf.requestsTo("POST", "/api/pipelines/run/");
  const ledgerEntry = async (runId: string) =>
    (await DynamoDBDocumentClient.from(world.dynamo.client).send(new GetCommand({ TableName: world.table, Key: { runId }, ConsistentRead: true }))).Item;
  const buildUrl = (id: string) => `${world.cf.url}/build/${id}`;

  describe("the Port emulator's runs, as Port's response schemas shape them", () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const token = await fetch(`${world.port.url}/v1/auth/access_token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(TEST_CREDENTIALS) });
      const { accessToken } = (await token.json()) as { accessToken: string };
      const res = await fetch(`${world.port.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    it("accepts externalRunId in a PATCH but never returns it (nor any undeclared field); the external_run_id filter still finds the run", async () => {
      const id = world.createRun("env-1");
      const patched = await call("PATCH", `/v1/actions/runs/${id}`, { externalRunId: "64ed0bc7c64d3336272d6c51", link: "https://cf/build/64ed0bc7c64d3336272d6c51" });
      assert.equal(patched.status, 200);
      (world.port.run(id)!.run as unknown as Record<string, unknown>).internalNote = "not in the schema";
      const one = await call("GET", `/v1/actions/runs/${id}`);
      const listed = await call("GET", "/v1/actions/runs?external_run_id=64ed0bc7c64d3336272d6c51");
      for (const run of [patched.body.run, one.body.run, listed.body.runs[0]]) {
        assert.equal(run.id, id);
        assert.equal(run.link, "https://cf/build/64ed0bc7c64d3336272d6c51");
        assert.ok(!("externalRunId" in run), "externalRunId is not in the response schema");
      }
      assert.ok(!("internalNote" in one.body.run));
      assert.equal(world.port.run(id)!.run.externalRunId, "64ed0bc7c64d3336272d6c51", "stored all the same");
    });

    it("ignores offset on the run listing (not in the spec) and caps limit at 1000", async () => {
      for (let i = 0; i < 3; i++) world.createRun("env-1");
      const first = await call("GET", "/v1/actions/runs?limit=2");
      const second = await call("GET", "/v1/actions/runs?limit=2&offset=2");
      assert.deepEqual(second.body.runs.map((r: { id: string }) => r.id), first.body.runs.map((r: { id: string }) => r.id));
      assert.equal((await call("GET", "/v1/actions/runs?limit=1001")).status, 422);
    });

    it("answers a PATCH or a log line on a finished run with a 422 that does not say why", async () => {
      const id = world.createRun("env-1");
      assert.equal((await call("PATCH", `/v1/actions/runs/${id}`, { status: "FAILURE" })).status, 200);
      const patch = await call("PATCH", `/v1/actions/runs/${id}`, { summary: "again" });
      const log = await call("POST", `/v1/actions/runs/${id}/logs`, { message: "late" });
      assert.deepEqual([patch.status, patch.body], [422, GENERIC_422]);
      assert.deepEqual([log.status, log.body], [422, GENERIC_422]);
    });
  });

  describe("lost answers after the build exists (11.1)", () => {
    const lose = (status: number | "network", times = 1) =>
      world.cf.inject({ method: "POST", path: "/api/pipelines/run/", times, status, afterEffect: true, body: status === "network" ? undefined : { status, code: "1001", name: "BAD_GATEWAY", message: "upstream" } });

    for (const status of [502, 503, "network"] as const) {
      it(`a build created but answered ${status === "network" ? "by a reset connection" : `HTTP ${status}`} is found by its annotation and linked, never posted again`, async () => {
        const agent = world.loadBundle();
        const runId = world.createRun("env-1");
        lose(status);
        const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
        assert.deepEqual(summary.outcomes, { adopted: 1 });
        assert.equal(runPosts().length, 1, "one POST");
        const builds = world.cf.buildsFor(runId);
        assert.equal(builds.length, 1, "one build");
        const run = world.port.run(runId)!;
        assert.equal(run.run.status, "IN_PROGRESS");
        assert.equal(run.run.link, buildUrl(builds[0].id));
        assert.equal((await ledgerEntry(runId))?.buildId, builds[0].id);
      });
    }

    it("when the build cannot be looked up, the run is left to the reaper and Port shows the uncertain start at once", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      lose(503);
      world.cf.injectError(500, { method: "GET", path: "/api/workflow", times: 20 });
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      assert.deepEqual(summary.outcomes, { uncertain: 1 });
      assert.equal(runPosts().length, 1);
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "IN_PROGRESS");
      assert.equal(run.run.statusLabel, UNCERTAIN_LABEL);
      assert.match(run.logs.map((l) => l.message).join("\n"), /no clear answer.*No second build/s);
      assert.equal((await ledgerEntry(runId))?.state, "claimed", "the reaper settles it");
    });
  });

  describe("no FAILURE while a build exists (11.2)", () => {
    it("a redelivery to two containers while DynamoDB is unreachable closes no run with a build (linked, or found by annotation), and still fails one without", async () => {
      const agent = world.loadBundle();
      const runs = ["env-1", "env-2", "env-1"].map((env) => ({ env, runId: world.createRun(env) }));
      const unlinked = runs[2].runId;
      // The third run's link never reached Port (a 4xx is not retried).
      world.port.inject({ method: "PATCH", path: `/v1/actions/runs/${unlinked}`, times: 1, status: 400 });
      const event = world.kafkaEvent(runs.map(({ env, runId }) => ({ value: world.request(runId, "img-1", env) })));
      assert.deepEqual((await agent.handler(event)).outcomes, { started: 3 });
      assert.equal(world.port.run(unlinked)!.run.link, undefined);

      const noBuild = world.createRun("env-2");
      // Two containers at once, both without their ledger.
      const noLedger = [world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1" }), world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1" })];
      const redelivery = world.kafkaEvent([
        ...runs.map(({ env, runId }) => ({ value: world.request(runId, "img-1", env) })),
        { value: world.request(noBuild, "img-1", "env-2") },
      ]);
      const again = await Promise.all(noLedger.map((agent) => agent.handler(redelivery)));
      assert.deepEqual(again.map((a) => a.outcomes), [{ failed: 4 }, { failed: 4 }]);
      for (const { runId } of runs) {
        assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS", runId);
        assert.equal(world.cf.buildsFor(runId).length, 1);
      }
      assert.equal(world.port.run(unlinked)!.run.link, buildUrl(world.cf.buildsFor(unlinked)[0].id), "linked now");
      assert.equal(runPosts().length, 3);
      const failed = world.port.run(noBuild)!;
      assert.equal(failed.run.status, "FAILURE");
      assert.match(failed.run.summary!, /run ledger is unavailable/);
      assert.equal(failed.patches.filter((p) => p.status).length, 1, "closed once");
    });
    it("a run closed in Port while its build was being started gets that build terminated, not a deploy behind a closed run", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-1");
      world.cf.latencyMs = 1500;
      // Closed (by hand, or by a container without its ledger) after the look-up, before the link.
      const close = setTimeout(() => (world.port.run(runId)!.run.status = "FAILURE"), 600);
      let summary;
      try {
        summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
      } finally {
        clearTimeout(close);
      }
      assert.deepEqual(summary.outcomes, { ended: 1 });
      const [build] = world.cf.buildsFor(runId);
      assert.ok(["terminating", "terminated"].includes(build.status), build.status);
      assert.equal(world.port.run(runId)!.run.status, "FAILURE");
    });
  });

  describe("a build starts only while Port shows the run IN_PROGRESS (11.3)", () => {
    for (const size of [2, 6]) {
      it(`runs closed in Port get no build when their requests arrive (batch of ${size})`, async () => {
        const agent = world.loadBundle();
        const runs = Array.from({ length: size }, (_, i) => world.createRun(i % 2 ? "env-1" : "env-2"));
        const closed = runs.filter((_, i) => i % 2 === 0);
        // Closed FAILURE earlier ("ledger unavailable"), the ledger never recorded them.
        for (const id of closed) world.port.run(id)!.run.status = "FAILURE";
        const summary = await agent.handler(world.kafkaEvent(runs.map((id, i) => ({ value: world.request(id, "img-1", i % 2 ? "env-1" : "env-2") }))));
        assert.deepEqual(summary.outcomes, { started: size / 2, ended: size / 2 });
        for (const id of closed) {
          assert.equal(world.cf.buildsFor(id).length, 0, id);
          assert.equal(world.port.run(id)!.patches.length + world.port.run(id)!.logs.length, 0, "Port keeps what it shows");
        }
        if (size > 4) assert.ok(world.port.requestsTo("GET", "/v1/actions/runs").some((r) => r.path === "/v1/actions/runs"), "a larger batch lists runs instead of a GET each");
      });
    }
  });

  describe("only our deploy actions' messages are ours (11.4)", () => {
    it("leaves another team's payload, Port's trigger-data shape, a v1 envelope and a non-string action alone, with a debug line and no Port call", async () => {
      const capture = captureOutput();
      let summary;
      const ids = [world.createRun("env-1"), world.createRun("env-1"), world.createRun("env-1"), world.createRun("env-1")];
      try {
        const agent = world.loadBundle({ POWERTOOLS_LOG_LEVEL: "DEBUG" });
        summary = await agent.handler(world.kafkaEvent([
          { value: { runId: ids[0], image: "img-1", environment: "env-1", pipeline: DEPLOY_PIPELINE } },
          { value: { action: { identifier: DEPLOY_ACTIONS.fromEnvironment }, run: { id: ids[1] }, inputs: {} } },
          { value: { action: "create_vm", resourceType: "run", status: "TRIGGERED", trigger: { by: { email: "x@example.com" } }, context: { runId: ids[2], entity: null, blueprint: "vm" }, payload: { properties: {} } } },
          { value: { runId: ids[3], action: 42 } },
        ]));
      } finally {
        capture.restore();
      }
      assert.deepEqual(summary.outcomes, { foreign: 4 });
      for (const id of ids) assert.equal(world.port.run(id)!.patches.length + world.port.run(id)!.logs.length, 0);
      assert.equal(world.port.requests.filter((r) => r.path.startsWith("/v1/actions/runs")).length, 0, "no run read or written");
      const lines = capture.lines().map((l) => JSON.parse(l) as { level: string; message: string });
      assert.equal(lines.filter((l) => l.message === "record of another action left alone" && l.level === "DEBUG").length, 4);
      assert.deepEqual(lines.filter((l) => l.level === "WARN" || l.level === "ERROR"), []);
    });
  });

  describe("a refused report is not a closed run (11.8, 10.9)", () => {
    it("a 422 on the run log does not skip the closing PATCH", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-3");
      world.port.inject({ method: "POST", path: `/v1/actions/runs/${runId}/logs`, times: 1, status: 422, body: GENERIC_422 });
      assert.deepEqual((await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-7", "env-3") }]))).outcomes, { refused: 1 });
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.match(run.run.summary!, /belongs to product billing/);
      assert.equal((await ledgerEntry(runId))?.state, "refused");
    });

    it("a run Port refuses to close while it shows it IN_PROGRESS is not marked done in the ledger (the reaper closes it)", async () => {
      const agent = world.loadBundle();
      const runId = world.createRun("env-3");
      world.port.inject({ method: "POST", path: `/v1/actions/runs/${runId}/logs`, times: 5, status: 422, body: GENERIC_422 });
      world.port.inject({ method: "PATCH", path: `/v1/actions/runs/${runId}`, times: 5, status: 422, body: GENERIC_422 });
      assert.deepEqual((await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-7", "env-3") }]))).outcomes, { failed: 1 });
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
      assert.equal((await ledgerEntry(runId))?.state, "claimed");
    });
  });

  describe("the run ledger's own faults (11.9, 11.10)", () => {
    it("a PutItem whose answer was lost is recognised as this delivery's own claim: the build starts", async () => {
      const lossy = await startLossyDynamo(world.dynamo.endpoint);
      try {
        const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: lossy.endpoint });
        const runId = world.createRun("env-1");
        lossy.loseAnswers("PutItem", 1);
        const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
        assert.ok(lossy.seen.filter((o) => o === "PutItem").length >= 2, "the SDK retried the PutItem");
        assert.deepEqual(summary.outcomes, { started: 1 });
        assert.equal(world.cf.buildsFor(runId).length, 1);
        assert.equal((await ledgerEntry(runId))?.state, "started");
      } finally {
        await lossy.stop();
      }
    });

    it("a DynamoDB that accepts connections and never answers: the batch ends within seconds, each run reported, none started", async () => {
      const silent = await startSilentDynamo();
      try {
        const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: silent.endpoint });
        const runs = Array.from({ length: 12 }, (_, i) => ({ env: `env-${(i % 2) + 1}`, runId: "" })).map((r) => ({ ...r, runId: world.createRun(r.env) }));
        const started = Date.now();
        const capture = captureOutput();
        let summary;
        try {
          summary = await Promise.race([
            agent.handler(world.kafkaEvent(runs.map(({ env, runId }) => ({ value: world.request(runId, "img-1", env) })))),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error("batch still running after 25 s")), 25_000)),
          ]);
        } finally {
          capture.restore();
        }
        const took = Date.now() - started;
        assert.deepEqual(capture.lines().filter((l) => /requestTimeout|node-http-handler/.test(l)), [], "the SDK's timeouts are errors, not console warnings");
        assert.ok(silent.connections() > 0, "DynamoDB was called");
        assert.ok(took < 15_000, `batch took ${took} ms`);
        assert.deepEqual(summary.outcomes, { failed: 12 });
        assert.equal(runPosts().length, 0);
        for (const { runId } of runs) assert.match(world.port.run(runId)!.run.summary ?? "", /run ledger is unavailable/, runId);
      } finally {
        await silent.stop();
      }
    });
  });

  describe("third-party text (11.11)", () => {
    it("a Codefresh refusal quoting the API key reaches neither the logs nor the run summary, and is capped", async () => {
      const capture = captureOutput();
      const runId = world.createRun("env-1");
      try {
        const agent = world.loadBundle({ POWERTOOLS_LOG_LEVEL: "DEBUG" });
        const message = `API key ${DEFAULT_CODEFRESH_API_KEY} is not allowed to run pipelines (Authorization: ${DEFAULT_CODEFRESH_API_KEY}) ${"detail ".repeat(800)}`;
        world.cf.inject({ method: "POST", path: "/api/pipelines/run/", times: 1, status: 403, body: { status: 403, code: "2403", name: "FORBIDDEN", message } });
        assert.deepEqual((await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]))).outcomes, { failed: 1 });
      } finally {
        capture.restore();
      }
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.match(run.run.summary!, /^Codefresh refused to start deploy\/deploy-app: API key \[redacted\] is not allowed/);
      assert.ok(run.run.summary!.length <= 1001, `summary of ${run.run.summary!.length} characters`);
      for (const text of [run.run.summary!, ...run.logs.map((l) => l.message), ...capture.lines()]) assert.ok(!text.includes(DEFAULT_CODEFRESH_API_KEY), text.slice(0, 200));
    });
  });

  describe("broken events and settings (11.12)", () => {
    it("a null partition drops nothing else, and a record without a valid offset still gets its run closed", async () => {
      const agent = world.loadBundle();
      const good = world.createRun("env-1");
      const badOffset = world.createRun("env-2");
      const event = world.kafkaEvent([{ value: world.request(good, "img-1", "env-1") }]);
      (event.records as Record<string, unknown>)[`${TOPIC}-7`] = null;
      event.records[`${TOPIC}-8`] = [null, { topic: TOPIC, partition: 8, offset: "not-a-number", value: b64(world.request(badOffset, "img-1", "env-2")) }];
      const summary = await agent.handler(event);
      assert.deepEqual(summary.outcomes, { started: 1, malformed: 1 });
      assert.equal(world.cf.buildsFor(good).length, 1);
      const closed = world.port.run(badOffset)!;
      assert.equal(closed.run.status, "FAILURE");
      assert.match(closed.run.summary!, /record lacks a valid offset/);
      assert.equal(world.cf.buildsFor(badOffset).length, 0);
    });

    it("fails at start with one line for a javascript: URL, a claim lease not above the function timeout, a bad table name and no AWS region", async () => {
      const capture = captureOutput();
      let agent;
      try {
        agent = world.loadBundle({
          PORT_API_URL: "javascript:alert(1)", REAPER_CLAIM_LEASE_SECONDS: "300", AGENT_FUNCTION_TIMEOUT_SECONDS: "300",
          RUN_LEDGER_TABLE: "x", AWS_REGION: "", POWERTOOLS_LOG_LEVEL: "ERROR",
        });
      } finally {
        capture.restore();
      }
      const errors = capture.lines().filter((l) => l.includes("agent settings"));
      assert.equal(errors.length, 1);
      for (const problem of [/PORT_API_URL is invalid \(expected an http\(s\) URL\)/, /RUN_LEDGER_TABLE is invalid/, /REAPER_CLAIM_LEASE_SECONDS \(300\) must exceed the function timeout \(300 s\)/, /AWS_REGION is required/]) {
        assert.match(errors[0], problem);
      }
      await assert.rejects(agent.handler(world.kafkaEvent([])), /^SettingsError: agent settings: /);
      assert.equal(world.port.requests.length + world.cf.requests.length, 0);
    });
  });

  describe("Kubernetes without DynamoDB (11.6)", () => {
    before(() => logger.setLogLevel("SILENT"));
    after(() => logger.setLogLevel("INFO"));
    const consumer = () => {
      const env: Record<string, string> = { ...world.env(), KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "user", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent" };
      delete env.RUN_LEDGER_TABLE;
      return consumerAgent(loadConsumerSettings(env));
    };
    /** What the previous pod did before it died: marked the run, started the build (its id), linked nothing. */
    const predecessorStarted = async (runId: string): Promise<string> => {
      world.port.run(runId)!.run.statusLabel = STARTING_LABEL;
      const res = await fetch(`${world.cf.url}/api/pipelines/run/${encodeURIComponent(DEPLOY_PIPELINE)}`, {
        method: "POST",
        headers: { authorization: DEFAULT_CODEFRESH_API_KEY, "content-type": "application/json" },
        body: JSON.stringify({ variables: { PORT_RUN_ID: runId }, annotations: { port_run_id: runId } }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as string;
    };
    const deliver = (agent: ReturnType<typeof consumer>, offset: number, value: unknown) =>
      handleBatch(agent.deps, [{ id: `org_1.runs-0@${offset}`, partitionKey: "org_1.runs-0", offset, message: decodeMessage(Buffer.from(JSON.stringify(value))) }], 4);

    it("a restarted pod adopts the build its predecessor started but could not link, instead of starting a second one", async () => {
      const runId = world.createRun("env-1");
      // The previous pod marked the run, started the build, and died before the link reached Port.
      const buildId = await predecessorStarted(runId);
      const summary = await deliver(consumer(), 1, world.request(runId, "img-1", "env-1"));
      assert.deepEqual(summary.outcomes, { adopted: 1 });
      assert.equal(world.cf.buildsFor(runId).length, 1);
      assert.equal(world.port.run(runId)!.run.link, buildUrl(buildId));
    });

    it("a restarted pod starts no second build for a run left \"start uncertain\" (the reaper settles it)", async () => {
      const runId = world.createRun("env-1");
      // The previous pod's start got no clear answer; Codefresh does not list the build yet.
      world.port.run(runId)!.run.statusLabel = UNCERTAIN_LABEL;
      const summary = await deliver(consumer(), 3, world.request(runId, "img-1", "env-1"));
      assert.deepEqual(summary.outcomes, { duplicate: 1 });
      assert.equal(runPosts().length, 0, "no second POST");
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
    });

    it("a restarted pod that cannot read the entities looks for its predecessor's build first, and never closes FAILURE over it", async () => {
      const runId = world.createRun("env-1");
      const buildId = await predecessorStarted(runId);
      world.port.inject({ method: "GET", path: "/entities/", status: 500, times: 50 });
      const summary = await deliver(consumer(), 4, world.request(runId, "img-1", "env-1"));
      world.port.clearFaults();
      assert.deepEqual(summary.outcomes, { adopted: 1 });
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
      assert.equal(world.port.run(runId)!.run.link, buildUrl(buildId));
    });

    it("a restarted pod that cannot read a marked run leaves it uncertain, never FAILURE over its predecessor's build", async () => {
      const runId = world.createRun("env-1");
      await predecessorStarted(runId);
      // The batch's run read fails (the claim's own read, which follows it, gets through).
      world.port.inject({ method: "GET", path: `/v1/actions/runs/${runId}`, status: 400, times: 1 });
      const summary = await deliver(consumer(), 6, world.request(runId, "img-1", "env-1"));
      assert.deepEqual(summary.outcomes, { uncertain: 1 });
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
      assert.equal(world.cf.buildsFor(runId).length, 1, "no second build");
    });

    it("a refused run closes FAILURE with a final status label, not the pre-start \"Starting deploy build\"", async () => {
      const runId = world.createRun("env-3");
      const summary = await deliver(consumer(), 5, world.request(runId, "img-7", "env-3"));
      assert.deepEqual(summary.outcomes, { refused: 1 });
      const run = world.port.run(runId)!.run;
      assert.equal(run.status, "FAILURE");
      assert.equal(run.statusLabel, "Not deployed");
    });

    it("marks a run before starting its build, and a fresh run needs no build look-up", async () => {
      const runId = world.createRun("env-1");
      const summary = await deliver(consumer(), 2, world.request(runId, "img-1", "env-1"));
      assert.deepEqual(summary.outcomes, { started: 1 });
      const [first] = world.port.run(runId)!.patches;
      assert.deepEqual(first, { statusLabel: STARTING_LABEL }, "the claim mark precedes the start");
      assert.equal(world.cf.requestsTo("GET", "/api/workflow").length, 0);
    });
  });
});
