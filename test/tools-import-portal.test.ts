// `portal import` through the CLI against the Port emulator: a hand-built org (the original
// sample's blueprints, relations and actions) becomes a stack file that synth accepts and whose
// declarations name exactly the live identifiers and kinds, so `pulumi up` adopts, not replaces.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { PortClient } from "../clients/port";
import { declarePages } from "../pages";
import { declareCatalog } from "../stacks/catalog-declaration";
import { readStackConfig } from "../stacks/stack-file";
import { CliIO, main } from "../tools/cli";
import { compareBlueprints } from "../tools/import-portal/map";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

const ROOT = join(__dirname, "..");
const FIXTURE = join(__dirname, "fixtures", "hand-built-portal", "portal.json");
const REFERENCE = join(ROOT, "..", "shared", "reference", "seed-portal");

const fixtureSchema = z.object({
  blueprints: z.array(z.object({ identifier: z.string(), schema: z.object({ properties: z.record(z.string(), z.object({ type: z.string(), format: z.string().optional(), enum: z.array(z.string()).optional() }).loose()) }).loose(), relations: z.record(z.string(), z.object({ target: z.string(), many: z.boolean() }).loose()), mirrorProperties: z.record(z.string(), z.object({ path: z.string() }).loose()).optional() }).loose()),
  entities: z.record(z.string(), z.array(z.object({ identifier: z.string(), properties: z.record(z.string(), z.unknown()), relations: z.record(z.string(), z.string()).optional() }).loose())),
  actions: z.array(z.object({ identifier: z.string() }).loose()),
});
const portal = fixtureSchema.parse(JSON.parse(readFileSync(FIXTURE, "utf8")));

const noteSchema = z.object({ kind: z.string(), object: z.string(), detail: z.string() });
const reportSchema = z.object({
  counts: z.object({ products: z.number(), environments: z.number(), blueprintTemplates: z.number() }),
  adopted: z.object({ blueprints: z.array(z.string()), actions: z.array(z.string()), pages: z.array(z.string()) }),
  notExpressible: z.array(noteSchema),
  willAdd: z.array(noteSchema),
  portOwned: z.array(z.string()),
  requests: z.number(),
});

/** The base stack file: settings the import must keep, and a stale catalog it must replace. */
const BASE_STACK = `# Production stack of the example telco (comments are kept too).
config:
  aws:region: eu-west-1
  developer-portal:port:
    orgId: org_AdoptTest1
    region: eu
  developer-portal:portClientSecret:
    secure: v1:AAAAtestciphertext==
  developer-portal:approvals:
    production: false
  developer-portal:codefresh:
    project: telco-portal
    services:
      - { name: billing-api, product: billing, repository: example-telco/billing }
  developer-portal:products:
    - identifier: billing
      title: Billing (stale)
    - identifier: legacy
      title: Legacy
`;

function runSynth(cwd: string, stack: string, out: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), join(ROOT, "tools", "cli.ts"), "synth", "--stack", stack, "--out", out], { cwd, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, "tsconfig.json") } }, (err, _stdout, stderr) => done({ code: err ? Number(err.code ?? 1) : 0, stderr }));
  });
}

function entityFiles(out: string, blueprint: string): Record<string, z.output<typeof declaredEntity>> {
  const dir = join(out, "port", "entities", blueprint);
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((f) => [f.replace(/\.json$/, ""), declaredEntity.parse(JSON.parse(readFileSync(join(dir, f), "utf8")))]));
}
const declaredEntity = z.object({ identifier: z.string(), properties: z.record(z.string(), z.unknown()).default({}), relations: z.record(z.string(), z.unknown()).default({}) }).loose();

