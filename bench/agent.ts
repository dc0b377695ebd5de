// Agent benchmark (`npm run bench`, agent section; standalone: `npx ts-node bench/agent.ts`).
// The built bundle's handler, in this process, against the Port and Codefresh emulators (one
// child process, 20 ms injected on every answer) and moto, the tests' local DynamoDB (another child process): remote
// services get their own CPU, as real ones do, so the numbers measure the agent, not the
// emulators competing with it for one event loop.
// Per-record latency = batch start → the record's last Port report (the emulator's request log).
// Serial baseline = the same records sent one per invocation, one after the other.
// CPU per record = process.cpuUsage() around the handler (the services run elsewhere).
// Cold container = a fresh node process that loads the bundle and handles its first batch.
// `--profile`: a CPU profile (node --cpu-prof) of a fresh process handling batches of 100 with an
// unminified bundle, written to .bench/profiles/ (open in Chrome DevTools or speedscope).
import { ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_CONCURRENCY } from "../agent/settings";
import { AgentBundle, AgentWorld, BUNDLE, deployRequest, kafkaEvent, snapshotEnv, AGENT_ENV_KEYS } from "../test/support/agent-world";
import { startMotoServer } from "../test/support/dynamodb";

export const INJECTED_LATENCY_MS = 20;
/** Round trips a record needs one after the other: look-ups (∥ ledger claim), build start, reports (∥ ledger). */
export const SEQUENTIAL_ROUND_TRIPS = 3;
/** The agent's default first (what a stack gets without tuning), then the other settings compared. */
export const BENCH_CONCURRENCIES = [DEFAULT_CONCURRENCY, ...[8, 32].filter((c) => c !== DEFAULT_CONCURRENCY)];
const ENVIRONMENTS = 100;
/** Fresh processes started for the cold scenario (the median one is reported). */
const COLD_RUNS = 3;

export type AgentBenchRow = {
  scenario: string;
  batch: number;
  concurrency: number;
  records: number;
  recordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Agent CPU per record (process.cpuUsage around the handler). */
  cpuPerRecordMs: number;
  /** CPU of the emulators' and moto's processes per record over the same span (/proc; NaN elsewhere). */
  worldCpuPerRecordMs: number;
};

export interface AgentBenchResult {
  /** Titled tables for the report. */
  readonly tables: Record<string, Record<string, unknown>[]>;
  readonly json: {
    readonly injectedLatencyMs: number;
    readonly rows: AgentBenchRow[];
    readonly bundleBytes: number;
    readonly moduleLoadMs: number;
    readonly latencyFloorMs: number;
    /** Batch-1 p50 over the nominal floor, round trips × injected latency. */
    readonly batch1OverFloor: number;
    /** p50 of the same three round trips sent bare (plain fetch, no agent) to the same emulators. */
    readonly measuredFloorMs: number;
    /** Batch-1 p50 over the measured floor (target ≤ 1.10). */
    readonly batch1OverMeasuredFloor: number;
    /** Batch-100 throughput over the serial baseline's (target ≥ 10), per concurrency. */
    readonly batch100OverSerial: Record<string, number>;
    /** Agent CPU (process.cpuUsage around the handler) per record, warm batches of 100 (target ≤ 3). */
    readonly cpuPerRecordMsBatch100: number;
    /** A fresh process's first batch of 100: handler time, module load, CPU, throughput over serial (target ≥ 20). */
    readonly coldFirstBatch: { batchMs: number; moduleLoadMs: number; cpuPerRecordMs: number; overSerial: number; withModuleLoadOverSerial: number };
    /** The same with the handler called once the bundle's init work has settled (provisioned concurrency); the target compares the one above. */
    readonly coldFirstBatchInitAwaited: { batchMs: number; initMs: number; initCpuMs: number; cpuPerRecordMs: number; overSerial: number };
    readonly targetsMet: boolean;
  };
}

// ---- the services child: emulators answering IPC commands ------------------------------------

type Command =
  | { cmd: "setup"; environments: number }
  | { cmd: "createRuns"; envs: string[] }
  | { cmd: "latency"; ms: number }
  | { cmd: "doneAt"; runIds: string[] }
  | { cmd: "token" }
  | { cmd: "freshLedger" }
  | { cmd: "stop" };

