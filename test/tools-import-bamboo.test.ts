import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";
import { declareCatalog } from "../stacks/catalog-declaration";
import { parseStackConfig } from "../stacks/config";
import { CliIO, main } from "../tools/cli";
import { inferKind } from "../tools/import-bamboo";

const ROOT = resolve(__dirname, "..");
const FIX = "test/fixtures/bamboo";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT, env: {} };
  return { code: await main(argv, io), stdout, stderr };
}

type Products = { identifier: string; title: string; bambooKey: string; environments: { name: string; kind: string; identifier?: string }[] }[];

describe("portal import-bamboo", () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), "import-bamboo-"))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("writes products config that the stack's own schema accepts, with Bamboo keys kept", async () => {
    const out = join(tmp, "products.yaml");
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--overrides", `${FIX}/overrides.yaml`, "--out", out]);
    const yaml = readFileSync(out, "utf8");
    const doc = YAML.parse(yaml) as { config: Record<string, unknown> };
    const cfg = parseStackConfig({ port: { orgId: "org_Test1" }, products: doc.config["developer-portal:products"] });
    assert.deepEqual(cfg.products.map((p) => p.identifier), ["billing", "network-inventory", "self-care-portal", "sms-gateway", "billing-batch", "number-porting"]);
    const billing = cfg.products[0];
    assert.equal(billing.bambooKey, "1376257");
    assert.deepEqual(billing.environments.map((e) => [e.name, e.kind]), [["development", "Dev"], ["qa", "Dev"], ["staging", "Staging"], ["production", "Production"]]);
    // Bamboo ids and keys stay next to what they became, for traceability.
    assert.match(yaml, /# Bamboo deployment project "Billing" \(id 1376257, plan BILL-API\)/);
    assert.match(yaml, /# Bamboo environment "Production" \(id 1441796, key 1376257-1441796\); kind from its name/);
    assert.match(res.stderr, /6 products, 17 environments written to/);
    assert.equal(res.code, 1, "some items could not be mapped");
  });

  it("infers kinds from names: prod/production/live, stage/staging/uat, pre-prod is staging, else Dev", async () => {
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--json"]);
    const { products } = JSON.parse(res.stdout) as { products: Products };
    const kinds = (id: string) => Object.fromEntries(products.find((p) => p.identifier === id)!.environments.map((e) => [e.name, e.kind]));
    assert.deepEqual(kinds("network-inventory"), { dev: "Dev", uat: "Staging", "prod-eu": "Production", "prod-us": "Production" });
    assert.deepEqual(kinds("self-care-portal"), { test: "Dev", "pre-prod": "Staging", live: "Production" });
    assert.deepEqual(kinds("sms-gateway"), { integration: "Dev", stage: "Staging", prod: "Production" });
  });

  it("applies overrides by project name, project key, environment key and environment name", async () => {
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--overrides", `${FIX}/overrides.yaml`, "--json"]);
    const { products } = JSON.parse(res.stdout) as { products: Products };
    const ids = products.map((p) => p.identifier);
    assert.ok(ids.includes("network-inventory"));
    const batch = products.find((p) => p.identifier === "billing-batch");
    assert.equal(batch?.title, "Billing batch");
    const care = products.find((p) => p.identifier === "self-care-portal");
    assert.deepEqual(care?.environments.map((e) => [e.name, e.kind]), [["staging", "Staging"], ["pre-prod", "Staging"], ["live", "Production"]]);
    const sms = products.find((p) => p.identifier === "sms-gateway");
    assert.deepEqual(sms?.environments[0], { name: "int", kind: "Dev", bamboo: { id: 1441821, key: "1376260-1441821", name: "Integration" }, kindFrom: "override" });
  });

  it("maps each project's linked build plan to a CI service of its product and keeps the plan key on the product", async () => {
    const out = join(tmp, "products.yaml");
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--overrides", `${FIX}/overrides.yaml`, "--out", out, "--json"]);
    const yaml = readFileSync(out, "utf8");
    const doc = YAML.parse(yaml) as { config: Record<string, unknown> };
    const cfg = parseStackConfig({ port: { orgId: "org_Test1" }, products: doc.config["developer-portal:products"], codefresh: doc.config["developer-portal:codefresh"] });
    assert.deepEqual(
      cfg.codefresh.services.map((s) => [s.name, s.product, s.repository]),
      [
        ["bill-api", "billing", "FILL-IN/bill-api"],
        ["netinv-sync", "network-inventory", "FILL-IN/netinv-sync"],
        ["care-web", "self-care-portal", "FILL-IN/care-web"],
        ["smsgw-build", "sms-gateway", "FILL-IN/smsgw-build"],
        ["bill-batch", "billing-batch", "FILL-IN/bill-batch"],
        ["port-svc", "number-porting", "FILL-IN/port-svc"],
      ],
    );
    assert.equal(cfg.products.find((p) => p.identifier === "billing")?.bambooPlanKey, "BILL-API");
    // The product entity the stack declares carries the plan key as data (bamboo_plan_key).
    const billing = declareCatalog(cfg).entitySets.find((s) => s.blueprint === "product")?.entities.find((e) => e.identifier === "billing");
    assert.equal(billing?.properties.bamboo_plan_key, "BILL-API");
    // The migration report links every plan to its replacement, in the file and in the JSON.
    assert.match(yaml, /# Bamboo build plan BILL-API \(deployment project "Billing"\) → Codefresh pipeline ci-bill-api; set the repository it builds/);
    const { services } = JSON.parse(res.stdout) as { services: { name: string; pipeline: string; bamboo: { planKey: string } }[] };
    assert.deepEqual(services[0], { name: "bill-api", product: "billing", repository: "FILL-IN/bill-api", pipeline: "ci-bill-api", bamboo: { planKey: "BILL-API", project: "Billing" } });
    assert.match(res.stderr, /6 build plans → Codefresh CI services/);
  });

  it("maps a build plan linked by two deployment projects once, and reports the second link", async () => {
    const file = join(tmp, "shared-plan.json");
    writeFileSync(file, JSON.stringify([
      { id: 1, key: { key: "1" }, name: "Billing", planKey: { key: "BILL-API" }, environments: [] },
      { id: 2, key: { key: "2" }, name: "Billing EU", planKey: { key: "BILL-API" }, environments: [] },
    ]));
    const res = await run(["import-bamboo", file, "--json"]);
    const { services, problems } = JSON.parse(res.stdout) as { services: { name: string; product: string }[]; problems: string[] };
    assert.deepEqual(services.map((s) => [s.name, s.product]), [["bill-api", "billing"]]);
    assert.ok(problems.some((p) => /^projects\[1\] \("Billing EU"\): build plan BILL-API is already the CI service "bill-api" of product "billing"/.test(p)), problems.join("\n"));
    assert.equal(res.code, 1);
  });

  it("reports what it could not map: duplicate identifiers and empty names", async () => {
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--json"]);
    assert.equal(res.code, 1);
    const { problems, products } = JSON.parse(res.stdout) as { problems: string[]; products: Products };
    // Without overrides the batch project "billing" clashes with "Billing".
    assert.ok(problems.some((p) => /^projects\[4\] \("billing"\): product identifier "billing" is already used by projects\[0\]/.test(p)), problems.join("\n"));
    assert.ok(problems.some((p) => /^projects\[5\]\.name: empty name/.test(p)));
    assert.ok(problems.some((p) => /^projects\[3\]\.environments\[3\] \("PROD"\): environment "prod"/.test(p)));
    assert.ok(problems.some((p) => /^projects\[6\]\.environments\[1\]\.name: empty name/.test(p)));
    assert.equal(products.filter((p) => p.identifier === "billing").length, 1);
    assert.match(res.stderr, /not mapped: projects\[4\]/);
  });

  it("exits 0 when everything maps", async () => {
    const file = join(tmp, "one.json");
    const all = JSON.parse(readFileSync(join(ROOT, FIX, "deploy-projects.json"), "utf8")) as unknown[];
    writeFileSync(file, JSON.stringify(all.slice(0, 3)));
    const res = await run(["import-bamboo", file]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^config:\n {2}developer-portal:products:/m);
  });

  for (const [file, message] of [
    ["bad-env-name.json", /bad-env-name\.json: projects\[3\]\.environments\[1\]\.name: expected a string, found number 42/],
    ["bad-root.json", /bad-root\.json: projects: expected an array, found object/],
    ["bad-missing-key.json", /bad-missing-key\.json: projects\[1\]\.key: expected an object, found missing/],
    ["bad-syntax.json", /bad-syntax\.json: not valid JSON/],
    ["no-such-file.json", /no-such-file\.json: cannot read \(ENOENT\)/],
  ] as const) {
    it(`rejects ${file} with exit 2 and the place in the file`, async () => {
      const res = await run(["import-bamboo", `${FIX}/${file}`]);
      assert.equal(res.code, 2);
      assert.match(res.stderr, message);
      assert.equal(res.stdout, "");
    });
  }

  it("rejects an override file with an unknown kind, naming the key", async () => {
    const file = join(tmp, "overrides.yaml");
    writeFileSync(file, "environments:\n  QA:\n    kind: Test\n");
    const res = await run(["import-bamboo", `${FIX}/deploy-projects.json`, "--overrides", file]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /overrides\.yaml: environments\.QA\.kind: /);
  });

  it("inferKind reads whole words, not substrings", () => {
    assert.equal(inferKind("prod-eu"), "Production");
    assert.equal(inferKind("LIVE"), "Production");
    assert.equal(inferKind("UAT 2"), "Staging");
    assert.equal(inferKind("Pre-Production"), "Staging");
    assert.equal(inferKind("product-demo"), undefined);
    assert.equal(inferKind("delivery"), undefined);
  });
});
