// The pipeline allowlist in the built agent: a request for a pipeline whose name only extends an
// allowed one is refused, its run closed FAILURE with the reason, and no build is started.
import assert from "node:assert/strict";
import { AgentWorld, DEPLOY_PIPELINE, useBundleWorld } from "./support/agent-world";

describe("agent allowlist in the built agent (Lambda bundle against the emulators)", function () {
  this.timeout(60_000);
  let world: AgentWorld;
  useBundleWorld((w) => (world = w));

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
