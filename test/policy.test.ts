// The policy pack, run without the CLI: each policy's validateResource is called with the
// arguments the policy server would pass. The agent's own resources (from the mocks) and the
// catalog's blueprints must pass; a resource breaking a rule must be reported.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CATALOG } from "../blueprints";
import { AgentDeployment } from "../infra/agent";
import {
  TYPES,
  kafkaConsumerGroupHasOrgPrefix,
  kafkaMappingHasFailureDestination,
  lambdaLogsToManagedGroup,
  logRetentionSet,
  noWildcardDataAccess,
  noWildcardSecretAccess,
  policies,
  portBlueprintHasOwner,
  portWebhooksUseHttps,
} from "../policy/policies";
import { porcActions } from "../actions/porc";
import { deployActions } from "../actions/deploy";
import { parseStackConfig } from "../stacks/config";
import { ResourceRecorder, fakeAgentBundleDir, installMocks, promiseOf, reveal, settle } from "./support/mocks";

const ORG = "org_Test123";
const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:agent-failures";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agent-kafka-AbCdEf";

function validationArgs(type: string, props: Record<string, any>, name = "subject"): ResourceValidationArgs {
  return {
    type,
    props,
    name,
    urn: `urn:pulumi:test::developer-portal::${type}::${name}`,
    opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } } as unknown as ResourceValidationArgs["opts"],
    stackTags: new Map(),
    isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === type,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

async function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, any>, name?: string): Promise<string[]> {
  const found: string[] = [];
  const given = policy.validateResource;
  assert.ok(given, `${policy.name} validates resources`);
  const validate = Array.isArray(given) ? given : [given];
  for (const fn of validate) await fn(validationArgs(type, props, name), (message) => found.push(message));
  return found;
}

function goodMapping(): Record<string, any> {
  return {
    functionName: "arn:aws:lambda:eu-west-1:123456789012:function:agent",
    topics: [`${ORG}.runs`],
    startingPosition: "LATEST",
    selfManagedEventSource: { endpoints: { KAFKA_BOOTSTRAP_SERVERS: "b-1.example:9196" } },
    selfManagedKafkaEventSourceConfig: { consumerGroupId: `${ORG}.codefresh-agent` },
    sourceAccessConfigurations: [{ type: "SASL_SCRAM_512_AUTH", uri: SECRET_ARN }],
    provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 2 },
    maximumRetryAttempts: 3,
    maximumRecordAgeInSeconds: 3600,
    destinationConfig: { onFailure: { destinationArn: QUEUE_ARN } },
  };
}

const rolePolicy = (statement: Record<string, unknown>) => ({ role: "agent-role", policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) });

