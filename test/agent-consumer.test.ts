// The Kubernetes entry point without a broker: its Kafka settings, the message → core path with
// a fake kafkajs consumer (against the emulators and moto), offsets committed only after
// handling, SIGTERM wiring, the bundled consumer failing at start on missing settings, the
// probes' health files, and the DynamoDB-less mode (Port's run state as ledger, reaper in-process).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { EachBatchPayload, Kafka, logLevel } from "kafkajs";
import { BLUEPRINTS, DEPLOYMENT } from "../blueprints/vocabulary";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { AgentConsumer, consumerAgent, installShutdown, kafkaConfig, runConsumer, startReaperLoop } from "../agent/consumer";
import type { AgentDeps } from "../agent/deploy-record";
import { HealthFiles } from "../agent/health";
import { logger } from "../agent/log";
import { PortRunLedger } from "../agent/port-ledger";
import { createAgent } from "../agent/runtime";
import { loadAgentSettings, loadConsumerSettings } from "../agent/settings";
import { AgentWorld, captureOutput, snapshotEnv, AGENT_ENV_KEYS } from "./support/agent-world";

/** kafkajs' own event names (a consumer object connects nothing until connect()). */
const EVENTS = new Kafka({ brokers: ["127.0.0.1:1"], logCreator: () => () => undefined }).consumer({ groupId: "g" }).events;

