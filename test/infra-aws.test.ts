// The agent on AWS, evaluated under Pulumi mocks: what would be sent to AWS on `pulumi up`.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AgentDeployment, AgentDeploymentArgs } from "../infra/agent";
import { PORT_KAFKA_BROKERS } from "../infra/agent-config";
import { parseStackConfig } from "../stacks/config";
import { RecordedResource, ResourceRecorder, fakeAgentBundleDir, installMocks, isSecretInput, promiseOf, reveal, settle } from "./support/mocks";

const ORG = "org_Test123";
const SECRET_VALUES = ["test-port-client-id", "test-port-client-secret", "test-codefresh-key", "test-kafka-user", "test-kafka-password"];
const T = {
  fn: "aws:lambda/function:Function",
  esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
  secret: "aws:secretsmanager/secret:Secret",
  version: "aws:secretsmanager/secretVersion:SecretVersion",
  table: "aws:dynamodb/table:Table",
  queue: "aws:sqs/queue:Queue",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  permission: "aws:lambda/permission:Permission",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

function secrets(wrap: (v: string) => pulumi.Input<string> = (v) => pulumi.secret(v)): AgentDeploymentArgs["secrets"] {
  return {
    portClientId: wrap("test-port-client-id"),
    portClientSecret: wrap("test-port-client-secret"),
    codefreshApiKey: wrap("test-codefresh-key"),
    kafkaUsername: wrap("test-kafka-user"),
    kafkaPassword: wrap("test-kafka-password"),
  };
}

describe("agent on AWS (Lambda + Port Kafka)", () => {
  const mocks = new ResourceRecorder();
  let bundleDir: string;

  before(async () => {
    await installMocks(mocks);
    bundleDir = fakeAgentBundleDir();
  });
  after(() => fs.rmSync(bundleDir, { recursive: true, force: true }));
  beforeEach(() => mocks.reset());

  async function deploy(raw: Record<string, unknown> = {}, extra: Partial<AgentDeploymentArgs> = {}): Promise<AgentDeployment> {
    const { port, ...rest } = raw as { port?: Record<string, unknown> };
    const config = parseStackConfig({ port: { orgId: ORG, ...(port ?? {}) }, ...rest });
    const agent = new AgentDeployment("agent", {
      config,
      portApiUrl: "https://api.port.io",
      allowedPipelines: ["developer-portal/deploy", "developer-portal/deploy-prod"],
      secrets: secrets(),
      bundleDir,
      ...extra,
    });
    await promiseOf(agent.workloadName);
    await settle();
    return agent;
  }

  const handlerFn = () => mocks.one(T.fn, "agent-aws-handler");
  const reaperFn = () => mocks.one(T.fn, "agent-aws-reaper");
  const secretNamed = (suffix: string) => mocks.one(T.secret, `agent-aws-${suffix}`);
  const versionOf = (suffix: string) => mocks.one(T.version, `agent-aws-${suffix}-value`);

  it("runs the bundle's handler on Node.js 22 arm64 with JSON logs in its own log group with retention", async () => {
    await deploy();
    const fn = handlerFn().inputs;
    assert.equal(fn.runtime, "nodejs22.x");
    assert.deepEqual(fn.architectures, ["arm64"]);
    assert.equal(fn.handler, "index.handler");
    assert.equal(fn.memorySize, 512);
    assert.equal(fn.timeout, 300);
    const logGroup = mocks.one(T.logGroup);
    assert.equal(logGroup.inputs.retentionInDays, 30);
    assert.equal(fn.loggingConfig.logFormat, "JSON");
    assert.equal(fn.loggingConfig.logGroup, logGroup.state.name);
    assert.equal(reaperFn().inputs.loggingConfig.logGroup, logGroup.state.name);
  });

  it("sizes the function, log retention and batch from the agent config", async () => {
    await deploy({ agent: { lambda: { memoryMb: 1024, timeoutSeconds: 600, logRetentionDays: 14, reservedConcurrency: 5 }, kafka: { batchSize: 25, batchingWindowSeconds: 5 } } });
    const fn = handlerFn().inputs;
    assert.equal(fn.memorySize, 1024);
    assert.equal(fn.timeout, 600);
    assert.equal(fn.reservedConcurrentExecutions, 5);
    assert.equal(mocks.one(T.logGroup).inputs.retentionInDays, 14);
    const esm = mocks.one(T.esm).inputs;
    assert.equal(esm.batchSize, 25);
    assert.equal(esm.maximumBatchingWindowInSeconds, 5);
  });

  it("packs the bundle's index.js, and only it, into the Lambda code archive of both functions", async () => {
    await deploy();
    for (const fn of [handlerFn(), reaperFn()]) {
      const assets = await fn.inputs.code.assets;
      assert.deepEqual(Object.keys(assets), ["index.js"]);
      assert.equal(await assets["index.js"].path, path.resolve(bundleDir, "index.js"));
    }
    assert.equal(reaperFn().inputs.handler, "index.reaper");
  });

  it("packs the real dist/agent bundle when it has been built", async function () {
    const real = path.resolve("dist/agent/index.js");
    if (!fs.existsSync(real)) this.skip();
    await deploy({}, { bundleDir: "dist/agent" });
    const assets = await handlerFn().inputs.code.assets;
    assert.equal(await assets["index.js"].path, real);
    const source = fs.readFileSync(real, "utf8");
    assert.match(source, /handler/);
    assert.match(source, /reaper/);
  });

  it("refuses to deploy without a built bundle, saying how to build it", () => {
    const config = parseStackConfig({ port: { orgId: ORG } });
    assert.throws(
      () => new AgentDeployment("nobundle", { config, portApiUrl: "https://api.port.io", allowedPipelines: ["p/deploy"], secrets: secrets(), bundleDir: path.join(bundleDir, "missing") }),
      /agent bundle not found.*npm run build/,
    );
  });

  it("gives the agent its settings as environment variables and secrets only as Secrets Manager ARNs", async () => {
    await deploy();
    const env = handlerFn().inputs.environment.variables as Record<string, unknown>;
    assert.deepEqual(Object.keys(env).sort(), [
      "AGENT_CONCURRENCY",
      "AGENT_FUNCTION_TIMEOUT_SECONDS",
      "ALLOWED_PIPELINES",
      "CODEFRESH_API_KEY_SECRET_ARN",
      "CODEFRESH_API_URL",
      "LEDGER_TTL_DAYS",
      "PORT_API_URL",
      "PORT_APP_URL",
      "PORT_CREDENTIALS_SECRET_ARN",
      "POWERTOOLS_SERVICE_NAME",
      "REQUIRE_PRODUCTION_APPROVAL",
      "RUN_LEDGER_TABLE",
    ]);
    assert.equal(env.PORT_CREDENTIALS_SECRET_ARN, secretNamed("port").state.arn);
    assert.equal(env.CODEFRESH_API_KEY_SECRET_ARN, secretNamed("codefresh").state.arn);
    assert.equal(env.RUN_LEDGER_TABLE, mocks.one(T.table).state.name);
    assert.equal(env.ALLOWED_PIPELINES, "developer-portal/deploy,developer-portal/deploy-prod");
    assert.equal(env.PORT_API_URL, "https://api.port.io");
    assert.equal(env.PORT_APP_URL, "https://app.port.io");
    assert.equal(env.CODEFRESH_API_URL, "https://g.codefresh.io");
    assert.equal(env.AGENT_CONCURRENCY, "32");
    assert.equal(env.LEDGER_TTL_DAYS, "30");
    assert.equal(env.AGENT_FUNCTION_TIMEOUT_SECONDS, "300", "the handler's timeout, which the reaper's claim lease must exceed");
    assert.equal(reaperFn().inputs.environment.variables.AGENT_FUNCTION_TIMEOUT_SECONDS, "300");
    assert.equal(env.REQUIRE_PRODUCTION_APPROVAL, "true", "approvals.production defaults to true");
    const everything = JSON.stringify(mocks.resources.filter((r) => r.type !== T.version).map((r) => reveal(r.inputs)));
    for (const value of SECRET_VALUES) assert.ok(!everything.includes(value), `${value} leaked outside a SecretVersion`);
  });

  it("passes approvals.production on as REQUIRE_PRODUCTION_APPROVAL", async () => {
    await deploy({ approvals: { production: false } });
    assert.equal(handlerFn().inputs.environment.variables.REQUIRE_PRODUCTION_APPROVAL, "false");
  });

  it("stores the Kafka, Port and Codefresh credentials in Secrets Manager as secret outputs", async () => {
    const agent = await deploy();
    const kafka = versionOf("kafka").inputs;
    const port = versionOf("port").inputs;
    const codefresh = versionOf("codefresh").inputs;
    for (const v of [kafka, port, codefresh]) assert.ok(isSecretInput(v.secretString), "secretString reaches the engine as a secret");
    assert.deepEqual(JSON.parse(reveal(kafka.secretString)), { username: "test-kafka-user", password: "test-kafka-password" });
    assert.deepEqual(JSON.parse(reveal(port.secretString)), { clientId: "test-port-client-id", clientSecret: "test-port-client-secret" });
    assert.equal(reveal(codefresh.secretString), "test-codefresh-key");
    assert.equal(kafka.secretId, secretNamed("kafka").state.arn);
    const aws = agent.lambda!;
    for (const s of [aws.kafkaSecret, aws.portSecret, aws.codefreshSecret]) assert.equal(await pulumi.isSecret(s.version.secretString), true);
  });

  it("keeps credentials secret even when the stack passes plain strings", async () => {
    await deploy({}, { secrets: secrets((v) => v) });
    for (const suffix of ["kafka", "port", "codefresh"]) assert.ok(isSecretInput(versionOf(suffix).inputs.secretString), suffix);
  });

  it("subscribes to <orgId>.runs on Port's EU brokers with an org-prefixed consumer group and SCRAM-512 from the Kafka secret", async () => {
    await deploy();
    const esm = mocks.one(T.esm).inputs;
    assert.equal(esm.functionName, handlerFn().state.arn);
    assert.deepEqual(esm.topics, [`${ORG}.runs`]);
    assert.equal(esm.startingPosition, "LATEST");
    assert.equal(esm.selfManagedEventSource.endpoints.KAFKA_BOOTSTRAP_SERVERS, PORT_KAFKA_BROKERS.eu.join(","));
    assert.match(esm.selfManagedEventSource.endpoints.KAFKA_BOOTSTRAP_SERVERS, /^b-1-public\.publicclusterprod\.t9rw6w\.c1\.kafka\.eu-west-1\.amazonaws\.com:9196,b-2-/);
    assert.equal(esm.selfManagedKafkaEventSourceConfig.consumerGroupId, `${ORG}.codefresh-agent`);
    assert.deepEqual(esm.sourceAccessConfigurations, [{ type: "SASL_SCRAM_512_AUTH", uri: secretNamed("kafka").state.arn }]);
    assert.equal(esm.batchSize, 10);
    assert.equal(esm.maximumBatchingWindowInSeconds, 1);
  });

  it("uses Port's US brokers for region us, and explicit brokers when configured", async () => {
    await deploy({ port: { region: "us" }, agent: { name: "cf-agent" } });
    let esm = mocks.one(T.esm).inputs;
    assert.equal(esm.selfManagedEventSource.endpoints.KAFKA_BOOTSTRAP_SERVERS, [1, 2, 3].map((n) => `b-${n}-public.production.5v06xt.c21.kafka.us-east-1.amazonaws.com:9196`).join(","));
    assert.equal(esm.selfManagedKafkaEventSourceConfig.consumerGroupId, `${ORG}.cf-agent`);
    assert.equal(handlerFn().inputs.environment.variables.PORT_APP_URL, "https://app.us.port.io");
    mocks.reset();
    await deploy({ agent: { kafka: { brokers: ["kafka-1.internal:9196", "kafka-2.internal:9196"] } } });
    esm = mocks.one(T.esm).inputs;
    assert.equal(esm.selfManagedEventSource.endpoints.KAFKA_BOOTSTRAP_SERVERS, "kafka-1.internal:9196,kafka-2.internal:9196");
  });

  it("bounds retries and record age on provisioned pollers and sends given-up records to the failure queue", async () => {
    await deploy({ agent: { kafka: { maxRetries: 2, maxRecordAgeSeconds: 900, minPollers: 1, maxPollers: 3 } } });
    const esm = mocks.one(T.esm).inputs;
    assert.deepEqual(esm.provisionedPollerConfig, { minimumPollers: 1, maximumPollers: 3 });
    assert.equal(esm.maximumRetryAttempts, 2);
    assert.equal(esm.maximumRecordAgeInSeconds, 900);
    assert.equal(esm.bisectBatchOnFunctionError, true);
    assert.equal(esm.destinationConfig.onFailure.destinationArn, mocks.one(T.queue).state.arn);
  });

  it("keeps the run ledger on demand, keyed by runId, expiring items through TTL on expiresAt", async () => {
    await deploy();
    const table = mocks.one(T.table).inputs;
    assert.equal(table.billingMode, "PAY_PER_REQUEST");
    assert.equal(table.hashKey, "runId");
    assert.equal(table.rangeKey, undefined);
    assert.deepEqual(table.attributes, [{ name: "runId", type: "S" }]);
    assert.deepEqual(table.ttl, { attributeName: "expiresAt", enabled: true });
  });

  it("invokes the reaper function on the configured EventBridge schedule", async () => {
    await deploy({ agent: { reaper: { schedule: "rate(10 minutes)" } } });
    const rule = mocks.one(T.rule);
    assert.equal(rule.inputs.scheduleExpression, "rate(10 minutes)");
    const target = mocks.one(T.target).inputs;
    assert.equal(target.rule, rule.state.name);
    assert.equal(target.arn, reaperFn().state.arn);
    const permission = mocks.one(T.permission).inputs;
    assert.equal(permission.principal, "events.amazonaws.com");
    assert.equal(permission.action, "lambda:InvokeFunction");
    assert.equal(permission.function, reaperFn().state.name);
    assert.equal(permission.sourceArn, rule.state.arn);
    assert.equal(reaperFn().inputs.reservedConcurrentExecutions, 1);
  });

  it("alarms on handler errors, reaper errors and any message in the failure queue", async () => {
    const topic = "arn:aws:sns:eu-west-1:123456789012:platform-alerts";
    await deploy({ agent: { alarms: { topicArn: topic } } });
    const alarms = mocks.byType(T.alarm).map((a) => a.inputs);
    const lambdaErrors = alarms.filter((a) => a.namespace === "AWS/Lambda" && a.metricName === "Errors");
    assert.deepEqual(lambdaErrors.map((a) => a.dimensions.FunctionName).sort(), [handlerFn().state.name, reaperFn().state.name].sort());
    const queue = alarms.find((a) => a.namespace === "AWS/SQS");
    assert.ok(queue, "a failure-queue alarm");
    assert.equal(queue.metricName, "ApproximateNumberOfMessagesVisible");
    assert.equal(queue.dimensions.QueueName, mocks.one(T.queue).state.name);
    assert.equal(queue.threshold, 1);
    assert.equal(queue.comparisonOperator, "GreaterThanOrEqualToThreshold");
    for (const a of alarms) assert.deepEqual(a.alarmActions, [topic]);
  });

  it("grants its one role exactly these secrets, this table, this queue and its own log group — never '*'", async () => {
    await deploy();
    const role = mocks.one(T.role);
    assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service, "lambda.amazonaws.com");
    for (const fn of [handlerFn(), reaperFn()]) assert.equal(fn.inputs.role, role.state.arn);

    const statements = mocks.byType(T.rolePolicy).flatMap((p: RecordedResource) => {
      assert.equal(p.inputs.role, role.id);
      return JSON.parse(p.inputs.policy).Statement as { Effect: string; Action: string[]; Resource: string[] }[];
    });
    const resourcesFor = (prefix: string) => [...new Set(statements.filter((s) => s.Action.some((a) => a.startsWith(prefix))).flatMap((s) => s.Resource))].sort();
    assert.deepEqual(resourcesFor("secretsmanager:"), ["kafka", "port", "codefresh"].map((s) => secretNamed(s).state.arn).sort());
    assert.deepEqual(resourcesFor("dynamodb:"), [mocks.one(T.table).state.arn]);
    assert.deepEqual(resourcesFor("sqs:"), [mocks.one(T.queue).state.arn]);
    assert.deepEqual(resourcesFor("logs:"), [`${mocks.one(T.logGroup).state.arn}:log-stream:*`]);
    for (const s of statements) {
      assert.equal(s.Effect, "Allow");
      assert.ok(!s.Resource.includes("*"), JSON.stringify(s));
      assert.ok(!s.Action.some((a) => a.endsWith(":*") || a === "*"), JSON.stringify(s));
    }
    assert.ok(statements.some((s) => s.Action.includes("secretsmanager:GetSecretValue")));
    assert.ok(statements.some((s) => s.Action.includes("dynamodb:PutItem")));
    assert.ok(statements.some((s) => s.Action.includes("sqs:SendMessage")));
    assert.ok(statements.some((s) => s.Action.includes("logs:PutLogEvents")));
  });

  it("exposes function, ledger and failure-queue names as outputs, none of them secret", async () => {
    const agent = await deploy();
    const outputs = agent.outputs();
    assert.equal(await promiseOf(pulumi.output(outputs.workloadName)), handlerFn().state.name);
    assert.equal(await promiseOf(pulumi.output(outputs.functionArn)), handlerFn().state.arn);
    assert.equal(await promiseOf(pulumi.output(outputs.ledgerTableName)), mocks.one(T.table).state.name);
    assert.equal(await promiseOf(pulumi.output(outputs.failureQueueUrl)), mocks.one(T.queue).state.url);
    assert.equal(outputs.consumerGroup, `${ORG}.codefresh-agent`);
    for (const [key, value] of Object.entries(outputs)) {
      if (value === undefined) continue;
      const out = pulumi.output(value);
      assert.equal(await pulumi.isSecret(out), false, key);
      const plain = String(await promiseOf(out));
      for (const secret of SECRET_VALUES) assert.ok(!plain.includes(secret), key);
    }
    assert.equal(mocks.byType("kubernetes:apps/v1:Deployment").length, 0);
  });

  it("refuses an allowlist entry that is not project/pipeline", () => {
    const config = parseStackConfig({ port: { orgId: ORG } });
    assert.throws(
      () => new AgentDeployment("bad", { config, portApiUrl: "https://api.port.io", allowedPipelines: ["deploy,prod"], secrets: secrets(), bundleDir }),
      /allowedPipelines.*project\/pipeline/,
    );
  });
});
