// The agent's settings, read from the environment once per start and validated with zod, so a
// missing or malformed value fails at start with one line naming it, not deep inside a request.
// Names are shared with the infrastructure code (infra/aws, infra/kubernetes): change both.
import { AgentEnvironment, AgentEnvName, DEFAULT_CONCURRENCY } from "./contract";
import { z } from "zod";
import { type CredentialSource, secretVariable } from "./credentials";

// Owned by credentials.ts, which turns it into providers; kept importable from here.
export type { CredentialSource } from "./credentials";

/** Settings of both entry points; the DynamoDB run ledger is only required by the Lambda. */
export interface CommonSettings {
  readonly credentials: CredentialSource;
  readonly portApiUrl: string;
  readonly portAppUrl: string;
  readonly codefreshApiUrl: string;
  /** DynamoDB run ledger; unset only in the Kubernetes consumer, which then guards with Port's run state. */
  readonly ledgerTable?: string;
  /** Full pipeline names ("project/pipeline") the agent may start. */
  readonly allowedPipelines: readonly string[];
  /**
   * REQUIRE_PRODUCTION_APPROVAL (the stack's `approvals.production`, default true): refuse a deploy
   * to a Production environment unless it came through the approval action.
   */
  readonly requireProductionApproval: boolean;
  /** Records handled at once within a batch. */
  readonly concurrency: number;
  readonly ledgerTtlDays: number;
  /** Reaper: a claim older than this is from an agent that died (must exceed the Lambda timeout). */
  readonly claimLeaseSeconds: number;
  /** Reaper: a reaper lock older than this is from a reaper that died. */
  readonly lockLeaseSeconds: number;
}

/** The Lambda handler and reaper: the run ledger is DynamoDB. */
export interface AgentSettings extends CommonSettings {
  readonly ledgerTable: string;
}

export interface ConsumerSettings extends CommonSettings {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaUsername: string;
  readonly kafkaPassword: string;
  readonly portOrgId: string;
  readonly consumerGroup: string;
  readonly topic: string;
  /** Where the probes' health files go (AGENT_HEALTH_DIR); unset = none are written. */
  readonly healthDir?: string;
  /** Period of the consumer's in-process reaper. */
  readonly reaperIntervalSeconds: number;
}

/** A settings problem, worded as one line for the operator. */
export class SettingsError extends Error {
  constructor(problems: string[]) {
    super(`agent settings: ${problems.join("; ")}`);
    this.name = "SettingsError";
  }
}

/** The process environment, read only through the contract's names. */
type Env = AgentEnvironment<string | undefined> & Record<string, string | undefined>;

export { DEFAULT_CONCURRENCY } from "./contract";

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

/** http(s) only: `javascript:` or `file:` URLs parse as URLs too. */
const webUrl = () => z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });
/** DynamoDB's table name rule. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** The longest a Lambda behind a Kafka event source may run (its timeout when none is given). */
const LAMBDA_KAFKA_MAX_TIMEOUT_SECONDS = 840;
/** A claim younger than this may belong to a record still being handled, wherever the agent runs. */
const MIN_CLAIM_LEASE_SECONDS = 60;

export function loadAgentSettings(env: Env = process.env): AgentSettings {
  return loadCommonSettings(env, { ledgerRequired: true }) as AgentSettings;
}

