// Stack config: bad values fail before any resource is registered, naming the key, the value
// and what was expected; the example dev stack parses.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { declaredEnvironments, parseStackConfig } from "../stacks/config";
import { declareCatalog } from "../stacks/catalog-declaration";
import { pulumiConfigOf } from "../tools/synth";
import { configFromPulumi } from "../stacks/config";
import { configRefusal } from "./support/config-problems";

const base = () => ({
  port: { orgId: "org_Test01" },
  products: [{ identifier: "billing", title: "Billing", environments: [{ name: "dev", kind: "Dev" }, { name: "prod", kind: "Production" }] }],
});

const problems = configRefusal;

describe("stack config", () => {
  it("port.deleteEntitiesWithBlueprints is off unless set, and a misspelt key is refused", () => {
    assert.equal(parseStackConfig(base()).port.deleteEntitiesWithBlueprints, false);
    assert.equal(parseStackConfig({ ...base(), port: { orgId: "org_Test01", deleteEntitiesWithBlueprints: true } }).port.deleteEntitiesWithBlueprints, true);
    assert.ok(problems({ ...base(), port: { orgId: "org_Test01", deleteEntitiesWithBlueprint: true } }).length > 0);
  });

  it("parses the example dev stack and fills defaults", () => {
    const { config } = pulumiConfigOf(path.resolve(__dirname, ".."), "dev");
    const cfg = parseStackConfig(configFromPulumi(config));
    assert.equal(cfg.port.region, "eu");
    assert.equal(cfg.agent.runtime, "lambda");
    assert.deepEqual(declaredEnvironments(cfg).map((e) => e.identifier), ["billing-dev", "billing-staging", "billing-prod", "network-inventory-dev", "network-inventory-prod"]);
    assert.equal(declareCatalog(cfg).baseUrl, "https://api.port.io");
  });

  it("names key, value and expectation for a bad enum value", () => {
    const raw = base();
    raw.products[0].environments[1].kind = "prod";
    const [p] = problems(raw);
    assert.match(p, /^developer-portal:products\[0\]\.environments\[1\]\.kind: got "prod", expected .*Dev.*Staging.*Production/);
  });

  it("refuses unknown keys instead of ignoring a typo", () => {
    const [p] = problems({ ...base(), aproval: { production: false } });
    assert.match(p, /unknown key "aproval"/);
    const [q] = problems({ ...base(), port: { orgId: "org_Test01", regoin: "us" } });
    assert.match(q, /^developer-portal:port: unknown key "regoin"/);
  });

  it("reports every problem at once, including missing required keys", () => {
    const all = problems({ products: [{ identifier: "..", title: "" }] });
    assert.ok(all.some((p) => /^developer-portal:port: got nothing/.test(p)), all.join("\n"));
    assert.ok(all.some((p) => /products\[0\]\.identifier: got "\.\."/.test(p)), all.join("\n"));
    assert.ok(all.some((p) => /products\[0\]\.title/.test(p)), all.join("\n"));
  });

  it("refuses an org id Port would not recognise, and duplicate identifiers", () => {
    assert.match(problems({ ...base(), port: { orgId: "acme" } })[0], /port\.orgId: got "acme", expected .*org_/);
    const raw = base();
    raw.products.push({ identifier: "billing", title: "Again", environments: [] });
    assert.ok(problems(raw).some((p) => /duplicate product identifier/.test(p)));
    const env = base();
    env.products[0].environments.push({ name: "dev", kind: "Dev" });
    assert.ok(problems(env).some((p) => /environment identifier "billing-dev" is declared twice/.test(p)));
  });

  it("refuses a CI service for an undeclared product", () => {
    const raw = { ...base(), codefresh: { services: [{ name: "svc", product: "nope", repository: "org/svc" }] } };
    assert.ok(problems(raw).some((p) => /codefresh\.services\[0\]\.product: .*no product "nope"/.test(p)));
  });

  it("keeps secret keys out of the parsed config and refuses them in plain text in a stack file", () => {
    const cfg = parseStackConfig({ ...base(), portClientSecret: "[secret]" });
    assert.equal((cfg as Record<string, unknown>).portClientSecret, undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.x.yaml"), "config:\n  developer-portal:portClientSecret: not-encrypted\n");
      assert.throws(() => pulumiConfigOf(dir, "x"), /developer-portal:portClientSecret must be set with "pulumi config set --secret"/);
      fs.writeFileSync(path.join(dir, "Pulumi.y.yaml"), "config:\n  developer-portal:portClientSecret:\n    secure: AAABAExample\n");
      const { config, secretKeys } = pulumiConfigOf(dir, "y");
      assert.equal(config["developer-portal:portClientSecret"], "[secret]");
      assert.deepEqual(secretKeys, ["developer-portal:portClientSecret"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
