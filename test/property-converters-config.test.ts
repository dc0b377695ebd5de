// `propertyConverters` and `renamedFrom` in stack config reach the blueprint resources they name, and only those.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { PortalStack } from "../stacks/portal-stack";
import { installMocks, settle, ResourceRecorder } from "./support/mocks";
import { configProblems } from "./support/config-problems";

const raw = (extra: Record<string, unknown>) => ({ port: { orgId: "org_Test01" }, agent: { runtime: "none" }, allowPropertyTypeChange: true, ...extra });

describe("propertyConverters and renamedFrom (stack config)", () => {
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());
  after(() => pulumi.runtime.setAllConfig({}, []));

  it("passes each blueprint its own value maps, keyed by property, and nothing to the others", async () => {
    const cfg = parseStackConfig(raw({ propertyConverters: { "environment.cf_deployment_build_status": { failure: "error", unknown: null } }, renamedFrom: { "environment.kind": "tier" } }));
    new PortalStack("portal", { config: cfg });
    await settle();
    const blueprints = mocks.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/port:Blueprint");
    const env = blueprints.find((r) => r.inputs.identifier === "environment");
    assert.deepEqual(env?.inputs.converters, { cf_deployment_build_status: { failure: "error", unknown: null } });
    assert.deepEqual(env?.inputs.renames, { kind: "tier" });
    const others = blueprints.filter((r) => r.inputs.identifier !== "environment");
    assert.ok(others.length > 0);
    for (const r of others) assert.deepEqual([r.inputs.converters, r.inputs.renames], [undefined, undefined], String(r.inputs.identifier));
  });

  /** The config's problems, or [] when it parses. */
  const problems = (extra: Record<string, unknown>): string[] => configProblems(raw(extra));

  it("accepts renamedFrom for a property and for a relation the model declares", () => {
    assert.deepEqual(problems({ renamedFrom: { "environment.kind": "tier", "deployment.environment": "target_env" } }), []);
  });

  it("refuses a key naming a blueprint or property/relation the model does not declare, in one line naming the key", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ propertyConverters: { "envirnment.kind": { a: "b" } } }, /^developer-portal:propertyConverters\.envirnment\.kind: .*no blueprint "envirnment" in the model/],
      [{ propertyConverters: { "environment.kinds": { a: "b" } } }, /^developer-portal:propertyConverters\.environment\.kinds: .*blueprint "environment" declares no property "kinds"/],
      [{ propertyConverters: { "environment.product": { a: "b" } } }, /^developer-portal:propertyConverters\.environment\.product: .*declares no property "product"/],
      [{ renamedFrom: { "envirnment.kind": "tier" } }, /^developer-portal:renamedFrom\.envirnment\.kind: .*no blueprint "envirnment" in the model/],
      [{ renamedFrom: { "environment.tier": "kind_old" } }, /^developer-portal:renamedFrom\.environment\.tier: .*declares no property or relation "tier"/],
      [{ renamedFrom: { "environment.kind": "kind" } }, /^developer-portal:renamedFrom\.environment\.kind: .*old name equals the new one/],
      [{ renamedFrom: { "environment.kind": "cf_deployment_build" } }, /^developer-portal:renamedFrom\.environment\.kind: .*"cf_deployment_build" is still declared/],
    ];
    for (const [extra, line] of cases) {
      const found = problems(extra);
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.match(found[0], line);
    }
  });

  it("refuses two new names renamed from one old name of the same blueprint", () => {
    const found = problems({ renamedFrom: { "environment.kind": "tier", "environment.cf_deployment_build": "tier" } });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0], /^developer-portal:renamedFrom\.environment\.cf_deployment_build: .*"tier" is renamed twice \(also environment\.kind\)/);
  });

  it("refuses a key that is not \"<blueprint>.<property>\"", () => {
    assert.throws(() => parseStackConfig(raw({ propertyConverters: { cf_deployment_build_status: { failure: "error" } } })), (e: unknown) => e instanceof ConfigError && /propertyConverters/.test(e.message));
  });
});