async function serveWorld(dynamoEndpoint: string): Promise<void> {
  const world = await AgentWorld.start({ dynamoEndpoint });
  let freshTables = 0;
  const run = async (c: Command): Promise<unknown> => {
    switch (c.cmd) {
      case "setup":
        await world.reset();
        world.addImage("img-1", "billing");
        for (let i = 0; i < c.environments; i++) world.addEnvironment(`env-${i}`, "billing");
        return world.env();
      case "createRuns":
        return c.envs.map((env) => world.createRun(env));
      case "latency":
        world.port.latencyMs = c.ms;
        world.cf.latencyMs = c.ms;
        return null;
      case "doneAt": {
        const last = new Map<string, number>();
        const wanted = new Set(c.runIds);
        for (const r of world.port.requests) {
          const m = /\/actions\/runs\/([^/]+)/.exec(r.path);
          if (m && wanted.has(m[1])) last.set(m[1], Math.max(last.get(m[1]) ?? 0, r.at));
        }
        // Drop the log to keep memory flat across rounds.
        world.port.requests.length = 0;
        return c.runIds.map((id) => last.get(id) ?? NaN);
      }
      case "token":
        return world.port.issueToken();
      case "freshLedger":
        // An empty ledger table: moto copies the whole table for each item of a transaction (its
        // rollback), a cost DynamoDB does not have, so a grown table would bill the batch claim.
        world.table = `${world.table.replace(/-fresh-\d+$/, "")}-fresh-${++freshTables}`;
        await world.dynamo.createLedgerTable(world.table);
        return world.table;
      case "stop":
        await world.stop();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on("message", (msg: { id: number; command: Command }) => {
    run(msg.command).then(
      (result) => process.send!({ id: msg.id, result }),
      (err: unknown) => process.send!({ id: msg.id, error: String(err) }),
    );
  });
  process.send!({ id: 0, result: "ready" });
}

export class Services {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess, private readonly dynamo: { pid: number; stop(): Promise<void> }) {
    child.on("message", (msg: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(msg.error));
      else w.resolve(msg.result);
    });
  }

  static async start(): Promise<Services> {
    const dynamo = await startMotoServer();
    const child = fork(__filename, ["--services", dynamo.endpoint], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const services = new Services(child, dynamo);
    await new Promise<void>((resolve, reject) => {
      services.waiting.set(0, { resolve: () => resolve(), reject });
      child.once("exit", (code) => reject(new Error(`services exited (${code})`)));
    });
    return services;
  }

  /** CPU ms used so far by the emulators' and moto's processes (Linux /proc; NaN elsewhere). */
  cpuMs(): number {
    return procCpuMs(this.child.pid) + procCpuMs(this.dynamo.pid);
  }

  call<T>(command: Command): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  async stop(): Promise<void> {
    await this.call({ cmd: "stop" }).catch(() => undefined);
    await this.dynamo.stop();
  }
}

/** utime + stime of a process in ms, from /proc/<pid>/stat (fields 14 and 15; the name may hold spaces). */
function procCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

// ---- the benchmark --------------------------------------------------------------------------

export async function benchAgent(): Promise<AgentBenchResult> {
  const restoreEnv = snapshotEnv();
  const services = await Services.start();
  const offsets = new Map<number, number>();
  try {
    const rows: AgentBenchRow[] = [];
    let env: Record<string, string> = {};
    /** `concurrency` undefined: AGENT_CONCURRENCY unset, so the bundle runs with its own default. */
    const setup = async (concurrency: number | undefined): Promise<AgentBundle> => {
      env = await services.call<Record<string, string>>({ cmd: "setup", environments: ENVIRONMENTS });
      for (const k of AGENT_ENV_KEYS) delete process.env[k];
      Object.assign(process.env, env, { POWERTOOLS_LOG_LEVEL: "SILENT" });
      if (concurrency === undefined) delete process.env.AGENT_CONCURRENCY;
      else process.env.AGENT_CONCURRENCY = String(concurrency);
      delete require.cache[BUNDLE];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const agent = require(BUNDLE) as AgentBundle;
      // Warm-up without latency: token fetched, connections open, code optimized (a warm container).
      await services.call({ cmd: "latency", ms: 0 });
      await runBatch(agent, 50);
      for (let i = 0; i < 30; i++) await runBatch(agent, 1);
      await services.call({ cmd: "latency", ms: INJECTED_LATENCY_MS });
      return agent;
    };
    const newBatch = async (size: number) => {
      const envs = Array.from({ length: size }, (_, i) => `env-${i % ENVIRONMENTS}`);
      const runIds = await services.call<string[]>({ cmd: "createRuns", envs });
      return { runIds, event: kafkaEvent(runIds.map((runId, i) => ({ value: deployRequest(runId, "img-1", envs[i]) })), offsets) };
    };
    const runBatch = async (agent: AgentBundle, size: number): Promise<{ elapsed: number; cpuMs: number; worldCpuMs: number; latencies: number[] }> => {
      const { runIds, event } = await newBatch(size);
      // The services run in other processes: this process's CPU during the call is the agent's.
      const world = services.cpuMs();
      const cpu = process.cpuUsage();
      const start = Date.now();
      const summary = await agent.handler(event);
      const elapsed = Date.now() - start;
      const used = process.cpuUsage(cpu);
      const worldCpuMs = services.cpuMs() - world;
      if (summary.outcomes.started !== size) throw new Error(`benchmark batch did not start every build: ${JSON.stringify(summary)}`);
      const done = await services.call<number[]>({ cmd: "doneAt", runIds });
      return { elapsed, cpuMs: (used.user + used.system) / 1000, worldCpuMs, latencies: done.map((t) => t - start) };
    };

    {
      const agent = await setup(1);
      const latencies: number[] = [];
      let elapsed = 0;
      let cpuMs = 0;
      let worldCpuMs = 0;
      for (let i = 0; i < 100; i++) {
        const r = await runBatch(agent, 1);
        elapsed += r.elapsed;
        cpuMs += r.cpuMs;
        worldCpuMs += r.worldCpuMs;
        latencies.push(...r.latencies);
      }
      rows.push(row("serial baseline (1 record per invocation)", 1, 1, 100, elapsed, latencies, cpuMs, worldCpuMs));
    }
    for (const concurrency of BENCH_CONCURRENCIES) {
      const isDefault = concurrency === DEFAULT_CONCURRENCY;
      const agent = await setup(isDefault ? undefined : concurrency);
      for (const batch of [1, 10, 100]) {
        const rounds = Math.ceil(Math.max(100, batch * 3) / batch);
        const latencies: number[] = [];
        let elapsed = 0;
        let cpuMs = 0;
        let worldCpuMs = 0;
        for (let r = 0; r < rounds; r++) {
          const res = await runBatch(agent, batch);
          elapsed += res.elapsed;
          cpuMs += res.cpuMs;
          worldCpuMs += res.worldCpuMs;
          latencies.push(...res.latencies);
        }
        rows.push(row(isDefault ? "batch (default concurrency)" : "batch", batch, concurrency, rounds * batch, elapsed, latencies, cpuMs, worldCpuMs));
      }
    }

    // Cold containers: each a fresh process loading the bundle and handling its first batch of 100
    // (default concurrency, no warm-up). Median of COLD_RUNS by batch time.
    const coldEnv = { ...(await services.call<Record<string, string>>({ cmd: "setup", environments: ENVIRONMENTS })) };
    await services.call({ cmd: "latency", ms: INJECTED_LATENCY_MS });
    delete coldEnv.AGENT_CONCURRENCY;
    const colds: { elapsed: number; cpuMs: number; worldCpuMs: number; loadMs: number; latencies: number[] }[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const { runIds, event } = await newBatch(100);
      // The world's CPU over the whole fresh process (its module load included: the services idle then).
      coldEnv.RUN_LEDGER_TABLE = await services.call<string>({ cmd: "freshLedger" });
      const world = services.cpuMs();
      const res = await freshProcessBatches(coldEnv, [event]);
      const worldCpuMs = services.cpuMs() - world;
      const [first] = res.batches;
      if (first.outcomes.started !== 100) throw new Error(`cold batch did not start every build: ${JSON.stringify(first.outcomes)}`);
      const done = await services.call<number[]>({ cmd: "doneAt", runIds });
      colds.push({ elapsed: first.elapsedMs, cpuMs: first.cpuMs, worldCpuMs, loadMs: res.loadMs, latencies: done.map((t) => t - first.start) });
    }
    const cold = colds.sort((a, b) => a.elapsed - b.elapsed)[Math.floor(colds.length / 2)];
    // And with the init work awaited before the batch (what Lambda does not do for a CommonJS handler).
    const awaited: { elapsed: number; cpuMs: number; initMs: number; initCpuMs: number }[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const { event } = await newBatch(100);
      coldEnv.RUN_LEDGER_TABLE = await services.call<string>({ cmd: "freshLedger" });
      const res = await freshProcessBatches({ ...coldEnv, BENCH_AWAIT_INIT: "1" }, [event]);
      const [first] = res.batches;
      if (first.outcomes.started !== 100) throw new Error(`cold batch did not start every build: ${JSON.stringify(first.outcomes)}`);
      awaited.push({ elapsed: first.elapsedMs, cpuMs: first.cpuMs, initMs: res.initMs, initCpuMs: res.initCpuMs });
      await services.call({ cmd: "doneAt", runIds: [] });
    }
    const coldInit = awaited.sort((a, b) => a.elapsed - b.elapsed)[Math.floor(awaited.length / 2)];
    rows.push(row("cold container: first batch (fresh process)", 100, DEFAULT_CONCURRENCY, 100, cold.elapsed, cold.latencies, cold.cpuMs, cold.worldCpuMs));

    const measuredFloor = await bareRoundTrips(services, env);
    const serial = rows[0];
    const floor = INJECTED_LATENCY_MS * SEQUENTIAL_ROUND_TRIPS;
    const batch1 = rows.find((r) => r.scenario !== serial.scenario && r.batch === 1 && r.concurrency === DEFAULT_CONCURRENCY)!;
    const over: Record<string, number> = {};
    // Warm rows only: the cold row (same batch and concurrency) has its own target below.
    for (const r of rows.filter((x) => x.batch === 100 && !x.scenario.startsWith("cold"))) over[`concurrency ${r.concurrency}${r.concurrency === DEFAULT_CONCURRENCY ? " (default)" : ""}`] = round(r.recordsPerSecond / serial.recordsPerSecond);
    const batch1OverFloor = round(batch1.p50Ms / floor);
    const batch1OverMeasuredFloor = round(batch1.p50Ms / measuredFloor);
    const bestOver = Math.max(...Object.values(over));
    const batch100 = rows.find((r) => r.scenario === "batch (default concurrency)" && r.batch === 100)!;
    const coldRow = rows[rows.length - 1];
    const coldOverSerial = round(coldRow.recordsPerSecond / serial.recordsPerSecond);
    const coldInitOverSerial = round((100 / coldInit.elapsed) * 1000 / serial.recordsPerSecond);
    const coldWithLoadOverSerial = round((100 / (cold.elapsed + cold.loadMs) * 1000) / serial.recordsPerSecond);
    const bundleBytes = statSync(BUNDLE).size;
    const loadMs = moduleLoadMs(env);
    const json = {
      injectedLatencyMs: INJECTED_LATENCY_MS,
      rows,
      bundleBytes,
      moduleLoadMs: loadMs,
      latencyFloorMs: floor,
      measuredFloorMs: measuredFloor,
      batch1OverFloor,
      batch1OverMeasuredFloor,
      batch100OverSerial: over,
      cpuPerRecordMsBatch100: batch100.cpuPerRecordMs,
      coldFirstBatch: { batchMs: cold.elapsed, moduleLoadMs: round(cold.loadMs), cpuPerRecordMs: coldRow.cpuPerRecordMs, overSerial: coldOverSerial, withModuleLoadOverSerial: coldWithLoadOverSerial },
      coldFirstBatchInitAwaited: { batchMs: coldInit.elapsed, initMs: round(coldInit.initMs), initCpuMs: round(coldInit.initCpuMs), cpuPerRecordMs: round(coldInit.cpuMs / 100), overSerial: coldInitOverSerial },
      targetsMet: batch1OverMeasuredFloor <= 1.1 && bestOver >= 10 && batch100.cpuPerRecordMs <= 3 && coldOverSerial >= 20,
    };
    return {
      tables: {
        [`agent: throughput and per-record latency (${INJECTED_LATENCY_MS} ms per API answer)`]: rows,
        "agent: bundle": [{ file: "dist/agent/index.js", kib: round(bundleBytes / 1024), moduleLoadMs: loadMs }],
        "agent: targets": [
          { target: "batch 1 p50 / nominal floor (3 × 20 ms)", floorMs: floor, measured: batch1OverFloor, goal: "≤ 1.10", met: batch1OverFloor <= 1.1 },
          { target: "batch 1 p50 / measured floor (3 bare round trips)", floorMs: measuredFloor, measured: batch1OverMeasuredFloor, goal: "≤ 1.10", met: batch1OverMeasuredFloor <= 1.1 },
          { target: "batch 100 throughput / serial", floorMs: "-", measured: bestOver, goal: "≥ 10", met: bestOver >= 10 },
          { target: "CPU per record, batch 100, default concurrency (ms)", floorMs: "-", measured: batch100.cpuPerRecordMs, goal: "≤ 3", met: batch100.cpuPerRecordMs <= 3 },
          { target: "cold container's first batch of 100 / serial", floorMs: "-", measured: coldOverSerial, goal: "≥ 20", met: coldOverSerial >= 20 },
          { target: "  the same, module load included", floorMs: "-", measured: coldWithLoadOverSerial, goal: "(info)", met: "-" },
          { target: "  the same, init work awaited first (not what Lambda does)", floorMs: "-", measured: coldInitOverSerial, goal: "(info)", met: "-" },
        ],
      },
      json,
    };
  } finally {
    await services.stop();
    restoreEnv();
  }
}

/**
 * The unavoidable part measured: the record's three sequential round trips (entity read, build
 * start, run update) sent bare with fetch to the same emulators, p50 of 30. What the agent adds
 * on top of this is its own cost.
 */
async function bareRoundTrips(services: Services, env: Record<string, string>): Promise<number> {
  const token = await services.call<string>({ cmd: "token" });
  const [runId] = await services.call<string[]>({ cmd: "createRuns", envs: ["env-1"] });
  const port = (method: string, p: string, body?: unknown) =>
    fetch(`${env.PORT_API_URL}${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.text());
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = Date.now();
    await port("GET", "/v1/blueprints/environment/entities/env-1");
    await fetch(`${env.CODEFRESH_API_URL}/api/pipelines/run/${encodeURIComponent("deploy/deploy-app")}`, {
      method: "POST",
      headers: { authorization: env.CODEFRESH_API_KEY, "content-type": "application/json" },
      body: JSON.stringify({ variables: { PORT_RUN_ID: runId } }),
    }).then((r) => r.text());
    await port("PATCH", `/v1/actions/runs/${runId}`, { statusLabel: "bench" });
    samples.push(Date.now() - t);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

/**
 * A cold container: a fresh node process that loads the bundle and handles its first batch (no
 * warm-up, no token, no open connection). Plain JavaScript run with `node -e`, so nothing but
 * the bundle is loaded; `execArgv` lets the profiler (`--cpu-prof`) ride along. Resolves with
 * the child's own measurements (module load, batch wall time and CPU) per batch.
 */
export async function freshProcessBatches(
  env: Record<string, string>,
  events: readonly unknown[],
  opts: { bundle?: string; execArgv?: string[]; cwd?: string } = {},
): Promise<{ loadMs: number; initMs: number; initCpuMs: number; batches: { start: number; elapsedMs: number; cpuMs: number; outcomes: Record<string, number> }[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-bench-"));
  const input = path.join(dir, "events.json");
  writeFileSync(input, JSON.stringify(events));
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [...(opts.execArgv ?? []), "-e", COLD_SCRIPT, opts.bundle ?? BUNDLE, input], {
        // Only `env` configures the agent: this process's own agent settings (the last warm
        // scenario's AGENT_CONCURRENCY among them) must not leak into the fresh container.
        env: { ...withoutAgentSettings(process.env), ...env, POWERTOOLS_LOG_LEVEL: "SILENT" },
        cwd: opts.cwd ?? dir,
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`cold batch process exited (${code})`))));
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Awaited<ReturnType<typeof freshProcessBatches>>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withoutAgentSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of AGENT_ENV_KEYS) delete out[key];
  return out;
}

const COLD_SCRIPT = `
const [bundle, input] = process.argv.slice(1);
const events = JSON.parse(require("fs").readFileSync(input, "utf8"));
const t0 = process.hrtime.bigint();
const agent = require(bundle);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
(async () => {
  // BENCH_AWAIT_INIT=1: the handler is called once the bundle's init work (agent.initialized) has
  // settled, as with provisioned concurrency; otherwise at once, as a CommonJS Lambda cold start does.
  let initMs = 0;
  let initCpuMs = 0;
  if (process.env.BENCH_AWAIT_INIT === "1" && agent.initialized) {
    const cpu = process.cpuUsage();
    await agent.initialized;
    initMs = Number(process.hrtime.bigint() - t0) / 1e6 - loadMs;
    const used = process.cpuUsage(cpu);
    initCpuMs = (used.user + used.system) / 1000;
  }
  const batches = [];
  for (const event of events) {
    const cpu = process.cpuUsage();
    const start = Date.now();
    const summary = await agent.handler(event);
    const elapsedMs = Date.now() - start;
    const used = process.cpuUsage(cpu);
    batches.push({ start, elapsedMs, cpuMs: (used.user + used.system) / 1000, outcomes: summary.outcomes });
  }
  process.stdout.write(JSON.stringify({ loadMs, initMs, initCpuMs, batches }) + "\\n");
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
`;

function row(scenario: string, batch: number, concurrency: number, records: number, elapsedMs: number, latencies: number[], cpuMs: number, worldCpuMs: number): AgentBenchRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { scenario, batch, concurrency, records, recordsPerSecond: round((records / elapsedMs) * 1000), p50Ms: pct(50), p99Ms: pct(99), cpuPerRecordMs: round(cpuMs / records), worldCpuPerRecordMs: round(worldCpuMs / records) };
}

/** Median of fresh-process `require` times of the bundle (a Lambda cold start's module init). */
function moduleLoadMs(env: Record<string, string>): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(BUNDLE)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const samples = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ["-e", script], { env: { ...process.env, ...env, POWERTOOLS_LOG_LEVEL: "SILENT" }, encoding: "utf8" })));
  return round(samples.sort((a, b) => a - b)[2]);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `--profile [batches]`: batches of 100 (six by default; 1 = a cold container's first) in one fresh process under --cpu-prof, unminified bundle. */
async function profileAgent(batches = 6): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const bundle = path.join(root, "dist", "agent-profile", "index.js");
  const { build } = await import("esbuild");
  await build({ bundle: true, platform: "node", target: "node20", format: "cjs", keepNames: true, entryPoints: [path.join(root, "agent", "index.ts")], outfile: bundle, external: ["@aws-sdk/*"], logLevel: "warning" });
  const services = await Services.start();
  try {
    const env = { ...(await services.call<Record<string, string>>({ cmd: "setup", environments: ENVIRONMENTS })) };
    delete env.AGENT_CONCURRENCY;
    await services.call({ cmd: "latency", ms: INJECTED_LATENCY_MS });
    const offsets = new Map<number, number>();
    const events = [];
    for (let b = 0; b < batches; b++) {
      const envs = Array.from({ length: 100 }, (_, i) => `env-${i}`);
      const runIds = await services.call<string[]>({ cmd: "createRuns", envs });
      events.push(kafkaEvent(runIds.map((r, i) => ({ value: deployRequest(r, "img-1", envs[i]) })), offsets));
    }
    const dir = path.join(root, ".bench", "profiles");
    const res = await freshProcessBatches(env, events, { bundle, execArgv: ["--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${dir}`] });
    for (const [i, b] of res.batches.entries()) console.log(`batch ${i + 1}: ${b.elapsedMs} ms, CPU ${round(b.cpuMs / 100)} ms per record`);
    console.log(`module load ${round(res.loadMs)} ms; profile in ${dir}`);
  } finally {
    await services.stop();
  }
}

