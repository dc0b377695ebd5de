// PORC's contract with the stack (issue 16, DESIGN.md §1.6): PORC's own writes to
// blueprint_instance, exactly as its wiki shows them, land against the Port emulator holding the
// declared catalog; the PORC webhooks render, the way Port renders them, to the run path with
// PORC's bearer token; the new config keys refuse bad values with the key named.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { PORC_ACTIONS } from "../actions/porc";
import { actionProvider } from "../infra/port/action";
import { blueprintProvider } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import type { PortAction } from "../actions/action";
import { declarePages, PORTAL_PAGES } from "../pages";
import type { PortPageBody } from "../pages";
import { declareCatalog } from "../stacks/catalog-declaration";
import { parseStackConfig } from "../stacks/config";
import { PortEmulator } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";
import { configRefusal } from "./support/config-problems";

const PORC_URL = "https://porc.example.test";
const TEMPLATE = "gke-cluster-1-0-0";

// PORC's wiki (docs/port-integration.md), verbatim: the instance upsert, then a status update.
const WIKI_INSTANCE = {
  identifier: "gke-dev-west",
  title: "GKE Dev Cluster (West)",
  properties: {
    workspace_id: "ws-abc123",
    terraform_status: "applied",
    run_id: "run-456def",
    blueprint: "gke-cluster-1-0-0",
    region: "us-west1",
    repo_url: "https://github.com/hyperfocus/porc-blueprints/gke",
    tfe_link: "https://tfe.td.com/app/td-platform/workspaces/ws-abc123/runs/run-456def",
  },
};
const WIKI_STATUS_UPDATE = { identifier: "gke-dev-west", properties: { terraform_status: "applied", run_id: "run-789ghi" } };

/**
 * Every status PORC can write, from PORC itself (not from this repo's vocabulary): its RunState
 * enum, the statuses its API document says build/plan/apply answer, and its Port-sync example.
 */
const PORC_STATUSES = [
  "submitted", "building", "built", "planning", "planned", "plan_failed", "applying", "applied", "apply_failed", "cancelled",
  "rendered", "plan_queued", "apply_queued", "apply_complete",
];

function stackConfig(porc: Record<string, unknown> = { url: PORC_URL }) {
  return parseStackConfig(rawConfig(porc));
}

function rawConfig(porc: Record<string, unknown>): Record<string, unknown> {
  return {
    port: { orgId: "org_Test01" },
    porc,
    blueprintTemplates: [{ identifier: TEMPLATE, title: "GKE Cluster Blueprint v1.0.0", modulePath: "gke-cluster/1.0.0", repoUrl: "https://github.com/hyperfocus/infra-modules/gke-cluster", inputsRequired: ["region", "project_id"], owner: "cloud-platform" }],
  };
}

const problems = (porc: Record<string, unknown>): string[] => configRefusal(rawConfig(porc));

/** Render every "{{ jq }}" in a template the way Port does: a whole-string template takes the jq value, otherwise its text is spliced in. */
function render(template: unknown, data: unknown): unknown {
  const jq = (program: string) => JSON.parse(execFileSync("jq", ["-c", program], { input: JSON.stringify(data) }).toString()) as unknown;
  if (typeof template === "string") {
    const whole = /^\{\{\s*([\s\S]+?)\s*\}\}$/.exec(template);
    if (whole) return jq(whole[1]);
    return template.replace(/\{\{\s*([\s\S]+?)\s*\}\}/g, (_, program: string) => {
      const value = jq(program);
      return typeof value === "string" ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(template)) return template.map((t) => render(t, data));
  if (template !== null && typeof template === "object") {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [render(k, data) as string, render(v, data)]));
  }
  return template;
}

/** Port's trigger data for a DAY-2 run on an entity (docs: setup-the-backend), plus the org's secrets. */
function triggerData(entity: unknown) {
  return {
    inputs: {},
    trigger: { by: { orgId: "org_Test01", userId: "u1", user: { email: "sre@example.test" } }, origin: "UI", at: "2026-11-26T10:00:00Z", operation: "DAY-2" },
    entity,
    action: { identifier: "x", blueprint: "blueprint_instance", encryptedProperties: [] },
    run: { id: "r_PorcRun0123456789" },
    secrets: { porc_token: "not-a-real-token", "porc-prod": "also-not-a-token" },
  };
}

