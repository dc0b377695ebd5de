// Governance in the review tools: `diff` classifies teams, action permissions and scorecards
// (removing an approver is risky, removing a scorecard or a team destructive), and `drift` sees
// them edited or deleted in Port, against the emulator with what the providers would have written.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { actionPermissionsProvider } from "../infra/port/action-permissions";
import { scorecardProvider } from "../infra/port/scorecard";
import { teamProvider } from "../infra/port/team";
import { declareCatalog } from "../stacks/catalog-declaration";
import { parseStackConfig, StackConfig } from "../stacks/config";
import { declareGovernance, GovernanceDeclaration } from "../stacks/governance-declaration";
import { runDiff } from "../tools/diff";
import { runDrift } from "../tools/drift";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";
import { seedTeam } from "./support/port-emulator/teams";

const ROOT = path.resolve(__dirname, "..");

function config(governance: Record<string, unknown> = {}): StackConfig {
  return parseStackConfig({
    port: { orgId: "org_Test01" },
    products: [{ identifier: "billing", title: "Billing", owningTeam: "team-billing", environments: [{ name: "prod", kind: "Production" }] }],
    porc: { url: "https://porc.example.internal" },
    governance: { teams: [{ name: "team-billing" }, { name: "sre" }, { name: "cab" }], approvers: { teams: ["sre", "cab"] }, scorecards: {}, ...governance },
  });
}

const declared = (cfg: StackConfig) => declareGovernance(cfg, declareCatalog(cfg));

/** The governance part of a synth output, laid out as synth writes it. */
function writeOutput(dir: string, g: GovernanceDeclaration): void {
  const put = (rel: string, body: unknown) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), JSON.stringify(body));
  };
  for (const t of g.teams) put(`port/teams/${t.name}.json`, t);
  for (const p of g.actionPermissions) put(`port/action-permissions/${p.action}.json`, p.body);
  for (const s of g.scorecards) put(`port/scorecards/${s.blueprint}/${s.identifier}.json`, s.body);
}

describe("governance in diff", () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "governance-diff-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function diff(base: GovernanceDeclaration, head: GovernanceDeclaration) {
    writeOutput(path.join(tmp, "base"), base);
    writeOutput(path.join(tmp, "head"), head);
    return runDiff({ base: path.join(tmp, "base"), head: path.join(tmp, "head"), stack: "dev", projectDir: ROOT });
  }

  it("an unchanged declaration is no change", async () => {
    const res = await diff(declared(config()), declared(config()));
    assert.deepEqual(res.changes, []);
  });

  it("removing an approver team is risky, naming the action and the team", async () => {
    const res = await diff(declared(config()), declared(config({ approvers: { teams: ["sre"] } })));
    const approval = res.changes.find((c) => c.kind === "permissions" && c.object === DEPLOY_ACTIONS.fromEnvironmentWithApproval);
    assert.equal(approval?.class, "risky");
    assert.match(approval!.detail, /approver teams removed: `cab` \(fewer people can approve\)/);
    assert.equal(res.counts.destructive, 0);
  });

  it("removing a scorecard or a team is destructive; adding one is safe", async () => {
    const base = declared(config());
    const head: GovernanceDeclaration = { ...base, teams: base.teams.filter((t) => t.name !== "cab").concat({ name: "platform" }), scorecards: base.scorecards.filter((s) => s.blueprint !== "image") };
    const res = await diff(base, head);
    const find = (kind: string, object: string) => res.changes.find((c) => c.kind === kind && c.object === object);
    assert.equal(find("scorecard", "image/build_quality")?.class, "destructive");
    assert.equal(find("team", "cab")?.class, "destructive");
    assert.equal(find("team", "platform")?.class, "safe");
    assert.match(res.markdown, /\| scorecard \| `image\/build_quality` \| removed \|/);
  });

  it("letting more people deploy is risky; dropping the approval policy is risky", async () => {
    const base = declared(config());
    const wider = declared(config({ deployers: { roles: ["Admin", "Member"] } }));
    const res = await diff(base, wider);
    const c = res.changes.find((x) => x.object === DEPLOY_ACTIONS.fromImage);
    assert.equal(c?.class, "risky");
    assert.match(c!.detail, /may now run it: roles `Member`/);

    const noPolicy: GovernanceDeclaration = {
      ...base,
      actionPermissions: base.actionPermissions.map((p) => (p.body.approve ? { ...p, body: { ...p.body, approve: { ...p.body.approve, policy: undefined as never } } } : p)),
    };
    const res2 = await diff(base, noPolicy);
    assert.ok(res2.changes.some((x) => x.class === "risky" && /the requester may approve their own run/.test(x.detail)));
  });
});

