// One structured JSON logger for the agent (Powertools Logger). Log lines carry identifiers
// (run id, topic-partition, offset, build id) and outcomes, never a secret, a token, a user's
// e-mail or a whole message: callers pass only the fields listed in LogFields.
import { Logger } from "@aws-lambda-powertools/logger";
import { redact } from "./redact";

export const logger = new Logger({ serviceName: "codefresh-agent" });

/** The only fields the agent puts in a log line. */
export interface LogFields {
  runId?: string;
  record?: string;
  environment?: string;
  pipeline?: string;
  buildId?: string;
  buildStatus?: string;
  outcome?: string;
  reason?: string;
  count?: number;
  durationMs?: number;
}

/** An error as a short, secret-free line (no stack, no request bodies, known secrets redacted). */
export function errorText(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err), 300);
}
