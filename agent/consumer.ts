// Kubernetes entry point: a long-lived kafkajs consumer of "<org>.runs" running the same core
// as the Lambda. SASL/SCRAM-512 over TLS (what Port's brokers accept), a consumer group prefixed
// with the org id (Port authorizes nothing else), offsets committed only after a batch's records
// are handled, and a clean stop on SIGTERM (the current batch finishes, the group is left).
import { Consumer, EachBatchPayload, Kafka, KafkaConfig, logLevel } from "kafkajs";
import { handleBatch } from "./batch";
import type { AgentDeps } from "./deploy-record";
import { decodeMessage, DecodedRecord } from "./kafka-records";
import { errorText, logger } from "./log";
import { createAgent } from "./runtime";
import { ConsumerSettings, loadConsumerSettings, SettingsError } from "./settings";

export function kafkaConfig(settings: ConsumerSettings): KafkaConfig {
  return {
    clientId: "codefresh-agent",
    brokers: [...settings.kafkaBrokers],
    ssl: true,
    sasl: { mechanism: "scram-sha-512", username: settings.kafkaUsername, password: settings.kafkaPassword },
    // kafkajs logs through our structured logger, never with its own console output.
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const text = `kafkajs ${namespace}: ${String(log.message)}`;
      if (level <= logLevel.ERROR) logger.error(text);
      else logger.warn(text);
    },
  };
}

/** The slice of a kafkajs Consumer the agent uses (tests pass a fake). */
export type AgentConsumer = Pick<Consumer, "connect" | "subscribe" | "run" | "commitOffsets" | "disconnect">;

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

export async function runConsumer(consumer: AgentConsumer, deps: AgentDeps, settings: Pick<ConsumerSettings, "topic" | "concurrency">): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topics: [settings.topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const records = recordsOf(batch);
      // handleBatch never throws for a record: every record ends handled, so the batch commits.
      const summary = await handleBatch(deps, records, settings.concurrency);
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
      logger.info("batch handled", { record: `${batch.topic}-${batch.partition}@${last}`, count: summary.records, outcome: JSON.stringify(summary.outcomes) });
    },
  });
}

/** On SIGTERM/SIGINT: stop fetching, let the running batch finish and commit, leave the group. */
export function installShutdown(consumer: Pick<Consumer, "disconnect">, exit: (code: number) => void = (c) => process.exit(c), proc: Pick<NodeJS.Process, "once"> = process): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    consumer.disconnect().then(
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
  const agent = createAgent(settings);
  const consumer = new Kafka(kafkaConfig(settings)).consumer({ groupId: settings.consumerGroup, sessionTimeout: 45_000 });
  installShutdown(consumer);
  await runConsumer(consumer, agent.deps, settings);
  logger.info("consumer running", { reason: `group ${settings.consumerGroup}, topic ${settings.topic}` });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    logger.error("consumer failed", { reason: errorText(err) });
    process.exit(1);
  });
}
