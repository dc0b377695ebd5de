// The agent's pure parts, without a network: the decision, Kafka decoding, ordering scheduler
// and settings. The effects are proven against the emulators in agent-bundle.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { decide, deploymentEntity, reapOutcome, EntityView } from "../agent/decision";
import { deployActions } from "../actions/deploy";
import { decodeKafkaEvent, decodeMessage } from "../agent/kafka-records";
import { runKeyed } from "../agent/scheduler";
import { loadAgentSettings, loadConsumerSettings } from "../agent/settings";
import { DEPLOY_ACTIONS, DeployRequest } from "../actions/deploy-request";
import { ENVIRONMENT, ENVIRONMENT_KINDS } from "../blueprints/vocabulary";

const request: DeployRequest = { runId: "r_abc", action: "deploy_image", image: "img-7", environment: "env-3", pipeline: "deploy/app", requestedBy: "dev@example.com" };
const img = (product: string | null, props: Record<string, unknown> = {}): EntityView => ({
  identifier: "img-7",
  properties: { image_ref: "reg/app:7", codefresh_build_result: "success", ...props },
  relations: { product },
});
const env = (product: string | null): EntityView => ({ identifier: "env-3", properties: {}, relations: { product } });
const allowed = ["deploy/app"];

describe("agent core: decide", () => {
  it("starts the allowed pipeline with exactly the five variables and the run-id annotation", () => {
    const d = decide({ request, image: img("billing"), environment: env("billing"), allowedPipelines: allowed, requireProductionApproval: true });
    assert.deepEqual(d, {
      kind: "start",
      pipeline: "deploy/app",
      product: "billing",
      variables: { PORT_RUN_ID: "r_abc", PORT_IMAGE: "img-7", PORT_IMAGE_REF: "reg/app:7", PORT_ENVIRONMENT: "env-3", PORT_PRODUCT: "billing" },
      annotations: { port_run_id: "r_abc" },
    });
  });

  it("refuses across products naming both products", () => {
    const d = decide({ request, image: img("billing"), environment: env("portal"), allowedPipelines: allowed, requireProductionApproval: true });
    assert.deepEqual(d, { kind: "refuse", summary: "image img-7 belongs to product billing, environment env-3 to product portal" });
  });

  it("refuses a pipeline outside the allowlist, missing entities, orphan entities, failed images and images without a reference", () => {
    const summary = (over: Partial<Parameters<typeof decide>[0]>) => {
      const d = decide({ request, image: img("billing"), environment: env("billing"), allowedPipelines: allowed, requireProductionApproval: true, ...over });
      return d.kind === "refuse" ? d.summary : "started";
    };
    assert.match(summary({ allowedPipelines: ["x/y"] }), /pipeline "deploy\/app" is not one this agent may start \(allowed: x\/y\)/);
    assert.equal(summary({ image: undefined, environment: undefined }), "image img-7 and environment env-3 do not exist in Port");
    assert.equal(summary({ environment: undefined }), "environment env-3 does not exist in Port");
    assert.equal(summary({ image: img(null) }), "image img-7 belongs to no product");
    assert.equal(summary({ environment: env(null) }), "environment env-3 belongs to no product");
    assert.equal(summary({ image: img("billing", { codefresh_build_result: "error" }) }), "image img-7 was not built successfully (build result: error)");
    assert.equal(summary({ image: img("billing", { image_ref: null }) }), "image img-7 has no image reference (image_ref)");
  });

  describe("Production environments with approvals on", () => {
    const PRODUCTION = ENVIRONMENT_KINDS.find((k) => k === "Production")!;
    const prodEnv = (kind: string | null = PRODUCTION): EntityView => ({ identifier: "billing-prod", properties: kind === null ? {} : { [ENVIRONMENT.kind]: kind }, relations: { product: "billing" } });
    const approvalTitle = deployActions({ pipelines: ["deploy/app"], requireApprovalForProduction: true }).find((a) => a.identifier === DEPLOY_ACTIONS.fromEnvironmentWithApproval)!.body.title;
    const decideFor = (action: string, environment: EntityView, requireProductionApproval = true) =>
      decide({ request: { ...request, action, environment: environment.identifier }, image: img("billing"), environment, allowedPipelines: allowed, requireProductionApproval });

    it("refuses every action but the approval one, naming the action to use", () => {
      assert.equal(approvalTitle, "Deploy an image to this environment (approval required)");
      for (const action of [DEPLOY_ACTIONS.fromEnvironment, DEPLOY_ACTIONS.fromImage, "something_else"]) {
        assert.deepEqual(decideFor(action, prodEnv()), { kind: "refuse", summary: `environment billing-prod is Production: deploy it with "${approvalTitle}"` }, action);
      }
    });

    it("starts a build for the approval action, for other kinds of environment, and for anything when approvals are off", () => {
      assert.equal(decideFor(DEPLOY_ACTIONS.fromEnvironmentWithApproval, prodEnv()).kind, "start");
      for (const kind of ENVIRONMENT_KINDS.filter((k) => k !== PRODUCTION)) assert.equal(decideFor(DEPLOY_ACTIONS.fromEnvironment, prodEnv(kind)).kind, "start", kind);
      assert.equal(decideFor(DEPLOY_ACTIONS.fromImage, prodEnv(null)).kind, "start", "no kind: not Production");
      for (const action of Object.values(DEPLOY_ACTIONS)) assert.equal(decideFor(action, prodEnv(), false).kind, "start", action);
    });
  });

  it("builds the deployment entity with the requester only there, and relations to image, environment and product", () => {
    const start = decide({ request, image: img("billing"), environment: env("billing"), allowedPipelines: allowed, requireProductionApproval: true });
    assert.equal(start.kind, "start");
    if (start.kind !== "start") return;
    assert.ok(!JSON.stringify(start).includes("dev@example.com"));
    const e = deploymentEntity({ request, start, buildUrl: "https://cf/build/1", startedAt: "2026-01-01T00:00:00.000Z", runLink: "https://app/run" });
    assert.equal(e.identifier, "deploy-r_abc");
    assert.deepEqual(e.relations, { image: "img-7", environment: "env-3", product: "billing" });
    assert.equal((e.properties as Record<string, unknown>).requested_by, "dev@example.com");
  });

  it("maps terminal build states to the run status the reaper reports", () => {
    assert.equal(reapOutcome("b1", "success").status, "SUCCESS");
    for (const s of ["error", "terminated", "denied"]) assert.equal(reapOutcome("b1", s).status, "FAILURE");
    assert.match(reapOutcome("b1", "denied").summary, /denied approval/);
  });

  it("never relays an unexpected build status unredacted or uncapped into the run's summary", () => {
    const token = `eyJhbGciOiJIUzI1NiJ9.${"a".repeat(40)}.${"b".repeat(20)}`;
    const summary = reapOutcome("b1", `weird ${token} ${"x".repeat(5000)}`).summary;
    assert.ok(!summary.includes(token), summary);
    assert.ok(summary.length < 300, `${summary.length} characters`);
  });
});