function webhook(action: PortAction) {
  const method = action.body.invocationMethod;
  assert.equal(method.type, "WEBHOOK");
  return method;
}

describe("PORC contract: PORC's own writes to blueprint_instance", function () {
  let port: PortEmulator;
  let token: string;

  async function write(method: string, path: string, body: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${port.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }

  before(async () => {
    port = await PortEmulator.start();
  });
  after(() => port.stop());

  beforeEach(async () => {
    port.reset();
    // The catalog exactly as the stack declares it: blueprint bodies, aggregations in a second
    // pass, the actions, and the declared entities (the template PORC names).
    const decl = declareCatalog(stackConfig());
    port.seed({ blueprints: decl.blueprints.map((b) => b.body), actions: decl.actions.map((a) => a.body) });
    token = port.issueToken();
    for (const bp of decl.blueprints) {
      if (Object.keys(bp.aggregations).length === 0) continue;
      assert.equal((await write("PATCH", `/v1/blueprints/${bp.identifier}`, { aggregationProperties: bp.aggregations })).status, 200);
    }
    port.seed({ entities: Object.fromEntries(decl.entitySets.map((s) => [s.blueprint, s.entities])) });
    assert.ok(port.entity("blueprint_template", TEMPLATE), "template entity declared");
  });

  it("lands the wiki's instance upsert, then its status update, with upsert=true&merge=true", async () => {
    const created = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", WIKI_INSTANCE);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const updated = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", WIKI_STATUS_UPDATE);
    assert.equal(updated.status, 201, JSON.stringify(updated.body));
    const stored = port.entity("blueprint_instance", "gke-dev-west")!;
    assert.equal(stored.title, "GKE Dev Cluster (West)");
    assert.deepEqual(stored.properties, { ...WIKI_INSTANCE.properties, terraform_status: "applied", run_id: "run-789ghi" });
    assert.deepEqual(stored.relations, {}, "PORC sends no relations and none is demanded");
  });

  it("lands both with upsert=true alone, where the status update replaces the instance's other properties", async () => {
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true", WIKI_INSTANCE)).status, 201);
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true", WIKI_STATUS_UPDATE)).status, 201);
    const stored = port.entity("blueprint_instance", "gke-dev-west")!;
    assert.deepEqual(stored.properties, WIKI_STATUS_UPDATE.properties);
    assert.equal(stored.title, null);
  });

  it("lands the status update as a PATCH of the entity", async () => {
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", WIKI_INSTANCE)).status, 201);
    const patched = await write("PATCH", "/v1/blueprints/blueprint_instance/entities/gke-dev-west", WIKI_STATUS_UPDATE);
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(port.entity("blueprint_instance", "gke-dev-west")!.properties.run_id, "run-789ghi");
  });

  it("accepts every terraform_status PORC names, and still refuses a value PORC never writes", async () => {
    for (const status of PORC_STATUSES) {
      const res = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", { identifier: "gke-dev-west", properties: { terraform_status: status } });
      assert.equal(res.status, 201, `${status}: ${JSON.stringify(res.body)}`);
    }
    const bad = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", { identifier: "gke-dev-west", properties: { terraform_status: "exploded" } });
    assert.equal(bad.status, 422);
  });

  it("still takes the template relation when a writer sets it, and refuses a template that does not exist", async () => {
    const linked = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", { ...WIKI_INSTANCE, relations: { template: TEMPLATE } });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    const missing = await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", { ...WIKI_INSTANCE, relations: { template: "no-such-template" } });
    assert.equal(missing.status, 404);
  });

  it("computes the PORC summary link of a stored instance from its run_id, and none without one", async () => {
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", WIKI_INSTANCE)).status, 201);
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", { identifier: "no-run-yet", properties: { terraform_status: "submitted" } })).status, 201);
    const bp = port.blueprint("blueprint_instance")!;
    const calc = bp.calculationProperties.porc_summary as { calculation: string; type: string; format?: string };
    assert.ok(calc, "porc_summary calculation property declared");
    assert.equal(calc.type, "string");
    assert.equal(calc.format, "url");
    const evaluate = (id: string) => JSON.parse(execFileSync("jq", ["-c", calc.calculation], { input: JSON.stringify(port.presentEntity("blueprint_instance", id)) }).toString()) as unknown;
    assert.equal(evaluate("gke-dev-west"), `${PORC_URL}/run/run-456def/summary`);
    assert.equal(evaluate("no-run-yet"), null);
  });

  it("renders Re-run plan for a stored instance: POST to the wiki's /runs path, PORC's bearer token, the run id in the body", async () => {
    assert.equal((await write("POST", "/v1/blueprints/blueprint_instance/entities?upsert=true&merge=true", WIKI_INSTANCE)).status, 201);
    const entity = port.presentEntity("blueprint_instance", "gke-dev-west");
    const plan = port.action(PORC_ACTIONS.rerunPlan)!;
    const method = plan.invocationMethod as Record<string, unknown>;
    const rendered = render({ url: method.url, headers: method.headers, body: method.body }, triggerData(entity));
    assert.deepEqual(rendered, {
      url: `${PORC_URL}/runs/run-456def/plan`,
      headers: { Authorization: "Bearer not-a-real-token" },
      body: { portRunId: "r_PorcRun0123456789", requestedBy: "sre@example.test" },
    });
    assert.equal(method.method, "POST");
    assert.equal(method.agent, false, "sent by Port itself, which signs it (X-Port-Signature)");
  });
});

