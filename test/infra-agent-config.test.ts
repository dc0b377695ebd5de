// The `agent` stack-config section: defaults that deploy, and values that are refused early.
import * as assert from "node:assert/strict";
import { PORT_KAFKA_BROKERS, agentConfigSchema, consumerGroup, kafkaBrokers, runsTopic } from "../infra/agent-config";
import { parseStackConfig } from "../stacks/config";
import { configRefusal } from "./support/config-problems";

const ORG = "org_Test123";
const parse = (agent: unknown) => parseStackConfig({ port: { orgId: ORG }, agent }).agent;
const problems = (agent: unknown): string[] => configRefusal({ port: { orgId: ORG }, agent });

describe("agent stack config", () => {
  it("defaults to the Lambda runtime with bounded Kafka retries and sized batches", () => {
    const agent = parseStackConfig({ port: { orgId: ORG } }).agent;
    assert.equal(agent.runtime, "lambda");
    assert.equal(agent.name, "codefresh-agent");
    assert.deepEqual(agent.kafka, { batchSize: 10, batchingWindowSeconds: 1, maxRetries: 3, maxRecordAgeSeconds: 3600, bisectBatchOnError: true, minPollers: 1, maxPollers: 2 });
    assert.deepEqual(agent.lambda, { memoryMb: 512, timeoutSeconds: 300, logRetentionDays: 30, logLevel: "INFO" });
    assert.equal(agent.reaper.schedule, "rate(5 minutes)");
    assert.equal(agent.kubernetes, undefined);
    assert.deepEqual(agentConfigSchema().parse({}), agent);
  });

  it("resolves Port's brokers from the region unless brokers are given", () => {
    const agent = parse({});
    assert.deepEqual(kafkaBrokers(agent, "eu"), [...PORT_KAFKA_BROKERS.eu]);
    assert.deepEqual(kafkaBrokers(agent, "us"), [...PORT_KAFKA_BROKERS.us]);
    assert.equal(PORT_KAFKA_BROKERS.us[2], "b-3-public.production.5v06xt.c21.kafka.us-east-1.amazonaws.com:9196");
    assert.deepEqual(kafkaBrokers(parse({ kafka: { brokers: ["broker.internal:9196"] } }), "eu"), ["broker.internal:9196"]);
    assert.equal(runsTopic(ORG), "org_Test123.runs");
    assert.equal(consumerGroup(ORG, parse({ name: "agent-b" })), "org_Test123.agent-b");
  });

  it("requires a kubernetes section with an image when the runtime is kubernetes, and fills its defaults", () => {
    assert.match(problems({ runtime: "kubernetes" }).join("\n"), /developer-portal:agent\.kubernetes: .*image/);
    assert.match(problems({ runtime: "kubernetes", kubernetes: {} }).join("\n"), /agent\.kubernetes\.image/);
    const kube = parse({ runtime: "kubernetes", kubernetes: { image: "registry.example.com/agent@sha256:" + "a".repeat(64) } }).kubernetes!;
    assert.equal(kube.namespace, "developer-portal");
    assert.equal(kube.replicas, 1);
    assert.deepEqual(kube.resources.limits, { cpu: "500m", memory: "256Mi" });
  });

  it("refuses more than one replica, bad quantities, image references and namespaces", () => {
    const k = (extra: object) => ({ runtime: "kubernetes", kubernetes: { image: "agent:1", ...extra } });
    assert.match(problems(k({ replicas: 2 })).join("\n"), /agent\.kubernetes\.replicas/);
    assert.match(problems(k({ resources: { limits: { cpu: "lots", memory: "1Gi" } } })).join("\n"), /agent\.kubernetes\.resources\.limits\.cpu/);
    assert.match(problems({ runtime: "kubernetes", kubernetes: { image: "Not An Image" } }).join("\n"), /agent\.kubernetes\.image/);
    assert.match(problems(k({ namespace: "Bad_NS" })).join("\n"), /agent\.kubernetes\.namespace/);
  });

  it("refuses out-of-range Kafka, Lambda and schedule settings with the key that is wrong", () => {
    assert.match(problems({ kafka: { maxRetries: -1 } }).join("\n"), /agent\.kafka\.maxRetries/);
    assert.match(problems({ kafka: { maxRecordAgeSeconds: 10 } }).join("\n"), /agent\.kafka\.maxRecordAgeSeconds/);
    assert.match(problems({ kafka: { minPollers: 3, maxPollers: 2 } }).join("\n"), /agent\.kafka\.minPollers/);
    assert.match(problems({ kafka: { brokers: ["no-port"] } }).join("\n"), /agent\.kafka\.brokers\[0\]/);
    assert.match(problems({ lambda: { timeoutSeconds: 900 } }).join("\n"), /agent\.lambda\.timeoutSeconds/);
    assert.match(problems({ lambda: { logRetentionDays: 10 } }).join("\n"), /agent\.lambda\.logRetentionDays/);
    assert.match(problems({ reaper: { schedule: "every 5 minutes" } }).join("\n"), /agent\.reaper\.schedule/);
    assert.match(problems({ alarms: { topicArn: "not-an-arn" } }).join("\n"), /agent\.alarms\.topicArn/);
  });

  it("refuses unknown keys (typos) in every sub-section", () => {
    assert.match(problems({ kafka: { batchsize: 5 } }).join("\n"), /unknown key "batchsize"/);
    assert.match(problems({ lambda: { memory: 5 } }).join("\n"), /unknown key "memory"/);
    assert.match(problems({ runtim: "lambda" }).join("\n"), /unknown key "runtim"/);
  });
});