/** A kafkajs consumer stand-in: `events`/`on` as kafkajs has them, driven by `emit`; batches by `deliver`. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const commits: unknown[] = [];
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer: AgentConsumer = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config) => void (eachBatch = config?.eachBatch),
    disconnect: async () => undefined,
    events: EVENTS,
    on: ((name: string, listener: (e: unknown) => void) => {
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    }) as AgentConsumer["on"],
  };
  return {
    consumer,
    commits,
    /** Events someone listens to. */
    watched: () => emitter.eventNames(),
    emit: (name: string, payload: Record<string, unknown> = {}) => emitter.emit(name, { id: 1, type: name, timestamp: Date.now(), payload }),
    deliver: (partition: number, messages: { offset: string; value: unknown }[]) =>
      eachBatch!({
        batch: { topic: "org_1.runs", partition, messages: messages.map((m) => ({ offset: m.offset, value: Buffer.from(JSON.stringify(m.value)) })) } as never,
        resolveOffset: () => undefined,
        heartbeat: async () => undefined,
        commitOffsetsIfNecessary: async (offsets: unknown) => void commits.push(offsets),
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CONSUMER_BUNDLE = path.resolve(__dirname, "..", "dist", "agent", "consumer.js");

describe("agent consumer (Kubernetes entry point)", function () {
  this.timeout(30_000);
  before(() => logger.setLogLevel("SILENT"));
  after(() => logger.setLogLevel("INFO"));

  it("connects with SASL/SCRAM-512 over TLS and never logs through kafkajs' own console", () => {
    const settings = loadConsumerSettings({
      AWS_REGION: "eu-west-1", RUN_LEDGER_TABLE: "ledger", ALLOWED_PIPELINES: "deploy/app", PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "test-client-secret", CODEFRESH_API_KEY: "k",
      KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "user", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent",
    });
    const config = kafkaConfig(settings);
    assert.equal(config.ssl, true);
    assert.deepEqual(config.sasl, { mechanism: "scram-sha-512", username: "user", password: "test-password" });
    assert.deepEqual(config.brokers, ["b-1:9196"]);
    // What kafkajs would log becomes structured lines of the agent's logger, and nothing else.
    const log = config.logCreator!(logLevel.INFO);
    logger.setLogLevel("WARN");
    const capture = captureOutput();
    try {
      log({ namespace: "Connection", level: logLevel.ERROR, label: "ERROR", log: { timestamp: "t", message: "Connection error: refused", broker: "b-1:9196" } });
      log({ namespace: "Runner", level: logLevel.WARN, label: "WARN", log: { timestamp: "t", message: "heartbeat slow" } });
    } finally {
      capture.restore();
      logger.setLogLevel("SILENT");
    }
    const lines = capture.lines().map((l) => JSON.parse(l) as { level: string; message: string });
    assert.deepEqual(lines.map((l) => [l.level, l.message]), [["ERROR", "kafkajs Connection: Connection error: refused"], ["WARN", "kafkajs Runner: heartbeat slow"]]);
  });

  it("the bundled consumer fails at start with one line naming the missing settings", function () {
    const res = spawnSync(process.execPath, [CONSUMER_BUNDLE], { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 20_000 });
    assert.equal(res.status, 2);
    const lines = res.stderr.split("\n").filter((l) => l.startsWith("agent settings:"));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0], /KAFKA_BROKERS is required.*PORT_ORG_ID is required/);
    assert.doesNotMatch(lines[0], /RUN_LEDGER_TABLE/, "the consumer runs without DynamoDB");
  });

  it("stops on SIGTERM by disconnecting once (the running batch finishes and commits), then exits 0", async () => {
    const proc = new EventEmitter();
    let disconnects = 0;
    let beforeStops = 0;
    const exits: number[] = [];
    let finishBatch!: () => void;
    const batchDone = new Promise<void>((r) => (finishBatch = r));
    const consumer = { disconnect: async () => { disconnects++; await batchDone; } };
    installShutdown(consumer as never, (c) => exits.push(c), proc as unknown as NodeJS.Process, () => void beforeStops++);
    proc.emit("SIGTERM");
    proc.emit("SIGINT");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, [], "does not exit while the batch runs");
    assert.equal(beforeStops, 1, "health and reaper are stopped at once");
    finishBatch();
    await new Promise((r) => setImmediate(r));
    assert.equal(disconnects, 1);
    assert.deepEqual(exits, [0]);
  });

  describe("health files for the pod's probes", () => {
    let dir: string;
    let health: HealthFiles | undefined;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "agent-health-"))));
    afterEach(() => {
      health?.stopHeartbeat();
      rmSync(dir, { recursive: true, force: true });
    });
    const mtime = (file: string) => statSync(file).mtimeMs;

    it("writes ready on group join, removes it on a crash, and touches alive every heartbeat while running", async () => {
      const healthDir = path.join(dir, "agent"); // created by the consumer, as /tmp/agent in the pod
      const ready = path.join(healthDir, "ready");
      const alive = path.join(healthDir, "alive");
      const fake = fakeConsumer();
      health = new HealthFiles(healthDir, 40);
      await runConsumer(fake.consumer, {} as AgentDeps, { topic: "org_1.runs", concurrency: 4 }, health);
      assert.ok(existsSync(alive), "alive from the start");
      assert.ok(!existsSync(ready), "not ready before the group is joined");

      fake.emit(EVENTS.GROUP_JOIN, { groupId: "org_1.agent" });
      assert.ok(existsSync(ready));
      let before = mtime(alive);
      await sleep(150);
      assert.ok(mtime(alive) > before, "alive touched by the heartbeat");

      // kafkajs restarts after a retriable crash: not ready meanwhile, but alive.
      fake.emit(EVENTS.CRASH, { error: new Error("broker gone"), groupId: "org_1.agent", restart: true });
      assert.ok(!existsSync(ready));
      before = mtime(alive);
      await sleep(150);
      assert.ok(mtime(alive) > before, "still alive while kafkajs restarts the consumer");
      fake.emit(EVENTS.GROUP_JOIN, { groupId: "org_1.agent" });
      assert.ok(existsSync(ready), "ready again after rejoining");

      // A crash kafkajs does not restart: alive goes stale, so the liveness probe restarts the pod.
      fake.emit(EVENTS.CRASH, { error: new Error("fatal"), groupId: "org_1.agent", restart: false });
      assert.ok(!existsSync(ready));
      await sleep(60);
      before = mtime(alive);
      await sleep(150);
      assert.equal(mtime(alive), before, "no heartbeat after a final crash");
    });

    it("removes ready and stops the heartbeat when the consumer disconnects", async () => {
      const ready = path.join(dir, "ready");
      const alive = path.join(dir, "alive");
      const fake = fakeConsumer();
      health = new HealthFiles(dir, 40);
      await runConsumer(fake.consumer, {} as AgentDeps, { topic: "org_1.runs", concurrency: 4 }, health);
      fake.emit(EVENTS.GROUP_JOIN, { groupId: "org_1.agent" });
      assert.ok(existsSync(ready));
      fake.emit(EVENTS.DISCONNECT);
      assert.ok(!existsSync(ready));
      assert.equal(health.beating, false);
      const before = mtime(alive);
      await sleep(120);
      assert.equal(mtime(alive), before);
    });

    it("writes nothing without a health dir (AGENT_HEALTH_DIR unset)", async () => {
      const fake = fakeConsumer();
      await runConsumer(fake.consumer, {} as AgentDeps, { topic: "org_1.runs", concurrency: 4 });
      assert.deepEqual(fake.watched(), [], "no health wiring at all");
      assert.equal(loadConsumerSettings({ ...KAFKA_ENV, ALLOWED_PIPELINES: "deploy/app", PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "s", CODEFRESH_API_KEY: "k" }).healthDir, undefined);
    });
  });

  describe("message → core path", () => {
    let world: AgentWorld;
    let restoreEnv: () => void;
    before(async () => {
      restoreEnv = snapshotEnv();
      world = await AgentWorld.start();
    });
    after(async () => {
      await world?.stop();
      restoreEnv?.();
    });

    it("handles a fetched batch with the same core and commits offset last+1 only after the records are handled", async () => {
      await world.reset();
      world.addImage("img-1", "billing");
      world.addEnvironment("env-1", "billing");
      for (const k of AGENT_ENV_KEYS) delete process.env[k];
      Object.assign(process.env, world.env());
      const agent = createAgent(loadAgentSettings());
      const runs = [world.createRun("env-1"), world.createRun("env-1")];
      const events: string[] = [];
      const commits: unknown[] = [];
      let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
      const fake: AgentConsumer = {
        connect: async () => void events.push("connect"),
        subscribe: async (s) => void events.push(`subscribe ${JSON.stringify((s as { topics: string[] }).topics)}`),
        run: async (config) => {
          assert.equal(config?.autoCommit, false, "offsets are committed by hand");
          eachBatch = config?.eachBatch;
        },
        disconnect: async () => undefined,
        events: EVENTS,
        on: (() => () => undefined) as AgentConsumer["on"],
      };
      await runConsumer(fake, agent.deps, { topic: "org_1.runs", concurrency: 4 });
      const resolved: string[] = [];
      const messages = [
        { offset: "41", value: Buffer.from(JSON.stringify(world.request(runs[0], "img-1", "env-1"))) },
        { offset: "42", value: Buffer.from("not json") },
        { offset: "43", value: Buffer.from(JSON.stringify(world.request(runs[1], "img-1", "env-1"))) },
      ];
      await eachBatch!({
        batch: { topic: "org_1.runs", partition: 3, messages } as never,
        resolveOffset: (o: string) => void resolved.push(o),
        heartbeat: async () => undefined,
        // The batch's own commit: kafkajs' consumer.commitOffsets() is a no-op once a SIGTERM stops the consumer.
        commitOffsetsIfNecessary: async (offsets: unknown) => {
          events.push(`commit after ${world.cf.builds().length} builds`);
          commits.push(offsets);
        },
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload);
      assert.deepEqual(events, ["connect", 'subscribe ["org_1.runs"]', "commit after 2 builds"]);
      assert.deepEqual(commits, [{ topics: [{ topic: "org_1.runs", partitions: [{ partition: 3, offset: "44" }] }] }]);
      assert.deepEqual(resolved, ["43"]);
      for (const runId of runs) assert.equal(world.cf.buildsFor(runId).length, 1);
    });

    describe("without RUN_LEDGER_TABLE (the Kubernetes runtime has no DynamoDB)", () => {
      const settings = () => {
        const env: Record<string, string> = { ...world.env(), ...KAFKA_ENV };
        delete env.RUN_LEDGER_TABLE;
        return loadConsumerSettings(env);
      };
      beforeEach(async () => {
        await world.reset();
        world.addImage("img-1", "billing");
        world.addImage("img-portal", "portal");
        world.addEnvironment("env-1", "billing");
        world.addEnvironment("env-2", "billing");
      });

      it("uses Port's run state as the ledger: a redelivered request starts no second build, in the same process or after a restart", async () => {
        const s = settings();
        assert.equal(s.ledgerTable, undefined);
        const first = consumerAgent(s);
        assert.ok(first.deps.ledger instanceof PortRunLedger);
        const started = world.createRun("env-1");
        const refused = world.createRun("env-2");
        const fake = fakeConsumer();
        await runConsumer(fake.consumer, first.deps, s);
        const messages = [
          { offset: "7", value: world.request(started, "img-1", "env-1") },
          { offset: "8", value: world.request(refused, "img-portal", "env-2") },
        ];
        await fake.deliver(0, messages);
        const [build] = world.cf.buildsFor(started);
        assert.equal(world.cf.buildsFor(started).length, 1);
        assert.equal(world.port.run(started)!.run.externalRunId, build.id);
        assert.equal(world.port.run(refused)!.run.status, "FAILURE", "cross-product request refused");
        const reports = (id: string) => world.port.run(id)!.patches.length + world.port.run(id)!.logs.length;
        const before = [reports(started), reports(refused)];

        // The commit was lost: the same batch again, to the same process...
        await fake.deliver(0, messages);
        // ...and to a restarted process, which remembers nothing: only Port's run state can tell.
        const restarted = consumerAgent(s);
        const fake2 = fakeConsumer();
        await runConsumer(fake2.consumer, restarted.deps, s);
        await fake2.deliver(0, messages);

        assert.equal(world.cf.builds().length, 1, "one build in all");
        assert.deepEqual([reports(started), reports(refused)], before, "Port keeps what the first delivery reported");
        assert.equal(world.port.run(started)!.run.status, "IN_PROGRESS");
        assert.ok(world.port.requestsTo("GET", `/v1/actions/runs/${started}`).length >= 2, "the ledger reads the run from Port");
      });

      it("runs the reaper in-process: a terminated build's run is closed from Port's active runs, a running one left alone", async () => {
        const s = settings();
        assert.equal(s.reaperIntervalSeconds, 300);
        const agent = consumerAgent(s);
        const ended = world.createRun("env-1");
        const running = world.createRun("env-2");
        const fake = fakeConsumer();
        await runConsumer(fake.consumer, agent.deps, s);
        await fake.deliver(0, [
          { offset: "1", value: world.request(ended, "img-1", "env-1") },
          { offset: "2", value: world.request(running, "img-1", "env-2") },
        ]);
        const [build] = world.cf.buildsFor(ended);
        world.cf.setBuildStatus(build.id, "terminated");

        const loop = startReaperLoop(agent.reapPass, 50);
        try {
          for (let i = 0; i < 100 && world.port.run(ended)!.run.status === "IN_PROGRESS"; i++) await sleep(20);
        } finally {
          await loop.stop();
        }
        const run = world.port.run(ended)!;
        assert.equal(run.run.status, "FAILURE");
        assert.equal(run.run.summary, `Deploy build ${build.id} was terminated before it could report`);
        assert.equal(run.patches.filter((p) => p.status).length, 1, "closed once");
        assert.equal(world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(ended))!.properties[DEPLOYMENT.status], "terminated");
        assert.equal(world.port.run(running)!.run.status, "IN_PROGRESS", "a running build's run stays open");
        assert.ok(world.port.requestsTo("GET", "/v1/actions/runs").some((r) => /active=true/.test(r.query)), "listed Port's active runs");

        const again = await agent.reapPass();
        assert.deepEqual(again.outcomes, { running: 1 }, "nothing left to close");
        assert.equal(world.cf.builds().length, 2, "the reaper never starts builds");
      });
    });
  });
});

const KAFKA_ENV = { KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "user", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent" };
