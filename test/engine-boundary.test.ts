// The boundary the real engine puts between the program and a dynamic provider, crossed the way
// @pulumi/pulumi/cmd/dynamic-provider crosses it: every resource `synth` lists for the dev stack
// is applied by its own provider with inputs, state and results round-tripped through protobuf
// `Struct` (object keys sorted), against the pessimistic emulators. What reaches Port and
// Codefresh must be what resources.json says is sent — order-sensitive fields included — and a
// read-back must not diff.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { pipelineProvider, projectProvider } from "../infra/codefresh/provider";
import { actionProvider } from "../infra/port/action";
import { aggregationsProvider, blueprintProvider } from "../infra/port/blueprint";
import { entitySetProvider } from "../infra/port/entity-set";
import { folderProvider, pageProvider } from "../infra/port/page";
import { CodefreshEmulator, DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { engineDriven, throughStruct } from "./support/engine-boundary";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = path.resolve(__dirname, "..");
const DYNAMIC = "pulumi-nodejs:dynamic/";

interface SynthResource {
  type: string;
  name: string;
  inputs: Json;
  sends?: Json;
}

const PORT_PROVIDERS: Record<string, pulumi.dynamic.ResourceProvider> = {
  "port:Blueprint": blueprintProvider,
  "port:BlueprintAggregations": aggregationsProvider,
  "port:Action": actionProvider,
  "port:EntitySet": entitySetProvider,
  "port:Folder": folderProvider,
  "port:Page": pageProvider,
};

function runSynth(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "tools", "cli.ts"), "synth", "--stack", "dev", "--out", out], { cwd: ROOT, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } }, (err, _stdout, stderr) => (err ? reject(new Error(stderr || String(err))) : resolve()));
  });
}

/** Order-sensitive text of a value: key order and array order both count. */
const exact = (v: unknown) => JSON.stringify(v);

