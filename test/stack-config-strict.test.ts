// An unknown key (a typo) is refused at every level of the stack config, not only at the top and
// under `port`: inside list items (products[], their environments[], blueprintTemplates[],
// codefresh.services[], codefresh.deployPipelines[] and their deploy step) and in every nested
// section. Each case adds one misspelt key to an otherwise valid config and expects exactly one
// problem naming its place.
import * as assert from "node:assert/strict";
import { configProblems } from "./support/config-problems";

function valid(): Record<string, unknown> {
  return {
    port: { orgId: "org_Test01" },
    products: [
      { identifier: "billing", title: "Billing", environments: [{ name: "dev", kind: "Dev" }, { name: "prod", kind: "Production" }] },
      { identifier: "portal", title: "Portal" },
    ],
    blueprintTemplates: [{ identifier: "aks-cluster", title: "AKS cluster", modulePath: "modules/aks", inputsRequired: ["cluster_name"] }],
    approvals: { production: true },
    porc: { url: "https://porc.test.example.internal" },
    codefresh: {
      services: [{ name: "billing-api", product: "billing", repository: "example-telco/billing" }],
      deployPipelines: [
        { name: "deploy" },
        { name: "deploy-kubectl", deploy: { kind: "kubectl", deployment: "app", container: "app" } },
        { name: "deploy-custom", deploy: { kind: "custom", image: "alpine:3.20.3", commands: ["echo deploy"] } },
      ],
      stack: { branch: "main" },
    },
    agent: {
      kafka: { batchSize: 10 },
      lambda: { memoryMb: 512 },
      reaper: { timeoutSeconds: 120 },
      alarms: { errorThreshold: 1 },
      kubernetes: { image: "registry.example.com/agent:1.2.3", resources: { requests: { cpu: "100m", memory: "128Mi" } } },
    },
  };
}

/** The object at `path` (keys and list indexes) inside `raw`. */
function at(raw: Record<string, unknown>, path: readonly (string | number)[]): Record<string, unknown> {
  let cur: unknown = raw;
  for (const seg of path) cur = (cur as Record<string | number, unknown>)[seg];
  assert.ok(cur !== null && typeof cur === "object" && !Array.isArray(cur), `no object at ${path.join(".")}`);
  return cur as Record<string, unknown>;
}

const problems = configProblems;

const CASES: { where: string; path: (string | number)[]; typo: string }[] = [
  { where: "products[0]", path: ["products", 0], typo: "bamboKey" },
  { where: "products[1]", path: ["products", 1], typo: "environment" },
  { where: "products[0].environments[1]", path: ["products", 0, "environments", 1], typo: "knd" },
  { where: "blueprintTemplates[0]", path: ["blueprintTemplates", 0], typo: "inputsRequried" },
  { where: "approvals", path: ["approvals"], typo: "prodution" },
  { where: "porc", path: ["porc"], typo: "token" },
  { where: "codefresh", path: ["codefresh"], typo: "projet" },
  { where: "codefresh.services[0]", path: ["codefresh", "services", 0], typo: "dockerFile" },
  { where: "codefresh.deployPipelines[0]", path: ["codefresh", "deployPipelines", 0], typo: "concurency" },
  { where: "codefresh.deployPipelines[1].deploy", path: ["codefresh", "deployPipelines", 1, "deploy"], typo: "namespace" },
  { where: "codefresh.deployPipelines[2].deploy", path: ["codefresh", "deployPipelines", 2, "deploy"], typo: "command" },
  { where: "codefresh.stack", path: ["codefresh", "stack"], typo: "brnach" },
  { where: "agent", path: ["agent"], typo: "runtme" },
  { where: "agent.kafka", path: ["agent", "kafka"], typo: "batchsize" },
  { where: "agent.lambda", path: ["agent", "lambda"], typo: "memoryMB" },
  { where: "agent.reaper", path: ["agent", "reaper"], typo: "schedul" },
  { where: "agent.alarms", path: ["agent", "alarms"], typo: "topic" },
  { where: "agent.kubernetes", path: ["agent", "kubernetes"], typo: "replica" },
  { where: "agent.kubernetes.resources.requests", path: ["agent", "kubernetes", "resources", "requests"], typo: "cpus" },
];

describe("stack config: unknown keys are refused at every level", () => {
  it("(the base config of these cases) is valid", () => {
    assert.deepEqual(problems(valid()), []);
  });

  for (const { where, path, typo } of CASES) {
    it(`refuses an unknown key in ${where}, naming its place`, () => {
      const raw = valid();
      at(raw, path)[typo] = "x";
      assert.deepEqual(problems(raw), [`developer-portal:${where}: unknown key "${typo}" (typo? see the README's config reference)`]);
    });
  }

  it("names every unknown key of one object in one problem", () => {
    const raw = valid();
    Object.assign(at(raw, ["products", 0, "environments", 0]), { knd: "Dev", titel: "Dev" });
    assert.deepEqual(problems(raw), ['developer-portal:products[0].environments[0]: unknown keys "knd", "titel" (typo? see the README\'s config reference)']);
  });
});
