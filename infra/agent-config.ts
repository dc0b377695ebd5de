// Stack config section `agent`: where and how the Codefresh agent runs (its schema lives here;
// stacks/config.ts composes it under `agent`), and the run-time settings resolved from it. Every
// field has a default so `agent: {}` (or no section) deploys the Lambda runtime; Kubernetes needs
// `kubernetes.image`.
import type { PortRegion } from "../clients/port";
import { AgentEnvironment, DEFAULT_CONCURRENCY } from "../agent/contract";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Port's public Kafka brokers per region (port-api.md §4: SASL_SSL + SCRAM-SHA-512 on 9196). */
export const PORT_KAFKA_BROKERS: Readonly<Record<PortRegion, readonly string[]>> = {
  eu: [1, 2, 3].map((n) => `b-${n}-public.publicclusterprod.t9rw6w.c1.kafka.eu-west-1.amazonaws.com:9196`),
  us: [1, 2, 3].map((n) => `b-${n}-public.production.5v06xt.c21.kafka.us-east-1.amazonaws.com:9196`),
};

/** Port's web app per region: the agent links runs and entities there. */
export const PORT_APP_URLS: Readonly<Record<PortRegion, string>> = {
  eu: "https://app.port.io",
  us: "https://app.us.port.io",
};

const broker = () => z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "host:port");
/** Kubernetes resource quantities, e.g. "250m", "0.5", "256Mi", "1Gi". */
const quantity = () => z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity like "250m" or "256Mi"');

function kafkaSchema() {
  return z
    .object({
      /** Explicit brokers (host:port); default: Port's brokers for `port.region`. */
      brokers: z.array(broker()).min(1).optional(),
      /** Records per Lambda invocation (Port's guide uses 1; the agent processes a batch concurrently). */
      batchSize: z.number().int().min(1).max(10000).default(10),
      /** Seconds the poller may wait to fill a batch (0–300). Once set it cannot go back to Kafka's 500 ms default. */
      batchingWindowSeconds: z.number().int().min(0).max(300).default(1),
      /** Retries of a failing batch before its records go to the failure queue (0–10000). */
      maxRetries: z.number().int().min(0).max(10000).default(3),
      /** Records older than this go to the failure queue instead of being retried (60–604800 s). */
      maxRecordAgeSeconds: z.number().int().min(60).max(604800).default(3600),
      /** Split a failing batch to isolate the poison record (retries stay bounded). */
      bisectBatchOnError: z.boolean().default(true),
      /** Provisioned pollers: retry limits and on-failure destinations need provisioned mode. */
      minPollers: z.number().int().min(1).max(200).default(1),
      maxPollers: z.number().int().min(1).max(2000).default(2),
    })
    .strict()
    .refine((k) => k.minPollers <= k.maxPollers, { message: "minPollers must not exceed maxPollers", path: ["minPollers"] });
}

function lambdaSchema() {
  return z
    .object({
      /** MB; CPU scales with memory, and the agent holds one batch of small JSON messages. */
      memoryMb: z.number().int().min(128).max(10240).default(512),
      /** Seconds for one batch (the Kafka event source allows up to 14 min). */
      timeoutSeconds: z.number().int().min(10).max(840).default(300),
      /** CloudWatch Logs retention of the agent's log group (a value CloudWatch accepts). */
      logRetentionDays: z
        .number()
        .int()
        .refine((d) => LOG_RETENTION_DAYS.includes(d), `one of ${LOG_RETENTION_DAYS.join(", ")}`)
        .default(30),
      logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
      /** Cap on concurrent executions of the Kafka handler; unset = account pool. */
      reservedConcurrency: z.number().int().min(1).max(1000).optional(),
    })
    .strict();
}

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function reaperSchema() {
  return z
    .object({
      /** EventBridge schedule expression for the reaper. */
      schedule: z
        .string()
        .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/, 'an EventBridge expression like "rate(5 minutes)" or "cron(0/5 * * * ? *)"')
        .default("rate(5 minutes)"),
      timeoutSeconds: z.number().int().min(10).max(900).default(120),
    })
    .strict();
}

