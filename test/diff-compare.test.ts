// The catalog diff's classification (tools/diff/compare.ts) in process, without the CLI around it:
// the checked-in fixture pair gives the checked-in report, and each rule on its own smallest case.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { JsonObject } from "../infra/port/canonical";
import { loadSnapshot } from "../tools/diff";
import { Change, changedPaths, compareBlueprint, compareSnapshots, countByClass, pipelineChange } from "../tools/diff/compare";
import { renderMarkdown } from "../tools/diff/markdown";
import type { Snapshot } from "../tools/diff/snapshot";

const FIXTURES = resolve(__dirname, "fixtures", "diff");

function bp(props: Record<string, JsonObject>, extra: JsonObject = {}, required: string[] = []): JsonObject {
  return { identifier: "svc", title: "Service", schema: { properties: props, required }, ...extra };
}

function changes(base: JsonObject, head: JsonObject): Change[] {
  const out: Change[] = [];
  compareBlueprint("svc", base, head, out);
  return out;
}

function snapshot(parts: Partial<Omit<Snapshot, "dir">> = {}): Snapshot {
  return { dir: "-", blueprints: new Map(), actions: new Map(), entities: new Map(), pages: new Map(), pipelines: new Map(), teams: new Map(), scorecards: new Map(), actionPermissions: new Map(), migrations: new Map(), ...parts };
}

