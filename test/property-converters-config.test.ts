// `propertyConverters` and `renamedFrom` in stack config reach the blueprint resources they name, and only those.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { PortalStack } from "../stacks/portal-stack";
import { installMocks, settle, ResourceRecorder } from "./support/mocks";

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

  it("refuses a key that is not \"<blueprint>.<property>\"", () => {
    assert.throws(() => parseStackConfig(raw({ propertyConverters: { cf_deployment_build_status: { failure: "error" } } })), (e: unknown) => e instanceof ConfigError && /propertyConverters/.test(e.message));
  });
});
