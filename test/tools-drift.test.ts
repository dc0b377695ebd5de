import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { CodefreshClient } from "../clients/codefresh";
import { PortClient } from "../clients/port";
import { ENVIRONMENT, PRODUCT } from "../blueprints/vocabulary";
import { declarePages } from "../pages";
import { allPipelines, pipelineDocument, stackPipelines } from "../pipelines";
import { declareCatalog, portBaseUrl } from "../stacks/catalog-declaration";
import { parseStackConfig, StackConfig } from "../stacks/config";
import { CliIO, main } from "../tools/cli";
import { runDrift } from "../tools/drift";
import { pipelineDrift } from "../tools/drift/compare";
import { declaredPages, declaredPipelines } from "../tools/drift/declarations";
import { CodefreshEmulator, DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

type Finding = { kind: string; object: string; change: string; detail: string };

function stackYaml(products: unknown[]): Record<string, unknown> {
  return {
    "developer-portal:port": { orgId: "org_DriftTest1", region: "eu" },
    "developer-portal:porc": { url: "https://porc.test.example.internal" },
    "developer-portal:products": products,
    "developer-portal:blueprintTemplates": [{ identifier: "aks-cluster-v2", title: "AKS cluster", modulePath: "modules/aks", inputsRequired: ["cluster_name"], version: "2.3.0" }],
    "developer-portal:codefresh": { project: "developer-portal", services: [{ name: "billing-api", product: "billing", repository: "example-telco/billing" }] },
    // A secret as `pulumi config set --secret` stores it: never read by drift.
    "developer-portal:portClientSecret": { secure: "v1:AAAAtestciphertext==" },
  };
}

const PRODUCTS = [
  { identifier: "billing", title: "Billing", owningTeam: "team-billing", bambooKey: "BILL", environments: [{ name: "dev", kind: "Dev" }, { name: "prod", kind: "Production" }] },
  { identifier: "network-inventory", title: "Network inventory", environments: [{ name: "dev", kind: "Dev" }] },
];

function configOf(raw: Record<string, unknown>): StackConfig {
  return parseStackConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^developer-portal:/, ""), v])));
}

/** Put what `pulumi up` would have created into the emulators, as the providers send it. */
async function seedFromDeclaration(port: PortEmulator, cf: CodefreshEmulator, cfg: StackConfig, client: PortClient): Promise<void> {
  const decl = declareCatalog(cfg);
  const done = new Set<string>();
  const ordered: unknown[] = [];
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    const bp = decl.blueprints.find((b) => b.identifier === id)!;
    bp.dependsOn.forEach(visit);
    ordered.push(bp.body);
  };
  decl.blueprints.forEach((b) => visit(b.identifier));
  // Blueprint bodies carry no aggregations (the provider writes those in a second pass).
  port.seed({ blueprints: ordered });
  port.seed({ actions: decl.actions.map((a) => a.body) });
  for (const set of decl.entitySets) port.seed({ entities: { [set.blueprint]: set.entities } });
  for (const d of declarePages(cfg)) {
    if (d.kind === "folder") await client.call("POST", "/v1/sidebars/catalog/folders", d.body);
    else port.seed({ pages: [d.body] });
  }
  cf.seedProject(cfg.codefresh.project);
  for (const def of allPipelines(stackPipelines(cfg.codefresh, portBaseUrl(cfg)))) cf.seedPipeline(pipelineDocument(cfg.codefresh.project, def));
}

