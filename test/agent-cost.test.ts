// Cost per deploy request (issue 11): the requests a batch makes per record, counted at the
// emulators and at a DynamoDB proxy in front of the local DynamoDB (moto), with the behaviour the cheaper pattern
// must keep (one build per run, every run reported and linked, a redelivery refused, the ledger
// entry complete for the reaper).
import assert from "node:assert/strict";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { RunLedger } from "../agent/ledger";
import { AgentWorld, useBundleWorld } from "./support/agent-world";
import { LossyDynamo, startLossyDynamo } from "./support/dynamodb";

describe("agent cost per deploy request (bundle against emulators)", function () {
  this.timeout(60_000);
  let world: AgentWorld;
  let dynamo: LossyDynamo;
  useBundleWorld((w) => (world = w));
  beforeEach(async () => {
    await world.reset();
    world.addImage("img-1", "billing");
    for (let i = 0; i < 40; i++) world.addEnvironment(`env-${i}`, "billing");
    dynamo = await startLossyDynamo(world.dynamo.endpoint);
  });
  afterEach(async () => {
    await dynamo.stop();
  });

  const count = (ops: readonly string[], op: string) => ops.filter((o) => o === op).length;

  it("a batch of 40 claims its runs in two DynamoDB transactions (the 32 needed first, then the rest), marks the builds started in batched writes, and makes at most 8 DynamoDB requests in all (0.2 per record); each entry complete", async () => {
    // Remote answers take time, as in production: builds of a batch start in waves.
    world.port.latencyMs = 20;
    world.cf.latencyMs = 20;
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: "32" });
    const runIds = Array.from({ length: 40 }, (_, i) => world.createRun(`env-${i}`));
    const summary = await agent.handler(world.kafkaEvent(runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }))));
    assert.equal(summary.outcomes.started, 40);
    const ops = [...dynamo.seen];
    assert.equal(count(ops, "TransactWriteItems"), 2, `the claims in two transactions: ${ops.join(",")}`);
    assert.equal(count(ops, "PutItem"), 0, `no single claim: ${ops.join(",")}`);
    assert.equal(count(ops, "UpdateItem"), 0, "no per-record update to mark a build started");
    const batches = count(ops, "BatchWriteItem");
    assert.ok(batches >= 2 && batches <= 6, `started marks batched (25 per write at most): ${batches}`);
    // The rest: the init read (GetItem) at load.
    assert.ok(ops.length <= 8, `DynamoDB requests for 40 records: ${ops.join(",")}`);

    const doc = DynamoDBDocumentClient.from(world.dynamo.client);
    for (const runId of runIds) {
      const [build] = world.cf.buildsFor(runId);
      const { Item } = await doc.send(new GetCommand({ TableName: world.table, Key: { runId }, ConsistentRead: true }));
      assert.equal(Item?.state, "started", runId);
      assert.equal(Item?.buildId, build.id);
      assert.equal(Item?.buildUrl, `${world.cf.url}/build/${build.id}`);
      // What the claim wrote stays: the reaper's lease and the TTL read these.
      for (const key of ["claimedAt", "expiresAt", "owner", "pipeline", "environment", "updatedAt"]) assert.ok(Item?.[key] !== undefined, `${runId} keeps ${key}`);
      assert.equal(Item?.environment, `env-${runIds.indexOf(runId)}`);
    }
  });

  /** Per DynamoDB claim request (a transaction or a single put): when it arrived and the runs it claims. */
  function claimRequests(): { at: number; runs: string[] }[] {
    return dynamo.seen.flatMap((op, i) => {
      const body = dynamo.bodies[i] as { TransactItems?: { Put: { Item: { runId: { S: string } } } }[]; Item?: { runId: { S: string } } };
      if (op === "TransactWriteItems") return [{ at: dynamo.at[i], runs: body.TransactItems!.map((t) => t.Put.Item.runId.S) }];
      if (op === "PutItem") return [{ at: dynamo.at[i], runs: [body.Item!.runId.S] }];
      return [];
    });
  }

  it("claims run ahead of the workers by at most one run per worker: a container that dies mid-batch leaves no more claimed and not started (environments drained one request after another)", async () => {
    world.cf.latencyMs = 20;
    const concurrency = 2;
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: String(concurrency) });
    // Three environments with four requests each (each drained by one worker in order) and four with one.
    const envs = ["env-0", "env-0", "env-0", "env-0", "env-1", "env-1", "env-1", "env-1", "env-2", "env-2", "env-2", "env-2", "env-3", "env-4", "env-5", "env-6"];
    const runIds = envs.map((env) => world.createRun(env));
    const summary = await agent.handler(world.kafkaEvent(runIds.map((runId, i) => ({ value: world.request(runId, "img-1", envs[i]) }))));
    assert.equal(summary.outcomes.started, 16);
    const started = runIds.map((runId) => Date.parse(world.cf.buildsFor(runId)[0].created)).sort((x, y) => x - y);
    const requests = claimRequests();
    assert.deepEqual(requests.flatMap((r) => r.runs).sort(), [...runIds].sort(), "every run claimed once");
    assert.ok(requests.length < 16, `fewer claim requests than runs: ${requests.length}`);
    let claimed = 0;
    for (const r of requests) {
      claimed += r.runs.length;
      const startedBefore = started.filter((t) => t < r.at).length;
      // In flight (one per worker) plus at most one per worker claimed ahead.
      assert.ok(claimed - startedBefore <= 2 * concurrency, `at ${r.at}: ${claimed} claimed, ${startedBefore} started`);
    }
  });

  it("a redelivered batch of 40 starts no second build and writes nothing but the refused claims", async () => {
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
    const runIds = Array.from({ length: 40 }, (_, i) => world.createRun(`env-${i}`));
    const inputs = runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }));
    await agent.handler(world.kafkaEvent(inputs));
    dynamo.seen.length = 0;
    const again = await agent.handler(world.kafkaEvent(inputs));
    assert.equal(again.outcomes.duplicate, 40);
    assert.equal(count(dynamo.seen, "BatchWriteItem") + count(dynamo.seen, "UpdateItem"), 0);
    for (const runId of runIds) assert.equal(world.cf.buildsFor(runId).length, 1, runId);
  });

  it("a batch of 40 costs at most 3.1 Port requests per record, and every run is linked, logged and has its deployment entity", async () => {
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: "32" });
    const runIds = Array.from({ length: 40 }, (_, i) => world.createRun(`env-${i}`));
    world.port.requests.length = 0;
    const summary = await agent.handler(world.kafkaEvent(runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }))));
    assert.equal(summary.outcomes.started, 40);
    const portRequests = world.port.requests.filter((r) => !r.path.startsWith("/v1/auth/")).length;
    assert.ok(portRequests / 40 <= 3.1, `Port requests per record: ${portRequests / 40}`);
    assert.equal(world.cf.requestsTo("POST", "/api/pipelines/run/").length, 40, "one build start per record");
    for (const runId of runIds) {
      const run = world.port.run(runId)!;
      assert.equal(run.run.status, "IN_PROGRESS");
      assert.ok(run.run.link?.length, `${runId} linked`);
      assert.equal(run.logs.length, 1, `${runId} logged once`);
    }
  });

  it("a build's ledger mark does not hold up the next request for its environment, and the batch returns only once every mark is written", async () => {
    // A slow batch write: the record's worker goes on to the next request meanwhile.
    dynamo.delayAnswers("BatchWriteItem", 400);
    const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
    const runIds = [world.createRun("env-1"), world.createRun("env-1")];
    const summary = await agent.handler(world.kafkaEvent(runIds.map((runId) => ({ value: world.request(runId, "img-1", "env-1") }))));
    assert.equal(summary.outcomes.started, 2);
    const starts = world.cf.requestsTo("POST", "/api/pipelines/run/").map((r) => r.at);
    assert.equal(starts.length, 2);
    assert.ok(starts[1] - starts[0] < 300, `second build started ${starts[1] - starts[0]} ms after the first, not after the first's ledger mark`);
    const doc = DynamoDBDocumentClient.from(world.dynamo.client);
    for (const runId of runIds) {
      const { Item } = await doc.send(new GetCommand({ TableName: world.table, Key: { runId }, ConsistentRead: true }));
      assert.equal(Item?.state, "started", `${runId} marked before the handler returned`);
    }
  });

  describe("the batch's claims in a DynamoDB transaction", () => {
    const transactions = () => dynamo.bodies.filter((_, i) => dynamo.seen[i] === "TransactWriteItems") as { ClientRequestToken?: string; TransactItems: { Put: { Item: { runId: { S: string } } } }[] }[];

    it("a run already in the ledger inside a batch transaction is treated as a duplicate and the others are claimed, one build each", async () => {
      const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: "32" });
      const runIds = Array.from({ length: 10 }, (_, i) => world.createRun(`env-${i}`));
      const inputs = runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }));
      assert.deepEqual((await agent.handler(world.kafkaEvent([inputs[4]]))).outcomes, { started: 1 });
      dynamo.seen.length = 0;
      dynamo.bodies.length = 0;
      const summary = await agent.handler(world.kafkaEvent(inputs));
      assert.deepEqual(summary.outcomes, { started: 9, duplicate: 1 });
      for (const runId of runIds) assert.equal(world.cf.buildsFor(runId).length, 1, runId);
      const [first, second] = transactions();
      assert.equal(first.TransactItems.length, 10);
      assert.deepEqual(second.TransactItems.map((t) => t.Put.Item.runId.S), runIds.filter((_, i) => i !== 4), "the others in a second transaction");
      assert.notEqual(second.ClientRequestToken, first.ClientRequestToken, "another transaction, another token");
      assert.equal(count(dynamo.seen, "PutItem"), 0, dynamo.seen.join(","));
    });

    it("a transaction whose answer was lost is retried with the same token and every run is claimed once, one build each", async () => {
      // Waves of 32: the 40 runs in two transactions.
      const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: "32" });
      const runIds = Array.from({ length: 40 }, (_, i) => world.createRun(`env-${i}`));
      dynamo.loseAnswers("TransactWriteItems", 1);
      const summary = await agent.handler(world.kafkaEvent(runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }))));
      const tokens = transactions().map((t) => t.ClientRequestToken);
      assert.equal(tokens.length, 3, `two transactions, the first retried: ${dynamo.seen.join(",")}`);
      assert.equal(new Set(tokens).size, 2, "the retry carries its transaction's token");
      // moto does not honour the token (the retry meets its own items): the owner token recognises them.
      assert.deepEqual(summary.outcomes, { started: 40 });
      for (const runId of runIds) assert.equal(world.cf.buildsFor(runId).length, 1, runId);
    });

    it("a run whose transaction item met a conflict is claimed by a single PutItem, the rest by the next transaction", async () => {
      const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AGENT_CONCURRENCY: "32" });
      const runIds = Array.from({ length: 10 }, (_, i) => world.createRun(`env-${i}`));
      // What DynamoDB answers when another transaction held run 2's item: nothing written.
      dynamo.answerOnce("TransactWriteItems", (body) => ({
        status: 400,
        body: {
          __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
          message: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, TransactionConflict, …]",
          CancellationReasons: (body as { TransactItems: unknown[] }).TransactItems.map((_, i) => (i === 2 ? { Code: "TransactionConflict", Message: "Transaction is ongoing for the item" } : { Code: "None" })),
        },
      }));
      const summary = await agent.handler(world.kafkaEvent(runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }))));
      assert.deepEqual(summary.outcomes, { started: 10 });
      for (const runId of runIds) assert.equal(world.cf.buildsFor(runId).length, 1, runId);
      assert.equal(count(dynamo.seen, "TransactWriteItems"), 2, dynamo.seen.join(","));
      assert.equal(count(dynamo.seen, "PutItem"), 1, dynamo.seen.join(","));
      assert.equal((dynamo.bodies[dynamo.seen.indexOf("PutItem")] as { Item: { runId: { S: string } } }).Item.runId.S, runIds[2]);
    });

    it("a run twice in one batch is claimed once: one build, the second delivery a duplicate", async () => {
      const agent = world.loadBundle({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
      const runIds = Array.from({ length: 5 }, (_, i) => world.createRun(`env-${i}`));
      const inputs = runIds.map((runId, i) => ({ value: world.request(runId, "img-1", `env-${i}`) }));
      const summary = await agent.handler(world.kafkaEvent([...inputs, inputs[1]]));
      assert.deepEqual(summary.outcomes, { started: 5, duplicate: 1 });
      for (const runId of runIds) assert.equal(world.cf.buildsFor(runId).length, 1, runId);
      assert.equal(transactions()[0].TransactItems.length, 5);
    });
  });

  describe("the batched started mark", () => {
    let clock = 0;
    const ledger = () => {
      const { env } = world.dynamo;
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
      return new RunLedger({ table: world.table, ttlDays: 1, client, now: () => clock });
    };
    const state = async (runId: string) =>
      (await DynamoDBDocumentClient.from(world.dynamo.client).send(new GetCommand({ TableName: world.table, Key: { runId }, ConsistentRead: true }))).Item?.state;

    it("is used for a claim this container made moments ago", async () => {
      clock = 1_000_000;
      const agent = ledger();
      assert.equal(await agent.claim("r_fresh", { pipeline: "p", environment: "e" }), "claimed");
      clock += 1_000;
      assert.equal(await agent.markStarted("r_fresh", { buildId: "b1", buildUrl: "https://cf/build/b1" }), true);
      assert.deepEqual(dynamo.seen, ["PutItem", "BatchWriteItem"]);
      assert.equal(await state("r_fresh"), "started");
    });

    it("is not used for an older claim: the conditional update leaves a reaper's lock alone", async () => {
      clock = 1_000_000;
      const agent = ledger();
      assert.equal(await agent.claim("r_old", { pipeline: "p", environment: "e" }), "claimed");
      clock += 31_000;
      assert.ok(await ledger().lock("r_old", "claimed", clock - 30_000), "a reaper took the claim over");
      assert.equal(await agent.markStarted("r_old", { buildId: "b1", buildUrl: "https://cf/build/b1" }), false);
      assert.equal(await state("r_old"), "closing");
      assert.ok(!dynamo.seen.includes("BatchWriteItem"));
    });
  });
});
