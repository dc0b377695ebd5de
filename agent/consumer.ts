// Kubernetes entry point: a long-lived kafkajs consumer of "<org>.runs" running the same core
// as the Lambda. SASL/SCRAM-512 over TLS (what Port's brokers accept), a consumer group prefixed
// with the org id (Port authorizes nothing else), offsets committed only after a batch's records
// are handled, and a clean stop on SIGTERM (the current batch finishes, the group is left).
// Also here, as the pod has no scheduler beside it: health files for the probes (health.ts) and
// the reaper, run in-process on an interval.
import { Consumer, ConsumerCrashEvent, EachBatchPayload, Kafka, KafkaConfig, KafkaJSSASLAuthenticationError, logLevel } from "kafkajs";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { handleBatch } from "./batch";
import type { AgentDeps } from "./deploy-record";
import { HealthFiles } from "./health";
import { decodeMessage, DecodedRecord } from "./kafka-records";
import { errorText, logger } from "./log";
import { PortRunLedger } from "./port-ledger";
import { reap, reapPortRuns, ReapSummary } from "./reaper";
import { agentClients, createAgent } from "./runtime";
import { ConsumerSettings, loadConsumerSettings, SettingsError } from "./settings";

/**
 * `starting`: true while the consumer connects. kafkajs logs a failed connection as errors from
 * several of its parts and then rejects connect(), which main() reports as one line: until the
 * consumer is running, its errors are logged as warnings so that line is the only error.
 */
export function kafkaConfig(settings: ConsumerSettings, starting: () => boolean = () => false): KafkaConfig {
  return {
    clientId: "codefresh-agent",
    brokers: [...settings.kafkaBrokers],
    ssl: true,
    sasl: { mechanism: "scram-sha-512", username: settings.kafkaUsername, password: settings.kafkaPassword },
    // kafkajs logs through our structured logger, never with its own console output.
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const text = `kafkajs ${namespace}: ${String(log.message)}`;
      if (level <= logLevel.ERROR && !starting()) logger.error(text);
      else logger.warn(text);
    },
  };
}

/** The slice of a kafkajs Consumer the agent uses (tests pass a fake). */
export type AgentConsumer = Pick<Consumer, "connect" | "subscribe" | "run" | "disconnect" | "on" | "events">;

export interface ConsumerAgent {
  readonly deps: AgentDeps;
  /** One reaper pass over whatever the ledger is. */
  readonly reapPass: () => Promise<ReapSummary>;
}

/**
 * The core's dependencies for the consumer. With RUN_LEDGER_TABLE: the DynamoDB ledger and its
 * reaper, as on Lambda. Without (the Kubernetes runtime creates no AWS resources): Port's run
 * state as the ledger and Port's active runs as the reaper's source (port-ledger.ts says what
 * that guarantees and what it does not).
 */
export function consumerAgent(settings: ConsumerSettings): ConsumerAgent {
  if (settings.ledgerTable) {
    const { deps } = createAgent({ ...settings, ledgerTable: settings.ledgerTable });
    const opts = { claimLeaseMs: settings.claimLeaseSeconds * 1000, lockLeaseMs: settings.lockLeaseSeconds * 1000, concurrency: settings.concurrency };
    return { deps, reapPass: () => reap(deps, opts) };
  }
  const clients = agentClients(settings);
  const deps: AgentDeps = { ...clients, ledger: new PortRunLedger(clients.port) };
  return { deps, reapPass: () => reapPortRuns(deps, { actions: Object.values(DEPLOY_ACTIONS), concurrency: settings.concurrency, startLeaseMs: settings.claimLeaseSeconds * 1000 }) };
}

/**
 * Keep the health files in step with the consumer: `ready` while it is in its group, `alive`
 * touched while it runs. A crash kafkajs will not restart stops the heartbeat, so the liveness
 * probe fails and Kubernetes restarts the pod instead of leaving an idle process behind.
 */
export function watchHealth(consumer: Pick<Consumer, "on" | "events">, health: HealthFiles): void {
  consumer.on(consumer.events.GROUP_JOIN, () => health.ready());
  consumer.on(consumer.events.CRASH, (event: ConsumerCrashEvent) => {
    health.notReady();
    if (!event.payload.restart) health.stopHeartbeat();
  });
  consumer.on(consumer.events.DISCONNECT, () => {
    health.notReady();
    health.stopHeartbeat();
  });
}

