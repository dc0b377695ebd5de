// A local DynamoDB-compatible server (dynalite, in memory) on port 0 with the run-ledger table,
// and the environment the AWS SDK needs to talk to it (AWS_ENDPOINT_URL_DYNAMODB, fake creds).
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalDynamo {
  readonly endpoint: string;
  /** Environment for code under test (merge into process.env). */
  readonly env: Record<string, string>;
  readonly client: DynamoDBClient;
  createLedgerTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (opts: { createTableMs: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const local = connectDynamo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    ...local,
    async stop() {
      await local.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A DynamoDB-compatible server already running elsewhere (e.g. dynalite in another process). */
export function connectDynamo(endpoint: string): LocalDynamo {
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test-access-key",
    AWS_SECRET_ACCESS_KEY: "test-secret-key",
  };
  const client = new DynamoDBClient({ endpoint, region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  return {
    endpoint,
    env,
    client,
    async createLedgerTable(name: string) {
      await client.send(new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: "runId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "runId", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }));
      try {
        await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true } }));
      } catch {
        // dynalite does not implement TTL settings; the attribute is still written by the agent.
      }
    },
    async stop() {
      client.destroy();
    },
  };
}
