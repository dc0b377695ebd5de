// The stack through the REAL Pulumi engine: the CLI built from the Go module proxy
// (tools/toolchain), driven by the Automation API with a local file:// backend and the passphrase
// secrets provider, against the Port and Codefresh emulators as real HTTP servers.
//
// The program is inline (stacks/program.ts runProgram, exactly what index.ts runs): the Go module
// proxy does not serve the Node.js language host, and for an inline program the Node SDK serves
// the language runtime itself. Everything after that is the real thing: the engine's diff and
// step generation, protobuf Structs, the dynamic-provider plugin process with `configure`, state
// files, exit codes. The `it`s are one lifecycle and run in order.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import YAML from "yaml";
import { z } from "zod";
import { CATALOG } from "../../blueprints";
import { PRODUCT } from "../../blueprints/vocabulary";
import { CodefreshClient } from "../../clients/codefresh";
import { PortClient } from "../../clients/port";
import { PROJECT } from "../../stacks/config";
import { runProgram } from "../../stacks/program";
import { readStackFile } from "../../stacks/stack-file";
import { CliIO, main } from "../../tools/cli";
import { CodefreshEmulator } from "../support/codefresh-emulator";
import { PortEmulator } from "../support/port-emulator";
import { governanceOf } from "../support/port-emulator/governance";
import { pulumiToolchain, Toolchain } from "./support/toolchain";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "e2e";
const run = promisify(execFile);
/** How `portal drift` words a pipeline whose steps run in another order. */
const STEP_ORDER = "step order changed";
/**
 * `pulumi preview` exit code when a mandatory policy is violated: 1. The CLI declares
 * ExitPolicyViolation = 5 (cmd/pulumi/cmd/exit_codes.go) but v3.248.0 never returns it.
 */
const POLICY_VIOLATION = 1;

type Json = Record<string, unknown>;

/**
 * The CLI's exit code from an Automation API error: execa's error (with `exitCode`) sits in the
 * CommandError's result, wrapped once more with code -2 (automation/cmd.js exec).
 */
function cliExitCode(err: unknown): number | undefined {
  const shape = z.object({ commandResult: z.object({ code: z.number(), err: z.unknown().optional() }).loose() }).loose();
  const parsed = shape.safeParse(err);
  if (!parsed.success) return undefined;
  if (parsed.data.commandResult.code >= 0) return parsed.data.commandResult.code;
  const inner = z.object({ exitCode: z.number() }).loose().safeParse(parsed.data.commandResult.err);
  return inner.success ? inner.data.exitCode : cliExitCode(parsed.data.commandResult.err);
}

/** Where `expected` (what synth says is sent) differs from `actual` (what the emulator stores); server-added fields are allowed. */
function mismatches(expected: unknown, actual: unknown, at = ""): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${at}: expected ${JSON.stringify(expected)}, stored ${JSON.stringify(actual)}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${at}[${i}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${at}: expected an object, stored ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) => mismatches(v, (actual as Json)[k], `${at}.${k}`));
  }
  return expected === actual ? [] : [`${at}: expected ${JSON.stringify(expected)}, stored ${JSON.stringify(actual)}`];
}

function readJsonDir(dir: string): Json[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Json);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

/** What synth writes, read back: the reference for what the emulators must hold. */
interface SynthOutput {
  readonly dir: string;
  readonly blueprints: Json[];
  readonly actions: Json[];
  readonly pages: Json[];
  readonly folders: Json[];
  /** Entities by blueprint. */
  readonly entities: Record<string, Json[]>;
  /** Pipeline YAML text by full name "project/name". */
  readonly pipelines: Record<string, string>;
  /** Team bodies (governance.teams). */
  readonly teams: Json[];
  /** Scorecard bodies keyed "<blueprint>/<identifier>". */
  readonly scorecards: Record<string, Json>;
  /** Actions whose permissions the stack declares. */
  readonly permissions: string[];
}

