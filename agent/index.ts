// AWS Lambda entry points: `handler` (self-managed Kafka event source) and `reaper` (schedule).
// Settings are read and clients built once per container, at cold start; a settings problem is
// logged as one line at start and every invocation fails with it (records stay on the topic
// until the configuration is fixed, instead of being consumed by a broken agent).
import type { Context } from "aws-lambda";
import { handleBatch, BatchSummary } from "./batch";
import { decodeKafkaEvent, SkippedInput } from "./kafka-records";
import { errorText, logger } from "./log";
import { reap, ReapSummary } from "./reaper";
import { Agent, createAgent, prepareAgent } from "./runtime";
import { loadAgentSettings } from "./settings";

let agent: Agent | undefined;
let startupError: Error | undefined;
try {
  agent = createAgent(loadAgentSettings());
} catch (err) {
  startupError = err instanceof Error ? err : new Error(String(err));
  logger.error(startupError.message);
}

/**
 * Started at module load, so it runs in Lambda's init phase and overlaps the first invocation
 * (a CommonJS handler module cannot make init wait for it). Exported for the benchmark.
 */
export const initialized: Promise<void> = agent ? prepareAgent(agent.deps) : Promise.resolve();

function ready(): Agent {
  if (!agent) throw startupError ?? new Error("agent settings: not loaded");
  return agent;
}

export async function handler(event: unknown, context?: Context): Promise<BatchSummary> {
  const { deps, settings } = ready();
  if (context) logger.addContext(context);
  let records;
  const skipped: SkippedInput[] = [];
  try {
    records = decodeKafkaEvent(event, skipped);
  } catch (err) {
    // Not a Kafka event at all (a mis-wired trigger): nothing to retry, say so and move on.
    logger.error("event ignored", { reason: errorText(err) });
    return { records: 0, outcomes: {} };
  }
  // Entries that are not records at all name no run: said once each, the rest of the batch goes on.
  for (const s of skipped) logger.error("event entry skipped", { record: s.id, reason: s.reason });
  const summary = await handleBatch(deps, records, settings.concurrency);
  logger.info("batch handled", { count: summary.records, outcome: JSON.stringify(summary.outcomes) });
  return summary;
}

export async function reaper(_event?: unknown, context?: Context): Promise<ReapSummary> {
  const { deps, settings } = ready();
  if (context) logger.addContext(context);
  return reap(deps, {
    claimLeaseMs: settings.claimLeaseSeconds * 1000,
    lockLeaseMs: settings.lockLeaseSeconds * 1000,
    concurrency: settings.concurrency,
  });
}