describe("PORC declarations through the Port providers", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  it("creates the instance blueprint with its summary link and both webhooks, and reads them back without a diff", async () => {
    const decl = declareCatalog(stackConfig({ url: PORC_URL, tokenSecret: "porc-prod", runPath: "/run/{run_id}" }));
    const inputs = (identifier: string, body: unknown, options?: Record<string, boolean>): PortObjectInputs => ({
      baseUrl: port.url, identifier, body: JSON.parse(JSON.stringify(body)) as JsonObject, ...(options ? { options } : {}),
    });
    for (const bp of decl.blueprints) {
      const mine = inputs(bp.identifier, bp.body, { allowPropertyTypeChange: false });
      const created = (await blueprintProvider.create(mine)).outs as PortObjectInputs;
      const read = (await blueprintProvider.read(bp.identifier, created)).props as PortObjectInputs;
      assert.equal((await blueprintProvider.diff(bp.identifier, read, mine)).changes, false, bp.identifier);
    }
    assert.ok(port.blueprint("blueprint_instance")!.calculationProperties.porc_summary);
    for (const a of decl.actions.filter((x) => x.blueprint === "blueprint_instance")) {
      const mine = inputs(a.identifier, a.body);
      const created = (await actionProvider.create(mine)).outs as PortObjectInputs;
      const read = (await actionProvider.read(a.identifier, created)).props as PortObjectInputs;
      assert.equal((await actionProvider.diff(a.identifier, read, mine)).changes, false, a.identifier);
      assert.deepEqual((port.action(a.identifier)!.invocationMethod as { headers?: unknown }).headers, { Authorization: 'Bearer {{ .secrets["porc-prod"] }}' });
    }
  });
});

