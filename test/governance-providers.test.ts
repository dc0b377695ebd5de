// The team, action-permissions and scorecard providers driven for real against the Port
// emulator (request bodies validated with Port's OpenAPI schemas there), with inputs
// round-tripped through protobuf Struct as the engine passes them.
import * as assert from "node:assert/strict";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { deployActions } from "../actions/deploy";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { CATALOG } from "../blueprints";
import { declareScorecards } from "../blueprints/scorecards";
import { actionPermissionsProvider } from "../infra/port/action-permissions";
import { entitySetProvider, PortEntitySetInputs } from "../infra/port/entity-set";
import type { JsonObject } from "../infra/port/canonical";
import type { GovernedInputs } from "../infra/port/governed-object";
import { scorecardProvider } from "../infra/port/scorecard";
import { teamProvider } from "../infra/port/team";
import { parseStackConfig } from "../stacks/config";
import { declareGovernance } from "../stacks/governance-declaration";
import { declareCatalog } from "../stacks/catalog-declaration";
import { governanceOf } from "./support/port-emulator/governance";
import { seedTeam } from "./support/port-emulator/teams";
import { PortEmulator } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

/** What the engine hands a provider: a protobuf Struct's view of the inputs (keys sorted). */
const viaStruct = <T>(v: T): T => Struct.fromJavaScript(JSON.parse(JSON.stringify(v))).toJavaScript() as unknown as T;

const cfg = parseStackConfig({
  port: { orgId: "org_Test01" },
  products: [{ identifier: "billing", title: "Billing", owningTeam: "team-billing", environments: [{ name: "prod", kind: "Production" }] }],
    // Two of each, so an answer in another order must still compare equal.
  governance: { teams: [{ name: "team-billing" }, { name: "sre", description: "Site reliability" }], deployers: { roles: ["Admin", "Member"] }, approvers: { teams: ["sre", "team-billing"] }, scorecards: {} },
});
const governance = declareGovernance(cfg, declareCatalog(cfg));