describe("portal import", function () {
  this.timeout(120_000);
  let port: PortEmulator;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    port = await PortEmulator.start();
    env = { PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret, PORT_API_URL: port.url };
  });
  after(async () => port.stop());
  beforeEach(() => {
    port.reset();
    dir = mkdtempSync(join(tmpdir(), "import-portal-"));
    writeFileSync(join(dir, "Pulumi.prod.yaml"), BASE_STACK);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function seedHandBuilt(): void {
    port.seed({ blueprints: portal.blueprints });
    port.seed({ entities: portal.entities });
    port.seed({ actions: portal.actions });
    port.requests.length = 0;
  }

  async function runImport(argv: string[], runEnv: Record<string, string> = env) {
    let stdout = "";
    let stderr = "";
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: runEnv };
    const code = await main(["import", ...argv], io);
    return { code, stdout, stderr };
  }

  it("the fixture keeps the original sample's blueprint, property, relation and action identifiers and types", function () {
    if (!existsSync(REFERENCE)) this.skip(); // a fresh clone without ../shared: the fixture stands alone
    const refBp = (name: string) => fixtureSchema.shape.blueprints.element.parse(JSON.parse(readFileSync(join(REFERENCE, `${name}_properties.json`), "utf8")));
    for (const name of ["product", "image", "environment"]) {
      const ref = refBp(name);
      const mine = portal.blueprints.find((b) => b.identifier === name)!;
      for (const [pid, p] of Object.entries(ref.schema.properties)) {
        assert.deepEqual([mine.schema.properties[pid]?.type, mine.schema.properties[pid]?.format, mine.schema.properties[pid]?.enum], [p.type, p.format, p.enum], `${name}.${pid}`);
      }
      for (const [rid, r] of Object.entries(ref.relations)) assert.deepEqual([mine.relations[rid]?.target, mine.relations[rid]?.many], [r.target, r.many], `${name}.${rid}`);
      assert.deepEqual(Object.keys(mine.mirrorProperties ?? {}), Object.keys(ref.mirrorProperties ?? {}), `${name} mirrors`);
    }
    const refActions = ["environment_actions", "image_actions"].flatMap((f) => z.array(z.object({ identifier: z.string() }).loose()).parse(JSON.parse(readFileSync(join(REFERENCE, `${f}.json`), "utf8"))).map((a) => a.identifier));
    for (const id of refActions) assert.ok(portal.actions.some((a) => a.identifier === id), id);
  });

  it("writes a stack file synth accepts, declaring exactly the live products and environments with their identifiers and kinds", async () => {
    seedHandBuilt();
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml", "--json"]);
    assert.equal(res.code, 1, res.stderr); // the hand-built org has things the model cannot express
    const report = reportSchema.parse(JSON.parse(res.stdout));
    assert.deepEqual(report.counts, { products: 2, environments: 3, blueprintTemplates: 0 });

    const out = join(dir, "out");
    symlinkSync(join(ROOT, "dist"), join(dir, "dist")); // the agent bundle synth copies (npm test builds it)
    const synth = await runSynth(dir, "adopted", out);
    assert.equal(synth.code, 0, synth.stderr);
    const live = (bp: string) => portal.entities[bp].map((e) => e.identifier).sort();
    const products = entityFiles(out, "product");
    const environments = entityFiles(out, "environment");
    assert.deepEqual(Object.keys(products).sort(), live("product"));
    assert.deepEqual(Object.keys(environments).sort(), live("environment"));
    for (const e of portal.entities.environment) {
      assert.equal(environments[e.identifier].identifier, e.identifier);
      assert.equal(environments[e.identifier].properties.kind, e.properties.kind, `${e.identifier} kind`);
      assert.equal(environments[e.identifier].relations.product, e.relations?.product, `${e.identifier} product`);
      // Run-time values are not declared: the merge upsert of the entity set leaves them as they are.
      assert.deepEqual(Object.keys(environments[e.identifier].properties), ["kind"]);
    }
    // Blueprints and actions the stack shares with the live org keep their identifiers.
    assert.deepEqual(report.adopted.blueprints, ["environment", "image", "product"]);
    assert.deepEqual(report.adopted.actions, ["deploy_image", "deploy_this_image_to_an_env"]);
    for (const id of ["environment", "image", "product"]) assert.ok(existsSync(join(out, "port", "blueprints", `${id}.json`)), id);
  });

  it("keeps the named stack's other settings and comments, and replaces only the catalog keys", async () => {
    seedHandBuilt();
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.prod.yaml"]);
    assert.equal(res.code, 1, res.stderr);
    const text = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
    assert.match(text, /^# Production stack of the example telco \(comments are kept too\)\./);
    const config = z.object({ config: z.record(z.string(), z.unknown()) }).parse(YAML.parse(text)).config;
    assert.equal(config["aws:region"], "eu-west-1");
    assert.deepEqual(config["developer-portal:portClientSecret"], { secure: "v1:AAAAtestciphertext==" });
    assert.deepEqual(config["developer-portal:approvals"], { production: false });
    assert.deepEqual(config["developer-portal:codefresh"], { project: "telco-portal", services: [{ name: "billing-api", product: "billing", repository: "example-telco/billing" }] });
    const cfg = readStackConfig(dir, "prod");
    assert.deepEqual(
      cfg.products.map((p) => ({ identifier: p.identifier, title: p.title, environments: p.environments })),
      [
        { identifier: "billing", title: "Billing", environments: [{ name: "dev", kind: "Dev" }, { name: "prod", kind: "Production", title: "Billing production" }] },
        { identifier: "network-inventory", title: "Network inventory", environments: [{ name: "netinv-lab-2", kind: "Staging", identifier: "netinv-lab-2", title: "Inventory lab" }] },
      ],
    );
  });

  it("lists what the model cannot express and what it will add, in text and JSON", async () => {
    seedHandBuilt();
    const json = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml", "--json"]);
    const report = reportSchema.parse(JSON.parse(json.stdout));
    const objects = (notes: readonly { kind: string; object: string }[]) => notes.map((n) => `${n.kind} ${n.object}`);
    for (const expected of ["blueprint squad", "property product.cost_center", "property environment.cf_deployment_build_status", "property image.codefresh_build_result", "action restart_environment"]) {
      assert.ok(objects(report.notExpressible).includes(expected), `${expected} in ${JSON.stringify(report.notExpressible)}`);
    }
    assert.match(report.notExpressible.find((n) => n.object === "environment.cf_deployment_build_status")!.detail, /failure/);
    for (const expected of ["blueprint deployment", "blueprint blueprint_template", "property environment.image_branch", "relation image.product", "page portal_environments"]) {
      assert.ok(objects(report.willAdd).includes(expected), `${expected} in ${JSON.stringify(report.willAdd)}`);
    }
    const text = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml"]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /Not expressible in the stack's model \(\d+\):\n(.*\n)*  blueprint squad: not in the stack's model/);
    assert.match(text.stdout, /  action restart_environment: /);
    assert.match(text.stdout, /The model will add \(\d+\):\n(.*\n)*  blueprint deployment: created by `pulumi up`/);
  });

  it("lists a property the stack renames (renamedFrom) as renamed, not as inexpressible", async () => {
    seedHandBuilt();
    // The model's image.image_branch, renamed from a hand-made "branch" property.
    const stack = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8").replace("  developer-portal:approvals:", '  developer-portal:renamedFrom:\n    image.image_branch: branch\n  developer-portal:approvals:');
    writeFileSync(join(dir, "Pulumi.prod.yaml"), stack);
    const image = portal.blueprints.find((b) => b.identifier === "image")!;
    await new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS }).replaceBlueprint("image", { ...image, schema: { ...image.schema, properties: { ...image.schema.properties, branch: { type: "string", title: "Branch (old)" } } } });
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml", "--json"]);
    const report = reportSchema.parse(JSON.parse(res.stdout));
    assert.ok(!report.notExpressible.some((n) => n.object === "image.branch"), JSON.stringify(report.notExpressible));
    assert.match(report.willAdd.find((n) => n.object === "image.branch")?.detail ?? "", /renamed to image_branch/);
  });

  it("reads 1,000 products with 3,000 environments in 8 Port requests (lists and paged searches)", async () => {
    // "billing" among them: the base stack's codefresh service names it.
    const products = Array.from({ length: 1000 }, (_, i) => ({ identifier: i === 0 ? "billing" : `p${i}`, title: `Product ${i}`, properties: {} }));
    const environments = products.flatMap((p) => ["dev", "stage", "prod"].map((n, k) => ({ identifier: `${p.identifier}-${n}`, title: `${p.title} ${n}`, properties: { kind: ["Dev", "Staging", "Production"][k] }, relations: { product: p.identifier } })));
    // A system blueprint as every Port org has: Port's, so neither imported nor "not expressible".
    port.seed({ blueprints: [{ identifier: "_team", title: "Team", schema: { properties: {}, required: [] }, relations: {} }, ...portal.blueprints.filter((b) => b.identifier !== "squad")] });
    port.seed({ entities: { product: products, environment: environments } });
    port.requests.length = 0;
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml", "--json"]);
    assert.equal(res.stderr, "");
    const report = reportSchema.parse(JSON.parse(res.stdout));
    assert.deepEqual(report.counts, { products: 1000, environments: 3000, blueprintTemplates: 0 });
    assert.deepEqual(report.portOwned, ["_team"]);
    assert.ok(!report.notExpressible.some((n) => n.object.startsWith("_team")), JSON.stringify(report.notExpressible));
    // token, blueprints, one search page per 1,000 entities, actions, pages
    const calls = port.requests.map((r) => `${r.method} ${r.path}`);
    assert.equal(report.requests, port.requests.length);
    assert.ok(calls.every((c) => !/\/entities\/(?!search$)[^/]+$/.test(c)), "no per-entity read");
    const search = (bp: string) => `POST /v1/blueprints/${bp}/entities/search`;
    assert.deepEqual(calls, ["POST /v1/auth/access_token", "GET /v1/blueprints", search("product"), search("environment"), search("environment"), search("environment"), "GET /v1/actions", "GET /v1/pages"]);
  });

  /** The live org as `pulumi up` of the dev stack built it. */
  async function seedStackBuilt() {
    const cfg = readStackConfig(ROOT, "dev");
    const decl = declareCatalog(cfg);
    const done = new Set<string>();
    const visit = (id: string) => {
      if (done.has(id)) return;
      done.add(id);
      const bp = decl.blueprints.find((b) => b.identifier === id)!;
      bp.dependsOn.forEach(visit);
      port.seed({ blueprints: [bp.body] });
    };
    decl.blueprints.forEach((b) => visit(b.identifier));
    const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
    // Aggregations second, as the stack's aggregations resource writes them.
    for (const bp of decl.blueprints) if (Object.keys(bp.aggregations).length > 0) await client.replaceBlueprint(bp.identifier, { ...bp.body, aggregationProperties: { ...bp.aggregations } });
    port.seed({ actions: decl.actions.map((a) => a.body) });
    for (const set of decl.entitySets) port.seed({ entities: { [set.blueprint]: set.entities } });
    for (const d of declarePages(cfg)) {
      if (d.kind === "folder") await client.call("POST", "/v1/sidebars/catalog/folders", d.body);
      else port.seed({ pages: [d.body] });
    }
    return { cfg, client };
  }

  it("exits 0 on a portal the stack itself built, and the written config equals the stack's own (plus the live bamboo_plan_key)", async () => {
    const { cfg, client } = await seedStackBuilt();
    // The Bamboo build plan import-bamboo recorded on a product (bamboo_plan_key) comes back too.
    await client.upsertEntity("product", { identifier: "billing", properties: { bamboo_plan_key: "BILL-API" } }, { merge: true });
    writeFileSync(join(dir, "Pulumi.dev.yaml"), readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const res = await runImport(["--stack", "dev", "--out", "Pulumi.dev.yaml", "--json"]);
    const report = reportSchema.parse(JSON.parse(res.stdout));
    assert.deepEqual(report.notExpressible, []);
    assert.equal(res.code, 0, res.stderr);
    const again = readStackConfig(dir, "dev");
    const products = (c: typeof cfg) => c.products.map((p) => ({ ...p, environments: p.environments.map((e) => ({ ...e, identifier: e.identifier ?? `${p.identifier}-${e.name}` })) }));
    const expected = products(cfg).map((p) => (p.identifier === "billing" ? { ...p, bambooPlanKey: "BILL-API" } : p));
    assert.deepEqual(products(again), expected);
    assert.deepEqual(again.blueprintTemplates, cfg.blueprintTemplates);
  });

  it("reports an interrupted migration (parked property and relation, a renamed relation's old name) as in progress, not as not expressible, and exits 0", async () => {
    const { client } = await seedStackBuilt();
    const live = async (id: string) => (await client.listBlueprints()).find((b) => b.identifier === id) as { schema: { properties: object }; relations: object };
    const product = await live("product");
    await client.replaceBlueprint("product", { ...product, schema: { ...product.schema, properties: { ...product.schema.properties, bamboo_key__migrating: { type: "string", title: "bamboo_key (migrating)" } } } });
    const environment = await live("environment");
    await client.replaceBlueprint("environment", { ...environment, relations: { ...environment.relations, image_deployed__migrating: { title: "image_deployed (migrating)", target: "image", required: false, many: true } } });
    const deployment = await live("deployment");
    await client.replaceBlueprint("deployment", { ...deployment, relations: { ...deployment.relations, env: { title: "Env (old)", target: "environment", required: false, many: false } } });
    writeFileSync(join(dir, "Pulumi.dev.yaml"), `${readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8").trimEnd()}\n  developer-portal:renamedFrom:\n    deployment.environment: env\n`);
    const res = await runImport(["--stack", "dev", "--out", "Pulumi.dev.yaml", "--json"]);
    const report = reportSchema.extend({ migrating: z.array(noteSchema) }).parse(JSON.parse(res.stdout));
    assert.deepEqual(report.notExpressible, []);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(report.migrating.map((n) => n.object), ["environment.image_deployed__migrating", "product.bamboo_key__migrating"]);
    for (const n of report.migrating) assert.match(n.detail, /migration in progress — run `pulumi up` to finish/);
    assert.match(report.willAdd.find((n) => n.object === "deployment.env")?.detail ?? "", /renamed to environment \(renamedFrom\)/);
    const text = await runImport(["--stack", "dev", "--out", "Pulumi.dev.yaml"]);
    assert.match(text.stdout, /Migration in progress — run `pulumi up` to finish \(2\):\n(.*\n)*  property product\.bamboo_key__migrating: /);
  });

  it("a property whose type differs from the model beside its parked copy is a migration in progress, not a different type", () => {
    const model = { identifier: "product", schema: { properties: { bamboo_key: { type: "number" } } } };
    const live = { identifier: "product", schema: { properties: { bamboo_key: { type: "string" }, bamboo_key__migrating: { type: "number" } } } };
    const found = compareBlueprints([model], [live], new Map());
    assert.deepEqual(found.notExpressible, []);
    assert.deepEqual(found.migrating.map((n) => n.object), ["product.bamboo_key", "product.bamboo_key__migrating"]);
    assert.match(found.migrating[0].detail, /type live string, model number: migration in progress/);
  });

  it("exits 2 and writes nothing when a kept codefresh service names a product that is not live", async () => {
    port.seed({ blueprints: portal.blueprints.filter((b) => b.identifier !== "squad") });
    port.seed({ entities: { product: [{ identifier: "network-inventory", title: "Network inventory", properties: {} }] } });
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml"]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /codefresh\.services\[0\]\.product: got "billing"/);
    assert.ok(!existsSync(join(dir, "Pulumi.adopted.yaml")));
  });

  it("exits 2 without credentials and writes nothing", async () => {
    const res = await runImport(["--stack", "prod", "--out", "Pulumi.adopted.yaml"], { PORT_API_URL: port.url });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /PORT_CLIENT_ID is not set/);
    assert.ok(!existsSync(join(dir, "Pulumi.adopted.yaml")));
  });
});