function alarmsSchema() {
  return z
    .object({
      /** SNS topic ARN notified by the alarms; unset = alarms only show in CloudWatch. */
      topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, "an SNS topic ARN").optional(),
      /** Function errors within 5 minutes that raise the alarm. */
      errorThreshold: z.number().int().min(1).default(1),
    })
    .strict();
}

function resourcesSchema() {
  const pair = z.object({ cpu: quantity(), memory: quantity() }).strict();
  return z
    .object({
      requests: pair.default({ cpu: "100m", memory: "128Mi" }),
      limits: pair.default({ cpu: "500m", memory: "256Mi" }),
    })
    .strict();
}

function kubernetesSchema() {
  return z
    .object({
      /** Namespace created for the agent. */
      namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a DNS-1123 label").default("developer-portal"),
      /** Image holding the agent bundle (consumer.js in `workingDir`), ideally pinned by digest. */
      image: z.string().regex(/^[a-z0-9][^\s@:]*(:[A-Za-z0-9_.-]{1,128})?(@sha256:[a-f0-9]{64})?$/, "an image reference like registry/agent:1.2.3 or …@sha256:<digest>"),
      /** Directory of consumer.js inside the image. */
      workingDir: z.string().startsWith("/").default("/app"),
      /** One consumer: the group would rebalance on every extra pod, and order per environment is kept in one process. */
      replicas: z.literal(1).default(1),
      resources: resourcesSchema().default(resourcesSchema().parse({})),
      /** Names of existing docker-registry Secrets in the namespace. */
      imagePullSecrets: z.array(z.string().min(1)).default([]),
      /** UID the container runs as (non-root). */
      runAsUser: z.number().int().min(1).default(1000),
    })
    .strict();
}

export function agentConfigSchema() {
  return z
    .object({
      /** Where the agent runs; "none": the stack declares no agent (it runs elsewhere). */
      runtime: z.enum(["lambda", "kubernetes", "none"]).default("lambda"),
      /** Base name of the agent's resources; also the consumer-group suffix. */
      name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and - (max 40)").default("codefresh-agent"),
      /** Records processed at once within a batch. */
      concurrency: z.number().int().min(1).max(64).default(DEFAULT_CONCURRENCY),
      /** Days a run-ledger entry is kept (DynamoDB TTL). */
      ledgerTtlDays: z.number().int().min(1).max(365).default(30),
      kafka: kafkaSchema().default(kafkaSchema().parse({})),
      lambda: lambdaSchema().default(lambdaSchema().parse({})),
      reaper: reaperSchema().default(reaperSchema().parse({})),
      alarms: alarmsSchema().default(alarmsSchema().parse({})),
      /** Required when runtime is "kubernetes". */
      kubernetes: kubernetesSchema().optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.runtime === "kubernetes" && cfg.kubernetes === undefined) {
        ctx.addIssue({ code: "custom", path: ["kubernetes"], message: 'a kubernetes section with at least "image" when runtime is "kubernetes"' });
      }
    });
}

export type AgentConfig = z.output<ReturnType<typeof agentConfigSchema>>;
export type KubernetesAgentConfig = NonNullable<AgentConfig["kubernetes"]>;

/** The brokers the agent consumes from: explicit ones, else Port's for the region. */
export function kafkaBrokers(agent: AgentConfig, region: PortRegion): string[] {
  return [...(agent.kafka.brokers ?? PORT_KAFKA_BROKERS[region])];
}

/** Port writes action runs to `<orgId>.runs`. */
export function runsTopic(orgId: string): string {
  return `${orgId}.runs`;
}

/** Port rejects consumer groups without the `<orgId>.` prefix (port-api.md §4). */
export function consumerGroup(orgId: string, agent: AgentConfig): string {
  return `${orgId}.${agent.name}`;
}