/**
 * `--cold [runs]`: the cold scenario alone, quicker than the whole bench: the serial baseline (100
 * records, warm, one per invocation) then `runs` fresh processes (default 7) each handling its
 * first batch of 100, all in one world; prints each run and the medians.
 */
async function coldOnly(runs = 7): Promise<void> {
  const restoreEnv = snapshotEnv();
  const services = await Services.start();
  const offsets = new Map<number, number>();
  try {
    const env = { ...(await services.call<Record<string, string>>({ cmd: "setup", environments: ENVIRONMENTS })) };
    delete env.AGENT_CONCURRENCY;
    const newBatch = async (size: number) => {
      const envs = Array.from({ length: size }, (_, i) => `env-${i % ENVIRONMENTS}`);
      const runIds = await services.call<string[]>({ cmd: "createRuns", envs });
      return kafkaEvent(runIds.map((runId, i) => ({ value: deployRequest(runId, "img-1", envs[i]) })), offsets);
    };
    for (const k of AGENT_ENV_KEYS) delete process.env[k];
    Object.assign(process.env, env, { POWERTOOLS_LOG_LEVEL: "SILENT", AGENT_CONCURRENCY: "1" });
    delete require.cache[BUNDLE];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const agent = require(BUNDLE) as AgentBundle;
    await services.call({ cmd: "latency", ms: 0 });
    await agent.handler(await newBatch(50));
    for (let i = 0; i < 30; i++) await agent.handler(await newBatch(1));
    await services.call({ cmd: "latency", ms: INJECTED_LATENCY_MS });
    let serialMs = 0;
    for (let i = 0; i < 100; i++) {
      const event = await newBatch(1);
      const t = Date.now();
      await agent.handler(event);
      serialMs += Date.now() - t;
    }
    const serialRate = 100_000 / serialMs;
    console.log(`serial baseline: ${round(serialMs / 100)} ms per record (${round(serialRate)} records/s); load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    // COLD_BUNDLES (comma-separated bundle paths, A/B comparisons): taken in turn within each round,
    // so every variant meets the same machine load.
    // COLD_EXEC_ARGV: node options of the fresh processes, variants separated by "|" (also taken in turn).
    const bundles = (process.env.COLD_BUNDLES?.split(",").filter(Boolean) ?? [BUNDLE]).flatMap((b) =>
      (process.env.COLD_EXEC_ARGV ?? "").split("|").map((a) => `${b}${a ? ` ${a}` : ""}`),
    );
    const results = new Map<string, { batchMs: number; cpuMs: number; loadMs: number }[]>(bundles.map((b) => [b, []]));
    for (let i = 0; i < runs; i++) {
      for (const variant of bundles) {
        const [bundle, ...execArgv] = variant.split(" ");
        const event = await newBatch(100);
        env.RUN_LEDGER_TABLE = await services.call<string>({ cmd: "freshLedger" });
        const res = await freshProcessBatches(env, [event], { bundle, execArgv });
        const [b] = res.batches;
        if (b.outcomes.started !== 100) throw new Error(`cold batch did not start every build: ${JSON.stringify(b.outcomes)}`);
        results.get(variant)!.push({ batchMs: b.elapsedMs, cpuMs: b.cpuMs, loadMs: res.loadMs });
        console.log(`cold ${i + 1} ${path.basename(path.dirname(bundle))}${execArgv.length ? ` ${execArgv.join(" ")}` : ""}: batch ${b.elapsedMs} ms (${round(100_000 / b.elapsedMs / serialRate)}×), CPU ${round(b.cpuMs / 100)} ms per record, module load ${round(res.loadMs)} ms${res.initMs ? `, init ${round(res.initMs)} ms (CPU ${round(res.initCpuMs)} ms)` : ""}`);
        await services.call({ cmd: "doneAt", runIds: [] });
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const [variant, rs] of results) {
      const batchMs = median(rs.map((r) => r.batchMs));
      const [bundle, ...execArgv] = variant.split(" ");
      console.log(`median ${path.basename(path.dirname(bundle))}${execArgv.length ? ` ${execArgv.join(" ")}` : ""}: batch ${batchMs} ms = ${round(100_000 / batchMs / serialRate)}× serial; CPU ${round(median(rs.map((r) => r.cpuMs)) / 100)} ms per record; with module load ${round(100_000 / (batchMs + median(rs.map((r) => r.loadMs))) / serialRate)}×`);
    }
    console.log(`load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  } finally {
    await services.stop();
    restoreEnv();
  }
}

if (require.main === module) {
  if (process.argv[2] === "--cold") {
    coldOnly(process.argv[3] ? Number(process.argv[3]) : undefined).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else if (process.argv[2] === "--profile") {
    profileAgent(process.argv[3] ? Number(process.argv[3]) : undefined).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else if (process.argv[2] === "--services") {
    serveWorld(process.argv[3]).catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    benchAgent().then(
      ({ tables, json }) => {
        for (const [title, rows] of Object.entries(tables)) {
          console.log(`\n## ${title}`);
          console.table(rows);
        }
        console.log(JSON.stringify({ agent: json }, null, 2));
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  }
}
