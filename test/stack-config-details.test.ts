// The stack config's defaults, bounds and exact problem lines, beyond the typical cases of
// stack-config.test.ts: what a person reads when `pulumi preview` refuses the config.
import * as assert from "node:assert/strict";
import { ConfigError, configFromPulumi, declaredEnvironments, parseStackConfig } from "../stacks/config";
import { configRefusal } from "./support/config-problems";

const problems = configRefusal;

const port = { orgId: "org_Test01" };

describe("stack config: defaults, bounds and problem lines", () => {
  it("fills the documented defaults of an otherwise empty config", () => {
    const cfg = parseStackConfig({ port, products: [{ identifier: "a", title: "A" }], blueprintTemplates: [{ identifier: "t", title: "T", modulePath: "m" }] });
    assert.deepEqual(cfg.port, { orgId: "org_Test01", region: "eu", deleteEntitiesWithBlueprints: false });
    assert.deepEqual(cfg.products[0].environments, []);
    assert.deepEqual(cfg.blueprintTemplates[0].inputsRequired, []);
    assert.equal(cfg.blueprintTemplates[0].status, "approved");
    assert.deepEqual(cfg.approvals, { production: true });
    assert.equal(cfg.allowPropertyTypeChange, false);
    assert.equal(cfg.porc, undefined);
    const bare = parseStackConfig({ port });
    assert.deepEqual(bare.products, []);
    assert.deepEqual(bare.blueprintTemplates, []);
    assert.deepEqual(parseStackConfig({ port, approvals: {} }).approvals, { production: true });
  });

  it("names duplicate products, twice-declared environments and services of unknown products, with where the first one is", () => {
    assert.deepEqual(
      problems({
        port,
        products: [
          { identifier: "a", title: "A", environments: [{ name: "dev", kind: "Dev" }, { name: "x", kind: "Dev", identifier: "a-dev" }] },
          { identifier: "a", title: "B" },
        ],
        codefresh: { services: [{ name: "s", product: "zz", repository: "o/r" }] },
      }),
      [
        'developer-portal:products[1].identifier: got "a", expected duplicate product identifier (also products[0])',
        'developer-portal:products[0].environments[1]: got {"name":"x","kind":"Dev","identifier":"a-dev"}, expected environment identifier "a-dev" is declared twice (also products[0].environments[0])',
        'developer-portal:codefresh.services[0].product: got "zz", expected no product "zz" is declared under products',
      ],
    );
  });

  it("says (root) for the top level, shortens long values, and keeps zod's expectation only", () => {
    assert.deepEqual(problems({ port, aproval: 1 }), ['developer-portal:(root): unknown key "aproval" (typo? see the README\'s config reference)']);
    assert.deepEqual(problems({ port, products: [{ identifier: "a", title: "x".repeat(300) }] }), [
      `developer-portal:products[0].title: got "${"x".repeat(116)}..., expected Too big: expected string to have <=200 characters`,
    ]);
    assert.deepEqual(problems({ port, products: [{ identifier: "a", title: "x".repeat(201) }] }).length, 1);
    const exactly120 = `a ${"b".repeat(116)}`; // 120 characters once JSON-quoted: shown whole
    assert.deepEqual(problems({ port, products: [{ identifier: exactly120, title: "A" }] }), [`developer-portal:products[0].identifier: got "${exactly120}", expected a Port identifier: letters, digits and @_.+:/=- (max 1000)`]);
    assert.deepEqual(problems({ port, products: 3 }), ["developer-portal:products: got 3, expected array, received number"]);
    assert.deepEqual(problems({ port: { orgId: "org_1", region: "mars" } }), ['developer-portal:port.region: got "mars", expected one of "eu"|"us"']);
    assert.deepEqual(problems({ port: {} }), ["developer-portal:port.orgId: got nothing, expected string, received undefined"]);
  });

  it("prints every problem on its own line of one ConfigError", () => {
    try {
      parseStackConfig({ port: { orgId: "bad" }, products: 3 });
      assert.fail("accepted");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.name, "ConfigError");
      assert.equal(err.message, 'invalid stack config:\n  - developer-portal:port.orgId: got "bad", expected Port org id like "org_AbC123"\n  - developer-portal:products: got 3, expected array, received number');
    }
  });

  it("wants an org id that is org_ and letters or digits, nothing before or after", () => {
    for (const orgId of ["xorg_abc", "org_abc-", "org_", "ORG_abc", "org_abc def"]) assert.equal(problems({ port: { orgId } }).length, 1, orgId);
    assert.equal(parseStackConfig({ port: { orgId: "org_AbC123" } }).port.orgId, "org_AbC123");
  });

  it("bounds an environment's title at 1 to 200 characters and wants a Port identifier", () => {
    const env = (over: Record<string, unknown>) => ({ port, products: [{ identifier: "a", title: "A", environments: [{ name: "dev", kind: "Dev", ...over }] }] });
    assert.equal(parseStackConfig(env({ title: "x".repeat(200) })).products[0].environments[0].title, "x".repeat(200));
    assert.equal(parseStackConfig(env({ title: "x" })).products[0].environments[0].title, "x");
    assert.equal(problems(env({ title: "x".repeat(201) })).length, 1);
    assert.equal(problems(env({ title: "" })).length, 1);
    assert.deepEqual(problems(env({ identifier: "not valid!" })), ['developer-portal:products[0].environments[0].identifier: got "not valid!", expected a Port identifier: letters, digits and @_.+:/=- (max 1000)']);
  });

  it("reads only this project's keys from Pulumi's flat config, JSON where it parses and text where not", () => {
    assert.deepEqual(configFromPulumi({ "aws:region": "eu-west-1", "developer-portal:port": '{"orgId":"org_1"}', "developer-portal:note": "plain text", "other-portal:port": "{}" }), {
      port: { orgId: "org_1" },
      note: "plain text",
    });
  });

  it("names environments <product>-<name> and titles them '<product title> <name>' unless told otherwise", () => {
    const cfg = parseStackConfig({ port, products: [{ identifier: "billing", title: "Billing", environments: [{ name: "dev", kind: "Dev" }, { name: "prod", kind: "Production", identifier: "billing-live", title: "Live" }] }] });
    assert.deepEqual(declaredEnvironments(cfg), [
      { identifier: "billing-dev", title: "Billing dev", kind: "Dev", product: "billing" },
      { identifier: "billing-live", title: "Live", kind: "Production", product: "billing" },
    ]);
  });
});