describe("engine boundary: every dynamic provider with inputs through protobuf Struct, against the emulators", function () {
  this.timeout(180_000);
  let tmp: string;
  let resources: SynthResource[];
  let port: PortEmulator;
  let cf: CodefreshEmulator;
  const saved = { id: process.env.PORT_CLIENT_ID, secret: process.env.PORT_CLIENT_SECRET, cf: process.env.CODEFRESH_API_KEY };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engine-boundary-"));
    await runSynth(path.join(tmp, "out"));
    resources = (JSON.parse(fs.readFileSync(path.join(tmp, "out", "resources.json"), "utf8")) as SynthResource[]).filter((r) => r.type.startsWith(DYNAMIC));
    // The most pessimistic Port: sets answered reordered, pages stored normalized.
    port = await PortEmulator.start({ reorderSets: true, normalizePages: true });
    cf = await CodefreshEmulator.start();
    process.env.PORT_CLIENT_ID = TEST_CREDENTIALS.clientId;
    process.env.PORT_CLIENT_SECRET = TEST_CREDENTIALS.clientSecret;
    process.env.CODEFRESH_API_KEY = DEFAULT_CODEFRESH_API_KEY;
  });
  after(async () => {
    await port?.stop();
    await cf?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const [k, v] of [["PORT_CLIENT_ID", saved.id], ["PORT_CLIENT_SECRET", saved.secret], ["CODEFRESH_API_KEY", saved.cf]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const ofType = (type: string) => resources.filter((r) => r.type === `${DYNAMIC}${type}`);

  it("the helper round-trips like the engine: object keys come back sorted, array order stays", () => {
    const back = throughStruct({ steps: { clone: 1, build: 2, push: 3 }, list: ["b", "a"] });
    assert.deepEqual(Object.keys(back.steps), ["build", "clone", "push"]);
    assert.deepEqual(back.list, ["b", "a"]);
  });

  it("resources.json shows each pipeline's body with steps in the order of its YAML file", () => {
    const pipelines = ofType("codefresh:Pipeline");
    assert.ok(pipelines.length >= 4);
    for (const p of pipelines) {
      const [project, name] = String(p.inputs.name).split("/");
      const yaml = YAML.parse(fs.readFileSync(path.join(tmp, "out", "codefresh", "pipelines", project, `${name}.yml`), "utf8")) as Json;
      assert.ok(p.sends, `${p.name} has no "sends"`);
      assert.deepEqual(Object.keys(p.sends.spec.steps), Object.keys(yaml.steps), p.name);
      assert.equal(p.inputs.document.spec.steps, undefined, `${p.name}: steps must not travel as an object`);
    }
    const ci = pipelines.find((p) => p.name.includes("-ci-"))!;
    assert.deepEqual(Object.keys(ci.sends!.spec.steps), ["clone", "build", "push"]);
  });

  it("every pipeline reaches Codefresh with steps and hooks in YAML order, exactly as resources.json shows, and reads back without a diff", async () => {
    const engine = engineDriven(pipelineProvider);
    const [projectRes] = ofType("codefresh:Project");
    await engineDriven(projectProvider).create({ ...projectRes.inputs, baseUrl: cf.url });
    for (const p of ofType("codefresh:Pipeline")) {
      const news = { ...p.inputs, baseUrl: cf.url };
      const checked = await engine.check({}, news);
      assert.deepEqual(checked.failures ?? [], [], p.name);
      const created = await engine.create(checked.inputs!);
      const post = cf.requestsTo("POST", /^\/api\/pipelines$/).at(-1)!;
      const sent = post.body as Json;
      assert.equal(exact(sent.spec.steps), exact(p.sends!.spec.steps), `${p.name}: steps sent differ from resources.json (order included)`);
      assert.equal(exact(sent.spec.hooks), exact(p.sends!.spec.hooks), `${p.name}: hooks`);
      assert.deepEqual(sent.spec.stages, p.sends!.spec.stages);
      assert.deepEqual(Object.keys(cf.pipeline(created.id)!.current.spec.steps as Json), Object.keys(p.sends!.spec.steps));
      const read = await engine.read(created.id, created.outs!);
      const diff = await engine.diff(created.id, read.props!, checked.inputs!);
      assert.equal(diff.changes, false, `${p.name}: a read-back diffs`);
    }
  });

  it("a step reorder made in Codefresh is a diff after a refresh through the engine", async () => {
    const engine = engineDriven(pipelineProvider);
    const p = ofType("codefresh:Pipeline").find((r) => r.name.includes("-ci-"))!;
    const stored = cf.pipeline(String(p.inputs.name))!;
    const steps = stored.current.spec.steps as Json;
    stored.current.spec.steps = { build: steps.build, clone: steps.clone, push: steps.push };
    const read = await engine.read(stored.current.metadata.id as string, { ...p.inputs, baseUrl: cf.url });
    assert.equal((await engine.diff("x", read.props!, { ...p.inputs, baseUrl: cf.url })).changes, true);
  });

  it("every Port object reaches Port as resources.json shows it, reads back without a diff, and is destroyed", async () => {
    const created: { r: SynthResource; id: string; news: Json; provider: ReturnType<typeof engineDriven> }[] = [];
    for (const r of resources) {
      const kind = r.type.slice(DYNAMIC.length);
      const provider = PORT_PROVIDERS[kind];
      if (!provider) continue;
      const engine = engineDriven(provider);
      const news = { ...r.inputs, baseUrl: port.url };
      const before = port.requests.length;
      const checked = await engine.check({}, news);
      assert.deepEqual(checked.failures ?? [], [], r.name);
      const result = await engine.create(checked.inputs!);
      const writes = port.requests.slice(before).filter((q) => q.method !== "GET" && q.body !== undefined && !q.path.startsWith("/v1/auth"));
      assert.ok(writes.length > 0, `${r.name}: nothing was written`);
      if (kind === "port:EntitySet") {
        const sent = writes.flatMap((q) => (q.body as Json).entities as Json[]);
        assert.deepEqual(sent.map((e) => e.identifier).sort(), (r.inputs.entities as Json[]).map((e) => e.identifier).sort(), r.name);
      } else if (kind === "port:BlueprintAggregations") {
        assert.deepEqual((writes.at(-1)!.body as Json).aggregationProperties, r.inputs.body.aggregationProperties, r.name);
      } else {
        // deepEqual: object key order is free in JSON, array order (widgets, required…) is not.
        assert.deepEqual(writes[0].body, r.inputs.body, `${r.name}: body sent differs from resources.json`);
      }
      created.push({ r, id: result.id, news: checked.inputs!, provider: engine });
    }
    assert.ok(created.length >= 15, `only ${created.length} Port resources`);
    for (const c of created) {
      const read = await c.provider.read(c.id, { ...c.news });
      assert.ok(read.props, `${c.r.name}: read says gone`);
      const diff = await c.provider.diff(c.id, read.inputs ?? read.props!, c.news);
      assert.equal(diff.changes, false, `${c.r.name}: refresh shows a diff with nothing changed`);
    }
    // destroy, dependents first as the engine orders it, with state that came through Struct
    for (const c of [...created].reverse()) await c.provider.delete(c.id, c.news);
    assert.deepEqual([port.state.blueprints.size, port.state.actions.size, port.state.pages.size, port.state.folders.size], [0, 0, 0, 0]);
  });
});
