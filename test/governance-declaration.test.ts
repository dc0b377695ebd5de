// Governance declared from config (issue 14): teams, action permissions and scorecards; their
// bodies checked against Port's own OpenAPI request schemas (ajv), the config keys with zod, and
// synth writing and listing them.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CATALOG } from "../blueprints";
import { blueprint } from "../blueprints/dsl";
import { declareScorecards, SCORECARDS } from "../blueprints/scorecards";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { PORC_ACTIONS } from "../actions/porc";
import { declareCatalog } from "../stacks/catalog-declaration";
import { parseStackConfig } from "../stacks/config";
import { assertScorecardsFit, declareGovernance, ScorecardReferenceError } from "../stacks/governance-declaration";
import { requestProblems, specSource } from "./support/port-spec";
import { configRefusal } from "./support/config-problems";

const ROOT = path.resolve(__dirname, "..");

const governed = (governance: Record<string, unknown> = {}) => ({
  port: { orgId: "org_Test01" },
  products: [{ identifier: "billing", title: "Billing", owningTeam: "team-billing", environments: [{ name: "prod", kind: "Production" }] }],
  porc: { url: "https://porc.example.internal" },
  governance: { teams: [{ name: "team-billing" }, { name: "sre", description: "Site reliability" }], approvers: { teams: ["sre"] }, scorecards: {}, ...governance },
});

const problems = configRefusal;

