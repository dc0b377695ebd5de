// The contract between the agent and whatever runs it (infra/aws, infra/kubernetes): the names
// of the settings it reads and the run ledger's key attributes. The agent defines them here;
// the infrastructure types its environment maps and table against them, so a rename or a typo
// on either side is a compile error, not an agent that fails at start in production.

/** Every environment variable the agent reads. */
export const AGENT_ENV_NAMES = [
  "PORT_API_URL", "PORT_APP_URL", "CODEFRESH_API_URL",
  "PORT_CREDENTIALS_SECRET_ARN", "CODEFRESH_API_KEY_SECRET_ARN",
  "PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "CODEFRESH_API_KEY",
  "PORT_CLIENT_ID_FILE", "PORT_CLIENT_SECRET_FILE", "CODEFRESH_API_KEY_FILE",
  "RUN_LEDGER_TABLE", "ALLOWED_PIPELINES", "REQUIRE_PRODUCTION_APPROVAL",
  "AGENT_CONCURRENCY", "LEDGER_TTL_DAYS", "REAPER_CLAIM_LEASE_SECONDS", "REAPER_LOCK_LEASE_SECONDS",
  "KAFKA_BROKERS", "KAFKA_USERNAME", "KAFKA_PASSWORD", "KAFKA_USERNAME_FILE", "KAFKA_PASSWORD_FILE",
  "PORT_ORG_ID", "KAFKA_CONSUMER_GROUP", "AGENT_HEALTH_DIR", "REAPER_INTERVAL_SECONDS",
  // The Lambda function's timeout (the claim lease must exceed it).
  "AGENT_FUNCTION_TIMEOUT_SECONDS",
  // Set by the Lambda runtime (or by hand elsewhere); read by the AWS SDK.
  "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
  // Read by Powertools Logger.
  "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL",
] as const;
export type AgentEnvName = (typeof AGENT_ENV_NAMES)[number];

/** An environment handed to the agent: only names it reads. */
export type AgentEnvironment<V = string> = Partial<Record<AgentEnvName, V>>;

/** Run ledger (DynamoDB): partition key and TTL attribute (epoch seconds). */
export const LEDGER_PARTITION_KEY = "runId";
export const LEDGER_TTL_ATTRIBUTE = "expiresAt";

/**
 * Records handled at once by default. 32: at batch 100 it reaches ~15-18x the serial baseline,
 * 8 only ~8x (bench/agent.ts). The stack config's `agent.concurrency` defaults to it too.
 */
export const DEFAULT_CONCURRENCY = 32;