// ---- Resolved run-time settings, handed to whichever runtime hosts the agent. Plain values
// only: secrets travel separately as Pulumi secret Outputs and never become environment values.

/** The five secret stack config keys (SECRET_KEYS of the stack config), as the stack reads them. */
export interface AgentSecrets {
  readonly portClientId: pulumi.Input<string>;
  readonly portClientSecret: pulumi.Input<string>;
  readonly codefreshApiKey: pulumi.Input<string>;
  readonly kafkaUsername: pulumi.Input<string>;
  readonly kafkaPassword: pulumi.Input<string>;
}

export interface AgentSettings {
  readonly orgId: string;
  readonly portApiUrl: string;
  readonly portAppUrl: string;
  readonly codefreshApiUrl: string;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly consumerGroup: string;
  /** "project/pipeline" names the agent may start. */
  readonly allowedPipelines: readonly string[];
}

/**
 * What the agent's deployment reads from the stack config: its own `agent` section and the few
 * facts of other sections it needs, in the stack config's shape (the stack passes its config; a
 * test passes just these). Never the whole stack config type: infra/ does not import stacks/.
 */
export interface AgentStackConfig {
  readonly agent: AgentConfig;
  /** Organisation (topic, consumer group) and region (brokers, web app URL). */
  readonly port: { readonly orgId: string; readonly region: PortRegion };
  /** Codefresh host the agent starts builds on. */
  readonly codefresh: { readonly url: string };
  /** `approvals.production`: the agent refuses Production deploys that bypassed the approval action. */
  readonly approvals: { readonly production: boolean };
}

/** Resolve and validate the agent's settings; throws with the offending value. */
export function resolveAgentSettings(config: AgentStackConfig, portApiUrl: string, allowedPipelines: readonly string[]): AgentSettings {
  const url = z.url({ protocol: /^https?$/ });
  // A comma would split one name into two in ALLOWED_PIPELINES.
  const pipeline = z.string().regex(/^[^/,\s]+\/[^/,\s]+$/, 'a "project/pipeline" name without commas or spaces');
  const parsed = z
    .object({ portApiUrl: url, codefreshApiUrl: url, allowedPipelines: z.array(pipeline).min(1, "at least one deploy pipeline") })
    .safeParse({ portApiUrl, codefreshApiUrl: config.codefresh.url, allowedPipelines: [...allowedPipelines] });
  if (!parsed.success) {
    throw new Error(`agent settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return {
    orgId: config.port.orgId,
    portApiUrl: parsed.data.portApiUrl.replace(/\/+$/, ""),
    portAppUrl: PORT_APP_URLS[config.port.region],
    codefreshApiUrl: parsed.data.codefreshApiUrl.replace(/\/+$/, ""),
    brokers: kafkaBrokers(config.agent, config.port.region),
    topic: runsTopic(config.port.orgId),
    consumerGroup: consumerGroup(config.port.orgId, config.agent),
    allowedPipelines: parsed.data.allowedPipelines,
  };
}

/** Environment both runtimes give the agent (the names are the agent's contract). */
export function commonAgentEnvironment(settings: AgentSettings, config: Pick<AgentStackConfig, "agent" | "approvals">): AgentEnvironment {
  return {
    PORT_API_URL: settings.portApiUrl,
    PORT_APP_URL: settings.portAppUrl,
    CODEFRESH_API_URL: settings.codefreshApiUrl,
    ALLOWED_PIPELINES: settings.allowedPipelines.join(","),
    AGENT_CONCURRENCY: String(config.agent.concurrency),
    LEDGER_TTL_DAYS: String(config.agent.ledgerTtlDays),
    // The agent refuses Production deploys that bypassed the approval action (agent/decision.ts).
    REQUIRE_PRODUCTION_APPROVAL: String(config.approvals.production),
  };
}