describe("governance declaration", () => {
  it(`every body is valid against Port's request schema (${path.basename(specSource())})`, () => {
    const cfg = parseStackConfig(governed());
    const g = declareGovernance(cfg, declareCatalog(cfg));
    assert.equal(g.teams.length, 2);
    assert.equal(g.scorecards.length, 2);
    for (const t of g.teams) assert.deepEqual(requestProblems("POST", "/v1/teams", t), [], `team ${t.name}`);
    for (const p of g.actionPermissions) assert.deepEqual(requestProblems("PATCH", "/v1/actions/{action_identifier}/permissions", p.body), [], `permissions of ${p.action}`);
    for (const s of g.scorecards) assert.deepEqual(requestProblems("POST", "/v1/blueprints/{blueprint_identifier}/scorecards", s.body), [], `scorecard ${s.identifier}`);
  });

  it("the spec check catches a body Port would refuse (a stray field, a bad team name, a rule without conditions)", () => {
    assert.notDeepEqual(requestProblems("PATCH", "/v1/actions/{action_identifier}/permissions", { execute: { roles: [], ownedByTeam: true, approvers: [] } }), []);
    assert.notDeepEqual(requestProblems("POST", "/v1/teams", { name: "sre/ops" }), []);
    assert.notDeepEqual(requestProblems("POST", "/v1/blueprints/{blueprint_identifier}/scorecards", { identifier: "x", title: "X", rules: [{ identifier: "r", title: "R", level: "Gold", query: { combinator: "and", conditions: [] } }] }), []);
  });

  it("permissions cover every deploy and PORC action; only the approval actions name approvers, never the requester", () => {
    const cfg = parseStackConfig(governed());
    const g = declareGovernance(cfg, declareCatalog(cfg));
    const byAction = new Map(g.actionPermissions.map((p) => [p.action, p.body]));
    assert.deepEqual([...byAction.keys()].sort(), [DEPLOY_ACTIONS.fromEnvironment, DEPLOY_ACTIONS.fromEnvironmentWithApproval, DEPLOY_ACTIONS.fromImage, PORC_ACTIONS.applyNow, PORC_ACTIONS.rerunPlan].sort());
    for (const id of [DEPLOY_ACTIONS.fromEnvironmentWithApproval, PORC_ACTIONS.applyNow]) {
      const approve = byAction.get(id)?.approve;
      assert.ok(approve, `${id} has approvers`);
      assert.deepEqual(approve.teams, ["sre"]);
      // With a policy, Port lets the policy alone pick the approvers: it must drop the requester.
      assert.match(approve.policy.conditions[0], /- \[\.trigger\.by\.user\.email\]/);
      assert.deepEqual(approve.policy.queries.approver_team_members.rules.find((r) => r.property === "$team")?.value, ["sre"]);
    }
    for (const id of [DEPLOY_ACTIONS.fromEnvironment, DEPLOY_ACTIONS.fromImage, PORC_ACTIONS.rerunPlan]) assert.equal(byAction.get(id)?.approve, undefined, id);
    assert.deepEqual(byAction.get(DEPLOY_ACTIONS.fromImage)?.execute, { roles: ["Admin"], users: [], teams: [], ownedByTeam: true });
    assert.deepEqual(byAction.get(PORC_ACTIONS.applyNow)?.execute, { roles: ["Admin"], users: [], teams: [], ownedByTeam: false });
  });

  it("scorecard levels and thresholds come from config", () => {
    const cfg = parseStackConfig(governed({ scorecards: { deployedWithin: "lastWeek", defaultBranch: "trunk", levels: [{ title: "None", color: "red" }, { title: "Ready", color: "green" }], productionReadiness: { imageKnown: "Ready", lastDeploySucceeded: "Ready", recentDeploy: "Ready", defaultBranch: "Ready" }, imageQuality: { buildSucceeded: "Ready", commitKnown: "Ready" } } }));
    const g = declareGovernance(cfg, declareCatalog(cfg));
    const prod = g.scorecards.find((s) => s.identifier === SCORECARDS.productionReadiness)!;
    assert.equal(prod.blueprint, "environment");
    assert.deepEqual(prod.body.levels.map((l) => l.title), ["None", "Ready"]);
    const conditions = Object.fromEntries(prod.body.rules.map((r) => [r.identifier, r.query.conditions[0]]));
    assert.deepEqual(conditions.recent_deploy, { property: "last_deployment_timestamp", operator: "between", value: { preset: "lastWeek" } });
    assert.deepEqual(conditions.default_branch, { property: "image_branch", operator: "=", value: "trunk" });
  });

  it("a scorecard rule naming a property its blueprint lacks is refused, naming both", () => {
    const [prod] = declareScorecards(parseStackConfig(governed()).governance!.scorecards!);
    const env = CATALOG.find((b) => b.identifier === "environment")!;
    const { image_branch: _dropped, ...mirrors } = env.spec.mirrorProperties ?? {};
    const withoutMirror = blueprint({ ...env.spec, mirrorProperties: mirrors });
    assert.throws(() => assertScorecardsFit([prod], [withoutMirror]), (err: unknown) => {
      assert.ok(err instanceof ScorecardReferenceError);
      assert.match(err.message, /scorecard environment\/production_readiness: rule "default_branch" names property "image_branch", which blueprint environment does not have/);
      return true;
    });
    assert.doesNotThrow(() => assertScorecardsFit([prod], CATALOG));
    // The stack's own path (PortalStack → declareGovernance) refuses it before any resource exists.
    const cfg = parseStackConfig(governed());
    const catalog = declareCatalog(cfg);
    const broken = { ...catalog, blueprints: catalog.blueprints.map((b) => (b.identifier === "environment" ? withoutMirror : b)) };
    assert.throws(() => declareGovernance(cfg, broken), ScorecardReferenceError);
  });

  it("config: unknown approver team, owning team not declared, a rule level not offered, no approver at all", () => {
    assert.ok(problems(governed({ approvers: { teams: ["ops"] } })).some((p) => /governance\.approvers\.teams\[0\]: got "ops", expected a team declared under governance\.teams/.test(p)));
    const raw = governed();
    raw.products[0].owningTeam = "team-nobody";
    assert.ok(problems(raw).some((p) => /products\[0\]\.owningTeam: got "team-nobody", expected a team declared under governance\.teams/.test(p)));
    assert.ok(problems(governed({ scorecards: { imageQuality: { buildSucceeded: "Platinum" } } })).some((p) => /governance\.scorecards\.imageQuality\.buildSucceeded: got "Platinum", expected a level above the first one: Bronze, Silver, Gold/.test(p)));
    assert.ok(problems(governed({ approvers: { teams: [] } })).some((p) => /governance\.approvers: .*at least one approver team or user/.test(p)));
    assert.ok(problems(governed({ teams: [{ name: "sre", members: ["a@example.com"] }] })).some((p) => /governance\.teams\[0\]: unknown key "members"/.test(p)));
  });

  it("without governance config nothing is declared", () => {
    const raw = governed();
    delete (raw as { governance?: unknown }).governance;
    const cfg = parseStackConfig(raw);
    assert.deepEqual(declareGovernance(cfg, declareCatalog(cfg)), { teams: [], actionPermissions: [], scorecards: [] });
  });
});

