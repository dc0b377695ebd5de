// The pipeline allowlist is an exact match on the full "project/pipeline" name: a pipeline whose
// name merely starts (or ends) like an allowed one is refused (the built agent: agent-allowlist-bundle.test.ts).
import assert from "node:assert/strict";
import { decide, EntityView } from "../agent/decision";
import { DeployRequest } from "../actions/deploy-request";

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
});
