// The agent's init phase (agent/index.ts `initialized`, runtime.ts prepareAgent): work a Lambda
// container can do before its first event — the Port token, the secrets, the ledger's SDK client —
// and what happens when that work fails (nothing is remembered; the first batch tries again).
import assert from "node:assert/strict";
import { AgentWorld, useBundleWorld } from "./support/agent-world";
import { LossyDynamo, startLossyDynamo } from "./support/dynamodb";

type InitBundle = ReturnType<AgentWorld["loadBundle"]> & { initialized?: Promise<void> };

describe("agent init phase (bundle against emulators)", function () {
  this.timeout(30_000);
  let world: AgentWorld;
  let dynamo: LossyDynamo;
  useBundleWorld((w) => (world = w));
  beforeEach(async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    world.addEnvironment("env-1", "billing");
    dynamo = await startLossyDynamo(world.dynamo.endpoint);
  });
  afterEach(async () => {
    await dynamo.stop();
  });

  const tokenRequests = () => world.port.requests.filter((r) => r.path === "/v1/auth/access_token").length;

  it("fetches the Port token and reads the ledger once at load, before any event, and the first batch asks for no token", async () => {
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }) as InitBundle;
    assert.ok(agent.initialized, "the bundle exports its init work");
    await agent.initialized;
    assert.equal(tokenRequests(), 1);
    assert.deepEqual(dynamo.seen, ["GetItem"]);
    const runId = world.createRun("env-1");
    const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
    assert.equal(summary.outcomes.started, 1);
    assert.equal(tokenRequests(), 1, "the token fetched at init serves the batch");
  });

  it("a token refused at init is not remembered: the first batch fetches one and starts its build", async () => {
    world.port.inject({ method: "POST", path: "/v1/auth/access_token", times: 1, status: 401 });
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }) as InitBundle;
    await agent.initialized;
    assert.equal(tokenRequests(), 1);
    const runId = world.createRun("env-1");
    const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
    assert.equal(summary.outcomes.started, 1);
    assert.equal(tokenRequests(), 2);
    assert.equal(world.cf.buildsFor(runId).length, 1);
  });

  it("a ledger that fails at init does not fail the first batch's claims", async () => {
    // Every attempt of the init read is cut off (a connection failure, which on a claim would mark
    // the ledger unavailable for 15 s): the first batch claims as usual.
    dynamo.loseAnswers("GetItem", 3);
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }) as InitBundle;
    await agent.initialized;
    assert.equal(dynamo.seen.filter((op) => op === "GetItem").length, 3, "the init read failed on every attempt");
    const runId = world.createRun("env-1");
    const summary = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }]));
    assert.equal(summary.outcomes.started, 1);
    assert.equal(world.cf.buildsFor(runId).length, 1);
  });
});
