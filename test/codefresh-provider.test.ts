// The Codefresh dynamic providers: CRUD against the Codefresh emulator in-process, the same
// provider serialized as Pulumi stores it and revived in a fresh Node process, and the
// CodefreshPipelines component under Pulumi mocks.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { canonicalPipeline, pipelineBody, pipelineProvider, projectProvider } from "../infra/codefresh/provider";
import { CodefreshPipelines } from "../infra/codefresh/pipelines";
import { codefreshConfigSchema } from "../pipelines/config";
import { pipelineDocument, pipelineResourceInputs, stackPipelines } from "../pipelines";
import { stackConfigSchema } from "../stacks/config";
import { CodefreshEmulator, DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { installMocks, promiseOf, ResourceRecorder, settle } from "./support/mocks";

const run = promisify(execFile);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const cf = codefreshConfigSchema().parse({ services: [{ name: "billing-api", product: "billing", repository: "acme/billing-api" }] });
const defs = stackPipelines(cf, "https://api.port.io");

function pipelineInputs(baseUrl: string, def = defs.ci[0]): Json {
  return { baseUrl, ...JSON.parse(JSON.stringify(pipelineResourceInputs(cf.project, def))) };
}

/** Edit the codefresh.yml of some inputs (the YAML is where steps live). */
function editYaml(inputs: Json, edit: (doc: Json) => void): void {
  const doc = YAML.parse(inputs.yaml) as Json;
  edit(doc);
  inputs.yaml = YAML.stringify(doc, { lineWidth: 0 });
}

/** Set the encrypted values in the emulator as the platform team does in the Codefresh UI. */
function setSecretsInCodefresh(emulator: CodefreshEmulator, name: string): void {
  const stored = emulator.pipeline(name)!;
  for (const v of stored.current.spec.variables) if (v.encrypted) v.value = `real-${v.key.toLowerCase()}`;
}

describe("Codefresh providers against the Codefresh emulator", function () {
  this.timeout(30_000);
  let emulator: CodefreshEmulator;
  const savedKey = process.env.CODEFRESH_API_KEY;

  before(async () => {
    emulator = await CodefreshEmulator.start();
    process.env.CODEFRESH_API_KEY = DEFAULT_CODEFRESH_API_KEY;
  });
  after(async () => {
    await emulator.stop();
    if (savedKey === undefined) delete process.env.CODEFRESH_API_KEY;
    else process.env.CODEFRESH_API_KEY = savedKey;
  });
  beforeEach(() => emulator.reset());

  it("project: create, read (same shape), update tags, delete; a deleted project reads as gone", async () => {
    const inputs = { baseUrl: emulator.url, name: "developer-portal", tags: ["b", "a", "a"] };
    const created = await projectProvider.create!(inputs);
    assert.deepEqual(created.outs, { baseUrl: emulator.url, name: "developer-portal", tags: ["a", "b"], projectId: created.id });
    assert.deepEqual(emulator.project("developer-portal")?.tags, ["a", "b"]);
    const read = await projectProvider.read!(created.id, created.outs);
    assert.deepEqual(read, { id: created.id, props: created.outs });
    const diff = await projectProvider.diff!(created.id, created.outs, { ...inputs, tags: ["a", "b", "c"] });
    assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    assert.equal((await projectProvider.diff!(created.id, created.outs, inputs)).changes, false);
    await projectProvider.update!(created.id, created.outs, { ...inputs, tags: ["c"] });
    assert.deepEqual(emulator.project("developer-portal")?.tags, ["c"]);
    await projectProvider.delete!(created.id, created.outs);
    assert.equal(emulator.project("developer-portal"), undefined);
    assert.deepEqual(await projectProvider.read!(created.id, created.outs), {});
    await projectProvider.delete!(created.id, created.outs); // already gone: no error
  });

  it("project: a rename replaces", async () => {
    const d = await projectProvider.diff!("x", { baseUrl: emulator.url, name: "a", tags: [] }, { baseUrl: emulator.url, name: "b", tags: [] });
    assert.deepEqual(d.replaces, ["name"]);
  });

  it("pipeline: create stores spec.steps/stages/hooks in order plus the YAML, addressed by its URL-encoded full name", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const created = await pipelineProvider.create!(inputs);
    const stored = emulator.pipeline("developer-portal/ci-billing-api")!.current;
    assert.equal(created.id, stored.metadata.id);
    assert.deepEqual(Object.keys(stored.spec.steps as object), ["clone", "build", "push"]);
    assert.deepEqual(stored.spec.hooks, pipelineDocument(cf.project, defs.ci[0]).spec.hooks);
    assert.equal(stored.metadata.originalYamlString, inputs.yaml);
    assert.ok(emulator.requests.some((r) => r.method === "GET" && r.path.includes("developer-portal%2Fci-billing-api")), "name not URL-encoded");
    assert.deepEqual(Object.keys(YAML.parse(created.outs.yaml).steps), ["clone", "build", "push"], "outputs carry the live step order as YAML");
    assert.equal(created.outs.pipelineId, created.id);
  });

  it("pipeline: secrets set in Codefresh are neither diffed forever nor overwritten by the placeholders", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const created = await pipelineProvider.create!(inputs);
    setSecretsInCodefresh(emulator, inputs.name);
    // refresh: the API masks encrypted values; no diff follows
    const read = await pipelineProvider.read!(created.id, created.outs);
    assert.ok(!JSON.stringify(read.props).includes("real-port_client_secret"));
    assert.equal((await pipelineProvider.diff!(created.id, read.props!, inputs)).changes, false);
    // a real change goes through PUT and keeps the secrets
    const changed = pipelineInputs(emulator.url);
    editYaml(changed, (d) => (d.steps.push.tag = "${{CF_SHORT_REVISION}}"));
    assert.equal((await pipelineProvider.diff!(created.id, read.props!, changed)).changes, true);
    const updated = await pipelineProvider.update!(created.id, read.props!, changed);
    const stored = emulator.pipeline(inputs.name)!.current;
    assert.equal((stored.spec.steps as Json).push.tag, "${{CF_SHORT_REVISION}}");
    assert.deepEqual(stored.spec.variables.filter((v) => v.encrypted).map((v) => v.value), ["real-port_client_id", "real-port_client_secret"]);
    assert.ok(!JSON.stringify(updated.outs).includes("real-port_client"));
  });

  it("pipeline: when decryptVariables still answers masked values, the update fails naming the variables and no secret is overwritten", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const created = await pipelineProvider.create!(inputs);
    setSecretsInCodefresh(emulator, inputs.name);
    emulator.decryptDenied = true; // the key may read pipelines, not decrypt their variables
    const changed = pipelineInputs(emulator.url);
    editYaml(changed, (d) => (d.steps.push.tag = "${{CF_SHORT_REVISION}}"));
    const puts = emulator.requestsTo("PUT", /\/api\/pipelines\//).length;
    await assert.rejects(pipelineProvider.update!(created.id, created.outs, changed), (e: Error) => {
      assert.match(e.message, /PORT_CLIENT_ID, PORT_CLIENT_SECRET/);
      assert.match(e.message, /developer-portal\/ci-billing-api/);
      assert.match(e.message, /decrypt/);
      return true;
    });
    // adopting an existing pipeline is refused the same way
    await assert.rejects(pipelineProvider.create!(inputs), /PORT_CLIENT_SECRET.*masked/s);
    assert.equal(emulator.requestsTo("PUT", /\/api\/pipelines\//).length, puts, "a PUT was sent");
    const stored = emulator.pipeline(inputs.name)!.current;
    assert.deepEqual(stored.spec.variables.filter((v) => v.encrypted).map((v) => v.value), ["real-port_client_id", "real-port_client_secret"]);
    assert.equal((stored.spec.steps as Json).push.tag, (defs.ci[0].spec.steps.push as Json).tag);
    // with the permission back, the same update goes through and keeps the secrets
    emulator.decryptDenied = false;
    await pipelineProvider.update!(created.id, created.outs, changed);
    assert.deepEqual(emulator.pipeline(inputs.name)!.current.spec.variables.filter((v) => v.encrypted).map((v) => v.value), ["real-port_client_id", "real-port_client_secret"]);
  });

  it("pipeline: a pipeline without encrypted values set is not blocked by masking of variables it does not declare encrypted", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    inputs.document.spec.variables = inputs.document.spec.variables.filter((v: Json) => !v.encrypted);
    const created = await pipelineProvider.create!(inputs);
    emulator.decryptDenied = true;
    const changed = JSON.parse(JSON.stringify(inputs));
    changed.document.metadata.description = "changed";
    await pipelineProvider.update!(created.id, created.outs, changed);
    assert.equal(emulator.pipeline(inputs.name)!.current.metadata.description, "changed");
  });

  it("pipeline: the deploy pipeline's concurrency is stored as spec.concurrency, read back without a diff, and a change is a diff", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url, defs.deploy[0]);
    assert.equal(inputs.document.spec.concurrency, 1);
    const created = await pipelineProvider.create!(inputs);
    assert.equal(emulator.pipeline(inputs.name)!.current.spec.concurrency, 1);
    const read = await pipelineProvider.read!(created.id, created.outs);
    assert.equal((await pipelineProvider.diff!(created.id, read.props!, inputs)).changes, false);
    const unlimited = JSON.parse(JSON.stringify(inputs));
    unlimited.document.spec.concurrency = 0;
    assert.equal((await pipelineProvider.diff!(created.id, read.props!, unlimited)).changes, true);
    // raised in the UI: refresh shows it as a diff
    emulator.pipeline(inputs.name)!.current.spec.concurrency = 5;
    const drifted = await pipelineProvider.read!(created.id, created.outs);
    assert.equal((await pipelineProvider.diff!(created.id, drifted.props!, inputs)).changes, true);
  });

  it("pipeline: an edit in the UI (new revision) does not make the next update fail with 4204", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const created = await pipelineProvider.create!(inputs);
    const res = await fetch(`${emulator.apiUrl}/pipelines/${created.id}?disableRevisionCheck=true`, {
      method: "PUT", headers: { authorization: DEFAULT_CODEFRESH_API_KEY, "content-type": "application/json" },
      body: JSON.stringify({ ...pipelineBody(inputs as never), metadata: { ...inputs.document.metadata, description: "edited in UI" } }),
    });
    assert.equal(res.status, 200);
    await pipelineProvider.update!(created.id, created.outs, inputs);
    const stored = emulator.pipeline(created.id)!;
    assert.equal(stored.current.metadata.revision, 2);
    assert.equal(stored.current.metadata.description, inputs.document.metadata.description);
    assert.ok(emulator.requestsTo("PUT", /\/api\/pipelines\//).every((r) => r.query.includes("disableRevisionCheck=true")));
  });

  it("pipeline: refresh sees an edit made in the UI as a diff", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const created = await pipelineProvider.create!(inputs);
    (emulator.pipeline(created.id)!.current.spec.steps as Json).build.dockerfile = "Other.Dockerfile";
    const read = await pipelineProvider.read!(created.id, created.outs);
    assert.equal((await pipelineProvider.diff!(created.id, read.props!, inputs)).changes, true);
  });

  it("pipeline: deleted outside Pulumi reads as gone; delete of a gone pipeline succeeds", async () => {
    emulator.seedProject("developer-portal");
    const created = await pipelineProvider.create!(pipelineInputs(emulator.url));
    await pipelineProvider.delete!(created.id, created.outs);
    assert.equal(emulator.pipeline(created.id), undefined);
    assert.deepEqual(await pipelineProvider.read!(created.id, created.outs), {});
    await pipelineProvider.delete!(created.id, created.outs);
  });

  it("pipeline: create adopts a pipeline that already exists (a create that failed after Codefresh stored it)", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const first = await pipelineProvider.create!(inputs);
    setSecretsInCodefresh(emulator, inputs.name);
    const again = await pipelineProvider.create!(inputs);
    assert.equal(again.id, first.id);
    assert.equal(emulator.pipeline(first.id)!.current.spec.variables.find((v) => v.key === "PORT_CLIENT_SECRET")?.value, "real-port_client_secret");
  });

  it("pipeline diff: canonical (key order inside steps, tag order, trigger ids ignored), but step order and renames count", async () => {
    const a = pipelineInputs(emulator.url);
    const b = JSON.parse(JSON.stringify(a));
    editYaml(b, (d) => (d.steps.build = Object.fromEntries(Object.entries(d.steps.build).reverse())));
    b.document.metadata.labels.tags = [...a.document.metadata.labels.tags].reverse();
    b.document.spec.triggers[0].id = "64ed0bc7c64d3336272d6c51";
    assert.deepEqual(canonicalPipeline(pipelineBody(a as never)), canonicalPipeline(pipelineBody(b as never)));
    assert.equal((await pipelineProvider.diff!("id", a, b)).changes, false);
    const reordered = JSON.parse(JSON.stringify(a));
    editYaml(reordered, (d) => (d.steps = { build: d.steps.build, clone: d.steps.clone, push: d.steps.push }));
    assert.equal((await pipelineProvider.diff!("id", a, reordered)).changes, true);
    const renamed = pipelineInputs(emulator.url, defs.deploy[0]);
    assert.deepEqual((await pipelineProvider.diff!("id", a, renamed)).replaces, ["name"]);
  });

  it("pipeline diff: state from the provider that sent steps as an object is a change, so the next up re-sends them in YAML order", async () => {
    const a = pipelineInputs(emulator.url);
    const oldState = JSON.parse(JSON.stringify(a));
    oldState.document.spec.steps = pipelineDocument(cf.project, defs.ci[0]).spec.steps;
    assert.equal((await pipelineProvider.diff!("id", oldState, a)).changes, true);
    assert.equal((await pipelineProvider.diff!("id", a, a)).changes, false);
  });

  it("pipeline check: refuses a name outside its project or a document that disagrees", async () => {
    const bad = pipelineInputs(emulator.url);
    bad.name = "other/ci-billing-api";
    const res = await pipelineProvider.check!({}, bad);
    assert.ok((res.failures ?? []).length >= 2, JSON.stringify(res.failures));
    // steps as an object would cross the engine with sorted keys: refused, they belong in the YAML
    const stepsAsObject = pipelineInputs(emulator.url);
    stepsAsObject.document.spec.steps = pipelineDocument(cf.project, defs.ci[0]).spec.steps;
    const refused = await pipelineProvider.check!({}, stepsAsObject);
    assert.match(JSON.stringify(refused.failures), /spec\.steps must travel in `yaml`/);
    assert.equal(((await pipelineProvider.check!({}, pipelineInputs(emulator.url))).failures ?? []).length, 0);
  });

  it("credentials: from stack config via configure, else CODEFRESH_API_KEY; a clear error without either", async () => {
    emulator.seedProject("developer-portal");
    delete process.env.CODEFRESH_API_KEY;
    const slot = "__developerPortalCodefreshApiKey";
    try {
      delete (globalThis as Json)[slot];
      await assert.rejects(pipelineProvider.create!(pipelineInputs(emulator.url)), /developer-portal:codefreshApiKey/);
      await pipelineProvider.configure!({ config: { get: (k: string) => (k === "developer-portal:codefreshApiKey" ? DEFAULT_CODEFRESH_API_KEY : undefined), require: () => "" } });
      const created = await pipelineProvider.create!(pipelineInputs(emulator.url));
      assert.ok(created.id);
      assert.ok(!JSON.stringify(created.outs).includes(DEFAULT_CODEFRESH_API_KEY));
    } finally {
      delete (globalThis as Json)[slot];
      process.env.CODEFRESH_API_KEY = DEFAULT_CODEFRESH_API_KEY;
    }
  });
});