describe("agent core: Kafka decoding", () => {
  const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64");

  it("decodes records keyed <topic>-<partition>, accepting string partitions and offsets", () => {
    const records = decodeKafkaEvent({ eventSource: "SelfManagedKafka", records: { "o.runs-2": [{ topic: "o.runs", partition: "2", offset: "41", value: b64(request) }] } });
    assert.equal(records.length, 1);
    assert.equal(records[0].id, "o.runs-2@41");
    assert.equal(records[0].offset, 41);
    assert.deepEqual(records[0].message, { kind: "request", request });
  });

  it("tells garbage apart without throwing: not base64, not JSON, wrong shape with and without a run id", () => {
    const values = ["***", b64("{x"), b64({ runId: "r_1", action: "deploy_image" }), b64({ action: "deploy_image", image: "x" }), b64("")];
    const records = decodeKafkaEvent({ records: { "t-0": values.map((value, offset) => ({ offset, value })) } });
    assert.deepEqual(records.map((r) => r.message.kind), ["malformed", "malformed", "malformed", "malformed", "malformed"]);
    assert.deepEqual(records.map((r) => (r.message.kind === "malformed" ? r.message.reason : "")).slice(0, 2), ["value is not base64", "message is not JSON"]);
    assert.equal(records[2].message.kind === "malformed" && records[2].message.runId, "r_1");
    assert.equal(records[3].message.kind === "malformed" && records[3].message.runId, undefined);
  });

  it("never echoes field values in the reason (they may hold an e-mail)", () => {
    const m = decodeMessage(Buffer.from(JSON.stringify({ ...request, image: "", requestedBy: 42 })));
    assert.equal(m.kind, "malformed");
    assert.ok(m.kind === "malformed" && !m.reason.includes("dev@example.com") && m.reason.includes("image"));
  });

  it("leaves messages of other actions alone", () => {
    assert.deepEqual(decodeMessage(Buffer.from(JSON.stringify({ action: "create_vm", runId: "r_1" }))), { kind: "foreign", action: "create_vm" });
  });

  it("rejects something that is not a Kafka event", () => {
    assert.throws(() => decodeKafkaEvent({ Records: [] }), /not a Kafka event/);
  });
});

