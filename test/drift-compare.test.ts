// The drift comparison (tools/drift/compare.ts) rule by rule, in process: what counts as drift
// for each kind of object, and the exact finding a person reads. The end-to-end drift against the
// emulators is tools-drift.test.ts.
import assert from "node:assert/strict";
import YAML from "yaml";
import { canonicalAction, DeclaredEntity, JsonObject } from "../infra/port/canonical";
import { actionDrift, blueprintDrift, declaredSpec, entityDrift, pageDrift, pipelineDrift, runnableSpec, sortFindings } from "../tools/drift/compare";

const line = (f: { kind: string; object: string; change: string; detail: string }) => `${f.kind}|${f.object}|${f.change}|${f.detail}`;

describe("drift comparison", () => {
  it("blueprints: missing in Port, and changes named as seen from the declaration", () => {
    const declared: JsonObject[] = [
      { identifier: "svc", title: "Service", schema: { properties: { a: { type: "string" } }, required: [] } },
      { identifier: "gone", title: "Gone", schema: { properties: {} } },
    ];
    const live = [{ identifier: "svc", title: "Services", id: "x", updatedAt: "now", schema: { properties: { a: { type: "string" }, b: { type: "number" } }, required: [] } }];
    assert.deepEqual(blueprintDrift(declared, live).map(line), [
      "property|svc.b|added in Port|number",
      'blueprint|svc|changed in Port|title: "Service" → "Services"',
      "blueprint|gone|missing|declared but not in Port (deleted by hand?)",
    ]);
    assert.deepEqual(blueprintDrift([declared[0]], [{ ...declared[0], createdBy: "someone" }]), []);
  });

  it("actions: deleted, edited (paths to depth 5, values shortened), and added by hand on the stack's blueprints only", () => {
    const action = (id: string, bp: string, title = "T", extra: JsonObject = {}) => ({ identifier: id, title, trigger: { type: "self-service", operation: "DAY-2", blueprintIdentifier: bp, userInputs: { properties: { x: { type: "string", title: "X" } }, required: [] } }, ...extra });
    const declared = [action("deploy", "environment"), action("gone", "environment")];
    const edited = action("deploy", "environment", "T", { id: "action_1" });
    (edited.trigger.userInputs.properties.x as { title: string }).title = "Y".repeat(70);
    const live = [edited, action("manual", "environment"), action("foreign", "other"), { identifier: "odd" }];
    assert.deepEqual(actionDrift(declared, live, new Set(["environment"])).map(line), [
      `action|deploy|changed in Port|trigger.userInputs.properties.x.title: "X" → "${"Y".repeat(56)}...`,
      "action|gone|deleted in Port|declared but missing in Port",
      "action|manual|added in Port|not declared by the stack (on blueprint environment)",
    ]);
    assert.deepEqual(actionDrift([action("a", "e")], [{ ...action("a", "e"), requiredApproval: false, publish: true, createdAt: "t" }], new Set(["e"])), [], "Port's defaults and server fields are not drift");
    assert.equal(canonicalAction(action("a", "e")).identifier, "a");
  });

  it("actions: several edits joined, a field dropped in Port shown as unset, a 60-character value whole, a live action without trigger tolerated", () => {
    const declared: JsonObject[] = [{ identifier: "a", title: "T", description: "d", trigger: { type: "self-service", userInputs: { properties: {}, required: [] } } }];
    const live = [{ identifier: "a", title: "U".repeat(58), trigger: { type: "self-service", userInputs: { properties: {}, required: [] } } }, { identifier: "odd", trigger: null }];
    assert.deepEqual(actionDrift(declared, live, new Set(["e"])).map(line), [`action|a|changed in Port|description: "d" → unset; title: "T" → "${"U".repeat(58)}"`]);
  });

  it("pipelines: a spec whose stages are not a list is refused", () => {
    assert.throws(() => runnableSpec({ stages: "build" }));
    assert.throws(() => runnableSpec({ steps: ["a"] }));
  });

  it("entities: only owned fields, deleted ones, and run-time fields ignored", () => {
    const declared: DeclaredEntity[] = [
      { identifier: "billing", title: "Billing", properties: { owner: "team-a", tier: null }, relations: { parent: null } },
      { identifier: "gone", title: "Gone", properties: {}, relations: {} },
    ];
    const live = [{ identifier: "billing", title: "Billing (edited)", properties: { owner: "team-b", deploy_status: "success" }, relations: { parent: "x", image_deployed: "img" } }];
    assert.deepEqual(entityDrift("product", declared, live).map(line), [
      'entity|product/billing|changed in Port|properties.owner: "team-a" → "team-b"; relations.parent: null → "x"; title: "Billing" → "Billing (edited)"',
      "entity|product/gone|deleted in Port|declared but missing in Port",
    ]);
    assert.deepEqual(entityDrift("product", [declared[0]], [{ ...declared[0], properties: { owner: "team-a", extra: 1 }, relations: {} }]), [], "absent equals null; unowned fields are not drift");
  });

  it("pipelines: deleted, edited (steps, order, stages, hooks), from YAML or a spec, and metadata ignored", () => {
    const spec = { version: "1.0", stages: ["build"], steps: { clone: { type: "git-clone" }, build: { type: "build" } }, hooks: { on_finish: { exec: { image: "a" } } } };
    const declared = [
      { name: "p/yaml", yaml: YAML.stringify(spec) },
      { name: "p/spec", spec },
      { name: "p/gone", spec },
    ];
    const live = [
      { metadata: { name: "p/yaml", id: "1", updated_at: "now" }, spec: { ...spec, triggers: [] } },
      { metadata: { name: "p/spec" }, spec: { ...spec, steps: { build: { type: "build" }, clone: { type: "git-clone" } } } },
      { metadata: {}, spec },
    ];
    assert.deepEqual(pipelineDrift(declared, live).map(line), ["pipeline|p/spec|edited in Codefresh|step order changed", "pipeline|p/gone|deleted in Codefresh|declared but missing in Codefresh"]);
    const hooks = pipelineDrift([{ name: "p/h", spec }], [{ metadata: { name: "p/h" }, spec: { ...spec, hooks: {}, stages: [] } }]);
    assert.deepEqual(hooks.map(line), ["pipeline|p/h|edited in Codefresh|hooks, stages changed"]);
  });

  it("the runnable part of a pipeline keeps its step order and defaults what is absent", () => {
    assert.deepEqual(runnableSpec(undefined), { stages: [], steps: {}, hooks: {} });
    assert.deepEqual(Object.keys(runnableSpec({ steps: { z: {}, a: {} } }).steps as object), ["z", "a"]);
    assert.deepEqual(runnableSpec({ hooks: { b: 1, a: 2 }, other: true }), { stages: [], steps: {}, hooks: { a: 2, b: 1 } });
    assert.deepEqual(declaredSpec({ name: "p/x", yaml: "" }), { stages: [], steps: {}, hooks: {} });
    assert.deepEqual(declaredSpec({ name: "p/x" }), { stages: [], steps: {}, hooks: {} });
  });

  it("pages: compared on the canonical form given, to depth 2", () => {
    const canonical = (p: unknown) => ({ ...(p as JsonObject), updatedAt: undefined }) as unknown as JsonObject;
    const declared: JsonObject[] = [{ identifier: "home", title: "Home", widgets: [{ id: "w", title: "A" }] }, { identifier: "gone", title: "Gone" }];
    const live = [{ identifier: "home", title: "Home", updatedAt: "t", widgets: [{ id: "w", title: "B" }] }];
    assert.deepEqual(pageDrift(declared, live, canonical).map(line), ['page|home|changed in Port|widgets: [{"id":"w","title":"A"}] → [{"id":"w","title":"B"}]', "page|gone|deleted in Port|declared but missing in Port"]);
  });

  it("sorts findings by kind in catalog order, then by object", () => {
    const f = (kind: string, object: string) => ({ kind, object, change: "c", detail: "d" }) as Parameters<typeof sortFindings>[0][number];
    const sorted = sortFindings([f("pipeline", "a"), f("entity", "b"), f("blueprint", "z"), f("entity", "a"), f("blueprint", "a"), f("property", "m"), f("blueprint", "a")]);
    assert.deepEqual(sorted.map((x) => `${x.kind}:${x.object}`), ["blueprint:a", "blueprint:a", "blueprint:z", "property:m", "entity:a", "entity:b", "pipeline:a"]);
  });
});
