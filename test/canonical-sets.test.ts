// Port does not promise to keep the order of string sets (a blueprint's schema.required, an
// action's userInputs.required). With the Port emulator answering them reversed, the providers'
// canonical forms must still see no change after create and refresh, and still see a real edit.
import * as assert from "node:assert/strict";
import { deployActions } from "../actions/deploy";
import { CATALOG } from "../blueprints";
import { actionProvider } from "../infra/port/action";
import { blueprintProvider } from "../infra/port/blueprint";
import { canonicalAction, canonicalBlueprint, JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { PortClient } from "../clients/port";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A blueprint with three required properties, declared in an order that is neither sorted nor reversed-sorted. */
const SERVICE: JsonObject = {
  identifier: "service_sets",
  title: "Service",
  schema: {
    properties: {
      owner: { type: "string", title: "Owner" },
      language: { type: "string", title: "Language" },
      tier: { type: "string", title: "Tier", enum: ["1", "2"] },
    },
    required: ["owner", "tier", "language"],
  },
  relations: {},
};

describe("canonical forms when Port reorders string sets", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p), { reorderSets: true });

  const inputs = (body: JsonObject): PortObjectInputs => ({ baseUrl: port.url, identifier: String(body.identifier), body: clone(body), options: {} });

  it("(the emulator) answers schema.required and userInputs.required in another order than sent", async () => {
    const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
    await blueprintProvider.create({ ...inputs(SERVICE), options: { allowPropertyTypeChange: false } });
    const bp = (await client.call("GET", "/v1/blueprints/service_sets")) as { blueprint: { schema: { required: string[] } } };
    assert.deepEqual(bp.blueprint.schema.required, ["language", "tier", "owner"]);
    port.seed({ blueprints: CATALOG.map((b) => b.body) });
    const [action] = deployActions({ pipelines: ["deploy/app"], requireApprovalForProduction: false });
    await actionProvider.create(inputs(action.body as unknown as JsonObject));
    const sent = (action.body as unknown as { trigger: { userInputs: { required: string[] } } }).trigger.userInputs.required;
    const answered = (await client.call("GET", `/v1/actions/${action.identifier}`)) as { action: { trigger: { userInputs: { required: string[] } } } };
    assert.ok(sent.length >= 2, "the deploy action requires at least two inputs");
    assert.deepEqual(answered.action.trigger.userInputs.required, [...sent].reverse());
  });

  it("a blueprint reads back with no change after create and after refresh", async () => {
    const declared = { ...inputs(SERVICE), options: { allowPropertyTypeChange: false } };
    const created = (await blueprintProvider.create(declared)).outs as PortObjectInputs;
    assert.equal((await blueprintProvider.diff("service_sets", created, declared)).changes, false, "create → diff");
    const read = (await blueprintProvider.read("service_sets", created)).props as PortObjectInputs;
    assert.equal((await blueprintProvider.diff("service_sets", read, declared)).changes, false, "refresh → diff");
    assert.deepEqual((read.body.schema as { required: string[] }).required, ["language", "owner", "tier"], "refresh stores the set sorted");
  });

  it("every deploy action reads back with no change after create and after refresh", async () => {
    port.seed({ blueprints: CATALOG.map((b) => b.body) });
    for (const action of deployActions({ pipelines: ["deploy/app", "deploy/hotfix"], requireApprovalForProduction: true })) {
      const declared = inputs(action.body as unknown as JsonObject);
      const created = (await actionProvider.create(declared)).outs as PortObjectInputs;
      assert.equal((await actionProvider.diff(action.identifier, created, declared)).changes, false, `${action.identifier}: create → diff`);
      const read = (await actionProvider.read(action.identifier, created)).props as PortObjectInputs;
      assert.equal((await actionProvider.diff(action.identifier, read, declared)).changes, false, `${action.identifier}: refresh → diff`);
    }
  });

  it("still sees a required property dropped in the Port UI", async () => {
    const declared = { ...inputs(SERVICE), options: { allowPropertyTypeChange: false } };
    const created = (await blueprintProvider.create(declared)).outs as PortObjectInputs;
    const edited = clone(port.blueprint("service_sets")!) as unknown as { schema: { properties: object; required: string[] } };
    const res = await fetch(`${port.url}/v1/blueprints/service_sets`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${port.issueToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ schema: { properties: edited.schema.properties, required: ["owner", "language"] } }),
    });
    assert.equal(res.status, 200);
    const read = (await blueprintProvider.read("service_sets", created)).props as PortObjectInputs;
    assert.equal((await blueprintProvider.diff("service_sets", read, declared)).changes, true);
  });

  it("sorts only lists of strings: a jq-query required and an absent one keep their meaning", () => {
    const jq = { identifier: "a", trigger: { userInputs: { properties: {}, required: { jqQuery: ".x" } } } };
    assert.deepEqual((canonicalAction(jq).trigger as { userInputs: { required: unknown } }).userInputs.required, { jqQuery: ".x" });
    assert.deepEqual((canonicalAction({ identifier: "a", trigger: { userInputs: { properties: {} } } }).trigger as { userInputs: { required: unknown } }).userInputs.required, []);
    assert.deepEqual((canonicalBlueprint({ identifier: "b", schema: { properties: {} } }).schema as { required: unknown }).required, []);
    assert.deepEqual((canonicalBlueprint({ identifier: "b", schema: { properties: {}, required: ["z", "a"] } }).schema as { required: unknown }).required, ["a", "z"]);
  });
});
