// Kafka input: the AWS self-managed Kafka event (records keyed "<topic>-<partition>", base64
// values) and the decoding of one value into a deploy request. zod rather than Powertools'
// KafkaSelfManagedEnvelope: the envelope parses the whole batch at once and throws on the first
// bad value, while one bad record here must be reported and skipped, never fail its batch.
import { z } from "zod";
import { DEPLOY_ACTIONS, DeployRequest, deployRequestSchema, recoverRunId } from "../actions/deploy-request";

/** What one record's value turned out to be. */
export type DecodedMessage =
  | { readonly kind: "request"; readonly request: DeployRequest }
  /** A message of another action on the org's topic: not ours to start or to fail. */
  | { readonly kind: "foreign"; readonly action: string }
  | { readonly kind: "malformed"; readonly reason: string; readonly runId?: string };

export interface KafkaRecordRef {
  /** "<topic>-<partition>@<offset>": names the record in logs without its content. */
  readonly id: string;
  readonly partitionKey: string;
  readonly offset: number;
}

export interface DecodedRecord extends KafkaRecordRef {
  readonly message: DecodedMessage;
}

function eventSchema() {
  // Partitions are checked one by one below: one bad partition must not drop the others.
  return z.looseObject({ eventSource: z.string().optional(), records: z.record(z.string(), z.unknown()) });
}

function recordSchema() {
  // AWS documents a numeric partition and offset; third-party samples show strings: accept both.
  return z.looseObject({
    partition: z.coerce.number().int().min(0).optional(),
    offset: z.coerce.number().int().min(0),
    value: z.string().nullish(),
  });
}

/** What could not be decoded into a record at all (logged by the caller; it names no run). */
export interface SkippedInput {
  readonly id: string;
  readonly reason: string;
}

/**
 * Decode every record of a Lambda Kafka event; never throws for a bad record or partition (only
 * for a non-event). A partition that is not a list, or a list entry that is not an object, is
 * reported in `skipped`; a record without a usable offset is still decoded, so a deploy request
 * in it is closed FAILURE rather than lost.
 */
export function decodeKafkaEvent(event: unknown, skipped: SkippedInput[] = []): DecodedRecord[] {
  const parsed = eventSchema().safeParse(event);
  if (!parsed.success) throw new Error("not a Kafka event: expected {records: {\"<topic>-<partition>\": [...]}}");
  const record = recordSchema();
  const out: DecodedRecord[] = [];
  for (const [key, records] of Object.entries(parsed.data.records)) {
    const partitionKey = key.slice(0, 300);
    if (!Array.isArray(records)) {
      skipped.push({ id: partitionKey, reason: "partition entry is not a list of records" });
      continue;
    }
    records.forEach((raw, index) => {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        skipped.push({ id: `${partitionKey}#${index}`, reason: "record is not an object" });
        return;
      }
      const rec = record.safeParse(raw);
      const value = (raw as { value?: unknown }).value;
      const message: DecodedMessage = typeof value === "string" ? decodeBase64Value(value) : { kind: "malformed", reason: "record has no value" };
      if (!rec.success) {
        // Without an offset its place in the partition is unknown: never started, but a run it names is closed.
        const runId = message.kind === "request" ? message.request.runId : message.kind === "malformed" ? message.runId : undefined;
        const bad: DecodedMessage = message.kind === "foreign" ? message : { kind: "malformed", reason: "record lacks a valid offset", runId };
        out.push({ id: `${partitionKey}#${index}`, partitionKey, offset: -1, message: bad });
        return;
      }
      const offset = rec.data.offset;
      out.push({ id: `${partitionKey}@${offset}`, partitionKey, offset, message });
    });
  }
  return out;
}

// Built once per container on first use (run-time code; nothing here is serialized by Pulumi).
let cachedRequestSchema: ReturnType<typeof deployRequestSchema> | undefined;
const requestSchema = () => (cachedRequestSchema ??= deployRequestSchema());

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Value(value: string): DecodedMessage {
  const compact = value.replace(/\s+/g, "");
  if (!BASE64.test(compact)) return { kind: "malformed", reason: "value is not base64" };
  return decodeMessage(Buffer.from(compact, "base64"));
}

/** Bytes of one Kafka value (Lambda after base64, or kafkajs directly) to a deploy request. */
export function decodeMessage(bytes: Buffer | null): DecodedMessage {
  // Empty or not JSON: nothing says whose it is, so no run is touched ("malformed" without a run id).
  if (!bytes || bytes.length === 0) return { kind: "malformed", reason: "message is empty" };
  const text = bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "malformed", reason: "message is not JSON" };
  }
  const action = typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>).action : undefined;
  // Every Kafka action of the organisation shares the topic: only a message naming one of this
  // stack's deploy actions is ours. Anything else (no action, Port's trigger-data shape with an
  // action object, a v1 envelope, another team's payload) is left alone, whatever it holds.
  if (typeof action !== "string" || !(Object.values(DEPLOY_ACTIONS) as string[]).includes(action)) {
    return { kind: "foreign", action: typeof action === "string" ? action.slice(0, 100) : `(${action === null ? "null" : typeof action})` };
  }
  const parsed = requestSchema().safeParse(json);
  if (parsed.success) return { kind: "request", request: parsed.data };
  // Name the offending fields, never their values (they may hold an e-mail).
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(message)"))].slice(0, 6);
  return { kind: "malformed", reason: `the deploy request is invalid (${fields.join(", ")})`, runId: recoverRunId(json) };
}
