// DESIGN.md §1 end to end, against the Port and Codefresh emulators, moto (local DynamoDB) and the real agent
// bundle: the pipelines are applied to Codefresh by our provider; the CI reporter script stored
// in Codefresh upserts an image; a deploy request arrives as a Kafka event; the agent starts the
// deploy pipeline; the deploy pipeline's scripts (as Codefresh stores them) run in bash with the
// variables the agent passed; Port ends with the run closed and the environment updated.
import * as assert from "node:assert/strict";
import { deploymentIdentifier, imageIdentifier } from "../blueprints/identifiers";
import { BLUEPRINTS, DEPLOYMENT, ENVIRONMENT, IMAGE } from "../blueprints/vocabulary";
import { pipelineProvider, projectProvider } from "../infra/codefresh/provider";
import { pipelineResourceInputs, stackPipelines } from "../pipelines";
import { codefreshConfigSchema } from "../pipelines/config";
import { AgentBundle, AgentWorld, startBundleWorld } from "./support/agent-world";
import { DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { TEST_CREDENTIALS } from "./support/port-emulator";
import { runBash } from "./support/bash";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any


describe("the whole story (DESIGN.md §1): CI → Port → agent → deploy pipeline → Port", function () {
  this.timeout(120_000);
  let world: AgentWorld;
  let restoreEnv: () => void;
  let agent: AgentBundle;
  const savedKey = process.env.CODEFRESH_API_KEY;
  const DEPLOY = "developer-portal/deploy";
  const CI = "developer-portal/ci-billing-api";
  const tag = "main-abc1234";
  const imageId = imageIdentifier("billing-api", tag);

  /** Pipeline variables as Codefresh would inject them (decrypted), from what our provider stored. */
  function pipelineVariables(name: string): Record<string, string> {
    const stored = world.cf.pipeline(name)!.current;
    return Object.fromEntries(stored.spec.variables.map((v) => [v.key, String(v.value)]));
  }
  /** A step's script exactly as Codefresh stored it. */
  const hookScript = (name: string, step: string): string => ((world.cf.pipeline(name)!.current.spec.hooks as Json).on_finish.steps[step].commands as string[]).join("\n");
  const stepScript = (name: string, step: string): string => ((world.cf.pipeline(name)!.current.spec.steps as Json)[step].commands as string[]).join("\n");

  before(async function () {
    ({ world, restoreEnv } = await startBundleWorld());
  });
  after(async () => {
    await world?.stop();
    restoreEnv?.();
    if (savedKey === undefined) delete process.env.CODEFRESH_API_KEY;
    else process.env.CODEFRESH_API_KEY = savedKey;
  });

  beforeEach(async () => {
    await world.reset();
    world.addEnvironment("billing-dev", "billing");
    // Our provider applies the project and the pipelines, pointing the reporters at this Port.
    process.env.CODEFRESH_API_KEY = DEFAULT_CODEFRESH_API_KEY;
    const cf = codefreshConfigSchema().parse({ url: world.cf.url, services: [{ name: "billing-api", product: "billing", repository: "acme/billing-api" }] });
    await projectProvider.create!({ baseUrl: world.cf.url, name: cf.project, tags: [] });
    const defs = stackPipelines(cf, world.port.url);
    for (const def of [...defs.ci, ...defs.deploy]) {
      await pipelineProvider.create!({ baseUrl: world.cf.url, ...pipelineResourceInputs(cf.project, def) });
    }
    // The platform team sets the encrypted Port credentials in Codefresh.
    for (const name of [CI, DEPLOY]) {
      for (const v of world.cf.pipeline(name)!.current.spec.variables) {
        if (v.key === "PORT_CLIENT_ID") v.value = TEST_CREDENTIALS.clientId;
        if (v.key === "PORT_CLIENT_SECRET") v.value = TEST_CREDENTIALS.clientSecret;
      }
    }
    // 1. CI: the service's build finished green; its on_finish reporter runs.
    await ciBuild("abc1234");
    agent = world.loadBundle({ ALLOWED_PIPELINES: DEPLOY });
  });

  /** 1. A green CI build of commit `sha` (7 hex) reported by the CI pipeline's stored on_finish script. */
  async function ciBuild(sha: string): Promise<void> {
    const ci = await runBash(hookScript(CI, "report_image"), {
      ...pipelineVariables(CI),
      CF_BRANCH: "main", CF_BRANCH_TAG_NORMALIZED: "main", CF_SHORT_REVISION: sha, CF_REVISION: `${sha}def5678abc1234def5678abc1234def56`,
      CF_BUILD_URL: `${world.cf.url}/build/64ed0bc7c64d3336272d6c51`, CF_BUILD_TIMESTAMP: String(Date.now()), CF_URL: world.cf.url, CF_REPO_NAME: "billing-api",
      PORTAL_BUILD_STATUS: "success",
    });
    assert.equal(ci.code, 0, ci.stderr);
  }

  /** 2–4: a developer clicks Deploy; the agent starts the pipeline; the pipeline runs and reports. */
  async function deploy(outcome: "success" | "error", image = imageId): Promise<{ runId: string; buildId: string }> {
    const runId = world.createRun("billing-dev");
    const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, image, "billing-dev", { pipeline: DEPLOY }) }]));
    assert.deepEqual(summary.outcomes, { started: 1 });
    const [build] = world.cf.buildsFor(runId);
    assert.ok(build, "the agent started no build");
    assert.equal(build.pipelineName, DEPLOY);
    // The build's environment: pipeline variables, then the variables the agent passed (they win).
    const env = { ...pipelineVariables(DEPLOY), ...build.variables, CF_BUILD_ID: build.id, CF_BUILD_URL: `${world.cf.url}/build/${build.id}` };
    const check = await runBash(stepScript(DEPLOY, "check_request"), env);
    assert.equal(check.code, 0, check.stderr);
    world.cf.setBuildStatus(build.id, outcome);
    // on_success / on_fail exported the result; on_finish reports it.
    const report = await runBash(hookScript(DEPLOY, "report_deploy"), { ...env, PORTAL_BUILD_STATUS: outcome });
    assert.equal(report.code, 0, report.stderr);
    return { runId, buildId: build.id };
  }

  it("a green deploy: run SUCCESS with the build link, environment on the new image, a deployment entity", async () => {
    const image = world.port.entity(BLUEPRINTS.image, imageId)!;
    assert.equal(image.properties[IMAGE.buildResult], "success");
    assert.equal(image.relations[IMAGE.product], "billing");
    const { runId, buildId } = await deploy("success");
    const build = world.cf.build(buildId)!;
    assert.equal(build.variables.PORT_IMAGE_REF, image.properties[IMAGE.imageRef], "the agent passed the image_ref CI reported");
    const buildUrl = `${world.cf.url}/build/${buildId}`;
    const run = world.port.run(runId)!;
    assert.equal(run.run.status, "SUCCESS");
    assert.deepEqual(run.run.link, [buildUrl]);
    assert.match(run.run.summary ?? "", new RegExp(`Deployed ${imageId} to billing-dev`));
    const env = world.port.entity(BLUEPRINTS.environment, "billing-dev")!;
    assert.equal(env.relations[ENVIRONMENT.imageDeployed], imageId);
    assert.equal(env.properties[ENVIRONMENT.deploymentBuild], buildUrl);
    assert.equal(env.properties[ENVIRONMENT.deploymentBuildStatus], "success");
    const d = world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(runId))!;
    assert.equal(d.properties[DEPLOYMENT.status], "success");
    assert.equal(d.properties[DEPLOYMENT.requestedBy], "dev@example.com", "what the agent recorded stays");
    assert.ok(d.properties[DEPLOYMENT.startedAt] && d.properties[DEPLOYMENT.finishedAt]);
    assert.deepEqual(d.relations, { image: imageId, environment: "billing-dev", product: "billing" });
    assert.ok(run.affectedEntities.some((a) => a.blueprint === BLUEPRINTS.environment && a.whileInProgress));
  });

  it("a failed deploy: run FAILURE, the environment shows the error and keeps its image", async () => {
    const first = await deploy("success");
    await ciBuild("def5678");
    const { runId, buildId } = await deploy("error", imageIdentifier("billing-api", "main-def5678"));
    assert.equal(world.cf.build(buildId)?.variables.PORT_IMAGE, "billing-api:main-def5678");
    const run = world.port.run(runId)!;
    assert.equal(run.run.status, "FAILURE");
    assert.match(run.run.summary ?? "", /failed/);
    const env = world.port.entity(BLUEPRINTS.environment, "billing-dev")!;
    assert.equal(env.properties[ENVIRONMENT.deploymentBuildStatus], "error");
    assert.equal(env.relations[ENVIRONMENT.imageDeployed], imageId, "still the image of the last good deploy");
    assert.equal(world.port.entity(BLUEPRINTS.deployment, deploymentIdentifier(runId))?.properties[DEPLOYMENT.status], "error");
    assert.equal(world.port.run(first.runId)?.run.status, "SUCCESS");
  });
});
