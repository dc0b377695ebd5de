// Every pipeline this stack declares renders to Codefresh YAML that Codefresh's own validator
// accepts, deterministically, with the steps, hooks and variables the design asks for.
import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { DEPLOY_VARIABLES } from "../blueprints/vocabulary";
import { codefreshConfigSchema, CodefreshConfig } from "../pipelines/config";
import { ciPipeline } from "../pipelines/ci";
import { checkRequestScript, deployPipeline } from "../pipelines/deploy";
import { catalogDriftScript, driftVerdictScript, pulumiDriftScript } from "../pipelines/drift-check";
import { allPipelines, pipelineDocument, renderPipelineYaml, stackPipelines } from "../pipelines";
import { ENCRYPTED_PLACEHOLDER, PipelineDefinition } from "../pipelines/spec";
import { runBash } from "./support/bash";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Validator = require("@codefresh-io/yaml-validator") as { validate(model: unknown, format: string, text: string, opts: unknown): void };

/** Errors only (`details`); warnings are not failures. A fresh opts object per call (validator bug). */
function validationErrors(text: string): string[] {
  try {
    Validator.validate(YAML.parse(text), "throw", text, { build: { buildVersion: "V2" } });
    return [];
  } catch (e) {
    const details = (e as { details?: { message: string }[] }).details;
    if (!details) throw e;
    return details.map((d) => d.message);
  }
}


const config = (raw: Record<string, unknown> = {}): CodefreshConfig =>
  codefreshConfigSchema().parse({
    services: [
      { name: "billing-api", product: "billing", repository: "acme/billing-api" },
      { name: "portal-web", product: "portal", repository: "acme/portal-web", dockerfile: "docker/Dockerfile" },
    ],
    ...raw,
  });
const PORT = "https://api.port.io";

