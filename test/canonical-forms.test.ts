// The canonical forms (infra/port/canonical.ts, canonical-page.ts) as pure functions: what Port
// adds or fills in is dropped on both sides, what a person edits is kept. The providers that use
// them against the emulator: port-provider.test.ts, pages-provider.test.ts, canonical-sets.test.ts.
import assert from "node:assert/strict";
import { canonicalAction, canonicalAggregations, canonicalBlueprint, canonicalEntity, deepEqual, projectEntity, sortKeys } from "../infra/port/canonical";
import { canonicalFolder, canonicalPage } from "../infra/port/canonical-page";

const SERVER = { id: "x_1", createdAt: "2026-01-01", createdBy: "me", updatedAt: "2026-01-02", updatedBy: "you" };

describe("canonical forms", () => {
  it("sortKeys sorts object keys deeply, keeps array order, drops undefined", () => {
    assert.equal(JSON.stringify(sortKeys({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: null } })), '{"a":{"c":null,"d":[3,{"x":2,"z":1}]},"b":1}');
    assert.deepEqual(sortKeys({ a: undefined, b: 1 }), { b: 1 });
    assert.equal(sortKeys("s"), "s");
    assert.equal(sortKeys(null), null);
    assert.ok(deepEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
    assert.ok(!deepEqual({ a: [1, 2] }, { a: [2, 1] }));
  });

  it("a blueprint: server and legacy fields dropped, defaults filled, aggregations apart, empty description dropped", () => {
    const live = {
      ...SERVER,
      identifier: "svc",
      title: "Service",
      description: "",
      teamInheritance: { path: "x" },
      changelogDestination: { type: "KAFKA" },
      aggregationProperties: { n: { title: "N" } },
      schema: { properties: { a: { type: "string" } }, required: ["b", "a"] },
      relations: { r: { target: "t" }, m: { target: "t", many: true, required: false } },
    };
    assert.deepEqual(canonicalBlueprint(live), {
      calculationProperties: {},
      identifier: "svc",
      mirrorProperties: {},
      relations: { m: { many: true, required: false, target: "t" }, r: { many: false, required: false, target: "t" } },
      schema: { properties: { a: { type: "string" } }, required: ["a", "b"] },
      title: "Service",
    });
    assert.deepEqual(canonicalBlueprint({ identifier: "svc", title: "S", description: "kept" }).description, "kept");
    assert.deepEqual(canonicalBlueprint(null), { calculationProperties: {}, mirrorProperties: {}, relations: {}, schema: { properties: {}, required: [] } });
    assert.deepEqual(canonicalBlueprint({ schema: { properties: [], required: ["z", 1, "a"] } }).schema, { properties: {}, required: ["z", 1, "a"] }, "not a set of strings: left as it is");
  });

  it("aggregations: the identifier and the aggregation properties only", () => {
    assert.deepEqual(canonicalAggregations({ ...SERVER, identifier: "svc", title: "x", aggregationProperties: { b: { t: 1 }, a: {} } }), { aggregationProperties: { a: {}, b: { t: 1 } }, identifier: "svc" });
    assert.deepEqual(canonicalAggregations({ identifier: "svc" }), { aggregationProperties: {}, identifier: "svc" });
  });

  it("an action: Port's defaults dropped only when they are the defaults", () => {
    const declared = { identifier: "a", title: "A", trigger: { type: "self-service", userInputs: { properties: {}, required: ["y", "x"] } } };
    const live = { ...SERVER, ...declared, description: "", requiredApproval: false, publish: true, allowAnyoneToViewRuns: true, approvalNotification: { type: "email" } };
    const expected = { identifier: "a", title: "A", trigger: { type: "self-service", userInputs: { properties: {}, required: ["x", "y"] } } };
    assert.deepEqual(canonicalAction(live), expected);
    assert.deepEqual(canonicalAction(declared), expected);
    const set = { ...declared, description: "d", requiredApproval: true, publish: false, allowAnyoneToViewRuns: false, approvalNotification: { type: "webhook", url: "u" } };
    const c = canonicalAction(set);
    assert.equal(c.description, "d");
    assert.equal(c.requiredApproval, true);
    assert.equal(c.publish, false);
    assert.equal(c.allowAnyoneToViewRuns, false);
    assert.deepEqual(c.approvalNotification, { type: "webhook", url: "u" });
    assert.deepEqual(canonicalAction({ identifier: "b" }).trigger, { userInputs: { properties: {}, required: [] } });
    assert.deepEqual(canonicalAction({ identifier: "b", trigger: { userInputs: { required: null } } }).trigger, { userInputs: { properties: {}, required: [] } });
  });

  it("an entity projected on the fields the stack owns: absent is null, many-relations sorted, strings only", () => {
    const live = { identifier: "e", title: "E", properties: { a: 1, run_time: "x" }, relations: { one: "p", many: ["c", 7, "a"], odd: 5 } };
    assert.deepEqual(projectEntity(live, { properties: ["a", "b"], relations: ["one", "many", "none", "odd"] }), {
      identifier: "e",
      title: "E",
      properties: { a: 1, b: null },
      relations: { one: "p", many: ["a", "c"], none: null, odd: null },
    });
    assert.deepEqual(projectEntity({ title: 3 }, { properties: [], relations: [] }), { identifier: "", title: "", properties: {}, relations: {} });
    assert.deepEqual(canonicalEntity({ identifier: "e", title: "E", properties: { a: 1 }, relations: { r: ["b", "a"] } }), { identifier: "e", title: "E", properties: { a: 1 }, relations: { r: ["a", "b"] } });
  });

  describe("pages and folders", () => {
    it("a page keeps the managed keys only, drops Port's defaults and empty values, and prunes widgets", () => {
      const live = {
        ...SERVER,
        identifier: "home",
        type: "dashboard",
        title: "Home",
        icon: "",
        description: "",
        locked: false,
        parent: null,
        sidebar: "catalog",
        section: "x",
        widgets: [
          { id: "w1", type: "table", title: "T", description: "", createdAt: "t", createdBy: "c", updatedAt: "t", updatedBy: "u", only: { gone: null }, filters: { combinator: "and", rules: [] }, list: [], nested: { keep: 1, empty: {}, gone: null, items: [{ a: "" }, null] } },
        ],
        pageFilters: [],
      };
      assert.deepEqual(canonicalPage(live), {
        identifier: "home",
        title: "Home",
        type: "dashboard",
        widgets: [{ id: "w1", nested: { items: [{}, null], keep: 1 }, title: "T", type: "table" }],
      });
    });

    it("keeps what differs from Port's defaults: locked, a real filter, an or-group, a description", () => {
      // An empty and-group filters nothing, whether Port sends it or the declaration omits it.
      assert.deepEqual(canonicalPage({ identifier: "p", widgets: [{ id: "w", filters: { combinator: "and", rules: [] } }] }), canonicalPage({ identifier: "p", widgets: [{ id: "w" }] }));
      const page = { identifier: "p", locked: true, description: "d", after: "q", blueprint: "svc", widgets: [{ f: { combinator: "or", rules: [] } }, { g: { combinator: "and", rules: [{ x: 1 }] } }, { h: { rules: [] } }, { i: { rules: [], other: 1 } }] };
      assert.deepEqual(canonicalPage(page), {
        after: "q",
        blueprint: "svc",
        description: "d",
        identifier: "p",
        locked: true,
        widgets: [{ f: { combinator: "or" } }, { g: { combinator: "and", rules: [{ x: 1 }] } }, {}, { i: { other: 1 } }],
      });
      assert.deepEqual(canonicalPage({ identifier: "p", widgets: "not a list", pageFilters: [{}] }), { identifier: "p", pageFilters: [{}] });
      assert.deepEqual(canonicalPage("nothing"), {});
    });

    it("a folder keeps identifier, title, parent and after, when set", () => {
      assert.deepEqual(canonicalFolder({ ...SERVER, identifier: "f", sidebar: "catalog", title: "F", parent: "", after: "g" }), { after: "g", identifier: "f", title: "F" });
      assert.deepEqual(canonicalFolder({ identifier: "f", title: null, parent: "p" }), { identifier: "f", parent: "p" });
      assert.deepEqual(canonicalFolder(undefined), {});
    });
  });
});