describe("policy pack", () => {
  it("holds every guard rail, each mandatory and uniquely named", () => {
    assert.deepEqual(policies.map((p) => p.name).sort(), [
      "kafka-consumer-group-has-org-prefix",
      "kafka-mapping-has-failure-destination",
      "lambda-logs-to-managed-group",
      "log-retention-set",
      "no-wildcard-secret-access",
      "no-wildcard-table-queue-access",
      "port-blueprint-has-owner",
      "port-webhooks-use-https",
    ]);
    for (const p of policies) assert.equal(p.enforcementLevel, "mandatory", p.name);
    const yaml = fs.readFileSync(path.join(__dirname, "../policy/PulumiPolicy.yaml"), "utf8");
    assert.match(yaml, /^runtime: nodejs$/m);
    assert.ok(JSON.parse(fs.readFileSync(path.join(__dirname, "../policy/package.json"), "utf8")).version, "PolicyPack reads its version from package.json");
  });

  describe("Kafka consumer group", () => {
    it("accepts a group prefixed with the org id of the topic", async () => {
      assert.deepEqual(await violations(kafkaConsumerGroupHasOrgPrefix, TYPES.eventSourceMapping, goodMapping()), []);
    });

    it("reports a group without the org prefix, and a missing group", async () => {
      const wrong = { ...goodMapping(), selfManagedKafkaEventSourceConfig: { consumerGroupId: "codefresh-agent" } };
      const [message] = await violations(kafkaConsumerGroupHasOrgPrefix, TYPES.eventSourceMapping, wrong);
      assert.match(message, /"codefresh-agent" must start with "org_Test123\."/);
      const other = { ...goodMapping(), selfManagedKafkaEventSourceConfig: { consumerGroupId: "org_Other1.agent" } };
      assert.equal((await violations(kafkaConsumerGroupHasOrgPrefix, TYPES.eventSourceMapping, other)).length, 1);
      const { selfManagedKafkaEventSourceConfig: _drop, ...missing } = goodMapping();
      assert.match((await violations(kafkaConsumerGroupHasOrgPrefix, TYPES.eventSourceMapping, missing))[0], /no consumer group/);
    });
  });

  describe("Kafka failure handling", () => {
    it("accepts bounded retries with provisioned pollers and an on-failure destination", async () => {
      assert.deepEqual(await violations(kafkaMappingHasFailureDestination, TYPES.eventSourceMapping, goodMapping()), []);
    });

    it("reports a mapping without a failure destination, with unbounded retries or without provisioned pollers", async () => {
      const { destinationConfig: _d, ...noDestination } = goodMapping();
      assert.match((await violations(kafkaMappingHasFailureDestination, TYPES.eventSourceMapping, noDestination)).join("\n"), /no on-failure destination/);
      const infinite = { ...goodMapping(), maximumRetryAttempts: -1 };
      assert.match((await violations(kafkaMappingHasFailureDestination, TYPES.eventSourceMapping, infinite)).join("\n"), /maximumRetryAttempts is not bounded/);
      const { provisionedPollerConfig: _p, maximumRecordAgeInSeconds: _m, ...onDemand } = goodMapping();
      const found = await violations(kafkaMappingHasFailureDestination, TYPES.eventSourceMapping, onDemand);
      assert.equal(found.length, 2, found.join("\n"));
    });

    it("leaves non-Kafka event sources alone", async () => {
      const sqs = { functionName: "fn", eventSourceArn: QUEUE_ARN };
      assert.deepEqual(await violations(kafkaMappingHasFailureDestination, TYPES.eventSourceMapping, sqs), []);
    });
  });

  describe("wildcard resources", () => {
    it("accepts grants on exact secret, table and queue ARNs", async () => {
      const exact = rolePolicy({ Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "sqs:SendMessage"], Resource: [SECRET_ARN, QUEUE_ARN] });
      assert.deepEqual(await violations(noWildcardSecretAccess, TYPES.rolePolicy, exact), []);
      assert.deepEqual(await violations(noWildcardDataAccess, TYPES.rolePolicy, exact), []);
    });

    it("reports secret access on '*', on a pattern, through NotResource or through an all-actions grant", async () => {
      for (const statement of [
        { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" },
        { Effect: "Allow", Action: ["secretsmanager:*"], Resource: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"] },
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], NotResource: [SECRET_ARN] },
        { Effect: "Allow", Action: "*", Resource: "*" },
      ]) {
        const found = await violations(noWildcardSecretAccess, TYPES.rolePolicy, rolePolicy(statement));
        assert.equal(found.length, 1, JSON.stringify(statement));
        assert.match(found[0], /wildcard secret access/);
      }
      const managed = { policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "*" }] } };
      assert.equal((await violations(noWildcardSecretAccess, TYPES.policy, managed)).length, 1, "a managed policy given as an object");
      const inline = { assumeRolePolicy: "{}", inlinePolicies: [{ name: "x", policy: rolePolicy({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }).policy }] };
      assert.equal((await violations(noWildcardSecretAccess, TYPES.role, inline)).length, 1, "a role's inline policy");
    });

    it("reports table and queue access on '*' but not a Deny on '*'", async () => {
      const table = rolePolicy({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" });
      assert.match((await violations(noWildcardDataAccess, TYPES.rolePolicy, table))[0], /dynamodb actions on "\*"/);
      const queue = rolePolicy({ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: ["*"] });
      assert.match((await violations(noWildcardDataAccess, TYPES.rolePolicy, queue))[0], /sqs actions/);
      const deny = rolePolicy({ Effect: "Deny", Action: ["dynamodb:*"], Resource: "*" });
      assert.deepEqual(await violations(noWildcardDataAccess, TYPES.rolePolicy, deny), []);
    });
  });

  describe("logs", () => {
    it("reports a log group without retention and accepts one with", async () => {
      assert.match((await violations(logRetentionSet, TYPES.logGroup, { name: "/x" }))[0], /retentionInDays is not set/);
      assert.equal((await violations(logRetentionSet, TYPES.logGroup, { name: "/x", retentionInDays: 0 })).length, 1);
      assert.deepEqual(await violations(logRetentionSet, TYPES.logGroup, { name: "/x", retentionInDays: 30 }), []);
    });

    it("reports a Lambda function logging as text to an unmanaged group", async () => {
      const found = await violations(lambdaLogsToManagedGroup, TYPES.lambdaFunction, { runtime: "nodejs22.x", loggingConfig: { logFormat: "Text" } });
      assert.equal(found.length, 2, found.join("\n"));
      assert.deepEqual(await violations(lambdaLogsToManagedGroup, TYPES.lambdaFunction, { loggingConfig: { logFormat: "JSON", logGroup: "/developer-portal/agent" } }), []);
    });
  });

  describe("Port blueprints", () => {
    const blueprintProps = (body: unknown) => ({ identifier: "service", baseUrl: "https://api.port.io", body });

    it("accepts every blueprint of the catalog (Direct or Inherited ownership)", async () => {
      for (const bp of CATALOG) assert.deepEqual(await violations(portBlueprintHasOwner, TYPES.portBlueprint, blueprintProps(bp.body)), [], bp.identifier);
    });

    it("reports a blueprint without an owner, and an inherited owner without a path", async () => {
      const { ownership: _o, ...ownerless } = CATALOG[0].body;
      assert.match((await violations(portBlueprintHasOwner, TYPES.portBlueprint, blueprintProps(ownerless)))[0], /blueprint "product" has no ownership/);
      assert.match((await violations(portBlueprintHasOwner, TYPES.portBlueprint, blueprintProps(JSON.stringify(ownerless))))[0], /has no ownership/, "a body given as JSON text");
      const pathless = { ...CATALOG[1].body, ownership: { type: "Inherited" } };
      assert.match((await violations(portBlueprintHasOwner, TYPES.portBlueprint, blueprintProps(pathless)))[0], /without a relation path/);
      assert.equal((await violations(portBlueprintHasOwner, TYPES.portBlueprint, blueprintProps({ ...ownerless, ownership: { type: "Team" } }))).length, 1);
    });
  });

  describe("Port webhook actions", () => {
    const actionProps = (body: unknown) => ({ identifier: "porc_rerun_plan", baseUrl: "https://api.port.io", body });

    it("accepts the PORC actions on an https URL and the Kafka deploy actions", async () => {
      const actions = [...porcActions({ url: "https://porc.example.internal" }), ...deployActions({ pipelines: ["developer-portal/deploy"], requireApprovalForProduction: true })];
      for (const a of actions) assert.deepEqual(await violations(portWebhooksUseHttps, TYPES.portAction, actionProps(a.body)), [], a.identifier);
    });

    it("reports a PORC action that Port would call over plain HTTP, naming the action and the URL", async () => {
      const [plan] = porcActions({ url: "http://porc.example.internal" });
      const found = await violations(portWebhooksUseHttps, TYPES.portAction, actionProps(plan.body));
      assert.equal(found.length, 1);
      assert.match(found[0], /action "porc_rerun_plan" calls http:\/\/porc\.example\.internal\/runs\/.* over plain HTTP/);
    });
  });

  describe("against the agent's own resources", () => {
    const mocks = new ResourceRecorder();
    let bundleDir: string;
    before(async () => {
      await installMocks(mocks);
      bundleDir = fakeAgentBundleDir();
    });
    after(() => fs.rmSync(bundleDir, { recursive: true, force: true }));

    it("finds no violation in the Lambda runtime's resources", async () => {
      mocks.reset();
      const config = parseStackConfig({ port: { orgId: ORG } });
      const secret = pulumi.secret("test-value");
      const agent = new AgentDeployment("agent", {
        config,
        portApiUrl: "https://api.port.io",
        allowedPipelines: ["developer-portal/deploy"],
        secrets: { portClientId: secret, portClientSecret: secret, codefreshApiKey: secret, kafkaUsername: secret, kafkaPassword: secret },
        bundleDir,
      });
      await promiseOf(agent.workloadName);
      await settle();
      const checked = new Set<string>();
      for (const r of mocks.resources.filter((x) => x.custom)) {
        for (const policy of policies) {
          assert.deepEqual(await violations(policy, r.type, reveal(r.inputs), r.name), [], `${policy.name} on ${r.type} ${r.name}`);
        }
        checked.add(r.type);
      }
      for (const type of [TYPES.eventSourceMapping, TYPES.logGroup, TYPES.lambdaFunction, TYPES.rolePolicy]) assert.ok(checked.has(type), type);
    });
  });
});