describe("the stack through the real Pulumi engine (Automation API, file backend, emulators)", function () {
  this.timeout(10 * 60_000);
  let toolchain: Toolchain;
  let port: PortEmulator;
  let cf: CodefreshEmulator;
  let tmp: string;
  let workDir: string;
  let stack: Stack;
  let portClient: PortClient;
  let cfClient: CodefreshClient;
  /** Environment of every CLI run (added to this process's, which holds no PORT_ or CODEFRESH_ variable). */
  let engineEnv: Record<string, string>;
  const savedEnv: Record<string, string | undefined> = {};
  // Credentials unique to this run, so "not in the state file" means something.
  const secrets = {
    portClientId: `e2e-client-${randomBytes(6).toString("hex")}`,
    portClientSecret: `e2e-secret-${randomBytes(12).toString("hex")}`,
    codefreshApiKey: `e2e-cfkey-${randomBytes(12).toString("hex")}`,
  };
  const log: string[] = [];
  /** CLI output: printed for a failed test; all of it appended to PORTAL_E2E_LOG when set. */
  const onOutput = (text: string) => {
    log.push(text);
    if (process.env.PORTAL_E2E_LOG) fs.appendFileSync(process.env.PORTAL_E2E_LOG, text);
  };

  const stackFile = () => path.join(workDir, `Pulumi.${STACK}.yaml`);

  /** Rewrite this project's plain config keys in the stack file (encrypted values and salt stay). */
  function editConfig(edit: (config: Json) => void): void {
    const doc = YAML.parse(fs.readFileSync(stackFile(), "utf8")) as { config: Json };
    edit(doc.config);
    fs.writeFileSync(stackFile(), YAML.stringify(doc));
  }

  /** The dev stack's values, pointed at the emulators, without an agent. */
  function e2eConfig(): Json {
    const config: Json = {};
    for (const entry of readStackFile(ROOT, "dev")) if (!entry.secure) config[entry.key] = entry.value;
    config[`${PROJECT}:port`] = { ...(config[`${PROJECT}:port`] as Json), baseUrl: port.url };
    config[`${PROJECT}:codefresh`] = { ...(config[`${PROJECT}:codefresh`] as Json), url: cf.url };
    config[`${PROJECT}:agent`] = { runtime: "none" };
    return config;
  }

  async function synth(): Promise<SynthOutput> {
    const dir = fs.mkdtempSync(path.join(tmp, "synth-"));
    fs.rmSync(dir, { recursive: true });
    // A separate process: synth installs Pulumi mocks, which must not meet the real engine here.
    await run(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "tools", "cli.ts"), "synth", "--stack", STACK, "--out", dir], {
      cwd: workDir,
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
    });
    const entitiesDir = path.join(dir, "port", "entities");
    const entities = Object.fromEntries(fs.existsSync(entitiesDir) ? fs.readdirSync(entitiesDir).map((bp) => [bp, readJsonDir(path.join(entitiesDir, bp))]) : []);
    const pipelines: Record<string, string> = {};
    const pipelinesDir = path.join(dir, "codefresh", "pipelines");
    for (const project of fs.readdirSync(pipelinesDir)) {
      for (const file of fs.readdirSync(path.join(pipelinesDir, project))) {
        pipelines[`${project}/${file.replace(/\.yml$/, "")}`] = fs.readFileSync(path.join(pipelinesDir, project, file), "utf8");
      }
    }
    const scorecardsDir = path.join(dir, "port", "scorecards");
    const scorecards: Record<string, Json> = {};
    for (const bp of fs.existsSync(scorecardsDir) ? fs.readdirSync(scorecardsDir) : []) {
      for (const card of readJsonDir(path.join(scorecardsDir, bp))) scorecards[`${bp}/${String(card.identifier)}`] = card;
    }
    const permissionsDir = path.join(dir, "port", "action-permissions");
    const permissions = fs.existsSync(permissionsDir) ? fs.readdirSync(permissionsDir).map((f) => f.replace(/\.json$/, "")).sort() : [];
    return {
      dir,
      teams: readJsonDir(path.join(dir, "port", "teams")),
      scorecards,
      permissions,
      blueprints: readJsonDir(path.join(dir, "port", "blueprints")),
      actions: readJsonDir(path.join(dir, "port", "actions")),
      pages: readJsonDir(path.join(dir, "port", "pages")),
      folders: readJsonDir(path.join(dir, "port", "folders")),
      entities,
      pipelines,
    };
  }

  /** Every difference between what synth says is sent and what the emulators hold. */
  function compareWithEmulators(out: SynthOutput): string[] {
    const problems: string[] = [];
    const ids = (objects: Json[]) => objects.map((o) => String(o.identifier)).sort();
    const same = (kind: string, declared: string[], stored: string[]) => {
      if (JSON.stringify(declared) !== JSON.stringify([...stored].sort())) problems.push(`${kind}: synth has ${declared.join(", ")}; the emulator holds ${[...stored].sort().join(", ")}`);
    };
    same("blueprints", ids(out.blueprints), [...port.state.blueprints.keys()]);
    for (const b of out.blueprints) problems.push(...mismatches(b, port.blueprint(String(b.identifier)), `blueprint ${String(b.identifier)}`));
    same("actions", ids(out.actions), [...port.state.actions.keys()]);
    for (const a of out.actions) problems.push(...mismatches(a, port.action(String(a.identifier)), `action ${String(a.identifier)}`));
    same("pages", ids(out.pages), [...port.state.pages.keys()]);
    for (const p of out.pages) problems.push(...mismatches(p, port.state.pages.get(String(p.identifier)), `page ${String(p.identifier)}`));
    same("folders", ids(out.folders), [...port.state.folders.keys()]);
    for (const f of out.folders) problems.push(...mismatches(f, port.state.folders.get(String(f.identifier)), `folder ${String(f.identifier)}`));
    for (const bp of new Set([...Object.keys(out.entities), ...port.state.entities.keys()])) {
      const declared = out.entities[bp] ?? [];
      same(`${bp} entities`, ids(declared), port.entities(bp).map((e) => e.identifier));
      for (const e of declared) problems.push(...mismatches(e, port.entity(bp, String(e.identifier)), `entity ${bp}/${String(e.identifier)}`));
    }
    // Governance: the stored lists may come back in another order (sets), so names and titles only.
    const governance = governanceOf(port.state);
    same("teams", out.teams.map((t) => String(t.name)).sort(), [...governance.teams.keys()]);
    for (const t of out.teams) problems.push(...mismatches({ description: t.description }, governance.teams.get(String(t.name)), `team ${String(t.name)}`));
    same("scorecards", Object.keys(out.scorecards).sort(), [...governance.scorecards.keys()]);
    for (const [key, card] of Object.entries(out.scorecards)) problems.push(...mismatches({ title: card.title }, governance.scorecards.get(key), `scorecard ${key}`));
    same("action permissions", out.permissions, [...governance.permissions.keys()]);
    same("pipelines", Object.keys(out.pipelines).sort(), [...cf.state.pipelines.values()].map((p) => p.current.metadata.name));
    for (const [name, yaml] of Object.entries(out.pipelines)) {
      const stored = cf.pipeline(name)?.current;
      if (!stored) continue;
      const spec = YAML.parse(yaml) as Json;
      for (const key of ["stages", "steps", "hooks"]) if (spec[key] !== undefined) problems.push(...mismatches(spec[key], stored.spec[key], `pipeline ${name} ${key}`));
    }
    return problems;
  }

  /** Step names in run order: the YAML's, and the stored pipeline's (key order is the run order). */
  function stepOrders(out: SynthOutput): { name: string; yaml: string[]; stored: string[] }[] {
    return Object.entries(out.pipelines).map(([name, yaml]) => ({
      name,
      yaml: Object.keys((YAML.parse(yaml) as { steps: Json }).steps),
      stored: Object.keys((cf.pipeline(name)?.current.spec.steps ?? {}) as Json),
    }));
  }

  async function drift(): Promise<{ code: number; findings: { kind: string; object: string; change: string; detail: string }[]; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const env = { PORT_CLIENT_ID: secrets.portClientId, PORT_CLIENT_SECRET: secrets.portClientSecret, PORT_API_URL: port.url, CODEFRESH_API_KEY: secrets.codefreshApiKey, CODEFRESH_API_URL: cf.url };
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: workDir, env };
    const code = await main(["drift", "--stack", STACK, "--json"], io);
    const findings = code === 2 ? [] : (JSON.parse(stdout) as { findings: { kind: string; object: string; change: string; detail: string }[] }).findings;
    return { code, findings, stderr };
  }

  const writes = (requests: readonly { method: string; path: string }[]) => requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/auth/access_token"));

  before(async function () {
    toolchain = pulumiToolchain();
    // The providers must get their credentials from `configure` (stack secret config) alone.
    for (const key of Object.keys(process.env)) {
      if (/^(PORT|CODEFRESH)_/.test(key)) {
        savedEnv[key] = process.env[key];
        delete process.env[key];
      }
    }
    port = await PortEmulator.start({ credentials: { clientId: secrets.portClientId, clientSecret: secrets.portClientSecret } });
    cf = await CodefreshEmulator.start({ apiKey: secrets.codefreshApiKey });
    portClient = new PortClient({ baseUrl: port.url, credentials: { clientId: secrets.portClientId, clientSecret: secrets.portClientSecret } });
    cfClient = new CodefreshClient({ baseUrl: cf.url, apiKey: secrets.codefreshApiKey });

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "portal-e2e-"));
    workDir = path.join(tmp, "project");
    const backend = path.join(tmp, "state");
    const home = path.join(tmp, "pulumi-home");
    for (const dir of [workDir, backend, home]) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(stackFile(), YAML.stringify({ config: e2eConfig() }));

    engineEnv = {
      PULUMI_HOME: home,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // Every plugin must come from the toolchain's bin dir: nothing may be downloaded.
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PATH: `${toolchain.bin}${path.delimiter}${process.env.PATH ?? ""}`,
    };
    const pulumiCommand = await PulumiCommand.get({ root: toolchain.root });
    stack = await LocalWorkspace.createOrSelectStack(
      {
        stackName: STACK,
        projectName: PROJECT,
        // What index.ts runs. In-process, so a test can stand in for a code change.
        program: async () => ({ ...runProgram() }),
      },
      {
        workDir,
        pulumiCommand,
        secretsProvider: "passphrase",
        envVars: engineEnv,
      },
    );
    await stack.setAllConfig(Object.fromEntries(Object.entries(secrets).map(([k, value]) => [`${PROJECT}:${k}`, { value, secret: true }])));
  });

  after(async function () {
    await port?.stop();
    await cf?.stop();
    for (const [key, value] of Object.entries(savedEnv)) if (value !== undefined) process.env[key] = value;
    if (tmp && !process.env.PORTAL_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(log.slice(-40).join("")); // eslint-disable-line no-console
    log.length = 0;
  });

  let declared: SynthOutput;

  it("previews creates only, and writes nothing to Port or Codefresh", async () => {
    const preview = await stack.preview({ onOutput });
    const kinds = Object.keys(preview.changeSummary).sort();
    assert.deepEqual(kinds, ["create"], JSON.stringify(preview.changeSummary));
    assert.ok((preview.changeSummary.create ?? 0) > 20, JSON.stringify(preview.changeSummary));
    assert.deepEqual(writes(port.requests), []);
    assert.deepEqual(writes(cf.requests), []);
  });

  it("up: the emulators hold exactly what synth says is sent (blueprints, actions, entities, pages, folders, pipelines)", async () => {
    const up = await stack.up({ onOutput });
    assert.equal(up.summary.result, "succeeded");
    assert.deepEqual(up.outputs.agent?.value, { runtime: "none" });
    declared = await synth();
    assert.ok(declared.blueprints.length >= 6 && declared.actions.length >= 2 && declared.pages.length >= 1 && Object.keys(declared.pipelines).length >= 4, "synth wrote the catalog");
    assert.deepEqual(compareWithEmulators(declared), []);
    assert.ok(cf.project(String((e2eConfig()[`${PROJECT}:codefresh`] as Json).project)), "the Codefresh project exists");
  });

  it("pipelines reach Codefresh with their steps in YAML order (and drift sees no step-order change)", async () => {
    const orders = stepOrders(declared);
    assert.ok(orders.every((o) => o.yaml.length > 1));
    const reordered = orders.filter((o) => JSON.stringify(o.stored) !== JSON.stringify(o.yaml)).map((o) => `${o.name}: YAML ${o.yaml.join(",")} / stored ${o.stored.join(",")}`);
    const alphabetical = orders.filter((o) => JSON.stringify(o.stored) !== JSON.stringify(o.yaml)).every((o) => JSON.stringify(o.stored) === JSON.stringify([...o.yaml].sort()));
    assert.deepEqual(reordered, [], `steps stored in another order than the YAML runs them${alphabetical ? " — sorted by name, as the engine's protobuf Struct returns object keys" : ""}`);
    assert.deepEqual((await drift()).findings.filter((f) => f.detail === STEP_ORDER), []);
  });

  it("the providers got their credentials through configure: no PORT_*/CODEFRESH_* variable in the environment", () => {
    assert.deepEqual(Object.keys(process.env).filter((k) => /^(PORT|CODEFRESH)_/.test(k)), []);
    const tokenRequests = port.requestsTo("POST", "/v1/auth/access_token");
    assert.ok(tokenRequests.length >= 1);
    for (const r of tokenRequests) assert.equal((r.body as Json).clientId, secrets.portClientId);
    assert.ok(cf.requests.length > 0 && cf.requests.every((r) => r.headers.authorization === secrets.codefreshApiKey), "every Codefresh call carries the configured key");
  });

  it("no secret config value appears in plain text in the state or the stack file", async () => {
    // The Automation API's exportStack passes --show-secrets; this is what `pulumi stack export` writes.
    const exported = (await run(path.join(toolchain.bin, "pulumi"), ["stack", "export", "--stack", STACK, "--non-interactive"], { cwd: workDir, env: { ...process.env, ...engineEnv }, maxBuffer: 512 * 1024 * 1024 })).stdout;
    // The engine keeps the stack config it configured the dynamic providers with in the default
    // provider's inputs (that is how `refresh` and `destroy` reconfigure them): encrypted.
    const resources = z.object({ deployment: z.object({ resources: z.array(z.object({ type: z.string(), inputs: z.record(z.string(), z.unknown()).optional() }).loose()) }).loose() }).loose().parse(JSON.parse(exported)).deployment.resources;
    const provider = resources.find((r) => r.type === "pulumi:providers:pulumi-nodejs");
    for (const key of Object.keys(secrets)) assert.match(JSON.stringify(provider?.inputs?.[`${PROJECT}:${key}`]), /"ciphertext":"v1:/, `${key} encrypted in the default provider's inputs`);
    const stored = filesUnder(path.join(tmp, "state")).map((f) => ({ f, text: fs.readFileSync(f, "utf8") }));
    assert.ok(stored.some(({ text }) => text.includes("pulumi-nodejs:dynamic/port:Blueprint")), "the file backend holds the state");
    const stackFileText = fs.readFileSync(stackFile(), "utf8");
    assert.match(stackFileText, /secure: /);
    for (const value of Object.values(secrets)) {
      assert.ok(!exported.includes(value), "secret in `stack export`");
      for (const { f, text } of stored) assert.ok(!text.includes(value), `secret in ${path.relative(tmp, f)}`);
      assert.ok(!stackFileText.includes(value), "secret in the stack file");
    }
  });

  it("preview --expect-no-changes passes right after up, with and without --refresh, and `portal drift` finds nothing but step order", async () => {
    await stack.preview({ expectNoChanges: true, onOutput });
    // The baseline for the drift check below: reading everything back changes nothing.
    await stack.preview({ refresh: true, expectNoChanges: true, onOutput });
    const d = await drift();
    assert.deepEqual(d.findings.filter((f) => f.detail !== STEP_ORDER), [], d.stderr);
  });

  const dashboardWithWidgetTitle = (): { id: string; body: Json; widgetPath: string } => {
    for (const page of declared.pages) {
      const walk = (value: unknown, at: string): string | undefined => {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const hit = walk(value[i], `${at}[${i}]`);
            if (hit) return hit;
          }
        } else if (value !== null && typeof value === "object") {
          const o = value as Json;
          if (typeof o.title === "string" && at.includes("widgets")) return at;
          for (const [k, v] of Object.entries(o)) {
            const hit = walk(v, `${at}.${k}`);
            if (hit) return hit;
          }
        }
        return undefined;
      };
      const widgetPath = walk(page.widgets, "widgets");
      if (widgetPath) return { id: String(page.identifier), body: structuredClone(page), widgetPath };
    }
    throw new Error("no page with a titled widget");
  };

  const EDITS = {
    blueprintTitle: "Products (edited in the UI)",
    widgetTitle: "Widget edited in the UI",
    entityTitle: "Billing (edited in the UI)",
    stepCommand: "echo edited in the Codefresh UI",
  };

  it("edits in the UI: preview --refresh --expect-no-changes exits 7 and `portal drift` names each edit", async () => {
    // Blueprint title.
    const product = structuredClone(declared.blueprints.find((b) => b.identifier === "product")!);
    await portClient.replaceBlueprint("product", { ...product, title: EDITS.blueprintTitle });
    // A page widget.
    const { id: pageId, body, widgetPath } = dashboardWithWidgetTitle();
    const segments = widgetPath.replace(/\[(\d+)\]/g, ".$1").split(".");
    let target: any = body; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const s of segments) target = target[s];
    target.title = EDITS.widgetTitle;
    await portClient.replacePage(pageId, body);
    // An entity.
    await portClient.upsertEntity("product", { identifier: "billing", title: EDITS.entityTitle }, { merge: true });
    // A pipeline step.
    const pipelineName = Object.keys(declared.pipelines).find((n) => n.endsWith("/deploy"))!;
    // The UI keeps the encrypted variables' values: read them decrypted, as the UI does.
    const live = (await cfClient.getPipeline(pipelineName, { decryptVariables: true })) as { spec: { steps: Record<string, Json> } };
    const step = Object.keys(YAML.parse(declared.pipelines[pipelineName]).steps as Json)[0];
    live.spec.steps[step] = { ...live.spec.steps[step], commands: [EDITS.stepCommand] };
    await cfClient.replacePipeline(pipelineName, live as unknown as Json);

    let code: number | undefined;
    try {
      await stack.preview({ refresh: true, expectNoChanges: true, onOutput });
    } catch (err) {
      code = cliExitCode(err);
    }
    assert.equal(code, 7, "pulumi preview --refresh --expect-no-changes exits 7 on drift");

    const d = await drift();
    assert.equal(d.code, 1, d.stderr);
    const has = (kind: string, object: string, detail: RegExp) =>
      assert.ok(
        d.findings.some((f) => f.kind === kind && f.object === object && detail.test(`${f.change} ${f.detail}`)),
        `expected ${kind} ${object} ${detail} in:\n${d.findings.map((f) => `${f.kind} ${f.object} | ${f.change} | ${f.detail}`).join("\n")}`,
      );
    has("blueprint", "product", /Products \(edited in the UI\)/);
    has("page", pageId, /changed in Port/);
    has("entity", "product/billing", /Billing \(edited in the UI\)/);
    has("pipeline", pipelineName, new RegExp(`steps changed: ${step}`));
  });

  it("refresh + up restore every edit", async () => {
    await stack.refresh({ onOutput });
    const up = await stack.up({ onOutput });
    assert.equal(up.summary.result, "succeeded");
    assert.ok((up.summary.resourceChanges?.update ?? 0) >= 4, JSON.stringify(up.summary.resourceChanges));
    assert.deepEqual(compareWithEmulators(declared), []);
    assert.equal(port.blueprint("product")?.title, declared.blueprints.find((b) => b.identifier === "product")!.title);
    await stack.preview({ refresh: true, expectNoChanges: true, onOutput });
    assert.deepEqual((await drift()).findings.filter((f) => f.detail !== STEP_ORDER), []);
  });

  it("a config change (an environment renamed, a product and its team added) is applied as synth says", async () => {
    editConfig((config) => {
      // A product's owning team must be declared (governance.teams): the new team is created too.
      const governance = config[`${PROJECT}:governance`] as { teams: { name: string; description?: string }[] };
      governance.teams.push({ name: "team-messaging", description: "Messaging product team" });
      const products = config[`${PROJECT}:products`] as { identifier: string; environments: { name: string }[] }[];
      const billing = products.find((p) => p.identifier === "billing")!;
      billing.environments.find((e) => e.name === "staging")!.name = "stage";
      products.push({ identifier: "messaging", title: "Messaging", owningTeam: "team-messaging", environments: [{ name: "dev", kind: "Dev" }] } as never);
    });
    const preview = await stack.preview({ onOutput });
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    await stack.up({ onOutput });
    declared = await synth();
    assert.deepEqual(compareWithEmulators(declared), []);
    assert.ok(port.entity("environment", "billing-stage"), "renamed environment created");
    assert.equal(port.entity("environment", "billing-staging"), undefined, "old environment removed");
    assert.equal(port.entity("product", "messaging")?.properties?.[PRODUCT.owningTeam], "team-messaging");
    assert.ok(governanceOf(port.state).teams.has("team-messaging"), "the new team created in Port");
  });

  it("a property type change without allowPropertyTypeChange is refused at preview, naming the property", async () => {
    const product = CATALOG.find((b) => b.identifier === "product")!;
    const props = (product.body as unknown as { schema: { properties: Record<string, Json> } }).schema.properties;
    const prop = PRODUCT.bambooKey;
    // A code change to blueprints/product.ts, made in memory: the inline program runs in this process.
    const before = props[prop];
    props[prop] = { ...before, type: "number" };
    const writesBefore = writes(port.requests).length;
    try {
      await assert.rejects(stack.preview({ onOutput }), (err: Error) => {
        assert.match(err.message, new RegExp(`property "${prop}" would change type string → number`));
        return true;
      });
    } finally {
      props[prop] = before;
    }
    assert.equal(writes(port.requests).length, writesBefore, "nothing written");
  });

  it("an allowed type change, then a rename (renamedFrom), run through the engine and keep every hand-made value", async () => {
    const product = CATALOG.find((b) => b.identifier === "product")!;
    const props = (product.body as unknown as { schema: { properties: Record<string, Json> } }).schema.properties;
    const OLD = PRODUCT.bambooPlanKey;
    const NEW = "bamboo_build_plan";
    const original = props[OLD];
    // Values the stack does not declare (the dev stack sets no bambooPlanKey): made by hand in Port.
    const ids = port.entities("product").map((e) => e.identifier);
    assert.ok(ids.length >= 3, ids.join());
    await portClient.bulkUpsertEntities("product", ids.map((identifier, i) => ({ identifier, properties: { [OLD]: String(1000 + i) } })), { merge: true });
    const valuesOf = (key: string) => Object.fromEntries(port.entities("product").map((e) => [e.identifier, e.properties?.[key]]));
    const expected = (value: (i: number) => unknown) => Object.fromEntries(ids.map((id, i) => [id, value(i)]));
    const migrate = async (model: () => void, config: Json) => {
      model();
      editConfig((c) => Object.assign(c, config));
      const preview = await stack.preview({ onOutput });
      assert.equal(preview.changeSummary.update, 1, JSON.stringify(preview.changeSummary));
      await stack.up({ onOutput });
      await stack.preview({ expectNoChanges: true, onOutput });
    };
    try {
      // A code change to blueprints/product.ts, made in memory: the inline program runs in this process.
      await migrate(() => (props[OLD] = { ...original, type: "number" }), { [`${PROJECT}:allowPropertyTypeChange`]: true });
      assert.deepEqual(valuesOf(OLD), expected((i) => 1000 + i), "converted to numbers");
      await migrate(
        () => {
          props[NEW] = props[OLD];
          delete props[OLD];
        },
        { [`${PROJECT}:renamedFrom`]: { [`product.${NEW}`]: OLD } },
      );
      assert.deepEqual(valuesOf(NEW), expected((i) => 1000 + i), "copied to the new name");
      assert.deepEqual(Object.keys(port.blueprint("product")!.schema.properties).filter((k) => k.startsWith("bamboo_")).sort(), [NEW, PRODUCT.bambooKey].sort());
    } finally {
      // Back to the model in code: renamed back and string again, which is a migration too.
      await migrate(
        () => {
          delete props[NEW];
          props[OLD] = original;
        },
        { [`${PROJECT}:renamedFrom`]: { [`product.${OLD}`]: NEW } },
      );
    }
    assert.deepEqual(valuesOf(OLD), expected((i) => String(1000 + i)), "back under the old name, as strings");
    editConfig((c) => {
      delete c[`${PROJECT}:renamedFrom`];
      delete c[`${PROJECT}:allowPropertyTypeChange`];
    });
    await stack.up({ onOutput });
  });

  it("preview --policy-pack policy fails on a violating config (PORC over plain HTTP), naming the policy", async () => {
    const porcKey = `${PROJECT}:porc`;
    let declaredPorc: unknown;
    editConfig((config) => {
      declaredPorc = config[porcKey];
      config[porcKey] = { url: "http://porc.dev.example.internal" };
    });
    const writesBefore = writes(port.requests).length;
    let failure: unknown;
    try {
      await stack.preview({ policyPacks: [path.join(ROOT, "policy")], onOutput });
    } catch (err) {
      failure = err;
    } finally {
      editConfig((config) => (config[porcKey] = declaredPorc));
    }
    assert.ok(failure instanceof Error, "the preview failed");
    assert.match(failure.message, /port-webhooks-use-https/);
    assert.match(failure.message, /action "porc_rerun_plan" calls http:\/\/porc\.dev\.example\.internal\/runs\//);
    assert.equal(cliExitCode(failure), POLICY_VIOLATION);
    assert.equal(writes(port.requests).length, writesBefore, "nothing written");
    // The same pack passes the declared config: the analyzer judged, it did not just crash.
    await stack.preview({ policyPacks: [path.join(ROOT, "policy")], expectNoChanges: true, onOutput });
  });

  it("destroy leaves the emulators without anything the stack declared", async () => {
    await stack.destroy({ onOutput });
    const left: string[] = [];
    for (const b of declared.blueprints) if (port.blueprint(String(b.identifier))) left.push(`blueprint ${String(b.identifier)}`);
    for (const a of declared.actions) if (port.action(String(a.identifier))) left.push(`action ${String(a.identifier)}`);
    for (const p of declared.pages) if (port.state.pages.has(String(p.identifier))) left.push(`page ${String(p.identifier)}`);
    for (const f of declared.folders) if (port.state.folders.has(String(f.identifier))) left.push(`folder ${String(f.identifier)}`);
    for (const [bp, list] of Object.entries(declared.entities)) for (const e of list) if (port.entity(bp, String(e.identifier))) left.push(`entity ${bp}/${String(e.identifier)}`);
    for (const name of Object.keys(declared.pipelines)) if (cf.pipeline(name)) left.push(`pipeline ${name}`);
    for (const t of declared.teams) if (governanceOf(port.state).teams.has(String(t.name))) left.push(`team ${String(t.name)}`);
    for (const key of Object.keys(declared.scorecards)) if (governanceOf(port.state).scorecards.has(key)) left.push(`scorecard ${key}`);
    const project = String((e2eConfig()[`${PROJECT}:codefresh`] as Json).project);
    if (cf.project(project)) left.push(`Codefresh project ${project}`);
    assert.deepEqual(left, []);
    const state = await stack.exportStack();
    assert.deepEqual(z.object({ deployment: z.object({ resources: z.array(z.unknown()).optional() }).loose() }).loose().parse(state).deployment.resources ?? [], []);
  });
});