describe("governance in drift", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  const cfg = config();
  const g = declared(cfg);

  before(async () => (port = await PortEmulator.start()));
  after(() => port.stop());

  const env = () => ({ PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret, PORT_API_URL: port.url });

  /** What `pulumi up` would have written, through the providers themselves. */
  async function upWithProviders(): Promise<void> {
    port.reset();
    const decl = declareCatalog(cfg);
    const saved = { id: process.env.PORT_CLIENT_ID, secret: process.env.PORT_CLIENT_SECRET };
    Object.assign(process.env, { PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret });
    try {
      port.seed({ blueprints: decl.blueprints.map((b) => b.body), actions: decl.actions.map((a) => a.body) });
      for (const set of decl.entitySets) port.seed({ entities: { [set.blueprint]: set.entities } });
      seedTeam(port.state, "cab", { users: ["change.manager@example.com"] }); // exists already (SSO), with members
      for (const t of g.teams) await teamProvider.create({ baseUrl: port.url, scope: "", key: t.name, body: { ...t } });
      for (const p of g.actionPermissions) await actionPermissionsProvider.create({ baseUrl: port.url, scope: "", key: p.action, body: JSON.parse(JSON.stringify(p.body)) });
      for (const s of g.scorecards) await scorecardProvider.create({ baseUrl: port.url, scope: s.blueprint, key: s.identifier, body: JSON.parse(JSON.stringify(s.body)) });
    } finally {
      process.env.PORT_CLIENT_ID = saved.id;
      process.env.PORT_CLIENT_SECRET = saved.secret;
    }
  }

  const authed = (method: string, p: string, body?: unknown) =>
    fetch(`${port.url}${p}`, { method, headers: { authorization: `Bearer ${port.issueToken()}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  it("finds nothing right after the providers wrote everything (team members are not drift)", async () => {
    await upWithProviders();
    const report = await runDrift({ stack: "test", config: cfg, env: env() });
    assert.deepEqual(report.findings.filter((f) => ["team", "permissions", "scorecard"].includes(f.kind)), []);
  });

  it("sees an approver removed, a scorecard deleted, a team deleted and a product's team changed in Port", async () => {
    await upWithProviders();
    assert.equal((await authed("PATCH", `/v1/actions/${DEPLOY_ACTIONS.fromEnvironmentWithApproval}/permissions`, { approve: { teams: ["sre"] } })).status, 200);
    assert.equal((await authed("DELETE", "/v1/blueprints/image/scorecards/build_quality")).status, 200);
    assert.equal((await authed("PATCH", "/v1/blueprints/product/entities/billing", { team: ["cab"] })).status, 200);
    assert.equal((await authed("DELETE", "/v1/teams/team-billing")).status, 200);
    const report = await runDrift({ stack: "test", config: cfg, env: env() });
    const has = (kind: string, object: string, change: RegExp, detail: RegExp) =>
      assert.ok(report.findings.some((f) => f.kind === kind && f.object === object && change.test(f.change) && detail.test(f.detail)), `${kind} ${object}: ${JSON.stringify(report.findings)}`);
    has("permissions", DEPLOY_ACTIONS.fromEnvironmentWithApproval, /changed in Port/, /approver teams removed: `cab`/);
    has("scorecard", "image/build_quality", /deleted in Port/, /missing/);
    has("team", "team-billing", /deleted in Port/, /missing/);
    has("entity", "product/billing", /changed in Port/, /team: \["team-billing"\] → \["cab"\]/);
  });
});