function loadCommonSettings(env: Env, opts: { ledgerRequired: boolean }): CommonSettings {
  const problems: string[] = [];
  const schema = z.object({
    PORT_API_URL: webUrl().default("https://api.port.io"),
    PORT_APP_URL: webUrl().default("https://app.port.io"),
    CODEFRESH_API_URL: webUrl().default("https://g.codefresh.io"),
    RUN_LEDGER_TABLE: opts.ledgerRequired ? z.string().regex(TABLE_NAME, "not a DynamoDB table name") : z.string().regex(TABLE_NAME, "not a DynamoDB table name").optional(),
    ALLOWED_PIPELINES: z.string().min(1),
    REQUIRE_PRODUCTION_APPROVAL: z.enum(["true", "false"], 'expected "true" or "false"').default("true"),
    AGENT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(DEFAULT_CONCURRENCY),
    LEDGER_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    REAPER_CLAIM_LEASE_SECONDS: z.coerce.number().int().min(MIN_CLAIM_LEASE_SECONDS).default(900),
    REAPER_LOCK_LEASE_SECONDS: z.coerce.number().int().min(0).default(120),
    AGENT_FUNCTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(900).optional(),
  });
  // Every name read here is part of the contract the infrastructure compiles against.
  const names: readonly AgentEnvName[] = Object.keys(schema.shape) as (keyof typeof schema.shape)[];
  const picked = Object.fromEntries(names.map((k) => [k, nonEmpty(env[k])]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      problems.push(picked[name] === undefined ? `${name} is required` : `${name} is invalid (${issue.message})`);
    }
  }
  const allowedPipelines = (nonEmpty(env.ALLOWED_PIPELINES) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of allowedPipelines) if (!/^[^/\s]+\/[^/\s]+$/.test(p)) problems.push(`ALLOWED_PIPELINES entry "${p}" is not a full name "project/pipeline"`);
  // "," passes the schema yet allows nothing: an agent that refuses every request must not start.
  if (picked.ALLOWED_PIPELINES !== undefined && allowedPipelines.length === 0) problems.push("ALLOWED_PIPELINES names no pipeline");

  const credentials = credentialSource(env, problems);
  // Checks across settings, on the raw values so that every problem is named in the one line.
  const lease = Number(picked.REAPER_CLAIM_LEASE_SECONDS ?? 900);
  const timeout = picked.AGENT_FUNCTION_TIMEOUT_SECONDS !== undefined ? Number(picked.AGENT_FUNCTION_TIMEOUT_SECONDS) : nonEmpty(env.AWS_LAMBDA_FUNCTION_NAME) ? LAMBDA_KAFKA_MAX_TIMEOUT_SECONDS : undefined;
  // A claim the reaper takes over while its agent still runs gets a second build: the lease must outlive the function.
  if (timeout !== undefined && Number.isFinite(timeout) && Number.isFinite(lease) && lease <= timeout) {
    problems.push(`REAPER_CLAIM_LEASE_SECONDS (${lease}) must exceed the function timeout (${timeout} s)`);
  }
  // The AWS SDK needs a region for DynamoDB and Secrets Manager; without one it fails on the first record.
  const usesAws = picked.RUN_LEDGER_TABLE !== undefined || credentials?.kind === "secrets-manager";
  if (usesAws && !nonEmpty(env.AWS_REGION) && !nonEmpty(env.AWS_DEFAULT_REGION)) problems.push("AWS_REGION is required (the run ledger and secrets are AWS services)");
  if (problems.length > 0 || !parsed.success || !credentials) throw new SettingsError(problems);
  const s = parsed.data;
  return {
    credentials,
    portApiUrl: s.PORT_API_URL,
    portAppUrl: s.PORT_APP_URL,
    codefreshApiUrl: s.CODEFRESH_API_URL,
    ledgerTable: s.RUN_LEDGER_TABLE,
    allowedPipelines,
    requireProductionApproval: s.REQUIRE_PRODUCTION_APPROVAL === "true",
    concurrency: s.AGENT_CONCURRENCY,
    ledgerTtlDays: s.LEDGER_TTL_DAYS,
    claimLeaseSeconds: s.REAPER_CLAIM_LEASE_SECONDS,
    lockLeaseSeconds: s.REAPER_LOCK_LEASE_SECONDS,
  };
}

