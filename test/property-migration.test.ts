// A property type change that keeps the data, through the blueprint provider against the Port
// emulator: 1,000 entities converted in bulk, unconvertible values blocking at preview by entity,
// and a migration interrupted halfway that leaves every value readable and completes on re-run.
import * as assert from "node:assert/strict";
import { PortClient } from "../clients/port";
import { product } from "../blueprints";
import { blueprintProvider } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { convertValue, migrateProperties, parkedName } from "../infra/port/property-migration";
import { blueprintDrift, markMigrations } from "../tools/drift/compare";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const KEY = "bamboo_key";

describe("property type change keeping the data", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const inputs = (body: object, allow: boolean): PortObjectInputs => ({ baseUrl: port.url, identifier: "product", body: clone(body) as JsonObject, options: { allowPropertyTypeChange: allow } });
  const numeric = () => {
    const body = clone(product.body) as unknown as { schema: { properties: Record<string, unknown> } };
    body.schema.properties[KEY] = { type: "number", title: "Bamboo key" };
    return body;
  };

  /** The product blueprint as `pulumi up` left it, with `n` entities holding numeric strings. */
  async function seeded(n: number, value: (i: number) => string = String): Promise<PortObjectInputs> {
    const out = (await blueprintProvider.create(inputs(product.body, false))).outs as PortObjectInputs;
    port.seed({ entities: { product: Array.from({ length: n }, (_, i) => ({ identifier: `p${i}`, title: `P ${i}`, properties: { [KEY]: value(i) } })) } });
    port.requests.length = 0;
    return out;
  }

  it("converts 1,000 entities' values string → number in bulk: 2 paged reads, 100 bulk writes, no per-entity call", async () => {
    const olds = await seeded(1000);
    const news = inputs(numeric(), true);
    assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
    await blueprintProvider.update("product", olds, news);
    const stored = port.blueprint("product") as unknown as { schema: { properties: Record<string, { type: string }> } };
    assert.equal(stored.schema.properties[KEY].type, "number");
    assert.equal(stored.schema.properties[parkedName(KEY)], undefined);
    for (const e of port.entities("product")) assert.equal((e.properties as Record<string, unknown>)[KEY], Number(e.identifier.slice(1)), e.identifier);
    const calls = port.requests.map((r) => `${r.method} ${r.path}`).filter((c) => !c.includes("access_token"));
    assert.equal(calls.filter((c) => c === "POST /v1/blueprints/product/entities/search").length, 2, "one read at preview, one at update");
    assert.equal(calls.filter((c) => c === "POST /v1/blueprints/product/entities/bulk").length, 100, "1,000 parked + 1,000 written back, 20 per call");
    assert.ok(calls.every((c) => !/\/entities\/p\d+$/.test(c)), "no call per entity");
    assert.equal(calls.length, 2 + 100 + calls.filter((c) => c.startsWith("GET /v1/blueprints/product") || c.startsWith("PUT /v1/blueprints/product")).length);
  });

  it("the migration switches alone are no change (a preview shows no update), but deleteEntitiesWithBlueprint is kept in state", async () => {
    const olds = await seeded(3);
    assert.equal((await blueprintProvider.diff("product", olds, inputs(product.body, true))).changes, false, "allowPropertyTypeChange on");
    assert.equal((await blueprintProvider.diff("product", { ...olds, options: { allowPropertyTypeChange: true } }, inputs(product.body, false))).changes, false, "and off again");
    assert.equal((await blueprintProvider.diff("product", olds, { ...inputs(product.body, false), renames: { x: "y" }, converters: { [KEY]: { a: "b" } } })).changes, false, "renames, converters");
    const deleting: PortObjectInputs = { ...inputs(product.body, false), options: { allowPropertyTypeChange: false, deleteEntitiesWithBlueprint: true } };
    assert.equal((await blueprintProvider.diff("product", olds, deleting)).changes, true, "destroy reads it from state");
  });

  it("blocks the change at preview when a value cannot be converted, naming the entity, and changes nothing", async () => {
    const olds = await seeded(30, (i) => (i === 7 ? "BILL" : String(i)));
    const check = await blueprintProvider.check(olds, inputs(numeric(), true));
    assert.equal(check.failures?.length, 1);
    assert.match(check.failures![0].reason, /1 value cannot be converted to the declared type: product\/p7: bamboo_key "BILL" is not a number/);
    assert.equal(port.requestsTo("PUT", "/v1/blueprints/product").length, 0);
    assert.equal(port.requestsTo("POST", "/v1/blueprints/product/entities/bulk").length, 0);
  });

  it("a declared converter lets a blocked value through: mapped before conversion, null drops it", async () => {
    const olds = await seeded(30, (i) => (i === 7 ? "BILL" : i === 8 ? "n/a" : String(i)));
    const news: PortObjectInputs = { ...inputs(numeric(), true), converters: { [KEY]: { BILL: 1376257, "n/a": null } } };
    assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
    await blueprintProvider.update("product", olds, news);
    const value = (id: string) => (port.entity("product", id)!.properties as Record<string, unknown>)[KEY];
    assert.equal(value("p7"), 1376257);
    assert.equal(value("p8"), undefined);
    assert.equal(value("p9"), 9);
  });

  it("a migration interrupted after the old property was dropped keeps every value readable, and a re-run completes it", async () => {
    const olds = await seeded(200);
    const body = numeric() as unknown as JsonObject;
    let bulk = 0;
    const client = new PortClient({
      baseUrl: port.url,
      credentials: TEST_CREDENTIALS,
      // The 13th bulk write is the 3rd of the write-back (10 park the values): refused.
      onAttempt: (method, url) => {
        if (method === "POST" && url.endsWith("/entities/bulk?upsert=true&merge=true") && ++bulk === 13) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 });
      },
    });
    await assert.rejects(migrateProperties(client, "product", [KEY], body));
    // Halfway: the property has its new type and some values; the parked copy holds all of them.
    const half = port.entities("product").map((e) => e.properties as Record<string, unknown>);
    assert.ok(half.some((p) => p[KEY] === undefined), "interrupted before every value was written back");
    assert.ok(half.every((p) => p[parkedName(KEY)] !== undefined || p[KEY] !== undefined));
    assert.equal(half.filter((p) => typeof p[parkedName(KEY)] === "number").length, 200);
    // Re-run, as `pulumi up` does after a failed update (state still holds the old body).
    await blueprintProvider.update("product", olds, inputs(body, true));
    for (const e of port.entities("product")) {
      const props = e.properties as Record<string, unknown>;
      assert.equal(props[KEY], Number(e.identifier.slice(1)), e.identifier);
      assert.equal(props[parkedName(KEY)], undefined);
    }
    assert.equal((port.blueprint("product") as unknown as { schema: { properties: Record<string, unknown> } }).schema.properties[parkedName(KEY)], undefined);
  });

  it("a migration interrupted while parking (the old property still there, the parked copy partial) keeps every value on re-run", async () => {
    const olds = await seeded(200, (i) => (i === 150 ? "BILL" : String(i)));
    const body = numeric() as unknown as JsonObject;
    let bulk = 0;
    // The 3rd of the 10 parking writes is refused: 40 values parked, the old property untouched.
    const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 3) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
    await assert.rejects(migrateProperties(client, "product", [KEY], body, { [KEY]: { BILL: 1376257 } }));
    const half = port.entities("product").map((e) => e.properties as Record<string, unknown>);
    assert.ok(half.every((p) => typeof p[KEY] === "string"), "the old property still holds every value");
    const parked = half.filter((p) => p[parkedName(KEY)] !== undefined).length;
    assert.ok(parked > 0 && parked < 200, `the parked copy is partial (${parked})`);
    const news: PortObjectInputs = { ...inputs(body, true), converters: { [KEY]: { BILL: 1376257 } } };
    assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
    await blueprintProvider.update("product", olds, news);
    for (const e of port.entities("product")) {
      const props = e.properties as Record<string, unknown>;
      assert.equal(props[KEY], e.identifier === "p150" ? 1376257 : Number(e.identifier.slice(1)), e.identifier);
      assert.equal(props[parkedName(KEY)], undefined);
    }
  });

  describe("renamedFrom", () => {
    const NEW = "bamboo_project_key";
    const renamedBody = () => {
      const body = clone(product.body) as unknown as { schema: { properties: Record<string, unknown> } };
      body.schema.properties[NEW] = body.schema.properties[KEY];
      delete body.schema.properties[KEY];
      return body;
    };
    const renamed = (): PortObjectInputs => ({ ...inputs(renamedBody(), false), renames: { [NEW]: KEY } });

    it("copies 1,000 values to the new property in bulk before removing the old one", async () => {
      const olds = await seeded(1000);
      assert.equal((await blueprintProvider.check(olds, renamed())).failures, undefined);
      await blueprintProvider.update("product", olds, renamed());
      for (const e of port.entities("product")) {
        const props = e.properties as Record<string, unknown>;
        assert.equal(props[NEW], e.identifier.slice(1), e.identifier);
        assert.equal(props[KEY], undefined);
      }
      const puts = port.requestsTo("PUT", "/v1/blueprints/product").map((r) => Object.keys((r.body as { schema: { properties: object } }).schema.properties));
      assert.deepEqual(puts.map((keys) => [keys.includes(KEY), keys.includes(NEW)]), [[true, true], [false, true]], "old kept beside the new one until the copy is done");
      assert.equal(port.requestsTo("POST", "/v1/blueprints/product/entities/search").length, 2, "one read at preview, one at update");
      assert.equal(port.requestsTo("POST", "/v1/blueprints/product/entities/bulk").length, 50);
    });

    it("an interrupted copy leaves the old values in place, and a re-run completes the rename", async () => {
      const olds = await seeded(100);
      port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 });
      await assert.rejects(blueprintProvider.update("product", olds, renamed()));
      const half = port.entities("product").map((e) => e.properties as Record<string, unknown>);
      assert.ok(half.every((p) => typeof p[KEY] === "string"), "every old value still readable");
      await blueprintProvider.update("product", olds, renamed());
      for (const e of port.entities("product")) assert.deepEqual(e.properties, { [NEW]: e.identifier.slice(1) }, e.identifier);
    });

    it("a rename and another property's type change in one update both land, every value kept", async () => {
      const PLAN = "bamboo_plan_key";
      const olds = (await blueprintProvider.create(inputs(product.body, false))).outs as PortObjectInputs;
      port.seed({ entities: { product: Array.from({ length: 60 }, (_, i) => ({ identifier: `p${i}`, title: `P ${i}`, properties: { [KEY]: `K${i}`, [PLAN]: String(i) } })) } });
      const body = renamedBody();
      body.schema.properties[PLAN] = { type: "number", title: "Bamboo plan" };
      const news: PortObjectInputs = { ...inputs(body, true), renames: { [NEW]: KEY } };
      assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
      await blueprintProvider.update("product", olds, news);
      const stored = port.blueprint("product") as unknown as { schema: { properties: Record<string, { type: string }> } };
      assert.equal(stored.schema.properties[PLAN].type, "number");
      assert.deepEqual([KEY in stored.schema.properties, parkedName(PLAN) in stored.schema.properties], [false, false]);
      for (const e of port.entities("product")) assert.deepEqual(e.properties, { [NEW]: `K${e.identifier.slice(1)}`, [PLAN]: Number(e.identifier.slice(1)) }, e.identifier);
    });

    it("blocks at preview a value that does not fit the renamed property's schema, naming the entity", async () => {
      const olds = await seeded(10, (i) => (i === 3 ? "x" : String(i)));
      const body = renamedBody();
      body.schema.properties[NEW] = { type: "number", title: "Bamboo project key" };
      const check = await blueprintProvider.check(olds, { ...inputs(body, false), renames: { [NEW]: KEY } });
      assert.match(check.failures?.[0]?.reason ?? "", /product\/p3: bamboo_key → bamboo_project_key: "x" is not a number/);
      assert.equal(port.requestsTo("PUT", "/v1/blueprints/product").length, 0);
    });
  });

  it("drift names an interrupted type change and an unfinished rename as migrations in progress, not hand edits", async () => {
    await seeded(100);
    const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
    // The first write-back of the parked values fails: the first bulk write parks, so fail the 6th.
    let bulk = 0;
    const failing = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 6) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
    await assert.rejects(migrateProperties(failing, "product", [KEY], numeric() as unknown as JsonObject));
    const live = (await client.listBlueprints()).filter((b) => b.identifier === "product");
    const raw = blueprintDrift([numeric() as unknown as JsonObject], live);
    const marked = markMigrations(raw, { "product.bamboo_project_key": "legacy_key" });
    const parked = marked.find((f) => f.object === `product.${parkedName(KEY)}`);
    assert.equal(parked?.change, "type change in progress", JSON.stringify(marked));
    assert.match(parked!.detail, /`pulumi up` resumes it/);
    const rename = markMigrations([{ kind: "property", object: "product.legacy_key", change: "added in Port", detail: "string" }], { "product.bamboo_project_key": "legacy_key" });
    assert.equal(rename[0].change, "rename in progress");
  });

  it("converts scalars to numbers, booleans, enums and arrays, and says why a value does not fit", () => {
    assert.deepEqual(convertValue(" 42 ", { type: "number" }), { ok: true, value: 42 });
    assert.deepEqual(convertValue("true", { type: "boolean" }), { ok: true, value: true });
    assert.deepEqual(convertValue(7, { type: "string" }), { ok: true, value: "7" });
    assert.deepEqual(convertValue("a", { type: "array", items: { type: "string" } }), { ok: true, value: ["a"] });
    assert.deepEqual(convertValue(["only"], { type: "string" }), { ok: true, value: "only" });
    assert.deepEqual(convertValue("failure", { type: "string", enum: ["success", "error"] }), { ok: false, reason: '"failure" is not one of "success", "error"' });
    assert.deepEqual(convertValue(["a", "b"], { type: "string" }), { ok: false, reason: '["a","b"] has 2 items, cannot become one string' });
    assert.deepEqual(convertValue("", { type: "number" }), { ok: false, reason: '"" is not a number' });
  });
});
