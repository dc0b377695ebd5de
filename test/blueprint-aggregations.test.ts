// The blueprint provider's second pass, aggregation properties, and its type-change update of a
// required property, against the Port emulator: what Port stores after each call.
import * as assert from "node:assert/strict";
import { aggregationsProvider, blueprintProvider } from "../infra/port/blueprint";
import { JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { PortEmulator } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const SERVICE: JsonObject = {
  identifier: "svc_agg",
  title: "Service",
  schema: { properties: { tier: { type: "string", title: "Tier" }, name: { type: "string", title: "Name" } }, required: ["tier", "name"] },
  relations: {},
};
const COUNT = { runs: { title: "Runs", target: "svc_agg", calculationSpec: { func: "count", calculationBy: "entities" } } };

describe("blueprint aggregations and required type changes", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const bp = (body: JsonObject, allowPropertyTypeChange = false): PortObjectInputs => ({ baseUrl: port.url, identifier: String(body.identifier), body: clone(body), options: { allowPropertyTypeChange } });
  const agg = (aggregationProperties: JsonObject): PortObjectInputs => ({ baseUrl: port.url, identifier: "svc_agg", body: { identifier: "svc_agg", aggregationProperties } });

  it("sets, reads, replaces and removes a blueprint's aggregations, keeping the rest of the blueprint", async () => {
    await blueprintProvider.create(bp(SERVICE));
    const created = await aggregationsProvider.create(agg(COUNT));
    assert.deepEqual(created.outs, { baseUrl: port.url, identifier: "svc_agg", body: { aggregationProperties: COUNT, identifier: "svc_agg" } });
    assert.deepEqual(port.blueprint("svc_agg")!.aggregationProperties, COUNT);
    assert.deepEqual(port.blueprint("svc_agg")!.schema.required, ["tier", "name"], "the blueprint itself is untouched");
    const put = port.requestsTo("PUT", "/v1/blueprints/svc_agg")[0].body as JsonObject;
    for (const server of ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"]) assert.ok(!(server in put), `${server} is not sent back to Port`);
    const read = await aggregationsProvider.read("svc_agg", created.outs as PortObjectInputs);
    assert.deepEqual(read.props, created.outs);
    assert.equal((await aggregationsProvider.diff("svc_agg", read.props as PortObjectInputs, agg(COUNT))).changes, false);
    await aggregationsProvider.update("svc_agg", created.outs as PortObjectInputs, agg({}));
    assert.deepEqual(port.blueprint("svc_agg")!.aggregationProperties, {});
    await aggregationsProvider.update("svc_agg", created.outs as PortObjectInputs, agg(COUNT));
    await aggregationsProvider.delete("svc_agg", created.outs as PortObjectInputs);
    assert.deepEqual(port.blueprint("svc_agg")!.aggregationProperties, {});
  });

  it("a blueprint's PUT keeps the aggregations Port holds", async () => {
    const created = (await blueprintProvider.create(bp(SERVICE))).outs as PortObjectInputs;
    await aggregationsProvider.create(agg(COUNT));
    await blueprintProvider.update("svc_agg", created, bp({ ...SERVICE, title: "Services" }));
    assert.equal(port.blueprint("svc_agg")!.title, "Services");
    assert.deepEqual(port.blueprint("svc_agg")!.aggregationProperties, COUNT);
  });

  it("aggregations of a blueprint that is gone: read is gone, delete succeeds, create names the blueprint", async () => {
    assert.deepEqual(await aggregationsProvider.read("svc_agg", agg(COUNT)), {});
    await aggregationsProvider.delete("svc_agg", agg(COUNT));
    await assert.rejects(aggregationsProvider.create(agg(COUNT)), /blueprint "svc_agg" does not exist in Port; its aggregation properties cannot be set/);
    assert.equal(port.requestsTo("PUT", "/v1/blueprints/svc_agg").length, 0);
  });

  it("an allowed type change of a required property drops it from required first, then restores the declared schema", async () => {
    const created = (await blueprintProvider.create(bp(SERVICE))).outs as PortObjectInputs;
    const changed = clone(SERVICE) as { schema: { properties: Record<string, JsonObject> } } & JsonObject;
    changed.schema.properties.tier = { type: "number", title: "Tier" };
    await blueprintProvider.update("svc_agg", created, bp(changed, true));
    const puts = port.requestsTo("PUT", "/v1/blueprints/svc_agg").map((r) => (r.body as { schema: { properties: object; required: string[] } }).schema);
    // Park the values beside the property, drop it (and from required), re-add it, then the declared schema.
    assert.equal(puts.length, 4);
    assert.ok(!Object.keys(puts[1].properties).includes("tier"), "the second PUT drops the property");
    assert.deepEqual(puts[1].required, ["name"]);
    assert.deepEqual(puts[3].required, ["tier", "name"]);
    assert.equal(port.blueprint("svc_agg")!.schema.properties.tier.type, "number");
  });

  it("an update without a type change is one PUT; a blueprint without options is checked as not allowed", async () => {
    const created = (await blueprintProvider.create(bp(SERVICE))).outs as PortObjectInputs;
    await blueprintProvider.update("svc_agg", created, bp({ ...SERVICE, title: "Renamed" }, true));
    assert.equal(port.requestsTo("PUT", "/v1/blueprints/svc_agg").length, 1);
    const changed = clone(SERVICE) as { schema: { properties: Record<string, JsonObject> } } & JsonObject;
    changed.schema.properties.tier = { type: "number" };
    const { options: _o, ...noOptions } = bp(changed);
    assert.equal((await blueprintProvider.check(created, noOptions as PortObjectInputs)).failures?.length, 1);
  });
});
