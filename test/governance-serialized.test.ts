// The governance providers as Pulumi stores them: serialized the way @pulumi/pulumi does,
// revived with require-from-string in a fresh Node process with no Port credentials in its
// environment (only what `configure` hands over), and driven against the emulator.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { deployActions } from "../actions/deploy";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { CATALOG } from "../blueprints";
import { actionPermissionsProvider } from "../infra/port/action-permissions";
import { scorecardProvider } from "../infra/port/scorecard";
import { teamProvider } from "../infra/port/team";
import { parseStackConfig } from "../stacks/config";
import { declareCatalog } from "../stacks/catalog-declaration";
import { declareGovernance } from "../stacks/governance-declaration";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";
import { governanceOf } from "./support/port-emulator/governance";

const run = promisify(execFile);
const requireFromString = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] });

const DRIVER = `
const fs = require("fs");
const [providerFile, scenario, baseUrl, clientId, clientSecret] = process.argv.slice(2);
const provider = require(${JSON.stringify(requireFromString)})(fs.readFileSync(providerFile, "utf8")).handler();
(async () => {
  await provider.configure({ config: { get: (k) => ({ portClientId: clientId, portClientSecret: clientSecret })[k] } });
  const results = [];
  for (const step of JSON.parse(scenario)) {
    const args = step.args.map((a) => (a && typeof a === "object" && "baseUrl" in a ? { ...a, baseUrl } : a));
    results.push(await provider[step.method](...args));
  }
  process.stdout.write(JSON.stringify(results));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

const cfg = parseStackConfig({
  port: { orgId: "org_Test01" },
  governance: { teams: [{ name: "sre", description: "Site reliability" }], approvers: { teams: ["sre"] }, scorecards: {} },
});
const g = declareGovernance(cfg, declareCatalog(cfg));

describe("serialized governance providers in a fresh process", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  let dir: string;

  before(async () => {
    port = await PortEmulator.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "governance-provider-"));
    fs.writeFileSync(path.join(dir, "driver.js"), DRIVER);
  });
  after(async () => {
    await port.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function drive(name: string, provider: object, steps: { method: string; args: unknown[] }[]): Promise<unknown[]> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.ok(!sf.text.includes(TEST_CREDENTIALS.clientSecret), `${name}: no credential in the serialized provider`);
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, sf.text);
    const env = { ...process.env };
    delete env.PORT_CLIENT_ID;
    delete env.PORT_CLIENT_SECRET;
    const { stdout } = await run(process.execPath, [path.join(dir, "driver.js"), file, JSON.stringify(steps), port.url, TEST_CREDENTIALS.clientId, TEST_CREDENTIALS.clientSecret], { cwd: path.resolve(__dirname, ".."), env });
    return JSON.parse(stdout) as unknown[];
  }

  it("creates, reads and deletes a team, sets an action's permissions and creates a scorecard, credentials from configure only", async () => {
    // Used in this process first: nothing of that use may leak into what is serialized.
    for (const p of [teamProvider, actionPermissionsProvider, scorecardProvider]) {
      await p.configure({ config: { get: (k: string) => ({ portClientId: TEST_CREDENTIALS.clientId, portClientSecret: TEST_CREDENTIALS.clientSecret })[k] } } as never);
    }
    port.seed({ blueprints: CATALOG.map((b) => b.body), actions: deployActions({ pipelines: ["developer-portal/deploy"], requireApprovalForProduction: true }).map((a) => a.body) });
    const team = { baseUrl: "", scope: "", key: "sre", body: g.teams[0] };
    const [created, read] = (await drive("team", teamProvider, [
      { method: "create", args: [team] },
      { method: "read", args: ["sre", team] },
    ])) as { id: string }[];
    assert.equal(created.id, "sre");
    assert.equal((read as unknown as { props: { body: { description: string } } }).props.body.description, "Site reliability");

    const perms = g.actionPermissions.find((p) => p.action === DEPLOY_ACTIONS.fromEnvironmentWithApproval)!;
    await drive("permissions", actionPermissionsProvider, [{ method: "create", args: [{ baseUrl: "", scope: "", key: perms.action, body: perms.body }] }]);
    assert.deepEqual(governanceOf(port.state).permissions.get(perms.action)?.approve.teams, ["sre"]);

    const card = g.scorecards[0];
    await drive("scorecard", scorecardProvider, [{ method: "create", args: [{ baseUrl: "", scope: card.blueprint, key: card.identifier, body: card.body }] }]);
    assert.ok(governanceOf(port.state).scorecards.has(`${card.blueprint}/${card.identifier}`));

    await drive("team-delete", teamProvider, [{ method: "delete", args: ["sre", team] }]);
    assert.equal(governanceOf(port.state).teams.has("sre"), false);
  });
});
