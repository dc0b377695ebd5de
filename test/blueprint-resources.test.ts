// The blueprint resources as the program declares them (Pulumi mocks): type tokens, and inputs
// that carry the body, the identifier and the type-change switch, never credentials.
import * as assert from "node:assert/strict";
import { PortBlueprint, PortBlueprintAggregations } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import { installMocks, promiseOf, ResourceRecorder, settle } from "./support/mocks";

const BODY: JsonObject = { identifier: "svc_res", title: "Service", schema: { properties: {}, required: [] } };

describe("blueprint resources (Pulumi mocks)", () => {
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());

  it("registers a blueprint with its body, identifier and allowPropertyTypeChange (false unless set)", async () => {
    const plain = new PortBlueprint("bp-plain", { baseUrl: "https://api.port.io", body: BODY });
    new PortBlueprint("bp-allowed", { baseUrl: "https://api.port.io", body: { ...BODY, identifier: "svc_res2" }, allowPropertyTypeChange: true });
    await promiseOf(plain.urn);
    await settle();
    const one = mocks.one("pulumi-nodejs:dynamic/port:Blueprint", "bp-plain");
    assert.equal(one.inputs.baseUrl, "https://api.port.io");
    assert.equal(one.inputs.identifier, "svc_res");
    assert.deepEqual(one.inputs.body, BODY);
    assert.deepEqual(one.inputs.options, { allowPropertyTypeChange: false });
    assert.deepEqual(mocks.one("pulumi-nodejs:dynamic/port:Blueprint", "bp-allowed").inputs.options, { allowPropertyTypeChange: true });
  });

  it("registers a blueprint's aggregations as their own resource", async () => {
    const aggregationProperties = { n: { title: "N", target: "svc_res", calculationSpec: { func: "count", calculationBy: "entities" } } };
    const agg = new PortBlueprintAggregations("bp-agg", { baseUrl: "https://api.port.io", identifier: "svc_res", aggregationProperties });
    await promiseOf(agg.urn);
    await settle();
    const one = mocks.one("pulumi-nodejs:dynamic/port:BlueprintAggregations", "bp-agg");
    assert.equal(one.inputs.identifier, "svc_res");
    assert.deepEqual(one.inputs.body, { identifier: "svc_res", aggregationProperties });
  });
});
