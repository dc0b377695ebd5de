// A local DynamoDB-compatible server (moto's server, in memory, one per world) on a free port with
// the run-ledger table, and the environment the AWS SDK needs to talk to it
// (AWS_ENDPOINT_URL_DYNAMODB, fake creds). moto rather than dynalite: the ledger claims a batch
// with TransactWriteItems, which dynalite does not implement; moto answers it with per-item
// CancellationReasons (it does not honour ClientRequestToken: a replayed transaction meets its
// own items, the pessimistic case the ledger's owner token covers).
// moto runs from a Python venv cached outside the checkout, created on first use (needs python3
// and PyPI once).
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/** moto's version, pinned: the venv is cached by it. */
export const MOTO_VERSION = "5.2.5";

/** The cached venv's python (created on first use); throws one clear line without python3. */
export function motoPython(): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "developer-portal", `moto-${MOTO_VERSION}`);
  const python = join(dir, "bin", "python");
  if (existsSync(python)) return python;
  try {
    execFileSync("python3", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("the tests' local DynamoDB (moto) needs python3 on PATH (3.9 or later, with venv)");
  }
  // Built beside the final directory and renamed: a half-built venv is never taken for a cached one.
  // The venv's python (not the moto_server script, whose shebang holds the build path) survives the rename.
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(join(dir, ".."), { recursive: true });
  try {
    execFileSync("python3", ["-m", "venv", partial], { stdio: ["ignore", "ignore", "inherit"] });
    execFileSync(join(partial, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", `moto[server,dynamodb]==${MOTO_VERSION}`], { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
    if (!existsSync(python)) renameSync(partial, dir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return python;
}

/**
 * Resolved when this module loads (mocha loads test files before running any): a first-use venv
 * build takes tens of seconds, which no test's or hook's timeout should have to cover.
 */
const MOTO_PYTHON = motoPython();

/**
 * moto's server, with one change to its cost (not its answers): for its rollback, a transaction
 * deep-copies the whole table once per item, before writing any (so O(items × table size): a
 * 100-item claim on a table of a few hundred entries took seconds, a cost DynamoDB does not have).
 * The copy is taken once per table per transaction instead — the same snapshot, since no item is
 * written before the last copy.
 */
const MOTO_SERVER = `
import copy, sys, threading
import moto.dynamodb.models as models
from moto.server import main
local = threading.local()
class OncePerTransaction:
    @staticmethod
    def deepcopy(value, *rest):
        memo = getattr(local, "tables", None)
        if memo is None or not isinstance(value, models.Table):
            return copy.deepcopy(value, *rest)
        if id(value) not in memo:
            memo[id(value)] = copy.deepcopy(value, *rest)
        return memo[id(value)]
models.copy = OncePerTransaction
transact = models.DynamoDBBackend.transact_write_items
def transact_write_items(self, *args, **kwargs):
    local.tables = {}
    try:
        return transact(self, *args, **kwargs)
    finally:
        local.tables = None
models.DynamoDBBackend.transact_write_items = transact_write_items
main(sys.argv[1:])
`;

/** Start moto's server on a free port; resolves its endpoint and a stop function. */
export async function startMotoServer(): Promise<{ endpoint: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(MOTO_PYTHON, ["-c", MOTO_SERVER, "-H", "127.0.0.1", "-p", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        child.stderr!.off("data", onData);
        child.stderr!.resume(); // keep draining its request log
        resolve(m[1]);
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`moto server exited (${code}): ${seen.slice(-300)}`)));
  });
  return {
    endpoint,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    }),
  };
}

export interface LocalDynamo {
  readonly endpoint: string;
  /** Environment for code under test (merge into process.env). */
  readonly env: Record<string, string>;
  readonly client: DynamoDBClient;
  createLedgerTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDynamo(): Promise<LocalDynamo> {
  const server = await startMotoServer();
  const local = connectDynamo(server.endpoint);
  return {
    ...local,
    async stop() {
      await local.stop();
      await server.stop();
    },
  };
}

/** A DynamoDB-compatible server already running elsewhere (e.g. moto in another process). */
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
        // A stand-in without TTL settings: the attribute is still written by the agent.
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
  /**
   * Answer the next request of `operation` with `answer(body)` (status and JSON body) instead of
   * forwarding it: an error the stand-in behind cannot produce (e.g. a TransactionConflict).
   */
  answerOnce(operation: string, answer: (body: unknown) => { status: number; body: unknown }): void;
  /** Operations seen, in order ("PutItem", "GetItem", …). */
  readonly seen: string[];
  /** Their request bodies (parsed JSON), in the same order. */
  readonly bodies: unknown[];
  /** When each arrived (Date.now()), in the same order. */
  readonly at: number[];
  stop(): Promise<void>;
}

export async function startLossyDynamo(target: string): Promise<LossyDynamo> {
  const { createServer } = await import("node:http");
  const losses = new Map<string, number>();
  const delays = new Map<string, number>();
  const seen: string[] = [];
  const bodies: unknown[] = [];
  const at: number[] = [];
  const crafted = new Map<string, (body: unknown) => { status: number; body: unknown }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      seen.push(operation);
      at.push(Date.now());
      const body = Buffer.concat(chunks);
      bodies.push(JSON.parse(body.toString() || "null"));
      const craft = crafted.get(operation);
      if (craft) {
        crafted.delete(operation);
        const answer = craft(bodies[bodies.length - 1]);
        res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify(answer.body));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
      fetch(target, { method: req.method, headers, body }).then(async (answer) => {
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
    answerOnce: (operation, answer) => void crafted.set(operation, answer),
    seen,
    bodies,
    at,
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
