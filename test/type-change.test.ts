// A property's type is permanent in Port, and for an array that includes its item type:
// array<string> → array<number> drops every entity's value just as string → number does. The
// blueprint provider refuses it at preview, applies it only when allowed, and the catalog diff
// classifies it as destructive.
import * as assert from "node:assert/strict";
import { blueprintProvider, typeChanges } from "../infra/port/blueprint";
import { JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { Change, compareBlueprint } from "../tools/diff/compare";
import { PortEmulator } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function blueprint(tags: JsonObject, extra: Record<string, JsonObject> = {}): JsonObject {
  return {
    identifier: "service_types",
    title: "Service",
    schema: { properties: { name: { type: "string", title: "Name" }, tags: { title: "Tags", ...tags }, ...extra }, required: [] },
    relations: {},
  };
}

const STRINGS = blueprint({ type: "array", items: { type: "string" } });
const NUMBERS = blueprint({ type: "array", items: { type: "number" } });

describe("property type changes inside arrays", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const inputs = (body: JsonObject, allowPropertyTypeChange = false): PortObjectInputs => ({
    baseUrl: port.url,
    identifier: String(body.identifier),
    body: clone(body),
    options: { allowPropertyTypeChange },
  });

  it("refuses array<string> → array<number> at preview, naming both item types and the way out", async () => {
    const check = await blueprintProvider.check(inputs(STRINGS), inputs(NUMBERS));
    assert.equal(check.failures?.length, 1, JSON.stringify(check));
    assert.equal(check.failures![0].property, "body.schema.properties.tags");
    assert.match(check.failures![0].reason, /blueprint "service_types": property "tags" would change type array<string> → array<number>/);
    assert.match(check.failures![0].reason, /allowPropertyTypeChange/);
  });

  it("refuses array<string> → string and an item type added or dropped, but not a title or enum edit of the same array", async () => {
    const reasons = async (from: JsonObject, to: JsonObject) => ((await blueprintProvider.check(inputs(from), inputs(to))).failures ?? []).map((f) => f.reason);
    assert.match((await reasons(STRINGS, blueprint({ type: "string" })))[0], /array<string> → string/);
    assert.match((await reasons(blueprint({ type: "array" }), STRINGS))[0], /array → array<string>/);
    assert.match((await reasons(STRINGS, blueprint({ type: "array" })))[0], /array<string> → array/);
    assert.deepEqual(await reasons(STRINGS, blueprint({ type: "array", title: "Labels", items: { type: "string", enum: ["a", "b"] } })), []);
  });

  it("names every changed property, in order, and ignores properties added or removed", () => {
    const before = blueprint({ type: "array", items: { type: "string" } }, { b: { type: "array", items: { type: "boolean" } }, gone: { type: "string" } });
    const after = blueprint({ type: "array", items: { type: "number" } }, { b: { type: "array", items: { type: "object" } }, added: { type: "number" } });
    assert.deepEqual(typeChanges(before, after), [
      { key: "b", from: "array<boolean>", to: "array<object>" },
      { key: "tags", from: "array<string>", to: "array<number>" },
    ]);
    assert.deepEqual(typeChanges(undefined, after), []);
  });

  it("applies an allowed item type change by parking the values, dropping the property, then putting the new schema", async () => {
    const created = (await blueprintProvider.create(inputs(STRINGS))).outs as PortObjectInputs;
    const news = inputs(NUMBERS, true);
    assert.equal((await blueprintProvider.check(created, news)).failures, undefined);
    await blueprintProvider.update("service_types", created, news);
    const puts = port.requestsTo("PUT", "/v1/blueprints/service_types");
    assert.equal(puts.length, 4, "values parked, the property dropped, re-added with the new item type, parked copy removed");
    assert.ok(!("tags" in (puts[1].body as { schema: { properties: object } }).schema.properties));
    const stored = port.blueprint("service_types")!.schema.properties.tags as unknown as { items: { type: string } };
    assert.equal(stored.items.type, "number");
  });

  it("refuses to adopt an existing blueprint whose array item type would change", async () => {
    port.seed({ blueprints: [STRINGS] });
    await assert.rejects(blueprintProvider.create(inputs(NUMBERS)), /cannot adopt the existing blueprint "service_types".*array<string> → array<number>/);
    assert.equal((port.blueprint("service_types")!.schema.properties.tags as unknown as { items: { type: string } }).items.type, "string", "left as it was");
  });

  it("the catalog diff classifies array<string> → array<number> as a destructive type change", () => {
    const out: Change[] = [];
    compareBlueprint("service_types", STRINGS, NUMBERS, out);
    assert.deepEqual(out, [
      { class: "destructive", kind: "property", object: "service_types.tags", change: "type changed", detail: "type array<string> → array<number>: Port drops every entity's value" },
    ]);
  });
});