describe("portal drift", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  let cf: CodefreshEmulator;
  let dir: string;
  let env: Record<string, string>;
  let portClient: PortClient;
  let cfClient: CodefreshClient;
  const cfg = configOf(stackYaml(PRODUCTS));

  before(async () => {
    port = await PortEmulator.start();
    cf = await CodefreshEmulator.start();
    dir = mkdtempSync(join(tmpdir(), "drift-"));
    writeFileSync(join(dir, "Pulumi.drift.yaml"), YAML.stringify({ config: stackYaml(PRODUCTS) }));
    env = { PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret, PORT_API_URL: port.url, CODEFRESH_API_KEY: DEFAULT_CODEFRESH_API_KEY, CODEFRESH_API_URL: cf.url };
    portClient = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
    cfClient = new CodefreshClient({ baseUrl: cf.url, apiKey: DEFAULT_CODEFRESH_API_KEY });
  });

  after(async () => {
    await port.stop();
    await cf.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    port.reset();
    cf.reset();
    await seedFromDeclaration(port, cf, cfg, portClient);
    port.requests.length = 0;
  });

  async function drift(argv: string[] = [], runEnv: Record<string, string> = env) {
    let stdout = "";
    let stderr = "";
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: runEnv };
    const code = await main(["drift", "--stack", "drift", ...argv], io);
    return { code, stdout, stderr };
  }

  it("reports no drift right after the declaration was applied (canonical forms absorb Port's echoes)", async () => {
    const res = await drift(["--json"]);
    const report = JSON.parse(res.stdout) as { findings: Finding[]; skipped: string[] };
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.skipped, []);
    assert.equal(res.code, 0, res.stderr);
  });

  it("reports every edit made in the Port UI and in Codefresh, and nothing pipelines write at run time", async () => {
    const decl = declareCatalog(cfg);
    // Title changed and an enum value removed on the environment blueprint, a property added by hand on product.
    const envBp = structuredClone(decl.blueprints.find((b) => b.identifier === "environment")!.body) as unknown as { title: string; schema: { properties: Record<string, { enum?: string[] }> } };
    envBp.title = "Environments (edited)";
    envBp.schema.properties[ENVIRONMENT.deploymentBuildStatus].enum = envBp.schema.properties[ENVIRONMENT.deploymentBuildStatus].enum!.filter((v) => v !== "terminated");
    await portClient.replaceBlueprint("environment", envBp as unknown as Record<string, unknown>);
    const productBp = structuredClone(decl.blueprints.find((b) => b.identifier === "product")!.body) as unknown as { schema: { properties: Record<string, unknown> } };
    productBp.schema.properties.cost_center = { type: "string", title: "Cost center" };
    await portClient.replaceBlueprint("product", productBp as unknown as Record<string, unknown>);
    // An action deleted.
    const deleted = decl.actions[0].identifier;
    await portClient.deleteAction(deleted);
    // An entity edited by hand; another one written by a pipeline on a field the stack does not own.
    await portClient.upsertEntity("product", { identifier: "billing", title: "Billing (old)", properties: { [PRODUCT.owningTeam]: "team-finance" } }, { merge: true });
    await portClient.upsertEntity("environment", { identifier: "billing-dev", properties: { [ENVIRONMENT.deploymentBuildStatus]: "success" } }, { merge: true });
    await portClient.deleteEntity("environment", "network-inventory-dev");
    // A pipeline step edited in Codefresh.
    const pipelineName = `${cfg.codefresh.project}/${cfg.codefresh.deployPipelines[0].name}`;
    const live = (await cfClient.getPipeline(pipelineName)) as { spec: { steps: Record<string, { commands?: string[] }> } };
    const [firstStep] = Object.keys(live.spec.steps);
    live.spec.steps[firstStep] = { ...live.spec.steps[firstStep], commands: ["echo edited in the UI"] };
    await cfClient.replacePipeline(pipelineName, live as unknown as Record<string, unknown>);
    // A page retitled.
    const page = declaredPages(cfg).pages[0];
    await portClient.replacePage(String(page.identifier), { ...page, title: "Renamed in the UI" });

    const res = await drift(["--json"]);
    assert.equal(res.code, 1, res.stderr);
    const { findings } = JSON.parse(res.stdout) as { findings: Finding[] };
    const has = (kind: string, object: string, change: RegExp, detail?: RegExp) =>
      assert.ok(
        findings.some((f) => f.kind === kind && f.object === object && change.test(f.change) && (!detail || detail.test(f.detail))),
        `expected ${kind} ${object} ${change} in:\n${findings.map((f) => `${f.kind} ${f.object} | ${f.change} | ${f.detail}`).join("\n")}`,
      );
    has("blueprint", "environment", /changed in Port/, /title: "Environment" → "Environments \(edited\)"/);
    has("property", `environment.${ENVIRONMENT.deploymentBuildStatus}`, /changed in Port/, /enum values removed: `terminated`/);
    has("property", "product.cost_center", /added in Port/);
    has("action", deleted, /deleted in Port/);
    has("entity", "product/billing", /changed in Port/, /title: "Billing" → "Billing \(old\)".*properties\.owning_team|properties\.[a-z_]+: "team-billing" → "team-finance"/);
    has("entity", "environment/network-inventory-dev", /deleted in Port/);
    has("pipeline", pipelineName, /edited in Codefresh/, new RegExp(`steps changed: ${firstStep}`));
    has("page", String(page.identifier), /changed in Port/, /title: ".+" → "Renamed in the UI"/);
    assert.ok(!findings.some((f) => f.object === "environment/billing-dev"), "a run-time write is not drift");
    assert.equal(findings.length, 8, JSON.stringify(findings, null, 2));
  });

  it("sees steps reordered in Codefresh: the key order is the run order", async () => {
    const name = `${cfg.codefresh.project}/${cfg.codefresh.deployPipelines[0].name}`;
    const live = (await cfClient.getPipeline(name)) as { spec: { steps: Record<string, unknown> } };
    const entries = Object.entries(live.spec.steps);
    assert.ok(entries.length >= 2);
    live.spec.steps = Object.fromEntries([entries[1], entries[0], ...entries.slice(2)]);
    await cfClient.replacePipeline(name, live as unknown as Record<string, unknown>);
    const report = await runDrift({ stack: "drift", config: cfg, env, pipelines: declaredPipelines(cfg) });
    assert.deepEqual(report.findings.map((f) => [f.object, f.change, f.detail]), [[name, "edited in Codefresh", "step order changed"]]);
  });

  it("prints a readable table for people", async () => {
    await portClient.deleteAction(declareCatalog(cfg).actions[0].identifier);
    const res = await drift();
    assert.equal(res.code, 1);
    assert.match(res.stdout, /Drift in stack "drift": 1 difference/);
    assert.match(res.stdout, /\| action \| `[a-z_]+` \| deleted in Port \|/);
  });

  it("reads nothing from Codefresh with --no-codefresh and says so", async () => {
    const res = await drift(["--json", "--no-codefresh"], { ...env, CODEFRESH_API_KEY: "" });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(cf.requests.length, 0);
    assert.match(res.stdout, /Codefresh not read/);
  });

  it("exits 2 without Port credentials, naming the variable", async () => {
    const res = await drift([], { ...env, PORT_CLIENT_SECRET: "" });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /PORT_CLIENT_SECRET is not set/);
    assert.equal(port.requests.length, 0);
  });

  it("exits 2 when Port refuses the credentials", async () => {
    const res = await drift([], { ...env, PORT_CLIENT_SECRET: "wrong-secret" });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /auth\/access_token failed: HTTP 401/);
  });

  it("is read-only", async () => {
    await drift();
    const writes = [...port.requests, ...cf.requests].filter((r) => r.method !== "GET" && !/\/entities\/search$|\/auth\/access_token$/.test(r.path));
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), []);
  });

  it("honours Port's 429 and Retry-After, retrying until the check completes", async () => {
    port.inject({ method: "POST", path: /entities\/search$/, times: 2, status: 429, headers: { "retry-after": "3" } });
    const waits: number[] = [];
    const report = await runDrift({ stack: "drift", config: cfg, env, pipelines: declaredPipelines(cfg), pages: declaredPages(cfg), http: { sleep: async (ms) => void waits.push(ms) } });
    assert.deepEqual(report.findings, []);
    assert.ok(waits.filter((ms) => ms >= 3000).length >= 2, `waits: ${waits.join(", ")}`);
    assert.equal(port.requests.filter((r) => /entities\/search$/.test(r.path)).length, 2 + declareCatalog(cfg).entitySets.length);
  });

  it("documents its exit codes in --help", async () => {
    const res = await drift(["--help"]);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*drift.*\n\s+2 /);
  });

  it("checks a 1,000-product catalog (4,000 environments) in fewer than 30 requests", async () => {
    const products = Array.from({ length: 1000 }, (_, i) => ({
      identifier: `product-${String(i).padStart(4, "0")}`,
      title: `Product ${i}`,
      owningTeam: `team-${i % 40}`,
      environments: [{ name: "dev", kind: "Dev" }, { name: "qa", kind: "Dev" }, { name: "staging", kind: "Staging" }, { name: "prod", kind: "Production" }],
    }));
    const big = configOf({ ...stackYaml(products), "developer-portal:codefresh": { project: "developer-portal" } });
    port.reset();
    cf.reset();
    await seedFromDeclaration(port, cf, big, portClient);
    // One environment edited by hand among 4,000 must still be found.
    await portClient.upsertEntity("environment", { identifier: "product-0999-prod", properties: { [ENVIRONMENT.kind]: "Staging" } }, { merge: true });
    port.requests.length = 0;

    const report = await runDrift({ stack: "big", config: big, env, pipelines: declaredPipelines(big), pages: declaredPages(big) });
    assert.deepEqual(report.findings.map((f) => f.object), ["environment/product-0999-prod"]);
    const total = port.requests.length + cf.requests.length;
    assert.ok(total < 30, `${total} requests: ${port.requests.map((r) => `${r.method} ${r.path}`).join(", ")}`);
    assert.equal(report.requests.port + report.requests.codefresh, total);
    // Bulk search, paged by 1,000: four pages of environments, not 4,000 GETs.
    assert.equal(port.requestsTo("POST", "/v1/blueprints/environment/entities/search").length, 4);
    assert.equal(port.requests.filter((r) => r.method === "GET" && /\/entities\//.test(r.path)).length, 0);
  });
});