describe("governance providers against the Port emulator", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const inputs = (scope: string, key: string, body: object): GovernedInputs => viaStruct({ baseUrl: port.url, scope, key, body: body as JsonObject });
  const authed = (method: string, path: string, body?: unknown) =>
    fetch(`${port.url}${path}`, { method, headers: { authorization: `Bearer ${port.issueToken()}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  describe("teams", () => {
    const sre = () => inputs("", "sre", { name: "sre", description: "Site reliability" });

    it("creates a team, reads it back without a diff, sees a description edited in the UI and puts it back", async () => {
      const created = await teamProvider.create(sre());
      assert.equal(created.id, "sre");
      assert.equal(governanceOf(port.state).teams.get("sre")?.description, "Site reliability");
      const read = await teamProvider.read("sre", created.outs as GovernedInputs);
      assert.equal((await teamProvider.diff("sre", viaStruct(read.props as GovernedInputs), sre())).changes, false);

      assert.equal((await authed("PATCH", "/v1/teams/sre", { description: "edited by hand" })).status, 200);
      const refreshed = await teamProvider.read("sre", read.props as GovernedInputs);
      assert.equal((refreshed.props as GovernedInputs).body.description, "edited by hand");
      assert.equal((await teamProvider.diff("sre", viaStruct(refreshed.props as GovernedInputs), sre())).changes, true);
      await teamProvider.update("sre", refreshed.props as GovernedInputs, sre());
      assert.equal(governanceOf(port.state).teams.get("sre")?.description, "Site reliability");
    });

    it("never touches members: adopting an SSO team, updating and clearing its description keep every member", async () => {
      seedTeam(port.state, "sre", { description: "from SSO", users: ["ana@example.com", "bo@example.com"] });
      const created = await teamProvider.create(sre()); // 409 → adopted
      assert.equal(governanceOf(port.state).teams.get("sre")?.description, "Site reliability");
      await teamProvider.update("sre", created.outs as GovernedInputs, inputs("", "sre", { name: "sre" }));
      const team = governanceOf(port.state).teams.get("sre")!;
      assert.equal(team.description, undefined, "a description no longer declared is cleared");
      assert.deepEqual(team.users, ["ana@example.com", "bo@example.com"]);
      for (const r of port.requests.filter((q) => q.path.startsWith("/v1/teams") && ["POST", "PATCH", "PUT"].includes(q.method))) {
        assert.ok(!("users" in (r.body as object)), `${r.method} ${r.path} sent no member list`);
        assert.notEqual(r.method, "PUT", "PUT would replace the member list");
      }
      // Members are not the stack's: they never show as a difference.
      const read = await teamProvider.read("sre", created.outs as GovernedInputs);
      assert.deepEqual((read.props as GovernedInputs).body, { name: "sre" });
    });

    it("reports a team deleted outside Pulumi as gone, deletes idempotently, and replaces on rename", async () => {
      const created = await teamProvider.create(sre());
      assert.equal((await authed("DELETE", "/v1/teams/sre")).status, 200);
      assert.deepEqual(await teamProvider.read("sre", created.outs as GovernedInputs), {});
      await teamProvider.delete("sre", created.outs as GovernedInputs); // already gone: no error
      const diff = await teamProvider.diff("sre", created.outs as GovernedInputs, inputs("", "platform-sre", { name: "platform-sre" }));
      assert.deepEqual(diff.replaces, ["key"]);
      assert.equal(diff.deleteBeforeReplace, true);
    });

    it("refuses a body whose name differs from the resource key", async () => {
      const res = await teamProvider.check({}, inputs("", "sre", { name: "ops" }));
      assert.match(String(res.failures?.[0]?.reason), /team body names "ops", the resource "sre"/);
    });
  });

  describe("action permissions", () => {
    const approval = governance.actionPermissions.find((p) => p.action === DEPLOY_ACTIONS.fromEnvironmentWithApproval)!;
    const declared = () => inputs("", approval.action, approval.body);

    beforeEach(async () => {
      port.seed({ blueprints: CATALOG.map((b) => b.body), actions: deployActions({ pipelines: ["developer-portal/deploy"], requireApprovalForProduction: true }).map((a) => a.body) });
      for (const t of governance.teams) seedTeam(port.state, t.name);
    });

    it("PATCHes who may run and approve, and reads back without a diff although Port fills defaults and reorders lists", async () => {
      const created = await actionPermissionsProvider.create(declared());
      const stored = governanceOf(port.state).permissions.get(approval.action)!;
      assert.deepEqual(stored.approve.teams, ["sre", "team-billing"]);
      assert.equal(stored.execute.ownedByTeam, true);
      const read = await actionPermissionsProvider.read(created.id, created.outs as GovernedInputs);
      assert.equal((await actionPermissionsProvider.diff(created.id, viaStruct(read.props as GovernedInputs), declared())).changes, false);
    });

    it("sees an approver removed in the UI on refresh and restores it", async () => {
      const created = await actionPermissionsProvider.create(declared());
      assert.equal((await authed("PATCH", `/v1/actions/${approval.action}/permissions`, { approve: { teams: [], policy: null } })).status, 200);
      const read = await actionPermissionsProvider.read(created.id, created.outs as GovernedInputs);
      const live = read.props as GovernedInputs;
      assert.deepEqual((live.body.approve as JsonObject).teams, []);
      assert.equal((await actionPermissionsProvider.diff(created.id, viaStruct(live), declared())).changes, true);
      await actionPermissionsProvider.update(created.id, live, declared());
      assert.deepEqual(governanceOf(port.state).permissions.get(approval.action)!.approve.teams, ["sre", "team-billing"]);
    });

    it("leaves Port's approve section alone on an action without approval", async () => {
      const plain = governance.actionPermissions.find((p) => p.action === DEPLOY_ACTIONS.fromImage)!;
      const created = await actionPermissionsProvider.create(inputs("", plain.action, plain.body));
      // (a 401 from a token the emulator's reset revoked is replayed: count what Port accepted)
      const sent = port.requestsTo("PATCH", `/v1/actions/${plain.action}/permissions`).filter((r) => r.status === 200).map((r) => r.body as JsonObject);
      assert.deepEqual(sent.map((b) => Object.keys(b)), [["execute"]]);
      assert.deepEqual(Object.keys((created.outs as GovernedInputs).body), ["execute"]);
    });

    it("reports the permissions of a deleted action as gone, and fails clearly when the action does not exist", async () => {
      const created = await actionPermissionsProvider.create(declared());
      assert.equal((await authed("DELETE", `/v1/actions/${approval.action}`)).status, 200);
      assert.deepEqual(await actionPermissionsProvider.read(created.id, created.outs as GovernedInputs), {});
      await assert.rejects(actionPermissionsProvider.create(declared()), /404|not found/i);
    });

    it("Port refuses an approver team that does not exist (422), and the error says so", async () => {
      governanceOf(port.state).teams.delete("sre");
      await assert.rejects(actionPermissionsProvider.create(declared()), /Team "sre" does not exist/);
    });
  });

  describe("scorecards", () => {
    const [production] = declareScorecards(cfg.governance!.scorecards!);
    const declared = () => inputs(production.blueprint, production.identifier, production.body);

    beforeEach(() => port.seed({ blueprints: CATALOG.map((b) => b.body) }));

    it("creates a scorecard, reads it back without a diff although Port reorders rules and adds server fields", async () => {
      const created = await scorecardProvider.create(declared());
      assert.equal(created.id, "environment/production_readiness");
      assert.ok(governanceOf(port.state).scorecards.get("environment/production_readiness"));
      const read = await scorecardProvider.read(created.id, created.outs as GovernedInputs);
      assert.equal((await scorecardProvider.diff(created.id, viaStruct(read.props as GovernedInputs), declared())).changes, false);
    });

    it("sees a rule removed in the UI and puts it back with PUT", async () => {
      const created = await scorecardProvider.create(declared());
      const edited = { ...production.body, rules: production.body.rules.filter((r) => r.identifier !== "default_branch") };
      assert.equal((await authed("PUT", "/v1/blueprints/environment/scorecards/production_readiness", edited)).status, 200);
      const read = await scorecardProvider.read(created.id, created.outs as GovernedInputs);
      assert.equal((await scorecardProvider.diff(created.id, viaStruct(read.props as GovernedInputs), declared())).changes, true);
      await scorecardProvider.update(created.id, read.props as GovernedInputs, declared());
      const rules = governanceOf(port.state).scorecards.get("environment/production_readiness")!.rules as { identifier: string }[];
      assert.ok(rules.some((r) => r.identifier === "default_branch"));
    });

    it("reports a scorecard deleted outside Pulumi (or with its blueprint) as gone; delete is idempotent", async () => {
      const created = await scorecardProvider.create(declared());
      assert.equal((await authed("DELETE", "/v1/blueprints/environment/scorecards/production_readiness")).status, 200);
      assert.deepEqual(await scorecardProvider.read(created.id, created.outs as GovernedInputs), {});
      await scorecardProvider.delete(created.id, created.outs as GovernedInputs);
      port.reset();
      assert.deepEqual(await scorecardProvider.read(created.id, created.outs as GovernedInputs), {}, "blueprint gone: 404");
    });

    it("adopts a scorecard that already exists instead of failing with 409", async () => {
      assert.equal((await authed("POST", "/v1/blueprints/environment/scorecards", { ...production.body, title: "Older title" })).status, 200);
      await scorecardProvider.create(declared());
      assert.equal(governanceOf(port.state).scorecards.get("environment/production_readiness")!.title, "Production readiness");
    });
  });

  describe("owning teams on declared products", () => {
    const products = declareCatalog(cfg).entitySets.find((set) => set.blueprint === "product")!;
    const setInputs = (entities: unknown[]): PortEntitySetInputs => viaStruct({ baseUrl: port.url, blueprint: "product", entities: entities as PortEntitySetInputs["entities"] });

    beforeEach(() => {
      port.seed({ blueprints: CATALOG.map((b) => b.body) });
      for (const t of [...governance.teams.map((x) => x.name), "finance"]) seedTeam(port.state, t);
    });

    it("a product's owning team becomes its Port team; a team changed in the UI shows on refresh and is put back", async () => {
      assert.deepEqual(products.entities.map((e) => (e as { team?: string[] }).team), [["team-billing"]]);
      const created = await entitySetProvider.create(setInputs(products.entities));
      assert.deepEqual(port.entity("product", "billing")?.team, ["team-billing"]);
      const read = await entitySetProvider.read(created.id, created.outs as PortEntitySetInputs);
      assert.equal((await entitySetProvider.diff(created.id, viaStruct(read.props as PortEntitySetInputs), setInputs(products.entities))).changes, false);

      assert.equal((await authed("PATCH", "/v1/blueprints/product/entities/billing", { team: ["finance", "team-billing"] })).status, 200);
      const refreshed = await entitySetProvider.read(created.id, read.props as PortEntitySetInputs);
      assert.deepEqual((refreshed.props as PortEntitySetInputs).entities[0].team, ["finance", "team-billing"]);
      assert.equal((await entitySetProvider.diff(created.id, viaStruct(refreshed.props as PortEntitySetInputs), setInputs(products.entities))).changes, true);
      await entitySetProvider.update(created.id, refreshed.props as PortEntitySetInputs, setInputs(products.entities));
      assert.deepEqual(port.entity("product", "billing")?.team, ["team-billing"]);
    });

    it("without governance no team is sent, so teams set in Port stay", async () => {
      const plain = products.entities.map((e) => ({ identifier: e.identifier, title: e.title, properties: e.properties, relations: e.relations }));
      port.seed({ entities: { product: [{ identifier: "billing", title: "Billing", team: ["finance"] }] } });
      await entitySetProvider.create(setInputs(plain));
      assert.deepEqual(port.entity("product", "billing")?.team, ["finance"]);
    });
  });
});
