// The pipeline allowlist is an exact match on the full "project/pipeline" name: a pipeline whose
// name merely starts (or ends) like an allowed one is refused, in the pure decision and in the
// built agent, which then starts no build at all.
import assert from "node:assert/strict";
import { decide, EntityView } from "../agent/decision";
import { DeployRequest } from "../actions/deploy-request";
import { AgentWorld, DEPLOY_PIPELINE, startBundleWorld } from "./support/agent-world";

const request: DeployRequest = { runId: "r_abc", action: "deploy_image", image: "img-7", environment: "env-3", pipeline: "deploy/app", requestedBy: "dev@example.com" };
const image: EntityView = { identifier: "img-7", properties: { image_ref: "reg/app:7", codefresh_build_result: "success" }, relations: { product: "billing" } };
const environment: EntityView = { identifier: "env-3", properties: {}, relations: { product: "billing" } };

function decideFor(pipeline: string, allowedPipelines: readonly string[]) {
  return decide({ request: { ...request, pipeline }, image, environment, allowedPipelines, requireProductionApproval: true });
}

describe("agent allowlist: exact pipeline names only", () => {
  it("refuses a pipeline whose name extends an allowed one (deploy/app-admin when only deploy/app is allowed)", () => {
    assert.deepEqual(decideFor("deploy/app-admin", ["deploy/app"]), {
      kind: "refuse",
      summary: 'pipeline "deploy/app-admin" is not one this agent may start (allowed: deploy/app)',
    });
  });

  it("refuses a pipeline whose name is a prefix, a suffix or a case variant of an allowed one", () => {
    for (const pipeline of ["deploy/ap", "deploy/", "app", "Deploy/app", "deploy/app ", "other-deploy/app"]) {
      assert.equal(decideFor(pipeline, ["deploy/app"]).kind, "refuse", pipeline);
    }
  });

  it("starts any pipeline named exactly in a list of several, and lists them all when refusing", () => {
    const allowed = ["deploy/app", "deploy/app-admin", "ops/rollback"];
    for (const pipeline of allowed) {
      const d = decideFor(pipeline, allowed);
      assert.equal(d.kind, "start", pipeline);
      assert.equal(d.kind === "start" && d.pipeline, pipeline);
    }
    const refused = decideFor("ops/rollback-all", allowed);
    assert.equal(refused.kind === "refuse" && refused.summary, 'pipeline "ops/rollback-all" is not one this agent may start (allowed: deploy/app, deploy/app-admin, ops/rollback)');
  });

  it("refuses everything when nothing is allowed", () => {
    assert.equal(decideFor("deploy/app", []).kind, "refuse");
  });

  describe("in the built agent (Lambda bundle against the emulators)", function () {
    this.timeout(60_000);
    let world: AgentWorld;
    let restoreEnv: () => void;

    before(async () => {
      ({ world, restoreEnv } = await startBundleWorld());
    });
    after(async () => {
      await world?.stop();
      restoreEnv?.();
    });

    it("refuses a request for <allowed>-admin, closes its run FAILURE with the reason and starts no build", async () => {
      world.addImage("img-1", "billing");
      world.addEnvironment("env-1", "billing");
      const admin = `${DEPLOY_PIPELINE}-admin`;
      world.cf.seedPipeline({ metadata: { name: admin }, spec: {} });
      const agent = world.loadBundle({ ALLOWED_PIPELINES: DEPLOY_PIPELINE });
      const runId = world.createRun("env-1");
      const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1", { pipeline: admin }) }]));
      assert.deepEqual(summary.outcomes, { refused: 1 });
      assert.equal(world.cf.requestsTo("POST", "/api/pipelines/run/").length, 0, "no build start reached Codefresh");
      assert.equal(world.cf.builds().length, 0);
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "FAILURE");
      assert.equal(run.run.summary, `Deploy refused: pipeline "${admin}" is not one this agent may start (allowed: ${DEPLOY_PIPELINE})`);
    });
  });
});