describe("drift's pipeline comparison sees the order Codefresh runs", () => {
  const spec = (hookSteps: string[], steps: string[]) => ({
    stages: [],
    steps: Object.fromEntries(steps.map((s) => [s, { image: "alpine:3.20", commands: [`echo ${s}`] }])),
    hooks: { on_finish: { steps: Object.fromEntries(hookSteps.map((s) => [s, { image: "alpine:3.20", commands: [`echo ${s}`] }])) } },
  });
  const live = (s: object) => [{ metadata: { name: "developer-portal/x" }, spec: s }];

  it("a reorder of a hook's steps in Codefresh is drift", () => {
    const findings = pipelineDrift([{ name: "developer-portal/x", spec: spec(["a", "b"], ["clone", "build"]) }], live(spec(["b", "a"], ["clone", "build"])));
    assert.equal(findings.length, 1);
    assert.match(findings[0].detail, /hooks/);
  });

  it("a reorder of the main steps is drift, the same order is not", () => {
    assert.match(pipelineDrift([{ name: "developer-portal/x", spec: spec([], ["clone", "build"]) }], live(spec([], ["build", "clone"])))[0].detail, /step order changed/);
    assert.deepEqual(pipelineDrift([{ name: "developer-portal/x", spec: spec(["a", "b"], ["clone", "build"]) }], live(spec(["a", "b"], ["clone", "build"]))), []);
  });

  it("declares each pipeline's steps in the order its YAML gives them (what the provider sends)", () => {
    const cfg = parseStackConfig({ port: { orgId: "org_Test1" }, products: [{ identifier: "billing", title: "Billing" }], codefresh: { services: [{ name: "billing-api", product: "billing", repository: "acme/billing-api" }] } });
    const ci = declaredPipelines(cfg).find((p) => p.name.endsWith("/ci-billing-api"))!;
    assert.deepEqual(Object.keys(ci.spec!.steps as object), ["clone", "build", "push"]);
  });
});
