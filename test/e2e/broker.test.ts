// The agent through a real Kafka broker (test/support/kafka-broker.ts: KRaft, SASL/SCRAM-SHA-512
// over TLS). The Kubernetes consumer runs as the pod runs it: the built bundle
// (dist/agent/consumer.js) in its own process, no DynamoDB (Port's run state is its ledger),
// against the Port and Codefresh emulators. Records are produced to "<org>.runs" and read back by
// the group "<org>.<name>"; the group's committed offsets are read with an admin client. The
// Lambda handler gets events built from records read from the same broker, shaped as the
// self-managed Kafka event source mapping delivers them.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { SelfManagedKafkaEvent } from "aws-lambda";
import { Admin, AssignerProtocol, Consumer, IHeaders, Kafka, KafkaMessage, logLevel, Producer } from "kafkajs";
import { runsTopic } from "../../infra/agent-config";
import { AgentWorld, BUNDLE, snapshotEnv } from "../support/agent-world";
import { KafkaBroker } from "../support/kafka-broker";
import { exited, guardChild, terminate } from "../support/spawned";

const ORG = "org_e2e";
const TOPIC = runsTopic(ORG);
/** As infra/agent-config.ts names it: `<orgId>.<agent name>`. */
const GROUP = `${ORG}.codefresh-agent`;
const USER = { name: "agent-e2e", password: "broker-test-password" };
const CONSUMER_BUNDLE = path.resolve(__dirname, "..", "..", "dist", "agent", "consumer.js");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** One `node dist/agent/consumer.js`, as the pod runs it; output kept for assertions. */
class ConsumerProcess {
  private output = "";
  private constructor(readonly name: string, readonly child: ChildProcess, readonly healthDir: string) {
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding("utf8").on("data", (chunk: string) => (this.output += chunk));
  }

  static start(name: string, env: Record<string, string>): ConsumerProcess {
    const healthDir = mkdtempSync(path.join(tmpdir(), `agent-${name}-`));
    const child = spawn(process.execPath, [CONSUMER_BUNDLE], { env: { ...env, AGENT_HEALTH_DIR: healthDir }, stdio: ["ignore", "pipe", "pipe"] });
    guardChild(child, healthDir);
    const proc = new ConsumerProcess(name, child, healthDir);
    running.add(proc);
    return proc;
  }

  lines(): string[] {
    return this.output.split("\n").filter((l) => l.trim() !== "");
  }

