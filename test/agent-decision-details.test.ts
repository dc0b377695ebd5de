// The decision core's smaller rules, each on its smallest case: entities Port answers without
// properties or relations, build results and image references that are not what they should be,
// the deployment entity the agent writes, the reaper's summaries and the run link.
import assert from "node:assert/strict";
import { decide, deploymentEntity, EntityView, reapOutcome, runLink } from "../agent/decision";
import { DeployRequest } from "../actions/deploy-request";

const request: DeployRequest = { runId: "r_abc", action: "deploy_image", image: "img-7", environment: "env-3", pipeline: "deploy/app", requestedBy: "dev@example.com" };
const image = (over: Partial<EntityView> = {}): EntityView => ({ identifier: "img-7", properties: { image_ref: "reg/app:7", codefresh_build_result: "success" }, relations: { product: "billing" }, ...over });
const environment = (over: Partial<EntityView> = {}): EntityView => ({ identifier: "env-3", properties: {}, relations: { product: "billing" }, ...over });
const run = (img: EntityView, env: EntityView = environment(), requireProductionApproval = true) =>
  decide({ request, image: img, environment: env, allowedPipelines: ["deploy/app"], requireProductionApproval });
const summary = (img: EntityView, env?: EntityView) => {
  const d = run(img, env);
  return d.kind === "refuse" ? d.summary : "started";
};

describe("agent decision: details", () => {
  it("an environment without properties is not Production and deploys", () => {
    assert.equal(run(image(), environment({ properties: undefined })).kind, "start");
  });

  it("an image without properties has no image reference", () => {
    assert.equal(summary(image({ properties: undefined })), "image img-7 has no image reference (image_ref)");
  });

  it("entities without relations, or with an empty or non-string product, belong to no product", () => {
    assert.equal(summary(image({ relations: undefined })), "image img-7 belongs to no product");
    assert.equal(summary(image({ relations: { product: "" } })), "image img-7 belongs to no product");
    assert.equal(summary(image({ relations: { product: ["billing"] } })), "image img-7 belongs to no product");
    assert.equal(summary(image(), environment({ relations: undefined })), "environment env-3 belongs to no product");
  });

  it("refuses only a build result that is a string other than success; an unknown one deploys", () => {
    assert.equal(summary(image({ properties: { image_ref: "reg/app:7", codefresh_build_result: null } })), "started");
    assert.equal(summary(image({ properties: { image_ref: "reg/app:7" } })), "started");
    assert.equal(summary(image({ properties: { image_ref: "reg/app:7", codefresh_build_result: "" } })), "image img-7 was not built successfully (build result: )");
  });

  it("refuses an image reference that is blank or not a string", () => {
    for (const ref of ["", "   ", 42, null]) {
      assert.equal(summary(image({ properties: { image_ref: ref, codefresh_build_result: "success" } })), "image img-7 has no image reference (image_ref)", String(ref));
    }
  });

  it("the deployment entity: running, titled image → environment, tied to the run, requester only when known", () => {
    const start = run(image());
    assert.equal(start.kind, "start");
    if (start.kind !== "start") return;
    const args = { request, start, buildUrl: "https://cf/build/1", startedAt: "2026-01-01T00:00:00.000Z", runLink: "https://app/run" };
    assert.deepEqual(deploymentEntity(args), {
      identifier: "deploy-r_abc",
      title: "img-7 → env-3",
      properties: { status: "running", build_url: "https://cf/build/1", started_at: "2026-01-01T00:00:00.000Z", run_id: "r_abc", run_link: "https://app/run", requested_by: "dev@example.com" },
      relations: { image: "img-7", environment: "env-3", product: "billing" },
    });
    const { requestedBy: _r, ...anonymous } = request;
    const props = deploymentEntity({ ...args, request: anonymous as DeployRequest }).properties as Record<string, unknown>;
    assert.ok(!("requested_by" in props), "no requester, no property");
  });

  it("the reaper's summaries say what happened to the build", () => {
    assert.deepEqual(reapOutcome("b1", "success"), { status: "SUCCESS", summary: "Deploy build b1 succeeded, but its pipeline did not report back; closed by the agent's reaper" });
    assert.deepEqual(reapOutcome("b1", "terminated"), { status: "FAILURE", summary: "Deploy build b1 was terminated before it could report" });
    assert.deepEqual(reapOutcome("b1", "denied"), { status: "FAILURE", summary: "Deploy build b1 was denied approval in Codefresh" });
    assert.deepEqual(reapOutcome("b1", "error"), { status: "FAILURE", summary: "Deploy build b1 ended with status error without reporting back" });
    assert.deepEqual(reapOutcome("b1", ""), { status: "FAILURE", summary: "Deploy build b1 ended with status  without reporting back" });
  });

  it("the run link drops trailing slashes of the app URL and encodes the run id", () => {
    assert.equal(runLink("https://app.port.io//", "r_1"), "https://app.port.io/organization/run?runId=r_1");
    assert.equal(runLink("https://app.port.io/x/", "r 1&a"), "https://app.port.io/x/organization/run?runId=r%201%26a");
  });
});
