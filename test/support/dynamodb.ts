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

/**
 * A DynamoDB endpoint in front of a real one that loses answers: `loseAnswers(target, n)` lets the
 * next `n` requests of that operation (e.g. "PutItem") reach the server, then cuts the connection
 * instead of answering — the write happened, the client never hears of it.
 */
export interface LossyDynamo {
  readonly endpoint: string;
  loseAnswers(operation: string, times: number): void;
  /** Hold every answer to `operation` this long before sending it (a slow DynamoDB). */
  delayAnswers(operation: string, ms: number): void;
  /** Operations seen, in order ("PutItem", "GetItem", …). */
  readonly seen: string[];
  stop(): Promise<void>;
}

export async function startLossyDynamo(target: string): Promise<LossyDynamo> {
  const { createServer } = await import("node:http");
  const losses = new Map<string, number>();
  const delays = new Map<string, number>();
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      seen.push(operation);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
      fetch(target, { method: req.method, headers, body: Buffer.concat(chunks) }).then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        const delay = delays.get(operation) ?? 0;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        const left = losses.get(operation) ?? 0;
        if (left > 0) {
          losses.set(operation, left - 1);
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/x-amz-json-1.0" });
        res.end(body);
      }, () => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseAnswers: (operation, times) => void losses.set(operation, times),
    delayAnswers: (operation, ms) => void delays.set(operation, ms),
    seen,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A DynamoDB endpoint that accepts connections and never answers (requests hang until the client gives up). */
export async function startSilentDynamo(): Promise<{ endpoint: string; connections: () => number; stop(): Promise<void> }> {
  const { createServer } = await import("node:net");
  const sockets = new Set<import("node:net").Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.resume(); // read and ignore everything
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => count,
    stop: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