function synth(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "tools", "cli.ts"), "synth", ...args], { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("governance in synth (CLI, dev stack)", function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "governance-synth-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("writes teams, action permissions and scorecards as valid request bodies and lists them in catalog.md", async function () {
    if (!fs.existsSync(path.join(ROOT, "dist", "agent", "index.js"))) this.skip(); // synth needs `npm run build` (npm test runs it first)
    const out = path.join(tmp, "out");
    const res = await synth(["--stack", "dev", "--out", out]);
    assert.equal(res.code, 0, res.stderr);
    const files = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".json")).sort() : []);
    assert.deepEqual(files(path.join(out, "port", "teams")), ["sre.json", "team-billing.json", "team-netinv.json"]);
    assert.deepEqual(files(path.join(out, "port", "scorecards")), ["environment/production_readiness.json", "image/build_quality.json"]);
    assert.ok(files(path.join(out, "port", "action-permissions")).includes("deploy_image_with_approval.json"));
    const read = (f: string) => JSON.parse(fs.readFileSync(f, "utf8")) as unknown;
    for (const f of files(path.join(out, "port", "teams"))) assert.deepEqual(requestProblems("POST", "/v1/teams", read(path.join(out, "port", "teams", f))), [], f);
    for (const f of files(path.join(out, "port", "action-permissions"))) assert.deepEqual(requestProblems("PATCH", "/v1/actions/{action_identifier}/permissions", read(path.join(out, "port", "action-permissions", f))), [], f);
    for (const f of files(path.join(out, "port", "scorecards"))) assert.deepEqual(requestProblems("POST", "/v1/blueprints/{blueprint_identifier}/scorecards", read(path.join(out, "port", "scorecards", f))), [], f);
    // Order Port needs: teams before the products naming them and the permissions naming them;
    // permissions after their action, scorecards after their blueprint.
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { name: string; dependsOn: string[] }[];
    const deps = (name: string) => resources.find((r) => r.name === name)?.dependsOn ?? assert.fail(`no resource ${name}`);
    assert.ok(deps("portal-catalog-entities-product").includes("portal-teams-team-billing"));
    assert.ok(["portal-catalog-action-deploy_image_with_approval", "portal-teams-sre"].every((d) => deps("portal-governance-permissions-deploy_image_with_approval").includes(d)));
    assert.ok(deps("portal-governance-scorecard-environment-production_readiness").includes("portal-catalog-blueprint-environment"));
    assert.deepEqual((read(path.join(out, "port", "entities", "product", "billing.json")) as { team?: string[] }).team, ["team-billing"]);
    const md = fs.readFileSync(path.join(out, "catalog.md"), "utf8");
    assert.match(md, /## Teams[\s\S]*\| `sre` \|/);
    assert.match(md, /## Action permissions[\s\S]*\| `deploy_image_with_approval` \| Admin \| — \| yes \| sre \| — \| no \|/);
    assert.match(md, /## Scorecards[\s\S]*\| `environment` \| `production_readiness` \|/);
  });
});
