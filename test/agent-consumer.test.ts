// The Kubernetes entry point without a broker: its Kafka settings, the message → core path with
// a fake kafkajs consumer (against the emulators and dynalite), offsets committed only after
// handling, SIGTERM wiring, and the bundled consumer failing at start on missing settings.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import * as path from "node:path";
import type { EachBatchPayload } from "kafkajs";
import { AgentConsumer, installShutdown, kafkaConfig, runConsumer } from "../agent/consumer";
import { logger } from "../agent/log";
import { createAgent } from "../agent/runtime";
import { loadAgentSettings, loadConsumerSettings } from "../agent/settings";
import { AgentWorld, snapshotEnv, AGENT_ENV_KEYS } from "./support/agent-world";

const CONSUMER_BUNDLE = path.resolve(__dirname, "..", "dist", "agent", "consumer.js");

describe("agent consumer (Kubernetes entry point)", function () {
  this.timeout(30_000);
  before(() => logger.setLogLevel("SILENT"));
  after(() => logger.setLogLevel("INFO"));

  it("connects with SASL/SCRAM-512 over TLS and never logs through kafkajs' own console", () => {
    const settings = loadConsumerSettings({
      RUN_LEDGER_TABLE: "t", ALLOWED_PIPELINES: "deploy/app", PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "test-client-secret", CODEFRESH_API_KEY: "k",
      KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "user", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent",
    });
    const config = kafkaConfig(settings);
    assert.equal(config.ssl, true);
    assert.deepEqual(config.sasl, { mechanism: "scram-sha-512", username: "user", password: "test-password" });
    assert.deepEqual(config.brokers, ["b-1:9196"]);
    assert.equal(typeof config.logCreator, "function");
  });

  it("the bundled consumer fails at start with one line naming the missing settings", function () {
    const res = spawnSync(process.execPath, [CONSUMER_BUNDLE], { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", timeout: 20_000 });
    assert.equal(res.status, 2);
    const lines = res.stderr.split("\n").filter((l) => l.startsWith("agent settings:"));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0], /RUN_LEDGER_TABLE is required.*KAFKA_BROKERS is required.*PORT_ORG_ID is required/);
  });

  it("stops on SIGTERM by disconnecting once (the running batch finishes and commits), then exits 0", async () => {
    const proc = new EventEmitter();
    let disconnects = 0;
    const exits: number[] = [];
    let finishBatch!: () => void;
    const batchDone = new Promise<void>((r) => (finishBatch = r));
    const consumer = { disconnect: async () => { disconnects++; await batchDone; } };
    installShutdown(consumer as never, (c) => exits.push(c), proc as unknown as NodeJS.Process);
    proc.emit("SIGTERM");
    proc.emit("SIGINT");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, [], "does not exit while the batch runs");
    finishBatch();
    await new Promise((r) => setImmediate(r));
    assert.equal(disconnects, 1);
    assert.deepEqual(exits, [0]);
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
        commitOffsets: async (offsets) => {
          events.push(`commit after ${world.cf.builds().length} builds`);
          commits.push(offsets);
        },
        disconnect: async () => undefined,
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
        isRunning: () => true,
        isStale: () => false,
      } as unknown as EachBatchPayload);
      assert.deepEqual(events, ["connect", 'subscribe ["org_1.runs"]', "commit after 2 builds"]);
      assert.deepEqual(commits, [[{ topic: "org_1.runs", partition: 3, offset: "44" }]]);
      assert.deepEqual(resolved, ["43"]);
      for (const runId of runs) assert.equal(world.cf.buildsFor(runId).length, 1);
    });
  });
});