describe("PORC webhooks as declared", () => {
  const actions = (porc: Record<string, unknown>) => declareCatalog(stackConfig(porc)).actions.filter((a) => a.blueprint === "blueprint_instance");
  const entity = { identifier: "gke-dev-west", blueprint: "blueprint_instance", properties: { run_id: "porc-20250506123456789" }, relations: {} };

  it("sends Apply now to the configured run path with the named secret, behind approval", () => {
    const apply = actions({ url: `${PORC_URL}/`, runPath: "/run/{run_id}", tokenSecret: "porc-prod" }).find((a) => a.identifier === PORC_ACTIONS.applyNow)!;
    const method = webhook(apply);
    assert.equal(render(method.url, triggerData(entity)), `${PORC_URL}/run/porc-20250506123456789/apply`);
    assert.deepEqual(render(method.headers, triggerData(entity)), { Authorization: "Bearer also-not-a-token" });
    assert.deepEqual(apply.body.requiredApproval, { type: "ANY" });
  });

  it("adds only the Authorization header, so Port's own signature headers reach PORC untouched", () => {
    for (const a of actions({ url: PORC_URL })) {
      const method = webhook(a);
      assert.deepEqual(Object.keys(method.headers ?? {}), ["Authorization"]);
      assert.equal(method.headers?.Authorization, 'Bearer {{ .secrets["porc_token"] }}');
      assert.equal(method.agent, false);
    }
  });

  it("offers the PORC actions only on instances that have a run id", () => {
    for (const a of actions({ url: PORC_URL })) {
      assert.deepEqual(a.body.trigger.condition, { type: "SEARCH", combinator: "and", rules: [{ property: "run_id", operator: "isNotEmpty" }] });
    }
  });
});

describe("PORC config keys", () => {
  it("defaults to the wiki's /runs/{run_id} path and the porc_token secret", () => {
    const cfg = stackConfig({ url: PORC_URL });
    assert.deepEqual(cfg.porc, { url: PORC_URL, tokenSecret: "porc_token", runPath: "/runs/{run_id}" });
  });

  it("refuses a secret name Port would refuse, naming the key", () => {
    for (const bad of ["porc token", "porc.token", "", "x".repeat(101)]) {
      const [p, ...rest] = problems({ url: PORC_URL, tokenSecret: bad });
      assert.equal(rest.length, 0, bad);
      assert.match(p, /^developer-portal:porc\.tokenSecret: got .*, expected .*Port secret name/, bad);
    }
  });

  it("refuses a PORC URL that a run path cannot be appended to, naming the key", () => {
    for (const bad of ["ftp://porc.example.test", "https://porc.example.test/?env=dev", "https://porc.example.test/#x", "porc.example.test"]) {
      const [p, ...rest] = problems({ url: bad });
      assert.equal(rest.length, 0, bad);
      assert.match(p, /^developer-portal:porc\.url: got /, bad);
    }
    stackConfig({ url: "http://porc.internal:8080/api" });
  });

  it("refuses a run path without exactly one {run_id} segment, naming the key", () => {
    for (const bad of ["runs/{run_id}", "/runs/{id}", "/runs/{run_id}/{run_id}", "/runs/{run_id}/", "/runs/x{run_id}", "/runs/{run_id}?x=1", "https://porc/runs/{run_id}"]) {
      const [p, ...rest] = problems({ url: PORC_URL, runPath: bad });
      assert.equal(rest.length, 0, bad);
      assert.match(p, /^developer-portal:porc\.runPath: got .*, expected .*\{run_id\}/, bad);
    }
    for (const good of ["/run/{run_id}", "/runs/{run_id}", "/api/v1/runs/{run_id}"]) stackConfig({ url: PORC_URL, runPath: good });
  });
});

describe("Infrastructure page with PORC", () => {
  it("groups instances by the template PORC names and links each to its PORC summary", () => {
    const decls = declarePages(stackConfig());
    const d = decls.find((p) => p.identifier === PORTAL_PAGES.infrastructure);
    assert.ok(d && d.kind === "page");
    const body = d.body as PortPageBody;
    const view = (body.widgets[0].blueprintConfig as Record<string, { propertiesSettings: { shown: string[] }; groupSettings?: { groupBy: string[] } }>).blueprint_instance;
    for (const col of ["blueprint", "porc_summary", "terraform_status", "tfe_link", "template"]) assert.ok(view.propertiesSettings.shown.includes(col), col);
    assert.deepEqual(view.groupSettings?.groupBy, ["blueprint"]);
  });
});