describe("Codefresh pipeline rendering", () => {
  const cf = config({
    deployPipelines: [
      { name: "deploy" },
      { name: "deploy-kubectl", deploy: { kind: "kubectl", deployment: "web", container: "app" } },
      { name: "deploy-custom", deploy: { kind: "custom", image: "acme/deployer:2.4.1", commands: ["deployer apply \"$PORT_IMAGE_REF\""] } },
    ],
  });
  const defs = allPipelines(stackPipelines(cf, PORT));

  it("declares CI per service, each deploy pipeline, a PR preview and a drift check", () => {
    assert.deepEqual(defs.map((d) => d.name), ["ci-billing-api", "ci-portal-web", "deploy", "deploy-kubectl", "deploy-custom", "pr-preview", "drift-check"]);
  });

  for (const name of ["ci-billing-api", "ci-portal-web", "deploy", "deploy-kubectl", "deploy-custom", "pr-preview", "drift-check"]) {
    it(`${name} passes @codefresh-io/yaml-validator (V2) with no errors`, () => {
      const def = defs.find((d) => d.name === name)!;
      assert.deepEqual(validationErrors(renderPipelineYaml(def.spec)), []);
    });
  }

  it("the validator check is real: a broken pipeline gets errors", () => {
    const def = defs[0];
    const broken = { ...def.spec, steps: { ...def.spec.steps, build: { ...def.spec.steps.build, image_name: undefined } } };
    assert.ok(validationErrors(renderPipelineYaml(broken as unknown as PipelineDefinition["spec"])).length > 0);
  });

  it("renders byte-identical YAML for the same spec, whatever order keys were written in", () => {
    const def = defs[2];
    assert.equal(renderPipelineYaml(def.spec), renderPipelineYaml(def.spec));
    const reverseKeys = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    const steps = Object.fromEntries(Object.entries(def.spec.steps).map(([k, v]) => [k, reverseKeys(v)])) as typeof def.spec.steps;
    const reordered = { hooks: def.spec.hooks, steps, stages: def.spec.stages, version: def.spec.version };
    assert.equal(renderPipelineYaml(reordered), renderPipelineYaml(def.spec));
    // Step order is meaningful (it is the run order) and is kept as written.
    assert.deepEqual(Object.keys(YAML.parse(renderPipelineYaml(reordered)).steps), Object.keys(def.spec.steps));
    assert.match(renderPipelineYaml(def.spec), /^version: "1.0"\n/);
  });

  it("CI clones, builds, pushes to the configured registry, and reports in on_finish after on_success/on_fail export the result", () => {
    const spec = YAML.parse(renderPipelineYaml(ciPipeline(cf, cf.services[0], PORT).spec));
    assert.deepEqual(Object.keys(spec.steps), ["clone", "build", "push"]);
    assert.equal(spec.steps.push.registry, "docker-registry");
    assert.equal(spec.steps.push.candidate, "${{build}}");
    assert.equal(spec.steps.build.tag, spec.steps.push.tag);
    assert.deepEqual(spec.hooks.on_success.exec.commands, ["cf_export PORTAL_BUILD_STATUS=success"]);
    assert.deepEqual(spec.hooks.on_fail.exec.commands, ["cf_export PORTAL_BUILD_STATUS=error"]);
    const report = spec.hooks.on_finish.steps.report_image;
    assert.match(report.image, /^quay\.io\/codefresh\/cli:\d+\.\d+\.\d+$/);
    assert.match(report.commands[0], /\/v1\/blueprints\/image\/entities\?upsert=true&merge=true/);
    assert.deepEqual(report.environment, ["PORTAL_STEP_RESULTS=${{steps.clone.result}} ${{steps.build.result}} ${{steps.push.result}}"]);
  });

  it("secrets are encrypted placeholders; the Port URL is a plain variable", () => {
    for (const def of defs.filter((d) => d.name.startsWith("ci-") || d.name.startsWith("deploy"))) {
      const vars = Object.fromEntries(def.variables.map((v) => [v.key, v]));
      assert.deepEqual(vars.PORT_CLIENT_ID, { key: "PORT_CLIENT_ID", value: ENCRYPTED_PLACEHOLDER, encrypted: true });
      assert.deepEqual(vars.PORT_CLIENT_SECRET, { key: "PORT_CLIENT_SECRET", value: ENCRYPTED_PLACEHOLDER, encrypted: true });
      assert.deepEqual(vars.PORT_API_URL, { key: "PORT_API_URL", value: PORT, encrypted: false });
    }
  });

  it("deploy reads the agent's variables from the environment, never interpolating them into YAML", () => {
    const yaml = renderPipelineYaml(deployPipeline(cf, cf.deployPipelines[0], PORT).spec);
    for (const v of Object.values(DEPLOY_VARIABLES)) assert.ok(!yaml.includes(`\${{${v}}}`), `${v} interpolated`);
    const spec = YAML.parse(yaml);
    assert.deepEqual(Object.keys(spec.steps), ["check_request", "deploy"]);
    assert.match(spec.steps.deploy.commands[0], /^helm upgrade --install "\$PORT_PRODUCT" "\$HELM_CHART" .*"image\.reference=\$PORT_IMAGE_REF" --wait --atomic/);
    assert.match(spec.hooks.on_finish.steps.report_deploy.commands[0], /\/v1\/actions\/runs\//);
  });

  it("the deploy step is replaceable per pipeline in stack config", () => {
    const [, kubectl, custom] = cf.deployPipelines.map((p) => YAML.parse(renderPipelineYaml(deployPipeline(cf, p, PORT).spec)));
    assert.match(kubectl.steps.deploy.commands[0], /kubectl .* set image "deployment\/web" "app=\$PORT_IMAGE_REF"/);
    assert.deepEqual(custom.steps.deploy, { title: "Deploy", stage: "deploy", image: "acme/deployer:2.4.1", commands: ['deployer apply "$PORT_IMAGE_REF"'] });
  });

  it("stack config refuses unpinned images", () => {
    assert.throws(() => config({ reporterImage: "codefresh/cli:latest" }), /pinned/);
    assert.throws(() => config({ stack: { nodeImage: "node:20" } }), /pinned/);
    assert.throws(() => config({ deployPipelines: [{ name: "d", deploy: { kind: "custom", image: "deployer", commands: ["x"] } }] }), /pinned/);
    assert.doesNotThrow(() => config({ reporterImage: `acme/reporter@sha256:${"a".repeat(64)}` }));
  });

  it("deploy pipelines run one build at a time by default (spec.concurrency), configurable per pipeline, 0 = unlimited", () => {
    const dflt = config();
    assert.equal(dflt.deployPipelines[0].concurrency, 1);
    assert.equal(dflt.deployPipelines[0].deploy.kind, "helm");
    const doc = pipelineDocument(dflt.project, deployPipeline(dflt, dflt.deployPipelines[0], PORT));
    assert.equal(doc.spec.concurrency, 1);
    for (const d of defs.filter((x) => x.name.startsWith("deploy"))) assert.equal(pipelineDocument(cf.project, d).spec.concurrency, 1, d.name);
    const tuned = config({ deployPipelines: [{ name: "deploy", concurrency: 0 }, { name: "deploy-batch", concurrency: 3 }] });
    assert.deepEqual(tuned.deployPipelines.map((p) => pipelineDocument(tuned.project, deployPipeline(tuned, p, PORT)).spec.concurrency), [0, 3]);
    assert.throws(() => config({ deployPipelines: [{ name: "deploy", concurrency: -1 }] }));
    assert.throws(() => config({ deployPipelines: [{ name: "deploy", concurrency: 1.5 }] }));
    // Only deploy pipelines are limited: CI builds of different branches may run side by side.
    assert.equal(pipelineDocument(cf.project, defs[0]).spec.concurrency, undefined);
  });

  it("the Pulumi image runs a CLI whose --expect-no-changes exits 7 (>= 3.226.1); older pinned tags are refused", () => {
    const dflt = config().stack.pulumiImage;
    const v = /:(\d+)\.(\d+)\.(\d+)$/.exec(dflt)!.slice(1).map(Number);
    assert.ok(v[0] > 3 || (v[0] === 3 && (v[1] > 226 || (v[1] === 226 && v[2] >= 1))), dflt);
    for (const old of ["pulumi/pulumi-nodejs:3.205.0", "pulumi/pulumi:3.226.0", "docker.io/pulumi/pulumi-nodejs:3.100.1-debian", "pulumi/pulumi-nodejs:3.226"]) {
      assert.throws(() => config({ stack: { pulumiImage: old } }), /exits 7 on drift only from 3\.226\.1/, old);
    }
    for (const ok of ["pulumi/pulumi-nodejs:3.226.1", "pulumi/pulumi:3.248.0", "public.ecr.aws/pulumi/pulumi-nodejs:4.0.0-ubi", `pulumi/pulumi-nodejs@sha256:${"b".repeat(64)}`, "acme/pulumi-runner:1.2.3"]) {
      assert.equal(config({ stack: { pulumiImage: ok } }).stack.pulumiImage, ok);
    }
  });

  it("PR preview runs tests, synth, the catalog diff against the PR target and pulumi preview --diff on pull requests", () => {
    const def = defs.find((d) => d.name === "pr-preview")!;
    const text = renderPipelineYaml(def.spec);
    for (const cmd of ["npm ci && npm run build", "npm test", 'npm run synth -- --stack "$PULUMI_STACK"', 'npm run portal -- diff --base "origin/$CF_PULL_REQUEST_TARGET" --stack "$PULUMI_STACK"', 'pulumi preview --stack "$PULUMI_STACK" --diff']) {
      assert.ok(text.includes(cmd), `missing ${cmd}`);
    }
    assert.deepEqual(def.triggers[0].events, ["pullrequest.opened", "pullrequest.reopened", "pullrequest.synchronize"]);
    assert.equal(def.triggers[0].repo, "platform/developer-portal");
    assert.deepEqual(def.variables.find((v) => v.key === "PULUMI_ACCESS_TOKEN"), { key: "PULUMI_ACCESS_TOKEN", value: ENCRYPTED_PLACEHOLDER, encrypted: true });
  });

  it("the drift check is scheduled and clones the stack's branch explicitly", () => {
    const def = defs.find((d) => d.name === "drift-check")!;
    assert.deepEqual(def.cronTriggers, [{ type: "cron", name: "drift-check", message: "scheduled drift check", expression: "0 6 * * *", disabled: false }]);
    assert.match(def.cronTriggers[0].message, /^[a-zA-Z0-9_+\s\-#?.:]{2,128}$/);
    const clone = def.spec.steps.clone as { repo: string; revision: string };
    assert.deepEqual([clone.repo, clone.revision], ["platform/developer-portal", "main"]);
  });

  it("the API document carries steps/stages/hooks in spec (what the server runs) and the YAML for the UI", () => {
    const def = defs[0];
    const doc = pipelineDocument(cf.project, def);
    assert.equal(doc.metadata.name, "developer-portal/ci-billing-api");
    assert.deepEqual(Object.keys(doc.spec.steps as object), ["clone", "build", "push"]);
    assert.deepEqual(YAML.parse(doc.metadata.originalYamlString).steps, doc.spec.steps);
    assert.deepEqual(doc.spec.hooks, YAML.parse(doc.metadata.originalYamlString).hooks);
  });
});

describe("drift check scripts (bash, with a stand-in pulumi)", function () {
  this.timeout(20_000);
  /** PATH with fake `pulumi`, `npm` and `cf_export` that record what they were given. */
  function fakeTools(pulumiExit: number, npmExit = 0): { dir: string; env: Record<string, string> } {
    const dir = mkdtempSync(join(tmpdir(), "cf-drift-"));
    const tool = (name: string, body: string) => {
      writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    tool("pulumi", `echo "pulumi $*" >> "${dir}/calls"; exit ${pulumiExit}`);
    tool("npm", `echo "npm $*" >> "${dir}/calls"; exit ${npmExit}`);
    tool("cf_export", `echo "$*" >> "${dir}/exported"`);
    return { dir, env: { PATH: `${dir}:${process.env.PATH}`, PULUMI_STACK: "dev" } };
  }
  const exported = (dir: string) => { try { return readFileSync(join(dir, "exported"), "utf8").trim(); } catch { return ""; } };

  it("exit 0: no drift, and the verdict passes", async () => {
    const { dir, env } = fakeTools(0);
    const r = await runBash(pulumiDriftScript(), env);
    assert.equal(r.code, 0);
    assert.equal(exported(dir), "PORTAL_DRIFT=none");
    assert.match(readFileSync(join(dir, "calls"), "utf8"), /pulumi preview --stack dev --refresh --expect-no-changes --diff --non-interactive/);
    assert.equal((await runBash(driftVerdictScript(), { ...env, PORTAL_DRIFT: "none", CATALOG_DRIFT_RESULT: "none" })).code, 0);
  });

  it("exit 7 is a drift verdict: the step passes, exports drift, and the verdict fails saying 'Drift detected'", async () => {
    const { dir, env } = fakeTools(7);
    const r = await runBash(pulumiDriftScript(), env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(exported(dir), "PORTAL_DRIFT=drift");
    assert.match(r.stdout, /DRIFT/);
    const verdict = await runBash(driftVerdictScript(), { ...env, PORTAL_DRIFT: "drift" });
    assert.equal(verdict.code, 1);
    assert.match(verdict.stderr, /Drift detected in stack dev/);
  });

  it("any other exit is the check failing, not drift", async () => {
    const { dir, env } = fakeTools(255);
    const r = await runBash(pulumiDriftScript(), env);
    assert.equal(r.code, 255);
    assert.equal(exported(dir), "");
    assert.match(r.stderr, /not a drift verdict/);
  });

  it("portal drift: exit 1 is recorded as drift for the verdict, exit 2 is an error of the check", async () => {
    const drift = fakeTools(0, 1);
    const r = await runBash(catalogDriftScript(), drift.env);
    assert.equal(r.code, 0);
    assert.equal(exported(drift.dir), "CATALOG_DRIFT_RESULT=drift");
    assert.match(readFileSync(join(drift.dir, "calls"), "utf8"), /npm run portal -- drift --stack dev/);
    const verdict = await runBash(driftVerdictScript(), { ...drift.env, CATALOG_DRIFT_RESULT: "drift" });
    assert.equal(verdict.code, 1);
    const broken = fakeTools(0, 2);
    const e = await runBash(catalogDriftScript(), broken.env);
    assert.equal(e.code, 2);
    assert.equal(exported(broken.dir), "");
    const clean = fakeTools(0, 0);
    assert.equal((await runBash(catalogDriftScript(), clean.env)).code, 0);
    assert.equal(exported(clean.dir), "CATALOG_DRIFT_RESULT=none");
  });
});

describe("deploy request check (bash)", () => {
  const ok = { PORT_RUN_ID: "r_abc123", PORT_IMAGE: "billing-api:main-abc1234", PORT_IMAGE_REF: "reg/billing-api:main-abc1234", PORT_ENVIRONMENT: "billing-dev", PORT_PRODUCT: "billing" };
  it("passes with the agent's variables and fails the build when one is missing or malformed", async () => {
    assert.equal((await runBash(checkRequestScript(), ok)).code, 0);
    const missing = await runBash(checkRequestScript(), { ...ok, PORT_IMAGE_REF: "" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing build variable PORT_IMAGE_REF/);
    assert.equal((await runBash(checkRequestScript(), { ...ok, PORT_RUN_ID: "$(id)" })).code, 1);
  });
});