describe("agent core: keyed scheduler", () => {
  it("runs one key in order, different keys side by side, never more than the limit at once", async () => {
    const items = ["a1", "b1", "a2", "c1", "a3", "b2", "d1"];
    let active = 0;
    let peak = 0;
    const order: string[] = [];
    await runKeyed(items, (i) => i[0], 2, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      active--;
    });
    assert.equal(peak, 2);
    for (const key of ["a", "b"]) assert.deepEqual(order.filter((i) => i[0] === key), items.filter((i) => i[0] === key));
  });

  it("returns results in input order", async () => {
    assert.deepEqual(await runKeyed([3, 1, 2], (n) => String(n % 2), 8, async (n) => n * 10), [30, 10, 20]);
  });
});

describe("agent settings", () => {
  const base = { AWS_REGION: "eu-west-1", RUN_LEDGER_TABLE: "ledger", ALLOWED_PIPELINES: "deploy/app, deploy/other", PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "test-client-secret", CODEFRESH_API_KEY: "test-key" };

  it("applies the documented defaults", () => {
    const s = loadAgentSettings(base);
    assert.equal(s.portApiUrl, "https://api.port.io");
    assert.equal(s.portAppUrl, "https://app.port.io");
    assert.equal(s.codefreshApiUrl, "https://g.codefresh.io");
    assert.equal(s.concurrency, 32, "the benchmarked default");
    assert.equal(s.ledgerTtlDays, 30);
    assert.deepEqual(s.allowedPipelines, ["deploy/app", "deploy/other"]);
  });

  it("requires production approval unless REQUIRE_PRODUCTION_APPROVAL is \"false\", and refuses other values", () => {
    assert.equal(loadAgentSettings(base).requireProductionApproval, true);
    assert.equal(loadAgentSettings({ ...base, REQUIRE_PRODUCTION_APPROVAL: "true" }).requireProductionApproval, true);
    assert.equal(loadAgentSettings({ ...base, REQUIRE_PRODUCTION_APPROVAL: "false" }).requireProductionApproval, false);
    assert.throws(() => loadAgentSettings({ ...base, REQUIRE_PRODUCTION_APPROVAL: "no" }), /REQUIRE_PRODUCTION_APPROVAL is invalid/);
  });

  describe("secrets from files (<NAME>_FILE, the Kubernetes Secret volume)", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "agent-secrets-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      return p;
    };
    const kafka = { KAFKA_BROKERS: "b-1:9196", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent", ALLOWED_PIPELINES: "deploy/app" };

    it("reads every credential from its file when the variable is unset, without the trailing newline", () => {
      const s = loadConsumerSettings({
        ...kafka,
        PORT_CLIENT_ID_FILE: file("PORT_CLIENT_ID", "file-id\n"),
        PORT_CLIENT_SECRET_FILE: file("PORT_CLIENT_SECRET", "file-secret\r\n"),
        CODEFRESH_API_KEY_FILE: file("CODEFRESH_API_KEY", "file-key"),
        KAFKA_USERNAME_FILE: file("KAFKA_USERNAME", "file-user\n"),
        KAFKA_PASSWORD_FILE: file("KAFKA_PASSWORD", "file-password\n"),
      });
      assert.deepEqual(s.credentials, { kind: "environment", portClientId: "file-id", portClientSecret: "file-secret", codefreshApiKey: "file-key" });
      assert.equal(s.kafkaUsername, "file-user");
      assert.equal(s.kafkaPassword, "file-password");
    });

    it("prefers the variable when both are set", () => {
      const s = loadAgentSettings({ ...base, PORT_CLIENT_SECRET_FILE: file("PORT_CLIENT_SECRET", "from-file\n") });
      assert.equal(s.credentials.kind === "environment" && s.credentials.portClientSecret, "test-client-secret");
    });

    it("names a missing or empty file in one line, never its content", () => {
      const { PORT_CLIENT_SECRET: _s, CODEFRESH_API_KEY: _k, ...rest } = base;
      assert.throws(
        () => loadAgentSettings({ ...rest, PORT_CLIENT_SECRET_FILE: path.join(dir, "nope"), CODEFRESH_API_KEY_FILE: file("CODEFRESH_API_KEY", "\n") }),
        (err: Error) => {
          assert.match(err.message, /PORT_CLIENT_SECRET_FILE \S+nope cannot be read \(ENOENT\)/);
          assert.match(err.message, /CODEFRESH_API_KEY_FILE \S+ is empty/);
          assert.ok(!err.message.includes("\n"));
          return true;
        },
      );
    });
  });

  it("fails at start on a non-web URL, a bad table name, a claim lease not above the function timeout, or no AWS region", () => {
    const fails = (env: Record<string, string>, problem: RegExp) => assert.throws(() => loadAgentSettings({ ...base, ...env }), problem);
    fails({ CODEFRESH_API_URL: "javascript:alert(1)" }, /CODEFRESH_API_URL is invalid \(expected an http\(s\) URL\)/);
    fails({ PORT_APP_URL: "file:///etc/passwd" }, /PORT_APP_URL is invalid/);
    fails({ RUN_LEDGER_TABLE: "no spaces allowed" }, /RUN_LEDGER_TABLE is invalid \(not a DynamoDB table name\)/);
    fails({ REAPER_CLAIM_LEASE_SECONDS: "30" }, /REAPER_CLAIM_LEASE_SECONDS is invalid/);
    fails({ REAPER_CLAIM_LEASE_SECONDS: "600", AGENT_FUNCTION_TIMEOUT_SECONDS: "600" }, /REAPER_CLAIM_LEASE_SECONDS \(600\) must exceed the function timeout \(600 s\)/);
    // On Lambda without the timeout given, the longest a Kafka-triggered function may run (840 s) counts.
    fails({ AWS_LAMBDA_FUNCTION_NAME: "agent", REAPER_CLAIM_LEASE_SECONDS: "800" }, /must exceed the function timeout \(840 s\)/);
    assert.equal(loadAgentSettings({ ...base, AWS_LAMBDA_FUNCTION_NAME: "agent" }).claimLeaseSeconds, 900, "the default lease outlives any Kafka-triggered Lambda");
    const { AWS_REGION: _region, ...noRegion } = base;
    assert.throws(() => loadAgentSettings(noRegion), /AWS_REGION is required/);
    assert.equal(loadAgentSettings({ ...noRegion, AWS_DEFAULT_REGION: "eu-west-1" }).ledgerTable, "ledger");
  });

  it("prefers Secrets Manager ARNs and needs both of them", () => {
    const s = loadAgentSettings({ ...base, PORT_CREDENTIALS_SECRET_ARN: "arn:port", CODEFRESH_API_KEY_SECRET_ARN: "arn:cf" });
    assert.equal(s.credentials.kind, "secrets-manager");
    assert.throws(() => loadAgentSettings({ ...base, PORT_CREDENTIALS_SECRET_ARN: "arn:port" }), /CODEFRESH_API_KEY_SECRET_ARN is required/);
  });

  it("names every problem in one line, never a value", () => {
    assert.throws(
      () => loadAgentSettings({ ALLOWED_PIPELINES: "just-a-name", AGENT_CONCURRENCY: "many", PORT_CLIENT_SECRET: "test-client-secret" }),
      (err: Error) => {
        assert.ok(!err.message.includes("\n"));
        assert.ok(!err.message.includes("test-client-secret"));
        assert.match(err.message, /RUN_LEDGER_TABLE is required/);
        assert.match(err.message, /AGENT_CONCURRENCY is invalid/);
        assert.match(err.message, /"just-a-name" is not a full name/);
        assert.match(err.message, /PORT_CLIENT_ID, CODEFRESH_API_KEY/);
        return true;
      },
    );
  });

  it("requires the consumer group to carry the org prefix and derives the topic", () => {
    const kafka = { ...base, KAFKA_BROKERS: "b-1:9196,b-2:9196", KAFKA_USERNAME: "u", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1" };
    const s = loadConsumerSettings({ ...kafka, KAFKA_CONSUMER_GROUP: "org_1.agent" });
    assert.equal(s.topic, "org_1.runs");
    assert.deepEqual(s.kafkaBrokers, ["b-1:9196", "b-2:9196"]);
    assert.throws(() => loadConsumerSettings({ ...kafka, KAFKA_CONSUMER_GROUP: "agent" }), /KAFKA_CONSUMER_GROUP must start with "org_1\."/);
  });

  it("needs RUN_LEDGER_TABLE for the Lambda but not for the Kubernetes consumer, which reads its health dir and reaper period", () => {
    const { RUN_LEDGER_TABLE: _table, ...noTable } = base;
    assert.throws(() => loadAgentSettings(noTable), /RUN_LEDGER_TABLE is required/);
    const kafka = { ...noTable, KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "u", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent" };
    const s = loadConsumerSettings(kafka);
    assert.equal(s.ledgerTable, undefined);
    assert.equal(s.healthDir, undefined, "no AGENT_HEALTH_DIR: no health files");
    assert.equal(s.reaperIntervalSeconds, 300);
    const t = loadConsumerSettings({ ...kafka, RUN_LEDGER_TABLE: "ledger", AGENT_HEALTH_DIR: "/tmp/agent", REAPER_INTERVAL_SECONDS: "60" });
    assert.equal(t.ledgerTable, "ledger");
    assert.equal(t.healthDir, "/tmp/agent");
    assert.equal(t.reaperIntervalSeconds, 60);
    assert.throws(() => loadConsumerSettings({ ...kafka, REAPER_INTERVAL_SECONDS: "soon" }), /REAPER_INTERVAL_SECONDS is invalid/);
  });
});
