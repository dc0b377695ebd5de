// One batch of decoded records through the core: bounded concurrency, and records for the same
// environment one after the other in Kafka order (a later deploy must not overtake an earlier one).
import { handleRecord, RecordOutcome, AgentDeps } from "./deploy-record";
import { prefetchEntities, prefetchRuns } from "./entity-lookup";
import type { DecodedRecord } from "./kafka-records";
import { runKeyed } from "./scheduler";

export interface BatchSummary {
  readonly records: number;
  readonly outcomes: Partial<Record<RecordOutcome, number>>;
}

export async function handleBatch(deps: AgentDeps, records: readonly DecodedRecord[], concurrency: number): Promise<BatchSummary> {
  // Offset order within each partition; partitions in the order the event lists them.
  const partitions = [...new Set(records.map((r) => r.partitionKey))];
  const ordered = [...records].sort((a, b) => partitions.indexOf(a.partitionKey) - partitions.indexOf(b.partitionKey) || a.offset - b.offset);
  const requests = ordered.flatMap((r) => (r.message.kind === "request" ? [r.message.request] : []));
  // The batch's claims in few requests, at most one per worker ahead of the workers (ledger.ts); each record's claim() takes its answer.
  // In the order the workers need them: each environment's first request, then each one's second…
  const rank = new Map<string, number>();
  const byNeed = requests.map((r, i) => {
    const n = rank.get(r.environment) ?? 0;
    rank.set(r.environment, n + 1);
    return { r, i, n };
  }).sort((a, b) => a.n - b.n || a.i - b.i);
  deps.ledger.claimBatch?.(byNeed.map(({ r }) => ({ runId: r.runId, pipeline: r.pipeline, environment: r.environment })), concurrency);
  const afterwards: Promise<unknown>[] = [];
  const lookups = {
    afterwards: (write: Promise<unknown>) => void afterwards.push(write),
    entity: prefetchEntities(deps.port, { images: requests.map((r) => r.image), environments: requests.map((r) => r.environment) }),
    // Read with the entities: a run closed meanwhile (by hand, or FAILURE by an earlier delivery) gets no build.
    run: prefetchRuns(deps.port, requests.map((r) => ({ runId: r.runId, action: r.action }))),
  };
  const outcomes = await runKeyed(ordered, orderKey, concurrency, (r) => handleRecord(deps, r, r.message, lookups));
  // Never rejects (each write logs its own failure); the handler must not return before them.
  await Promise.all(afterwards);
  const counts: Partial<Record<RecordOutcome, number>> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return { records: records.length, outcomes: counts };
}

/** Deploys to one environment share a queue; anything else is independent. */
function orderKey(r: DecodedRecord): string {
  return r.message.kind === "request" ? `env:${r.message.request.environment}` : `record:${r.id}`;
}