/** The host's own loader: require-from-string as @pulumi/pulumi resolves it. */
const requireFromString = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] });

const DRIVER = `
const fs = require("fs");
const [providerFile, scenarioFile, apiKey] = process.argv.slice(2);
const provider = require(${JSON.stringify(requireFromString)})(fs.readFileSync(providerFile, "utf8")).handler();
const config = { get: (k) => (k === "developer-portal:codefreshApiKey" ? apiKey : undefined), require: (k) => { throw new Error(k); } };
(async () => {
  await provider.configure({ config });
  const steps = JSON.parse(fs.readFileSync(scenarioFile, "utf8"));
  const results = [];
  let last;
  for (const step of steps) {
    const args = step.args.map((a) => (a === "$id" ? last.id : a === "$outs" ? (last.outs || last.props) : a));
    const r = await provider[step.method](...args);
    if (r && (r.id || r.outs || r.props)) last = { ...last, ...r };
    results.push(r === undefined ? null : r);
  }
  process.stdout.write(JSON.stringify(results));
})().catch((e) => { process.stderr.write(String((e && e.stack) || e)); process.exit(1); });
`;

describe("serialized Codefresh providers in a fresh process", function () {
  this.timeout(90_000);
  let emulator: CodefreshEmulator;
  let dir: string;

  before(async () => {
    emulator = await CodefreshEmulator.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cf-provider-"));
    fs.writeFileSync(path.join(dir, "driver.js"), DRIVER);
  });
  after(() => emulator.stop());
  beforeEach(() => emulator.reset());

  async function drive(provider: pulumi.dynamic.ResourceProvider, kind: string, steps: { method: string; args: unknown[] }[]): Promise<Json[]> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.ok(!sf.text.includes(DEFAULT_CODEFRESH_API_KEY), "the serialized provider captured the API key");
    const providerFile = path.join(dir, `${kind}.js`);
    const scenarioFile = path.join(dir, `${kind}-scenario.json`);
    fs.writeFileSync(providerFile, sf.text);
    fs.writeFileSync(scenarioFile, JSON.stringify(steps));
    // No CODEFRESH_API_KEY in the child: the key must come through configure, as from stack config.
    const env = { PATH: process.env.PATH ?? "" };
    const { stdout } = await run(process.execPath, [path.join(dir, "driver.js"), providerFile, scenarioFile, DEFAULT_CODEFRESH_API_KEY], { cwd: path.resolve(__dirname, ".."), env, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as Json[];
  }

  it("the revived pipeline provider creates, reads, diffs, updates and deletes", async () => {
    emulator.seedProject("developer-portal");
    const inputs = pipelineInputs(emulator.url);
    const changed = pipelineInputs(emulator.url);
    changed.document.metadata.description = "changed";
    const [created, read, same, diff, , deleted, gone] = await drive(pipelineProvider, "pipeline", [
      { method: "create", args: [inputs] },
      { method: "read", args: ["$id", "$outs"] },
      { method: "diff", args: ["$id", "$outs", inputs] },
      { method: "diff", args: ["$id", "$outs", changed] },
      { method: "update", args: ["$id", "$outs", changed] },
      { method: "delete", args: ["$id", "$outs"] },
      { method: "read", args: ["$id", "$outs"] },
    ]);
    assert.match(created.id, /^[0-9a-f]{24}$/);
    assert.equal(read.id, created.id);
    assert.equal(same.changes, false);
    assert.equal(diff.changes, true);
    assert.equal(deleted, null);
    assert.deepEqual(gone, {});
    assert.equal(emulator.pipeline(created.id), undefined);
    assert.ok(emulator.requestsTo("PUT", /\/api\/pipelines\//).length === 1);
    assert.equal(emulator.requestsTo("PUT", /\/api\/pipelines\//)[0].body && (emulator.requestsTo("PUT", /\/api\/pipelines\//)[0].body as Json).metadata.description, "changed");
  });

  it("the revived project provider creates, reads and deletes", async () => {
    const [created, read, , gone] = await drive(projectProvider, "project", [
      { method: "create", args: [{ baseUrl: emulator.url, name: "developer-portal", tags: ["x"] }] },
      { method: "read", args: ["$id", "$outs"] },
      { method: "delete", args: ["$id", "$outs"] },
      { method: "read", args: ["$id", "$outs"] },
    ]);
    assert.equal(read.props.name, "developer-portal");
    assert.equal(read.id, created.id);
    assert.deepEqual(gone, {});
    assert.equal(emulator.project("developer-portal"), undefined);
  });
});

describe("CodefreshPipelines component (Pulumi mocks)", function () {
  this.timeout(60_000);
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());

  const stackConfig = stackConfigSchema().parse({
    port: { orgId: "org_Test1" },
    products: [{ identifier: "billing", title: "Billing" }],
    codefresh: { services: [{ name: "billing-api", product: "billing", repository: "acme/billing-api" }], deployPipelines: [{ name: "deploy" }, { name: "deploy-canary" }] },
  });

  it("records no inputs on the component, so the stack config is neither kept in state nor a component diff", async () => {
    const c = new CodefreshPipelines("cf", { codefresh: stackConfig.codefresh, portApiUrl: "https://api.port.io" });
    await promiseOf(c.pipelineNames);
    assert.deepEqual(mocks.one("portal:codefresh:CodefreshPipelines", "cf").inputs, {});
  });

  it("declares the project, CI per service, deploy, PR-preview and drift pipelines with the agreed inputs and type tokens", async () => {
    const c = new CodefreshPipelines("cf", { codefresh: stackConfig.codefresh, portApiUrl: "https://api.port.io" });
    assert.deepEqual(await promiseOf(c.deployPipelineNames), ["developer-portal/deploy", "developer-portal/deploy-canary"]);
    assert.deepEqual(await promiseOf(c.pipelineNames), [
      "developer-portal/ci-billing-api", "developer-portal/deploy", "developer-portal/deploy-canary", "developer-portal/pr-preview", "developer-portal/drift-check",
    ]);
    await settle();
    const project = mocks.one("pulumi-nodejs:dynamic/codefresh:Project");
    assert.equal(project.name, "cf-project");
    assert.deepEqual({ baseUrl: project.inputs.baseUrl, name: project.inputs.name, tags: project.inputs.tags }, { baseUrl: "https://g.codefresh.io", name: "developer-portal", tags: ["developer-portal"] });
    const pipelines = mocks.byType("pulumi-nodejs:dynamic/codefresh:Pipeline");
    assert.deepEqual(pipelines.map((p) => p.name).sort(), ["cf-ci-billing-api", "cf-deploy", "cf-deploy-canary", "cf-drift-check", "cf-pr-preview"]);
    for (const p of pipelines) {
      assert.deepEqual(Object.keys(p.inputs).filter((k) => k !== "__provider").sort(), ["baseUrl", "document", "name", "project", "yaml"]);
      assert.equal(p.inputs.project, "developer-portal");
      assert.equal(p.inputs.document.metadata.name, p.inputs.name);
      assert.equal(p.inputs.document.kind, "pipeline");
      assert.equal(typeof p.inputs.yaml, "string");
      assert.match(p.inputs.yaml, /^version: "1.0"/);
      assert.ok(!JSON.stringify(p.inputs).includes(DEFAULT_CODEFRESH_API_KEY));
    }
    const deploy = pipelines.find((p) => p.name === "cf-deploy")!;
    assert.ok(deploy.inputs.document.spec.variables.some((v: Json) => v.key === "PORT_API_URL" && v.value === "https://api.port.io"));
    const types = mocks.resources.filter((r) => !r.custom).map((r) => r.type);
    assert.ok(types.includes("portal:codefresh:CodefreshPipelines"));
  });
});
