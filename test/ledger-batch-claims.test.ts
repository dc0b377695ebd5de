// The ledger's batch claims (RunLedger.claimBatch) against a scripted DynamoDB client: what a
// cancelled transaction's per-item reasons lead to, without a server in the way.
import * as assert from "node:assert/strict";
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { RunLedger } from "../agent/ledger";

/** A client whose send() answers each command with the next scripted answer for its kind. */
function scriptedClient(script: Record<string, ((input: unknown) => Promise<unknown>)[]>): DynamoDBClient {
  const client = new DynamoDBClient({ region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  client.send = ((command: { constructor: { name: string }; input: unknown }) => {
    const next = script[command.constructor.name]?.shift();
    if (!next) return Promise.reject(new Error(`unscripted ${command.constructor.name}`));
    return next(command.input);
  }) as DynamoDBClient["send"];
  return client;
}

const cancelled = (...codes: string[]) => Object.assign(new Error("Transaction cancelled"), { name: "TransactionCanceledException", CancellationReasons: codes.map((Code) => ({ Code })) });
const refused = () => Object.assign(new Error("One or more parameter values were invalid"), { name: "ValidationException", $metadata: { httpStatusCode: 400 } });
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const runs = (n: number) => Array.from({ length: n }, (_, i) => ({ runId: `r_${i}`, pipeline: "p/deploy", environment: `env-${i}` }));

describe("ledger batch claims (scripted DynamoDB client)", () => {
  it("a conflicted item's single claim that fails while the next transaction is out is no unhandled rejection: its claim() gets the error, the others are claimed", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const client = scriptedClient({
        [TransactWriteItemsCommand.name]: [() => Promise.reject(cancelled("None", "TransactionConflict", "None")), () => later(60, {})],
        [PutItemCommand.name]: [() => Promise.reject(refused())],
      });
      const ledger = new RunLedger({ table: "runs", ttlDays: 1, client });
      ledger.claimBatch(runs(3), 3);
      // Let the single claim fail while the second transaction is still out, as in production.
      await later(120, undefined);
      const answers = await Promise.allSettled(runs(3).map((r) => ledger.claim(r.runId, r)));
      assert.deepEqual(answers.map((a) => a.status), ["fulfilled", "rejected", "fulfilled"]);
      assert.deepEqual(answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : [])), ["claimed", "claimed"]);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
