// `agent.runtime: none`: for teams that run the agent elsewhere (and for the real-engine suite,
// which has no AWS or Kubernetes provider plugin), the stack declares the catalog, pages and
// pipelines and no agent resource — and needs no Kafka credential.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../stacks/program";
import { parseStackConfig, PROJECT } from "../stacks/config";
import { PortalStack } from "../stacks/portal-stack";
import { installMocks, promiseOf, ResourceRecorder, settle } from "./support/mocks";

const raw = (agent: Record<string, unknown>) => ({
  port: { orgId: "org_Test01" },
  products: [{ identifier: "billing", title: "Billing", environments: [{ name: "dev", kind: "Dev" }] }],
  codefresh: { services: [{ name: "billing-api", product: "billing", repository: "acme/billing-api" }] },
  agent,
});

describe("agent.runtime none", () => {
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());
  after(() => pulumi.runtime.setAllConfig({}, []));

  it("is accepted by the config schema and keeps the other agent defaults", () => {
    const cfg = parseStackConfig(raw({ runtime: "none" }));
    assert.equal(cfg.agent.runtime, "none");
    assert.equal(cfg.agent.name, "codefresh-agent");
  });

  it("declares the catalog, pages and pipelines but no agent resource", async () => {
    const stack = new PortalStack("portal", { config: parseStackConfig(raw({ runtime: "none" })) });
    assert.equal(stack.agent, undefined);
    await promiseOf(stack.pipelines.pipelineNames);
    await settle();
    const types = new Set(mocks.resources.map((r) => r.type));
    for (const t of ["pulumi-nodejs:dynamic/port:Blueprint", "pulumi-nodejs:dynamic/port:Action", "pulumi-nodejs:dynamic/port:EntitySet", "pulumi-nodejs:dynamic/port:Page", "pulumi-nodejs:dynamic/codefresh:Pipeline"]) {
      assert.ok(types.has(t), `${t} declared`);
    }
    const agentish = mocks.resources.filter((r) => /^(aws|kubernetes):|^portal:agent:/.test(r.type));
    assert.deepEqual(agentish.map((r) => `${r.type}::${r.name}`), []);
  });

  it("still builds the agent for the default runtime (the switch is not always off)", async () => {
    const secret = pulumi.secret("test-value");
    const secrets = { portClientId: secret, portClientSecret: secret, codefreshApiKey: secret, kafkaUsername: secret, kafkaPassword: secret };
    const stack = new PortalStack("portal", { config: parseStackConfig(raw({ runtime: "kubernetes", kubernetes: { image: "registry.example.com/agent:1.0.0" } })), secrets });
    assert.ok(stack.agent);
    await promiseOf(stack.agent.workloadName);
    await settle();
    assert.ok(mocks.resources.some((r) => r.type === "portal:agent:AgentDeployment"));
  });

  it("runs the program without any Kafka credential and exports the runtime", async () => {
    // Only the providers' credentials are set; kafkaUsername/kafkaPassword are absent.
    pulumi.runtime.setAllConfig({ [`${PROJECT}:portClientId`]: "test-id", [`${PROJECT}:portClientSecret`]: "test-value", [`${PROJECT}:codefreshApiKey`]: "test-key" }, [
      `${PROJECT}:portClientId`,
      `${PROJECT}:portClientSecret`,
      `${PROJECT}:codefreshApiKey`,
    ]);
    const outputs = runProgram(parseStackConfig(raw({ runtime: "none" })));
    assert.deepEqual(await promiseOf(outputs.agent), { runtime: "none" });
    await settle();
  });

  it("a stack with an agent still refuses to run without the Kafka credentials, naming the key", () => {
    const keys = ["portClientId", "portClientSecret", "codefreshApiKey"].map((k) => `${PROJECT}:${k}`);
    pulumi.runtime.setAllConfig(Object.fromEntries(keys.map((k) => [k, "test-value"])), keys);
    assert.throws(() => runProgram(parseStackConfig(raw({ runtime: "kubernetes", kubernetes: { image: "registry.example.com/agent:1.0.0" } }))), /kafkaUsername/);
  });
});