function credentialSource(env: Env, problems: string[]): CredentialSource | undefined {
  const portSecretArn = nonEmpty(env.PORT_CREDENTIALS_SECRET_ARN);
  const codefreshSecretArn = nonEmpty(env.CODEFRESH_API_KEY_SECRET_ARN);
  if (portSecretArn || codefreshSecretArn) {
    if (!portSecretArn) problems.push("PORT_CREDENTIALS_SECRET_ARN is required when CODEFRESH_API_KEY_SECRET_ARN is set");
    if (!codefreshSecretArn) problems.push("CODEFRESH_API_KEY_SECRET_ARN is required when PORT_CREDENTIALS_SECRET_ARN is set");
    return portSecretArn && codefreshSecretArn ? { kind: "secrets-manager", portSecretArn, codefreshSecretArn } : undefined;
  }
  // Kubernetes: files of the mounted Secret (<NAME>_FILE); local runs: plain variables (<NAME>).
  const portClientId = secretVariable(env, "PORT_CLIENT_ID", problems);
  const portClientSecret = secretVariable(env, "PORT_CLIENT_SECRET", problems);
  const codefreshApiKey = secretVariable(env, "CODEFRESH_API_KEY", problems);
  const missing = [
    ["PORT_CLIENT_ID", portClientId],
    ["PORT_CLIENT_SECRET", portClientSecret],
    ["CODEFRESH_API_KEY", codefreshApiKey],
  ].filter(([, v]) => v === null).map(([k]) => k);
  if (missing.length > 0) {
    problems.push(`credentials: set PORT_CREDENTIALS_SECRET_ARN and CODEFRESH_API_KEY_SECRET_ARN (or ${missing.join(", ")}, each directly or as a file named by <NAME>_FILE)`);
    return undefined;
  }
  if (!portClientId || !portClientSecret || !codefreshApiKey) return undefined; // a file could not be read (already a problem)
  return { kind: "environment", portClientId, portClientSecret, codefreshApiKey };
}

export function loadConsumerSettings(env: Env = process.env): ConsumerSettings {
  const problems: string[] = [];
  let base: CommonSettings | undefined;
  try {
    // No RUN_LEDGER_TABLE in a cluster: the consumer then uses Port's run state (agent/port-ledger.ts).
    base = loadCommonSettings(env, { ledgerRequired: false });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    problems.push(err.message.replace(/^agent settings: /, ""));
  }
  const brokers = (nonEmpty(env.KAFKA_BROKERS) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const username = secretVariable(env, "KAFKA_USERNAME", problems);
  const password = secretVariable(env, "KAFKA_PASSWORD", problems);
  const orgId = nonEmpty(env.PORT_ORG_ID);
  const group = nonEmpty(env.KAFKA_CONSUMER_GROUP);
  if (brokers.length === 0) problems.push("KAFKA_BROKERS is required");
  for (const b of brokers) if (!/^[^\s:]+:\d+$/.test(b)) problems.push(`KAFKA_BROKERS entry "${b}" is not host:port`);
  if (username === null) problems.push("KAFKA_USERNAME (or KAFKA_USERNAME_FILE) is required");
  if (password === null) problems.push("KAFKA_PASSWORD (or KAFKA_PASSWORD_FILE) is required");
  if (!orgId) problems.push("PORT_ORG_ID is required");
  if (!group) problems.push("KAFKA_CONSUMER_GROUP is required");
  // Port only authorizes consumer groups prefixed with the org id (port-api.md §4).
  else if (orgId && !group.startsWith(`${orgId}.`)) problems.push(`KAFKA_CONSUMER_GROUP must start with "${orgId}."`);
  const interval = nonEmpty(env.REAPER_INTERVAL_SECONDS);
  const reaperIntervalSeconds = interval === undefined ? 300 : Number(interval);
  if (!Number.isInteger(reaperIntervalSeconds) || reaperIntervalSeconds < 10 || reaperIntervalSeconds > 86_400) problems.push("REAPER_INTERVAL_SECONDS is invalid (an integer from 10 to 86400)");
  if (problems.length > 0 || !base) throw new SettingsError(problems);
  return {
    ...base,
    kafkaBrokers: brokers,
    kafkaUsername: username!,
    kafkaPassword: password!,
    portOrgId: orgId!,
    consumerGroup: group!,
    topic: `${orgId}.runs`,
    healthDir: nonEmpty(env.AGENT_HEALTH_DIR),
    reaperIntervalSeconds,
  };
}
