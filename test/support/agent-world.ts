// Everything the agent talks to, started locally for its tests and benchmark: the Port and
// Codefresh emulators (seeded with the catalog, two products, images, environments and a deploy
// pipeline), moto (local DynamoDB) with the ledger table, and the bundle loaded fresh (a cold start) with
// settings pointing at them. Kafka events are built exactly as AWS delivers them.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { deployActions } from "../../actions/deploy";
import { DEPLOY_ACTIONS, DeployRequest } from "../../actions/deploy-request";
import { CATALOG } from "../../blueprints";
import { BLUEPRINTS, ENVIRONMENT, IMAGE } from "../../blueprints/vocabulary";
import { CodefreshEmulator, DEFAULT_CODEFRESH_API_KEY } from "./codefresh-emulator";
import { connectDynamo, LocalDynamo, startDynamo } from "./dynamodb";
import { PortEmulator, TEST_CREDENTIALS } from "./port-emulator";

export const BUNDLE = path.resolve(__dirname, "..", "..", "dist", "agent", "index.js");
export const DEPLOY_PIPELINE = "deploy/deploy-app";

export interface AgentBundle {
  handler(event: unknown): Promise<{ records: number; outcomes: Record<string, number> }>;
  reaper(event?: unknown): Promise<{ entries: number; outcomes: Record<string, number> }>;
}

export interface KafkaInput {
  /** A deploy request (JSON-encoded then base64), raw bytes, or a raw base64 string (sent as is). */
  readonly value: DeployRequest | Record<string, unknown> | Buffer | { readonly rawBase64: string };
  readonly partition?: number;
}

export const TOPIC = "org_test.runs";

export class AgentWorld {
  private offsets = new Map<number, number>();
  private tableCount = 0;
  table = "";

  private constructor(readonly port: PortEmulator, readonly cf: CodefreshEmulator, readonly dynamo: LocalDynamo) {}

  /** `dynamoEndpoint`: use a DynamoDB-compatible server already running (default: a moto server of its own). */
  static async start(opts: { dynamoEndpoint?: string } = {}): Promise<AgentWorld> {
    const dynamo = opts.dynamoEndpoint ? Promise.resolve(connectDynamo(opts.dynamoEndpoint)) : startDynamo();
    const [port, cf, dyn] = await Promise.all([PortEmulator.start(), CodefreshEmulator.start({ autoAdvance: true }), dynamo]);
    return AgentWorld.create(port, cf, dyn);
  }

  private static async create(port: PortEmulator, cf: CodefreshEmulator, dynamo: LocalDynamo): Promise<AgentWorld> {
    const world = new AgentWorld(port, cf, dynamo);
    try {
      await world.reset();
    } catch (err) {
      // Leave no server listening behind, or mocha never exits.
      await world.stop();
      throw err;
    }
    return world;
  }

  async stop(): Promise<void> {
    await Promise.all([this.port.stop(), this.cf.stop(), this.dynamo.stop()]);
  }

  /** Fresh emulator state, catalog and a new empty ledger table. */
  async reset(): Promise<void> {
    this.port.reset();
    this.cf.reset();
    this.port.latencyMs = 0;
    this.cf.latencyMs = 0;
    this.offsets.clear();
    this.table = `ledger-${++this.tableCount}`;
    await this.dynamo.createLedgerTable(this.table);
    this.port.seed({
      blueprints: CATALOG.map((b) => b.body),
      actions: deployActions({ pipelines: [DEPLOY_PIPELINE], requireApprovalForProduction: false }).map((a) => a.body),
      entities: {
        [BLUEPRINTS.product]: [{ identifier: "billing", title: "Billing" }, { identifier: "portal", title: "Portal" }],
      },
    });
    this.cf.seedProject("deploy");
    this.cf.seedPipeline({ metadata: { name: DEPLOY_PIPELINE }, spec: {} });
  }

  addImage(identifier: string, productId: string, props: Record<string, unknown> = {}): void {
    this.port.seed({
      entities: {
        [BLUEPRINTS.image]: [{
          identifier,
          properties: { [IMAGE.imageRef]: `registry.example.com/${productId}/app:${identifier}`, [IMAGE.buildResult]: "success", ...props },
          relations: { [IMAGE.product]: productId },
        }],
      },
    });
  }

  addEnvironment(identifier: string, productId: string): void {
    this.port.seed({ entities: { [BLUEPRINTS.environment]: [{ identifier, properties: { [ENVIRONMENT.kind]: "Dev" }, relations: { [ENVIRONMENT.product]: productId } }] } });
  }

  /** A run as Port creates it when someone clicks "Deploy an image to this environment". */
  createRun(env: string): string {
    return this.port.createRun({ action: DEPLOY_ACTIONS.fromEnvironment, entity: env, properties: {} });
  }

  /** The message Port renders for that run. */
  request(runId: string, img: string, env: string, extra: Partial<DeployRequest> = {}): DeployRequest {
    return deployRequest(runId, img, env, extra);
  }

