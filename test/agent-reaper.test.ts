// The reapers against the emulators as the real services answer: Port's run reads carry no
// `externalRunId` and its run listing no `offset`; Codefresh's build listing is paged, takes
// `startDate` as a date, and GET build needs `noAccount`. Both reapers are driven through their
// public entry points (reap, reapPortRuns); assertions read the emulators' state and request logs.
import assert from "node:assert/strict";
import { PutCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { BLUEPRINTS, DEPLOYMENT, RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import { CodefreshClient } from "../clients/codefresh";
import { PortClient } from "../clients/port";
import type { AgentDeps } from "../agent/deploy-record";
import { RunLedger } from "../agent/ledger";
import { reap, reapPortRuns, LedgerDeps } from "../agent/reaper";
import { AgentWorld, DEPLOY_PIPELINE } from "./support/agent-world";
import { DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { TEST_CREDENTIALS } from "./support/port-emulator";

const FAST = { retries: 1, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 };
const PORT_APP = "https://app.example.com";

describe("reapers (DynamoDB ledger and Port runs) against pessimistic emulators", function () {
  this.timeout(60_000);
  let world: AgentWorld;

  before(async () => {
    world = await AgentWorld.start();
  });
  after(() => world?.stop());
  beforeEach(async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    for (let i = 0; i < 6; i++) world.addEnvironment(`env-${i}`, "billing");
  });

  const deps = (): LedgerDeps => {
    const port = new PortClient({ baseUrl: world.port.url, credentials: TEST_CREDENTIALS, policy: FAST });
    const codefresh = new CodefreshClient({ baseUrl: world.cf.url, apiKey: DEFAULT_CODEFRESH_API_KEY, policy: FAST });
    const ledger = new RunLedger({ table: world.table, ttlDays: 30, client: world.dynamo.client });
    return { port, codefresh, ledger, allowedPipelines: [DEPLOY_PIPELINE], requireProductionApproval: false, portAppUrl: PORT_APP };
  };
  const portDeps = (): AgentDeps => deps();
  const opts = { claimLeaseMs: 900_000, lockLeaseMs: 120_000, concurrency: 8 };
  const putEntry = (item: Record<string, unknown>) =>
    DynamoDBDocumentClient.from(world.dynamo.client).send(new PutCommand({ TableName: world.table, Item: { pipeline: DEPLOY_PIPELINE, environment: "env-1", updatedAt: 0, expiresAt: 2e9, ...item } }));
  /** A run as Port creates it from "Deploy an image to this environment" on env, with image chosen. */
  const deployRun = (env = "env-1", createdAt?: string) => {
    const id = world.port.createRun({ action: DEPLOY_ACTIONS.fromEnvironment, entity: env, properties: { image: "img-1", cf_pipeline: DEPLOY_PIPELINE } });
    if (createdAt) world.port.run(id)!.run.createdAt = createdAt;
    return id;
  };
  const build = (runId: string, status: "running" | "terminated" | "success" | "error" = "running") => {
    const b = world.cf.seedBuild(DEPLOY_PIPELINE, { annotations: { [RUN_ID_ANNOTATION]: runId } });
    world.cf.setBuildStatus(b.id, status);
    return b;
  };
  const buildUrl = (id: string) => `${world.cf.url}/build/${id}`;
  /** What the agent reports at start: link and label (Port keeps externalRunId to itself). */
  const linkInPort = (runId: string, buildId: string) => {
    const run = world.port.run(runId)!.run;
    run.link = buildUrl(buildId);
    run.externalRunId = buildId;
    run.statusLabel = "Deploying";
  };
  const patches = (runId: string) => world.port.requestsTo("PATCH", `/v1/actions/runs/${runId}`);
  const annotationReads = () => world.cf.requestsTo("GET", "/api/annotations").map((r) => new URLSearchParams(r.query).get("entityId"));

  describe("DynamoDB reaper", () => {
    it("adopts a build with more than 100 newer builds of its pipeline, reading each build's annotations at most once", async () => {
      const runId = deployRun();
      const lost = deployRun("env-2");
      const claimedAt = Date.now() - 3_600_000;
      await putEntry({ runId, state: "claimed", claimedAt });
      await putEntry({ runId: lost, state: "claimed", claimedAt, environment: "env-2" });
      const mine = build(runId);
      // 150 newer builds of other runs fill the first page of GET /api/workflow.
      await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 150; i++) build(`r_other${i}`);

      const result = await reap(deps(), { ...opts, claimLeaseMs: 60_000 });
      assert.deepEqual(result.outcomes, { adopted: 1, closed: 1 });
      const run = world.port.run(runId)!.run;
      assert.equal(run.status, "IN_PROGRESS", "never closed FAILURE while its build runs");
      assert.deepEqual(run.link, buildUrl(mine.id));
      assert.equal(world.port.run(lost)!.run.status, "FAILURE", "the run without a build is closed");
      const reads = annotationReads();
      assert.equal(new Set(reads).size, reads.length, "no build's annotations read twice in one pass");
      assert.ok(reads.length <= 151, `${reads.length} annotation reads for 151 builds`);
      const listings = world.cf.requestsTo("GET", "/api/workflow").map((r) => new URLSearchParams(r.query));
      assert.ok(listings.length >= 2, "paged past the first page");
      for (const q of listings) assert.match(q.get("startDate")!, /^\d{4}-\d{2}-\d{2}$/, "startDate is a date, as the CLI sends it");
    });

    it("links a running build once, then leaves its run alone pass after pass", async () => {
      const runId = deployRun();
      const b = build(runId);
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      linkInPort(runId, b.id);
      for (let pass = 0; pass < 3; pass++) assert.deepEqual((await reap(deps(), opts)).outcomes, { running: 1 });
      assert.equal(patches(runId).length, 0, "a linked run is not PATCHed again");

      const unlinked = deployRun("env-2");
      const b2 = build(unlinked);
      await putEntry({ runId: unlinked, state: "started", claimedAt: Date.now(), buildId: b2.id, buildUrl: buildUrl(b2.id), environment: "env-2" });
      assert.deepEqual((await reap(deps(), opts)).outcomes, { running: 1, linked: 1 });
      assert.deepEqual((await reap(deps(), opts)).outcomes, { running: 2 });
      assert.equal(patches(unlinked).length, 1, "linked exactly once");
      assert.equal(world.port.run(unlinked)!.run.link, buildUrl(b2.id));
    });

    it("closes the run of a terminated build with a final status label, not \"Deploying\"", async () => {
      const runId = deployRun();
      const b = build(runId, "terminated");
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      linkInPort(runId, b.id);
      assert.deepEqual((await reap(deps(), opts)).outcomes, { closed: 1 });
      const run = world.port.run(runId)!.run;
      assert.equal(run.status, "FAILURE");
      assert.equal(run.statusLabel, "Terminated");
    });

    it("does not take a 422 on the closing PATCH for \"already closed\": the run is read, and closed on a later pass", async () => {
      const runId = deployRun();
      const b = build(runId, "error");
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      linkInPort(runId, b.id);
      world.port.inject({ method: "PATCH", path: `/v1/actions/runs/${runId}`, status: 422, times: 1 });
      assert.deepEqual((await reap(deps(), { ...opts, lockLeaseMs: 0 })).outcomes, { failed: 1 });
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
      assert.deepEqual((await reap(deps(), { ...opts, lockLeaseMs: 0 })).outcomes, { closed: 1 });
      assert.equal(world.port.run(runId)!.run.status, "FAILURE");
    });

    it("writes the deployment entity whole when the agent's first write was lost, and keeps what the agent wrote", async () => {
      const runId = deployRun();
      const b = build(runId, "success");
      const claimedAt = Date.now() - 10_000;
      await putEntry({ runId, state: "started", claimedAt, buildId: b.id, buildUrl: buildUrl(b.id) });
      linkInPort(runId, b.id);
      // The agent's write got through for this one: its requester must survive the reaper's write.
      const other = deployRun("env-2");
      const b2 = build(other, "terminated");
      await putEntry({ runId: other, state: "started", claimedAt, buildId: b2.id, buildUrl: buildUrl(b2.id), environment: "env-2" });
      linkInPort(other, b2.id);
      world.port.seed({ entities: { [BLUEPRINTS.deployment]: [{ identifier: deploymentIdentifier(other), properties: { [DEPLOYMENT.status]: "running", [DEPLOYMENT.requestedBy]: "dev@example.com" }, relations: { [DEPLOYMENT.image]: "img-1", [DEPLOYMENT.environment]: "env-2", [DEPLOYMENT.product]: "billing" } }] } });

      assert.deepEqual((await reap(deps(), opts)).outcomes, { closed: 2 });
      const entity = world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(runId))!;
      assert.deepEqual(entity.relations, { [DEPLOYMENT.image]: "img-1", [DEPLOYMENT.environment]: "env-1", [DEPLOYMENT.product]: "billing" });
      const p = entity.properties;
      assert.equal(p[DEPLOYMENT.status], "success");
      assert.equal(p[DEPLOYMENT.build], buildUrl(b.id));
      assert.equal(p[DEPLOYMENT.runId], runId);
      assert.match(String(p[DEPLOYMENT.runLink]), new RegExp(`runId=${runId}$`));
      assert.ok(p[DEPLOYMENT.startedAt] && p[DEPLOYMENT.finishedAt], "start and finish times");
      assert.equal(entity.title, "img-1 → env-1");
      const kept = world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(other))!;
      assert.equal(kept.properties[DEPLOYMENT.requestedBy], "dev@example.com");
      assert.equal(kept.properties[DEPLOYMENT.status], "terminated");
    });
    it("never closes a stale closing entry FAILURE while its 20-minute-old build runs (the pass's listing reaches back to it)", async () => {
      const runId = deployRun();
      const claimedAt = Date.now() - 20 * 60_000;
      // A reaper locked it (claimed phase, no build id) and died: the lock is stale, the entry not "claimed".
      await putEntry({ runId, state: "closing", claimedAt, lockedAt: claimedAt + 1_000, lockToken: "dead-reaper" });
      const b = build(runId);
      b.created = new Date(claimedAt + 2_000).toISOString();
      const result = await reap(deps(), opts);
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS", "not closed while its build runs");
      assert.deepEqual(result.outcomes, { adopted: 1 });
      assert.equal(world.port.run(runId)!.run.link, buildUrl(b.id));
    });

    it("leaves a stale claim open when its pipeline cannot be found in Codefresh (unknown, not \"no build\")", async () => {
      const runId = deployRun();
      await putEntry({ runId, state: "claimed", claimedAt: Date.now() - 3_600_000, pipeline: "ghost/pipeline" });
      const result = await reap(deps(), opts);
      assert.equal(result.outcomes.closed, undefined);
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
    });

    it("a very old claim lists its own window: the pass's shared listing reaches back at most a day", async () => {
      const ancient = deployRun();
      const recent = deployRun("env-2");
      await putEntry({ runId: ancient, state: "claimed", claimedAt: Date.now() - 3 * 86_400_000 });
      await putEntry({ runId: recent, state: "claimed", claimedAt: Date.now() - 3_600_000, environment: "env-2" });
      build(recent);
      const result = await reap(deps(), { ...opts, concurrency: 1 });
      assert.deepEqual(result.outcomes, { adopted: 1, closed: 1 });
      const firstPages = world.cf.requestsTo("GET", "/api/workflow").map((r) => new URLSearchParams(r.query)).filter((q) => q.get("page") === "1");
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000 - 60_000).toISOString().slice(0, 10);
      assert.ok(firstPages.some((q) => q.get("startDate")! >= twoDaysAgo), `listings from ${firstPages.map((q) => q.get("startDate")).join(", ")}`);
    });

    it("closes a run even when Port refuses its log line, pass after pass", async () => {
      const runId = deployRun();
      const b = build(runId, "error");
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      linkInPort(runId, b.id);
      world.port.inject({ method: "POST", path: `/v1/actions/runs/${runId}/logs`, status: 422, times: 100 });
      assert.deepEqual((await reap(deps(), opts)).outcomes, { closed: 1 });
      assert.equal(world.port.run(runId)!.run.status, "FAILURE");
    });

    it("terminates the build when Port refuses the link because the run was closed meanwhile", async () => {
      const runId = deployRun();
      const b = build(runId);
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      world.port.inject({ method: "PATCH", path: `/v1/actions/runs/${runId}`, status: 422, times: 1 });
      // Port shows it in progress to the reaper's first read, then closed (someone closed it by hand).
      let reads = 0;
      const d = deps();
      const getRun = d.port.getRun.bind(d.port);
      d.port.getRun = async (id: string) => {
        const r = await getRun(id);
        if (++reads === 1) world.port.run(runId)!.run.status = "FAILURE";
        return r;
      };
      const result = await reap(d, opts);
      assert.notDeepEqual(result.outcomes, { linked: 1 }, "a refused link is not reported linked");
      assert.equal(world.cf.requestsTo("DELETE", "/api/progress/").length, 1, "the build behind a closed run is terminated");
    });

    it("does not report linked when Port refuses the link of a run still in progress", async () => {
      const runId = deployRun();
      const b = build(runId);
      await putEntry({ runId, state: "started", claimedAt: Date.now(), buildId: b.id, buildUrl: buildUrl(b.id) });
      world.port.inject({ method: "PATCH", path: `/v1/actions/runs/${runId}`, status: 422, times: 1 });
      assert.deepEqual((await reap(deps(), opts)).outcomes, { failed: 1 });
      assert.equal(world.cf.requestsTo("DELETE", "/api/progress/").length, 0);
    });
  });

  describe("Port-run reaper (no DynamoDB)", () => {
    const portOpts = { actions: Object.values(DEPLOY_ACTIONS), concurrency: 8 };

    it("closes the run of a terminated build named by its link, and leaves a running one unpatched", async () => {
      const ended = deployRun();
      const running = deployRun("env-2");
      const b1 = build(ended, "terminated");
      const b2 = build(running);
      linkInPort(ended, b1.id);
      linkInPort(running, b2.id);
      const result = await reapPortRuns(portDeps(), portOpts);
      assert.deepEqual(result.outcomes, { closed: 1, running: 1 });
      const run = world.port.run(ended)!.run;
      assert.equal(run.status, "FAILURE");
      assert.equal(run.summary, `Deploy build ${b1.id} was terminated before it could report`);
      assert.equal(run.statusLabel, "Terminated");
      assert.equal(world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(ended))!.relations[DEPLOYMENT.product], "billing");
      await reapPortRuns(portDeps(), portOpts);
      assert.equal(patches(running).length, 0, "a running build's run is never PATCHed");
    });

    it("finds the build of an unlinked run by its annotation: links a running one, closes an ended one", async () => {
      const old = new Date(Date.now() - 600_000).toISOString();
      const running = deployRun("env-1", old);
      const ended = deployRun("env-2", old);
      const none = deployRun("env-3", old);
      const fresh = deployRun("env-4");
      const b1 = build(running);
      const b2 = build(ended, "success");
      build(fresh);
      const result = await reapPortRuns(portDeps(), portOpts);
      assert.deepEqual(result.outcomes, { adopted: 1, closed: 1, waiting: 2 });
      assert.equal(world.port.run(running)!.run.link, buildUrl(b1.id));
      assert.equal(world.port.run(running)!.run.status, "IN_PROGRESS");
      assert.equal(world.port.run(ended)!.run.status, "SUCCESS");
      assert.equal(world.port.run(ended)!.run.link, buildUrl(b2.id));
      assert.equal(world.port.run(none)!.run.status, "IN_PROGRESS", "no build: left alone");
      assert.equal(world.port.run(fresh)!.run.link, undefined, "a run within its grace is not searched for");
      assert.deepEqual((await reapPortRuns(portDeps(), portOpts)).outcomes, { running: 1, waiting: 2 });
    });

    it("with more than 1000 active runs, still closes the oldest one's ended build, paging without offset", async () => {
      const oldest = deployRun("env-0");
      const b = build(oldest, "terminated");
      linkInPort(oldest, b.id);
      await new Promise((r) => setTimeout(r, 5));
      // 1,200 newer runs of the same action (all in progress, nothing linked yet) across five environments.
      for (let i = 0; i < 1200; i++) deployRun(`env-${1 + (i % 5)}`);
      const result = await reapPortRuns(portDeps(), portOpts);
      assert.equal(result.outcomes.closed, 1);
      assert.equal(result.entries, 1201);
      assert.equal(world.port.run(oldest)!.run.status, "FAILURE");
      const listings = world.port.requestsTo("GET", "/v1/actions/runs").filter((r) => r.path === "/v1/actions/runs");
      assert.ok(listings.every((r) => !new URLSearchParams(r.query).has("offset")), "no offset: Port's spec has none");
    });

    it("closes a run left \"start uncertain\" or \"starting\" past the lease when Codefresh definitely has no build for it", async () => {
      const old = new Date(Date.now() - 3_600_000).toISOString();
      const uncertain = deployRun("env-1", old);
      const starting = deployRun("env-2", old);
      const fresh = deployRun("env-3", old);
      world.port.run(uncertain)!.run.statusLabel = "Deploy build start uncertain: checking Codefresh";
      world.port.run(starting)!.run.statusLabel = "Starting deploy build";
      world.port.run(fresh)!.run.statusLabel = "Starting deploy build";
      for (const id of [uncertain, starting]) world.port.run(id)!.run.updatedAt = old;
      const result = await reapPortRuns(portDeps(), { ...portOpts, startLeaseMs: 900_000 });
      assert.deepEqual(result.outcomes, { closed: 2, waiting: 1 });
      for (const id of [uncertain, starting]) {
        const run = world.port.run(id)!.run;
        assert.equal(run.status, "FAILURE");
        assert.match(String(run.summary), /no Codefresh build/i);
        assert.equal(run.statusLabel, "Not started");
      }
      assert.equal(world.port.run(fresh)!.run.status, "IN_PROGRESS", "a label set within the lease is left alone");
    });

    it("leaves an uncertain run open when its pipeline cannot be found (unknown is not \"none\")", async () => {
      const old = new Date(Date.now() - 3_600_000).toISOString();
      const runId = deployRun("env-1", old);
      world.port.run(runId)!.run.statusLabel = "Deploy build start uncertain: checking Codefresh";
      world.port.run(runId)!.run.updatedAt = old;
      const result = await reapPortRuns({ ...portDeps(), allowedPipelines: ["ghost/pipeline"] }, { ...portOpts, startLeaseMs: 900_000 });
      assert.equal(world.port.run(runId)!.run.status, "IN_PROGRESS");
      assert.equal(result.outcomes.closed, undefined);
    });

    it("a malformed escape in one run's link fails that run only, and the pass goes on", async () => {
      const bad = deployRun("env-1");
      world.port.run(bad)!.run.link = `${world.cf.url}/build/%E0%A4%A`;
      const ended = deployRun("env-2");
      const b = build(ended, "terminated");
      linkInPort(ended, b.id);
      const result = await reapPortRuns(portDeps(), portOpts);
      assert.equal(result.outcomes.closed, 1);
      assert.equal(world.port.run(ended)!.run.status, "FAILURE");
    });
  });
});