describe("catalog diff classification", () => {
  it("turns the fixture pair into the checked-in report, 7 destructive, 6 risky, 11 safe", () => {
    const found = compareSnapshots(loadSnapshot(join(FIXTURES, "base")), loadSnapshot(join(FIXTURES, "head")));
    assert.deepEqual(countByClass(found), { destructive: 7, risky: 6, safe: 11 });
    const md = renderMarkdown(found, { base: "test/fixtures/diff/base", head: "test/fixtures/diff/head" });
    assert.equal(md, readFileSync(join(FIXTURES, "expected.md"), "utf8"));
  });

  it("finds nothing between a snapshot and itself, or between two empty ones", () => {
    const base = loadSnapshot(join(FIXTURES, "base"));
    assert.deepEqual(compareSnapshots(base, base), []);
    assert.deepEqual(compareSnapshots(snapshot(), snapshot()), []);
    assert.deepEqual(countByClass([]), { destructive: 0, risky: 0, safe: 0 });
  });

  it("orders changes by harm, then kind in catalog order, then object", () => {
    const found = compareSnapshots(
      snapshot({ blueprints: new Map([["b", { identifier: "b", title: "B" }], ["a", { identifier: "a", title: "A" }]]), pipelines: new Map([["p/x", { steps: {} }]]) }),
      snapshot({ blueprints: new Map([["c", { identifier: "c", title: "C" }]]), actions: new Map([["act", { identifier: "act", title: "Act" }]]), pages: new Map([["pg", { identifier: "pg", title: "Page" }]]) }),
    );
    assert.deepEqual(found.map((c) => `${c.class} ${c.kind} ${c.object} ${c.change} ${c.detail}`), [
      "destructive blueprint a removed deleted from Port with every entity of it",
      "destructive blueprint b removed deleted from Port with every entity of it",
      "risky pipeline p/x removed deleted from Codefresh with its triggers; deploy actions naming it fail",
      "safe blueprint c added C",
      "safe action act added Act",
      "safe page pg added Page",
    ]);
  });

  describe("properties", () => {
    it("type, required flag and enum changes each have their class", () => {
      const base = bp({ a: { type: "string", enum: ["x", "y"] }, b: { type: "string" }, c: { type: "number" } }, {}, ["c"]);
      const head = bp({ a: { type: "string", enum: ["y", "z"] }, b: { type: "string" }, c: { type: "number" } }, {}, ["b"]);
      assert.deepEqual(changes(base, head), [
        { kind: "property", class: "risky", object: "svc.a", change: "changed", detail: "enum values removed: `x` (entities holding them no longer validate); enum values added: `z`" },
        { kind: "property", class: "risky", object: "svc.b", change: "changed", detail: "required flag added: entities without a value are refused" },
        { kind: "property", class: "safe", object: "svc.c", change: "changed", detail: "no longer required" },
      ]);
    });

    it("reads enums of array items too, and keeps other item keys as safe changes", () => {
      const base = bp({ tags: { type: "array", items: { type: "string", enum: ["a", "b"], format: "x" } } });
      const head = bp({ tags: { type: "array", items: { type: "string", enum: ["a"], format: "y" } } });
      assert.deepEqual(changes(base, head), [
        { kind: "property", class: "risky", object: "svc.tags", change: "changed", detail: 'enum values removed: `b` (entities holding them no longer validate); items.format: "x" → "y"' },
      ]);
    });

    it("a property added as required is risky, optional is safe; a rename is one risky change", () => {
      const base = bp({ old: { type: "string", title: "Old" } });
      const head = bp({ renamed: { type: "string", title: "Old" }, opt: { type: "array", items: { type: "number" } }, req: { type: "boolean" } }, {}, ["req"]);
      assert.deepEqual(changes(base, head), [
        { kind: "property", class: "risky", object: "svc.old", change: "renamed", detail: "renamed to `renamed` (same definition): without a Port rename the values of `old` are dropped and writers using the old name fail" },
        { kind: "property", class: "safe", object: "svc.opt", change: "added", detail: "array<number>" },
        { kind: "property", class: "risky", object: "svc.req", change: "added (required)", detail: "boolean, required: existing entities and writers without it are refused" },
      ]);
    });

    it("shows long values shortened and unset ones as unset", () => {
      const long = "x".repeat(80);
      const found = changes(bp({ a: { type: "string", description: long } }), bp({ a: { type: "string" } }));
      assert.deepEqual(found, [{ kind: "property", class: "safe", object: "svc.a", change: "changed", detail: `description: "${"x".repeat(56)}... → unset` }]);
    });
  });

  describe("relations and mirrors", () => {
    const rel = (target: string, more: JsonObject = {}) => ({ target, required: false, many: false, ...more });

    it("classifies relations removed, renamed, added (required, many) and changed", () => {
      const base = bp({}, { relations: { gone: rel("a"), old: rel("b", { title: "B" }), t: rel("x"), req: rel("x"), many: rel("x"), titled: rel("x", { title: "T" }), loose: rel("x", { required: true }) } });
      const head = bp({}, { relations: { renamed: rel("b", { title: "B" }), addreq: rel("r", { required: true }), addmany: rel("m", { many: true }), addone: rel("o"), t: rel("y"), req: rel("x", { required: true }), many: rel("x", { many: true }), titled: rel("x", { title: "U" }), loose: rel("x") } });
      assert.deepEqual(changes(base, head), [
        { kind: "relation", class: "risky", object: "svc.old", change: "renamed", detail: "renamed to `renamed` (same definition): related values are dropped unless renamed in Port" },
        { kind: "relation", class: "destructive", object: "svc.gone", change: "removed", detail: "Port drops every entity's `gone` link (was → a)" },
        { kind: "relation", class: "safe", object: "svc.addmany", change: "added", detail: "→ m (many)" },
        { kind: "relation", class: "safe", object: "svc.addone", change: "added", detail: "→ o" },
        { kind: "relation", class: "risky", object: "svc.addreq", change: "added (required)", detail: "→ r, required: entities without it are refused" },
        { kind: "relation", class: "safe", object: "svc.loose", change: "changed", detail: "required: true → false" },
        { kind: "relation", class: "destructive", object: "svc.many", change: "changed", detail: "many false → true: Port drops every entity's links (set allowPropertyTypeChange to keep them)" },
        { kind: "relation", class: "risky", object: "svc.req", change: "changed", detail: "required flag added: entities without it are refused" },
        { kind: "relation", class: "risky", object: "svc.t", change: "changed", detail: "target x → y" },
        { kind: "relation", class: "safe", object: "svc.titled", change: "changed", detail: 'title: "T" → "U"' },
      ]);
    });

    it("mirrors removed are risky, added and changed are safe; other blueprint fields are safe changes", () => {
      const base = bp({}, { title: "Service", icon: "A", mirrorProperties: { gone: { path: "r.a" }, moved: { path: "r.b" } } });
      const head = bp({}, { title: "Services", icon: "A", mirrorProperties: { added: { path: "r.c" }, moved: { path: "r.d" } } });
      assert.deepEqual(changes(base, head), [
        { kind: "mirror", class: "risky", object: "svc.gone", change: "removed", detail: "mirror of r.a (computed, no stored data lost; views and jq using it break)" },
        { kind: "mirror", class: "safe", object: "svc.added", change: "added", detail: "mirror of r.c" },
        { kind: "mirror", class: "safe", object: "svc.moved", change: "changed", detail: 'path: "r.b" → "r.d"' },
        { kind: "blueprint", class: "safe", object: "svc", change: "changed", detail: 'title: "Service" → "Services"' },
      ]);
    });
  });

  describe("entities, actions, pages", () => {
    it("an entity renamed, removed, added and changed", () => {
      const e = (id: string, title: string, props: JsonObject = {}) => [id, { identifier: id, title, properties: props, relations: {} }] as [string, JsonObject];
      const found = compareSnapshots(
        snapshot({ entities: new Map([["product", new Map([e("old", "Same"), e("gone", "Gone"), e("kept", "Kept", { a: 1 })])]]) }),
        snapshot({ entities: new Map([["product", new Map([e("new", "Same"), e("added", "Added"), e("kept", "Kept", { a: 2 })])]]) }),
      );
      assert.deepEqual(found.map((c) => `${c.class}|${c.object}|${c.change}|${c.detail}`), [
        "destructive|product/gone|removed|deleted from Port with the values pipelines wrote on it",
        "risky|product/old|renamed|identifier → `new`: Port deletes `old` and creates `new`; links and run-time values on the old entity are lost",
        "safe|product/added|added|Added",
        "safe|product/kept|changed|properties.a: 1 → 2",
      ]);
    });

    it("an action or page removed is destructive, changed is safe with the changed paths", () => {
      const action = (title: string) => ({ identifier: "act", title, trigger: { type: "self-service", userInputs: { properties: {}, required: [] } } });
      const found = compareSnapshots(
        snapshot({ actions: new Map([["act", action("A")], ["gone", action("G")]]), pages: new Map<string, JsonObject>([["pg", { identifier: "pg", title: "P", widgets: [] }], ["old", { identifier: "old" }]]) }),
        snapshot({ actions: new Map([["act", action("B")]]), pages: new Map([["pg", { identifier: "pg", title: "Q", widgets: [] }]]) }),
      );
      assert.deepEqual(found.map((c) => `${c.class}|${c.kind}|${c.object}|${c.change}|${c.detail}`), [
        "destructive|action|gone|removed|deleted from Port; its run history is no longer reachable from the catalog",
        "destructive|page|old|removed|deleted from Port with its layout and widgets",
        'safe|action|act|changed|title: "A" → "B"',
        'safe|page|pg|changed|title: "P" → "Q"',
      ]);
    });
  });

  describe("pipelines", () => {
    it("says which steps were added, removed or changed, and when only their order changed", () => {
      const spec = (steps: JsonObject, more: JsonObject = {}) => ({ version: "1.0", steps, ...more });
      assert.equal(pipelineChange(spec({ a: { image: "x" }, b: {} }), spec({ a: { image: "x" }, b: {} })), undefined);
      assert.equal(pipelineChange(spec({ a: {}, b: {} }), spec({ b: {}, a: {} })), "step order changed");
      assert.equal(pipelineChange(spec({ a: {}, b: { image: "x" } }), spec({ a: {}, c: {}, b: { image: "y" } }, { stages: ["s"] })), "steps added: c; steps changed: b; stages changed");
      assert.equal(pipelineChange(spec({ a: {}, b: {} }), spec({ a: {} })), "steps removed: b");
    });

    it("a pipeline added says how many steps it has; changed is safe", () => {
      const found = compareSnapshots(snapshot({ pipelines: new Map([["p/x", { steps: { a: {} } }]]) }), snapshot({ pipelines: new Map<string, JsonObject>([["p/x", { steps: { b: {} } }], ["p/y", { steps: { a: {}, b: {} } }]]) }));
      assert.deepEqual(found.map((c) => `${c.class}|${c.object}|${c.change}|${c.detail}`), ["safe|p/x|changed|steps added: b; steps removed: a", "safe|p/y|added|2 steps"]);
    });
  });

  describe("details that list several things", () => {
    it("joins several enum values, paths and parts, and calls a type change with other edits a type change", () => {
      const base = bp({ e: { type: "string", enum: ["a", "b", "c"] }, t: { type: "string", title: "T", description: "d" }, n: { type: "number", title: "N" } }, { title: "S", icon: "i" });
      const head = bp({ e: { type: "string", enum: ["c", "x", "y"] }, t: { type: "string", title: "U", description: "e" }, n: { type: "string", title: "M" } }, { title: "S2", icon: "j" });
      assert.deepEqual(changes(base, head), [
        { kind: "property", class: "risky", object: "svc.e", change: "changed", detail: "enum values removed: `a`, `b` (entities holding them no longer validate); enum values added: `x`, `y`" },
        { kind: "property", class: "destructive", object: "svc.n", change: "type changed", detail: 'type number → string: Port drops every entity\'s value; title: "N" → "M"' },
        { kind: "property", class: "safe", object: "svc.t", change: "changed", detail: 'description: "d" → "e"; title: "T" → "U"' },
        { kind: "blueprint", class: "safe", object: "svc", change: "changed", detail: 'icon: "i" → "j"; title: "S" → "S2"' },
      ]);
    });

    it("item keys appearing on one side show path by path; a value of exactly 60 characters is shown whole; odd items are tolerated", () => {
      assert.deepEqual(changes(bp({ a: { type: "array" } }), bp({ a: { type: "array", items: { format: "x" } } })), [
        { kind: "property", class: "safe", object: "svc.a", change: "changed", detail: 'items: unset → {"format":"x"}' },
      ]);
      const sixty = "y".repeat(58);
      assert.deepEqual(changes(bp({ a: { type: "string", title: "t" } }), bp({ a: { type: "string", title: sixty } }))[0].detail, `title: "t" → "${sixty}"`);
      assert.deepEqual(changes(bp({ a: { type: "array", items: null } }), bp({ a: { type: "array", items: null } })), []);
    });

    it("two renames at once, and a second removal with the same definition is a removal", () => {
      const base = bp({ a: { type: "string", title: "Same" }, b: { type: "string", title: "Same" }, c: { type: "number" } });
      const head = bp({ a2: { type: "string", title: "Same" }, c2: { type: "number" } });
      assert.deepEqual(changes(base, head).map((c) => `${c.class} ${c.object} ${c.change}`), ["risky svc.a renamed", "risky svc.c renamed", "destructive svc.b removed"]);
      const rel = (target: string) => ({ target, required: false, many: false });
      const relChanges = changes(bp({}, { relations: { x: rel("p"), y: rel("q") } }), bp({}, { relations: { x2: rel("p"), y2: rel("q"), z: rel("r") } }));
      assert.deepEqual(relChanges.map((c) => `${c.class} ${c.object} ${c.change}`), ["risky svc.x renamed", "risky svc.y renamed", "safe svc.z added"]);
    });

    it("a relation that stays required is not 'required flag added'; several relation edits are joined", () => {
      const rel = (more: JsonObject) => ({ target: "t", required: false, many: false, ...more });
      const found = changes(bp({}, { relations: { r: rel({ required: true, title: "A", description: "x" }), s: rel({ target: "u" }) } }), bp({}, { relations: { r: rel({ required: true, title: "B", description: "y" }), s: rel({ target: "v", many: true }) } }));
      assert.deepEqual(found, [
        { kind: "relation", class: "safe", object: "svc.r", change: "changed", detail: 'description: "x" → "y"; title: "A" → "B"' },
        { kind: "relation", class: "destructive", object: "svc.s", change: "changed", detail: "target u → v; many false → true: Port drops every entity's links (set allowPropertyTypeChange to keep them)" },
      ]);
    });

    it("a mirror changed in two ways names both", () => {
      const found = changes(bp({}, { mirrorProperties: { m: { path: "r.a", title: "A" } } }), bp({}, { mirrorProperties: { m: { path: "r.b", title: "B" } } }));
      assert.deepEqual(found, [{ kind: "mirror", class: "safe", object: "svc.m", change: "changed", detail: 'path: "r.a" → "r.b"; title: "A" → "B"' }]);
    });

    it("actions are compared four levels deep, pages two; entities list every changed path", () => {
      const action = (title: string, description: string) => ({ identifier: "act", description, trigger: { type: "self-service", userInputs: { properties: { x: { type: "string", title } }, required: [] } } });
      const page = (c: number) => ({ identifier: "pg", a: { b: { c } } });
      const e = (a: number, b: string) => ({ identifier: "k", title: "K", properties: { a, b }, relations: {} });
      const found = compareSnapshots(
        snapshot({ actions: new Map([["act", action("X", "d")]]), pages: new Map([["pg", page(1)]]), entities: new Map([["product", new Map([["k", e(1, "x")]])]]) }),
        snapshot({ actions: new Map([["act", action("Y", "e")]]), pages: new Map([["pg", page(2)]]), entities: new Map([["product", new Map([["k", e(2, "y")]])]]) }),
      );
      assert.deepEqual(found.map((c) => `${c.kind}|${c.detail}`), [
        'action|description: "d" → "e"; trigger.userInputs.properties.x: {"title":"X","type":"string"} → {"title":"Y","type":"string"}',
        'entity|properties.a: 1 → 2; properties.b: "x" → "y"',
        'page|a.b: {"c":1} → {"c":2}',
      ]);
    });

    it("pipelines: several steps added, removed or changed are listed, and a reorder of keys that concatenate alike is still a reorder", () => {
      assert.equal(pipelineChange({ steps: { a: {}, aa: {} } }, { steps: { aa: {}, a: {} } }), "step order changed");
      assert.equal(pipelineChange({ steps: { a: { x: 1 }, b: { x: 1 }, c: {}, d: {} } }, { steps: { a: { x: 2 }, b: { x: 2 }, e: {}, f: {} } }), "steps added: e, f; steps removed: c, d; steps changed: a, b");
    });
  });

  it("something added without a title says so with an empty detail; two entity renames at once are both renames", () => {
    const found = compareSnapshots(
      snapshot({ entities: new Map([["product", new Map<string, JsonObject>([["a", { identifier: "a", title: "A" }], ["b", { identifier: "b", title: "B" }]])]]) }),
      snapshot({
        blueprints: new Map([["nb", { identifier: "nb" }]]),
        actions: new Map([["na", { identifier: "na" }]]),
        pages: new Map([["np", { identifier: "np" }]]),
        entities: new Map([["product", new Map<string, JsonObject>([["a2", { identifier: "a2", title: "A" }], ["b2", { identifier: "b2", title: "B" }], ["c", { identifier: "c" }]])]]),
      }),
    );
    assert.deepEqual(found.map((c) => `${c.class}|${c.kind}|${c.object}|${c.change}|${c.detail}`), [
      "risky|entity|product/a|renamed|identifier → `a2`: Port deletes `a` and creates `a2`; links and run-time values on the old entity are lost",
      "risky|entity|product/b|renamed|identifier → `b2`: Port deletes `b` and creates `b2`; links and run-time values on the old entity are lost",
      "safe|blueprint|nb|added|",
      "safe|action|na|added|",
      "safe|entity|product/c|added|",
      "safe|page|np|added|",
    ]);
  });

  it("changedPaths does not descend into null", () => {
    assert.deepEqual(changedPaths({ a: null }, { a: { b: 1 } }), ["a"]);
  });

  it("changedPaths descends objects up to the depth, and names a whole value when it cannot", () => {
    assert.deepEqual(changedPaths({ a: { b: { c: 1 } }, d: 1 }, { a: { b: { c: 2 } }, d: 1 }), ["a.b.c"]);
    assert.deepEqual(changedPaths({ a: { b: { c: 1 } } }, { a: { b: { c: 2 } } }, 1), ["a"]);
    assert.deepEqual(changedPaths([1], [2]), ["(whole)"]);
    assert.deepEqual(changedPaths({ a: [1] }, { a: [1], b: null }), ["b"]);
    assert.deepEqual(changedPaths({ x: 1 }, { x: 1 }), []);
  });
});