  /** An AWS self-managed Kafka event; offsets continue per partition across calls. */
  kafkaEvent(inputs: readonly KafkaInput[]): KafkaEvent {
    return kafkaEvent(inputs, this.offsets);
  }

  /** Settings for the bundle, pointing at the local services. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.dynamo.env,
      PORT_API_URL: this.port.url,
      PORT_APP_URL: "https://app.example.com",
      CODEFRESH_API_URL: this.cf.url,
      PORT_CLIENT_ID: TEST_CREDENTIALS.clientId,
      PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret,
      CODEFRESH_API_KEY: DEFAULT_CODEFRESH_API_KEY,
      RUN_LEDGER_TABLE: this.table,
      ALLOWED_PIPELINES: DEPLOY_PIPELINE,
      AGENT_CONCURRENCY: "8",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      ...extra,
    };
  }

  /** Require the bundle afresh (a cold start) with these settings in process.env. */
  loadBundle(extra: Record<string, string> = {}): AgentBundle {
    for (const key of AGENT_ENV_KEYS) delete process.env[key];
    Object.assign(process.env, this.env(extra));
    delete require.cache[BUNDLE];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(BUNDLE) as AgentBundle;
  }
}

export const AGENT_ENV_KEYS = [
  "AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PORT_API_URL", "PORT_APP_URL",
  "CODEFRESH_API_URL", "PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "CODEFRESH_API_KEY", "RUN_LEDGER_TABLE", "ALLOWED_PIPELINES",
  "AGENT_CONCURRENCY", "REQUIRE_PRODUCTION_APPROVAL", "POWERTOOLS_LOG_LEVEL", "REAPER_CLAIM_LEASE_SECONDS", "REAPER_LOCK_LEASE_SECONDS",
  "PORT_CREDENTIALS_SECRET_ARN", "CODEFRESH_API_KEY_SECRET_ARN", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  "AGENT_FUNCTION_TIMEOUT_SECONDS", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
];

/** Put process.env back as it was before the suite. */
export function snapshotEnv(): () => void {
  const saved = Object.fromEntries(AGENT_ENV_KEYS.map((k) => [k, process.env[k]]));
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * For suites that drive the built bundle: fail clearly when it was not built, save the
 * environment the agent reads, and start a world. Returns the world and how to restore the env.
 */
export async function startBundleWorld(): Promise<{ world: AgentWorld; restoreEnv: () => void }> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first (npm test does)`);
  const restoreEnv = snapshotEnv();
  return { world: await AgentWorld.start(), restoreEnv };
}

/**
 * Mocha hooks for a suite that drives the built bundle: one world for the suite (startBundleWorld)
 * handed to `set`, stopped and the environment restored after it. Suites seed their own tests.
 */
export function useBundleWorld(set: (world: AgentWorld) => void): void {
  let started: { world: AgentWorld; restoreEnv: () => void } | undefined;
  before(async () => {
    started = await startBundleWorld();
    set(started.world);
  });
  after(async () => {
    await started?.world.stop();
    started?.restoreEnv();
  });
}

export type KafkaEvent = { eventSource: string; bootstrapServers: string; records: Record<string, unknown[]> };

export function deployRequest(runId: string, img: string, env: string, extra: Partial<DeployRequest> = {}): DeployRequest {
  return { runId, action: DEPLOY_ACTIONS.fromEnvironment, image: img, environment: env, pipeline: DEPLOY_PIPELINE, requestedBy: "dev@example.com", ...extra };
}

/** An AWS self-managed Kafka event; `offsets` (per partition) advance with every record. */
export function kafkaEvent(inputs: readonly KafkaInput[], offsets: Map<number, number>): KafkaEvent {
  const records: Record<string, unknown[]> = {};
  for (const input of inputs) {
    const partition = input.partition ?? 0;
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    (records[`${TOPIC}-${partition}`] ??= []).push(kafkaRecord(partition, offset, input.value));
  }
  return { eventSource: "SelfManagedKafka", bootstrapServers: "b-1.example:9096", records };
}

function kafkaRecord(partition: number, offset: number, value: KafkaInput["value"]): Record<string, unknown> {
  const encoded = Buffer.isBuffer(value)
    ? value.toString("base64")
    : "rawBase64" in value && typeof value.rawBase64 === "string"
      ? value.rawBase64
      : Buffer.from(JSON.stringify(value)).toString("base64");
  return {
    topic: TOPIC,
    partition,
    offset,
    timestamp: Date.now(),
    timestampType: "CREATE_TIME",
    key: Buffer.from(`k-${offset}`).toString("base64"),
    value: encoded,
    headers: [],
  };
}

/** Capture everything written to stdout/stderr (Powertools Logger writes JSON lines there). */
export function captureOutput(): { lines: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  return {
    lines: () => chunks.join("").split("\n").filter((l) => l.trim() !== ""),
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}