  /** Structured log lines (Powertools JSON) whose message is `message`. */
  logged(message: string): Record<string, unknown>[] {
    return this.lines().flatMap((l) => {
      try {
        const parsed: unknown = JSON.parse(l);
        return typeof parsed === "object" && parsed !== null && (parsed as { message?: unknown }).message === message ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /** In its group with partitions assigned: the readiness probe's file (written on GROUP_JOIN). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await until(`${this.name} to join ${GROUP}`, timeoutMs, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}):\n${this.output}`);
      return existsSync(path.join(this.healthDir, "ready"));
    });
  }

  exit(): Promise<number | string> {
    return exited(this.child);
  }

  /** SIGTERM, so it leaves the group (a killed member would hold its partitions for the 45 s session timeout); SIGKILL after 15 s. */
  async stop(): Promise<void> {
    await terminate(this.child, 15_000);
    running.delete(this);
    rmSync(this.healthDir, { recursive: true, force: true });
  }
}

const running = new Set<ConsumerProcess>();

describe("the agent through a real Kafka broker", function () {
  // The first run fetches the broker's jars from Maven Central (tools/kafka-jars.ts).
  this.timeout(240_000);
  let broker: KafkaBroker;
  let world: AgentWorld;
  let restoreEnv: () => void;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  before(async function () {
    if (!existsSync(CONSUMER_BUNDLE) || !existsSync(BUNDLE)) throw new Error("dist/agent is missing: run `npm run build` first (npm run test:broker does)");
    restoreEnv = snapshotEnv();
    [broker, world] = await Promise.all([KafkaBroker.start({ users: [USER] }), AgentWorld.start()]);
    kafka = new Kafka({
      clientId: "broker-test",
      brokers: [broker.bootstrap],
      ssl: { ca: [broker.caPem] },
      sasl: { mechanism: "scram-sha-512", username: USER.name, password: USER.password },
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    // Port creates the org topic; two partitions so that two consumers can split it.
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    // The agent subscribes from the latest offset when its group has none: start the group at
    // the (empty) topic's beginning, so a record produced right after the join is never skipped.
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: "0" }, { partition: 1, offset: "0" }] });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterEach(async function () {
    // A failing test shows what its consumers said (BROKER_TEST_DEBUG=1: every test).
    if (this.currentTest?.state === "failed" || process.env.BROKER_TEST_DEBUG) {
      for (const p of running) process.stderr.write(`--- ${p.name} (pid ${p.child.pid}):\n${p.lines().join("\n")}\n`);
    }
    await Promise.all([...running].map((p) => p.stop()));
  });

  after(async () => {
    await Promise.all([...running].map((p) => p.stop()));
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.stop();
    await world?.stop();
    restoreEnv?.();
  });

  /** The consumer's settings as the Kubernetes Deployment gives them (no RUN_LEDGER_TABLE). */
  function consumerEnv(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = { ...world.env(), PATH: process.env.PATH ?? "" };
    for (const k of ["RUN_LEDGER_TABLE", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) delete env[k];
    return {
      ...env,
      KAFKA_BROKERS: broker.bootstrap,
      KAFKA_USERNAME: USER.name,
      KAFKA_PASSWORD: USER.password,
      PORT_ORG_ID: ORG,
      KAFKA_CONSUMER_GROUP: GROUP,
      // The broker's certificate is self-signed: trusted the way a pod trusts a private CA.
      NODE_EXTRA_CA_CERTS: broker.caFile,
      POWERTOOLS_LOG_LEVEL: "INFO",
      // No reaper pass during a test: it would only add Port traffic.
      REAPER_INTERVAL_SECONDS: "86400",
      ...extra,
    };
  }

  async function committed(groupId = GROUP): Promise<Record<number, number>> {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    return Object.fromEntries(topic.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  /** Deploy requests of new runs, produced to one partition in one request (so they are fetched as one batch). */
  async function produceRuns(partition: number, runs: { runId: string; image: string; environment: string }[]): Promise<void> {
    await producer.send({
      topic: TOPIC,
      messages: runs.map((r) => ({ partition, key: r.runId, value: JSON.stringify(world.request(r.runId, r.image, r.environment)) })),
    });
  }

  function newRuns(count: number, image: string, environment: string) {
    return Array.from({ length: count }, () => ({ runId: world.createRun(environment), image, environment }));
  }

  function buildsPerRun(runs: { runId: string }[]): number[] {
    return runs.map((r) => world.cf.buildsFor(r.runId).length);
  }

  async function allStarted(runs: { runId: string }[], timeoutMs: number, expectedCommits: Record<number, number>): Promise<void> {
    await until("every run's build and the commit of its offset", timeoutMs, async () => {
      if (buildsPerRun(runs).some((n) => n === 0)) return false;
      const offsets = await committed();
      return Object.entries(expectedCommits).every(([p, o]) => offsets[Number(p)] === o);
    });
  }

  it("starts one build per run from records produced to <org>.runs, and commits their offsets once handled", async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addEnvironment("env-1", "billing");
    world.addEnvironment("env-2", "billing");
    const consumer = ConsumerProcess.start("basic", consumerEnv());
    await consumer.ready();
    const before = await committed();
    const runs = [...newRuns(2, "img-1", "env-1"), ...newRuns(1, "img-1", "env-2")];
    await produceRuns(0, runs);
    await allStarted(runs, 30_000, { 0: before[0] + 3 });
    assert.deepEqual(buildsPerRun(runs), [1, 1, 1]);
    for (const r of runs) assert.equal(world.port.run(r.runId)!.run.externalRunId, world.cf.buildsFor(r.runId)[0].id, "the run links its build");
    const handled = consumer.logged("batch handled");
    assert.ok(handled.length >= 1, consumer.lines().join("\n"));
    assert.deepEqual((await committed())[1], before[1], "nothing committed on the untouched partition");
  });

  it("on SIGTERM finishes and commits the running batch, leaves the group and exits 0", async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addEnvironment("env-1", "billing");
    const consumer = ConsumerProcess.start("drain", consumerEnv());
    await consumer.ready();
    const before = await committed();
    // One environment: its requests are handled one after the other, each ~3 slow Port calls.
    world.port.latencyMs = 250;
    const runs = newRuns(4, "img-1", "env-1");
    await produceRuns(0, runs);
    await until("the batch's first build", 30_000, () => world.cf.builds().length >= 1);
    assert.equal((await committed())[0], before[0], "nothing committed while the batch runs");
    assert.ok(world.cf.builds().length < runs.length, "SIGTERM arrives in the middle of the batch");
    consumer.child.kill("SIGTERM");
    assert.equal(await consumer.exit(), 0, consumer.lines().join("\n"));
    world.port.latencyMs = 0;
    assert.deepEqual(buildsPerRun(runs), [1, 1, 1, 1], "the running batch was finished");
    assert.equal((await committed())[0], before[0] + runs.length, "and committed before exit");
    const [group] = (await admin.describeGroups([GROUP])).groups;
    assert.deepEqual(group.members, [], "the consumer left its group");
    assert.ok(consumer.lines().some((l) => l.includes("received SIGTERM, shutting down")));
  });

  it("splits the partitions with a second consumer in the same group, still one build per run", async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    for (const env of ["env-1", "env-2", "env-3", "env-4"]) world.addEnvironment(env, "billing");
    const first = ConsumerProcess.start("first", consumerEnv());
    await first.ready();
    const second = ConsumerProcess.start("second", consumerEnv());
    await second.ready();
    const assignments = await until("both members to hold one partition each", 60_000, async () => {
      const [group] = (await admin.describeGroups([GROUP])).groups;
      if (group.state !== "Stable" || group.members.length !== 2) return false;
      const parts = group.members.map((m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[TOPIC] ?? []);
      return parts.every((p) => p.length === 1) ? parts.flat().sort() : false;
    });
    assert.deepEqual(assignments, [0, 1]);
    const before = await committed();
    const runs0 = [...newRuns(1, "img-1", "env-1"), ...newRuns(1, "img-1", "env-2")];
    const runs1 = [...newRuns(1, "img-1", "env-3"), ...newRuns(1, "img-1", "env-4")];
    await produceRuns(0, runs0);
    await produceRuns(1, runs1);
    await allStarted([...runs0, ...runs1], 30_000, { 0: before[0] + 2, 1: before[1] + 2 });
    assert.deepEqual(buildsPerRun([...runs0, ...runs1]), [1, 1, 1, 1]);
    const partitionsHandled = (p: ConsumerProcess) => new Set(p.logged("batch handled").map((l) => String(l.record).replace(/@\d+$/, "")));
    assert.deepEqual([...partitionsHandled(first), ...partitionsHandled(second)].sort(), [`${TOPIC}-0`, `${TOPIC}-1`], "each consumer handled its own partition");
    first.child.kill("SIGTERM");
    second.child.kill("SIGTERM");
    assert.deepEqual(await Promise.all([first.exit(), second.exit()]), [0, 0]);
  });

  it("after kill -9 in the middle of a batch, a new process gets the records again and still starts one build per run", async function () {
    // The dead member holds its partitions until its session times out (45 s), as a killed pod does.
    this.timeout(180_000);
    await world.reset();
    world.addImage("img-1", "billing");
    world.addEnvironment("env-1", "billing");
    const first = ConsumerProcess.start("killed", consumerEnv());
    await first.ready();
    const before = await committed();
    world.port.latencyMs = 250;
    const runs = newRuns(6, "img-1", "env-1");
    await produceRuns(0, runs);
    await until("two builds of the batch", 30_000, () => world.cf.builds().length >= 2);
    assert.equal((await committed())[0], before[0], "no offset committed before the batch is handled");
    first.child.kill("SIGKILL");
    assert.equal(await first.exit(), "SIGKILL");
    const startedBeforeKill = world.cf.builds().length;
    assert.ok(startedBeforeKill < runs.length, `killed in the middle of the batch (${startedBeforeKill} of ${runs.length} started)`);
    assert.equal((await committed())[0], before[0], "the killed process committed nothing");
    world.port.latencyMs = 0;

    const second = ConsumerProcess.start("restarted", consumerEnv());
    await allStarted(runs, 120_000, { 0: before[0] + runs.length });
    assert.deepEqual(buildsPerRun(runs), runs.map(() => 1), "exactly one build per run");
    assert.equal(world.cf.builds().length, runs.length);
    const outcomes = second.logged("record handled").map((l) => l.outcome);
    assert.equal(outcomes.length, runs.length, "the whole batch was delivered again");
    assert.equal(outcomes.filter((o) => o === "duplicate").length, startedBeforeKill, "the runs started before the kill were recognised");
    second.child.kill("SIGTERM");
    assert.equal(await second.exit(), 0);
  });

  it("fails at start with one clear line and a non-zero exit when the broker refuses the password", async () => {
    const consumer = ConsumerProcess.start("wrong-password", consumerEnv({ KAFKA_PASSWORD: "not-the-password" }));
    const code = await Promise.race([consumer.exit(), sleep(60_000).then(() => "still running")]);
    const lines = consumer.lines();
    assert.equal(code, 2, lines.join("\n"));
    const errors = lines.filter((l) => /"level":"ERROR"/.test(l) || !l.startsWith("{"));
    assert.equal(errors.length, 1, lines.join("\n"));
    assert.match(errors[0], /^agent settings: the Kafka brokers \(localhost:\d+\) refused the SASL\/SCRAM-SHA-512 login: check KAFKA_USERNAME and KAFKA_PASSWORD$/);
    assert.ok(!lines.some((l) => l.includes("not-the-password")), "the password is never logged");
  });

  it("the Lambda handler starts one build per run from events built from the broker's records, and none on redelivery", async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addEnvironment("env-1", "billing");
    world.addEnvironment("env-2", "billing");
    const runs = [...newRuns(1, "img-1", "env-1"), ...newRuns(1, "img-1", "env-2")];
    const sent = await producer.send({
      topic: TOPIC,
      messages: runs.map((r, i) => ({
        partition: i,
        key: r.runId,
        value: JSON.stringify(world.request(r.runId, r.image, r.environment)),
        headers: { "content-type": "application/json", trace: Buffer.from([0, 1, 254, 255]) },
      })),
    });
    // The event source mapping's own consumer group, new, reading the topic from its start; the
    // records of earlier tests are left out (admin.setOffsets would cost a 5 s fetch per call).
    const since = new Map(sent.map((s) => [s.partition, BigInt(s.baseOffset ?? "0")]));
    const all = await readRecords(kafka.consumer({ groupId: `${ORG}.lambda-esm`, maxWaitTimeInMs: 500 }), (read) => read.filter((r) => BigInt(r.message.offset) >= since.get(r.partition)!).length >= runs.length);
    const read = all.filter((r) => BigInt(r.message.offset) >= since.get(r.partition)!);
    const event = selfManagedKafkaEvent(broker.bootstrap, read);

    assert.deepEqual(Object.keys(event.records).sort(), [`${TOPIC}-0`, `${TOPIC}-1`]);
    const first = event.records[`${TOPIC}-0`][0];
    assert.equal(Buffer.from(first.key, "base64").toString(), runs[0].runId);
    assert.deepEqual(first.headers, [{ "content-type": [...Buffer.from("application/json")] }, { trace: [0, 1, 254, 255] }]);
    assert.equal(first.offset, Number(sent.find((s) => s.partition === 0)!.baseOffset));

    const bundle = world.loadBundle();
    assert.deepEqual((await bundle.handler(event)).outcomes, { started: 2 });
    assert.deepEqual(buildsPerRun(runs), [1, 1]);
    // The mapping delivers a batch again when an invocation's result is lost.
    assert.deepEqual((await bundle.handler(event)).outcomes, { duplicate: 2 });
    assert.deepEqual(buildsPerRun(runs), [1, 1]);
  });
});

type ReadRecord = { topic: string; partition: number; message: KafkaMessage };

/** Read the topic from its start with a throwaway consumer until `enough`, then leave. */
async function readRecords(consumer: Consumer, enough: (read: ReadRecord[]) => boolean): Promise<ReadRecord[]> {
  const read: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic, partition, message }) => void read.push({ topic, partition, message }) });
    await until("the records produced", 30_000, () => enough(read));
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/**
 * The event Lambda's self-managed Kafka event source mapping invokes the function with
 * (docs.aws.amazon.com/lambda/latest/dg/with-kafka.html, and @types/aws-lambda): records grouped
 * by "<topic>-<partition>", key and value base64, headers as one object per header whose value
 * is the array of its bytes.
 */
function selfManagedKafkaEvent(bootstrap: string, read: ReadRecord[]): SelfManagedKafkaEvent {
  const records: SelfManagedKafkaEvent["records"] = {};
  for (const { topic, partition, message } of read) {
    (records[`${topic}-${partition}`] ??= []).push({
      topic,
      partition,
      offset: Number(message.offset),
      timestamp: Number(message.timestamp),
      timestampType: "CREATE_TIME",
      key: (message.key ?? Buffer.alloc(0)).toString("base64"),
      value: (message.value ?? Buffer.alloc(0)).toString("base64"),
      headers: headerBytes(message.headers ?? {}),
    });
  }
  return { eventSource: "SelfManagedKafka", bootstrapServers: bootstrap, records };
}

function headerBytes(headers: IHeaders): { [key: string]: number[] }[] {
  return Object.entries(headers).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).map((v) => ({ [key]: [...Buffer.from(v as Buffer | string)] })),
  );
}