/**
 * Run `pass` every `intervalMs`, one at a time (a slow pass delays the next one instead of
 * overlapping it: the Port reaper has no lock). `stop` resolves once a running pass is done.
 */
export function startReaperLoop(pass: () => Promise<unknown>, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .then(
        () => undefined,
        (err: unknown) => logger.error("reaper pass failed", { reason: errorText(err) }),
      )
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

/** Kafka messages of one fetched batch as the core's records (same decoding as the Lambda). */
export function recordsOf(batch: EachBatchPayload["batch"]): DecodedRecord[] {
  const partitionKey = `${batch.topic}-${batch.partition}`;
  return batch.messages.map((m) => ({
    id: `${partitionKey}@${m.offset}`,
    partitionKey,
    offset: Number(m.offset),
    message: decodeMessage(m.value),
  }));
}

export async function runConsumer(consumer: AgentConsumer, deps: AgentDeps, settings: Pick<ConsumerSettings, "topic" | "concurrency">, health?: HealthFiles): Promise<void> {
  if (health) {
    watchHealth(consumer, health);
    health.startHeartbeat();
  }
  await consumer.connect();
  await consumer.subscribe({ topics: [settings.topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const records = recordsOf(batch);
      // handleBatch never throws for a record: every record ends handled, so the batch commits.
      const summary = await handleBatch(deps, records, settings.concurrency);
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      // Explicit offsets through the batch's own commit, not consumer.commitOffsets(): kafkajs
      // drops the latter without a word once the consumer is stopping, so the batch a SIGTERM
      // let finish would never be committed (seen against a real broker, test/e2e/broker.test.ts).
      const next = (BigInt(last) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      await heartbeat();
      logger.info("batch handled", { record: `${batch.topic}-${batch.partition}@${last}`, count: summary.records, outcome: JSON.stringify(summary.outcomes) });
    },
  });
}

/**
 * On SIGTERM/SIGINT: `beforeStop` (not ready, reaper stopped) while the consumer stops fetching,
 * lets the running batch finish and commit, and leaves the group.
 */
export function installShutdown(
  consumer: Pick<Consumer, "disconnect">,
  exit: (code: number) => void = (c) => process.exit(c),
  proc: Pick<NodeJS.Process, "once"> = process,
  beforeStop: () => Promise<void> | void = () => undefined,
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    // Both at once: the reaper's running pass and the running batch finish side by side.
    Promise.all([Promise.resolve().then(beforeStop), consumer.disconnect()]).then(
      () => exit(0),
      (err: unknown) => {
        logger.error("shutdown failed", { reason: errorText(err) });
        exit(1);
      },
    );
  };
  proc.once("SIGTERM", () => stop("SIGTERM"));
  proc.once("SIGINT", () => stop("SIGINT"));
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let settings: ConsumerSettings;
  try {
    settings = loadConsumerSettings(env);
  } catch (err) {
    // One clear line, then a non-zero exit: Kubernetes shows it in the pod's status.
    process.stderr.write(`${err instanceof SettingsError ? err.message : errorText(err)}\n`);
    process.exit(2);
  }
  const agent = consumerAgent(settings);
  let starting = true;
  const consumer = new Kafka(kafkaConfig(settings, () => starting)).consumer({ groupId: settings.consumerGroup, sessionTimeout: 45_000 });
  // No AGENT_HEALTH_DIR (a local run): no health files at all.
  const health = settings.healthDir ? new HealthFiles(settings.healthDir) : undefined;
  const reaper = startReaperLoop(agent.reapPass, settings.reaperIntervalSeconds * 1000);
  installShutdown(consumer, undefined, undefined, async () => {
    health?.notReady();
    await reaper.stop();
  });
  try {
    await runConsumer(consumer, agent.deps, settings, health);
  } catch (err) {
    if (!(err instanceof KafkaJSSASLAuthenticationError)) throw err;
    // A wrong username or password never heals by retrying: one line, as for a settings problem.
    process.stderr.write(`agent settings: the Kafka brokers (${settings.kafkaBrokers.join(",")}) refused the SASL/SCRAM-SHA-512 login: check KAFKA_USERNAME and KAFKA_PASSWORD\n`);
    process.exit(2);
  }
  starting = false;
  const ledger = settings.ledgerTable ? "DynamoDB" : "Port run state";
  logger.info("consumer running", { reason: `group ${settings.consumerGroup}, topic ${settings.topic}, run ledger: ${ledger}` });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    logger.error("consumer failed", { reason: errorText(err) });
    process.exit(1);
  });
}
