// The reaper: a scheduled pass over open ledger entries that makes sure no run stays stuck.
// - started, build ended, run still IN_PROGRESS (pipeline hooks never ran): close the run with
//   the build's outcome and mark the deployment entity;
// - started, run no longer linked (crash after the build started, before Port was told): link it;
// - claimed for longer than a Lambda can live (crash between claim and start, or an uncertain
//   start): adopt the build carrying our port_run_id annotation, or close the run FAILURE.
// Two reapers at once are safe: closing needs the entry's lock, taken by a conditional write.
// reapPortRuns (below) is the Kubernetes consumer's variant without DynamoDB: Port's active runs
// are its source, and it closes runs with the same code (closeEndedRun).
import { BLUEPRINTS, DEPLOYMENT, RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { Build, isTerminalBuildStatus } from "../clients/codefresh";
import { PortApiError, PortClient } from "../clients/port";
import { z } from "zod";
import { reapOutcome } from "./decision";
import { AgentDeps, DEPLOYING_LABEL, reportFailure, runView } from "./deploy-record";
import type { LedgerEntry, RunLedger } from "./ledger";
import { errorText, logger } from "./log";
import { buildIdFromRunLink } from "./run-link";
import { runKeyed } from "./scheduler";

export interface ReaperOptions {
  /** A claim older than this belongs to an agent that died (must exceed the Lambda timeout). */
  readonly claimLeaseMs: number;
  /** A reaper lock older than this belongs to a reaper that died. */
  readonly lockLeaseMs: number;
  readonly concurrency: number;
}

export const REAP_OUTCOMES = ["closed", "adopted", "linked", "running", "already-closed", "waiting", "busy", "failed"] as const;
export type ReapOutcome = (typeof REAP_OUTCOMES)[number];

export interface ReapSummary {
  readonly entries: number;
  readonly outcomes: Partial<Record<ReapOutcome, number>>;
}

/** The DynamoDB reaper needs the DynamoDB ledger (its listing and locks), not just claims. */
export type LedgerDeps = AgentDeps & { readonly ledger: RunLedger };

export async function reap(deps: LedgerDeps, opts: ReaperOptions): Promise<ReapSummary> {
  const entries = await deps.ledger.listOpen();
  const results = await runKeyed(entries, (e) => e.runId, opts.concurrency, async (entry) => {
    try {
      return await reapOne(deps, opts, entry);
    } catch (err) {
      logger.error("reaper: entry failed", { runId: entry.runId, reason: errorText(err) });
      return "failed" as const;
    }
  });
  const outcomes: Partial<Record<ReapOutcome, number>> = {};
  for (const r of results) outcomes[r] = (outcomes[r] ?? 0) + 1;
  logger.info("reaper pass done", { count: entries.length, outcome: JSON.stringify(outcomes) });
  return { entries: entries.length, outcomes };
}

async function reapOne(deps: LedgerDeps, opts: ReaperOptions, entry: LedgerEntry): Promise<ReapOutcome> {
  const now = Date.now();
  const staleLock = now - opts.lockLeaseMs;
  if (entry.state === "closing" && (entry.lockedAt ?? 0) >= staleLock) return "busy";
  const phase = entry.state === "closing" ? (entry.buildId ? "started" : "claimed") : entry.state;

  if (phase === "claimed") {
    if (now - entry.claimedAt < opts.claimLeaseMs) return "waiting";
    const token = await deps.ledger.lock(entry.runId, "claimed", staleLock);
    if (!token) return "busy";
    const build = await findBuild(deps, entry);
    if (!build) {
      await reportFailure(deps, entry.runId, "The deploy agent stopped before it started the Codefresh build; run the action again");
      await deps.ledger.release(entry.runId, token, "closed", { reason: "no build was started" });
      logger.info("reaper: closed a run whose build never started", { runId: entry.runId });
      return "closed";
    }
    const buildUrl = deps.codefresh.buildUrl(build.id);
    await linkRun(deps, entry.runId, build.id, buildUrl);
    await deps.ledger.release(entry.runId, token, "started", { buildId: build.id, buildUrl });
    logger.info("reaper: adopted a build started by an agent that died", { runId: entry.runId, buildId: build.id });
    const after = await closeIfEnded(deps, staleLock, { ...entry, state: "started", buildId: build.id, buildUrl }, build);
    return after === "running" || after === "linked" ? "adopted" : after;
  }

  if (phase !== "started" || !entry.buildId) return "waiting";
  const build = await deps.codefresh.getBuild(entry.buildId);
  return closeIfEnded(deps, staleLock, entry, build);
}

async function closeIfEnded(deps: LedgerDeps, staleLock: number, entry: LedgerEntry, build: Build | undefined): Promise<ReapOutcome> {
  const buildId = entry.buildId!;
  const buildUrl = entry.buildUrl ?? deps.codefresh.buildUrl(buildId);
  const run = runView(await deps.port.getRun(entry.runId));
  if (!run || run.status !== "IN_PROGRESS") {
    // The pipeline reported (or someone closed the run): nothing left to do.
    await deps.ledger.markClosed(entry.runId, staleLock);
    return "already-closed";
  }
  if (build && !isTerminalBuildStatus(build.status)) {
    if (run.buildId === buildId) return "running";
    await linkRun(deps, entry.runId, buildId, buildUrl);
    return "linked";
  }
  const token = await deps.ledger.lock(entry.runId, "started", staleLock);
  if (!token) return "busy";
  const summary = await closeEndedRun(deps, entry.runId, buildId, buildUrl, build);
  await deps.ledger.release(entry.runId, token, "closed", { reason: summary });
  return "closed";
}

/**
 * Close an in-progress run whose build ended (or vanished) without reporting: the deployment
 * entity gets the build's outcome, the run a log line and the closing PATCH. Shared by both
 * reapers; the caller has made sure it alone closes this run. Resolves with the summary.
 */
export async function closeEndedRun(deps: Pick<AgentDeps, "port">, runId: string, buildId: string, buildUrl: string, build: Build | undefined): Promise<string> {
  const outcome = reapOutcome(buildId, build?.status ?? "missing");
  const summary = build ? outcome.summary : `Deploy build ${buildId} no longer exists in Codefresh`;
  try {
    await deps.port.upsertEntity(
      BLUEPRINTS.deployment,
      { identifier: deploymentIdentifier(runId), properties: { [DEPLOYMENT.status]: build?.status ?? "error", [DEPLOYMENT.finishedAt]: build?.finished ?? new Date().toISOString() } },
      { merge: true, runId },
    );
  } catch (err) {
    logger.warn("reaper: deployment entity not updated", { runId, reason: errorText(err) });
  }
  try {
    await deps.port.addRunLog(runId, summary);
    await deps.port.patchRun(runId, { status: build ? outcome.status : "FAILURE", summary, link: buildUrl });
  } catch (err) {
    // Closed meanwhile by the pipeline: that report wins.
    if (!(err instanceof PortApiError && err.status === 422)) throw err;
  }
  logger.info("reaper: closed run", { runId, buildId, buildStatus: build?.status ?? "missing" });
  return summary;
}

async function linkRun(deps: AgentDeps, runId: string, buildId: string, buildUrl: string): Promise<void> {
  try {
    await deps.port.patchRun(runId, { link: buildUrl, externalRunId: buildId, statusLabel: DEPLOYING_LABEL });
  } catch (err) {
    if (!(err instanceof PortApiError && (err.status === 404 || err.status === 422))) throw err;
  }
}

/** The build an agent may have started for this run: same pipeline, since the claim, our annotation. */
async function findBuild(deps: AgentDeps, entry: LedgerEntry): Promise<Build | undefined> {
  if (entry.pipeline === "-") return undefined;
  const pipeline = await deps.codefresh.getPipeline(entry.pipeline);
  const pipelineId = (pipeline?.metadata as { id?: unknown } | undefined)?.id;
  if (typeof pipelineId !== "string") return undefined;
  // A minute of slack for clock skew between the agent and Codefresh.
  const builds = await deps.codefresh.listBuilds({ pipelineId, startDate: new Date(entry.claimedAt - 60_000).toISOString() });
  for (const build of builds) {
    const annotations = await deps.codefresh.buildAnnotations(build.id);
    if (annotations[RUN_ID_ANNOTATION] === entry.runId) return build;
  }
  return undefined;
}

// ---- Port as the source (the Kubernetes consumer without DynamoDB, see port-ledger.ts) -------

export interface PortReaperOptions {
  /** Identifiers of the actions whose runs the agent starts builds for. */
  readonly actions: readonly string[];
  readonly concurrency: number;
  /** Runs asked for per page of Port's run listing (1–1000; default 1000). */
  readonly pageSize?: number;
}

/** Port's maximum `limit` for GET /v1/actions/runs. */
export const RUNS_PAGE_MAX = 1000;
/** Pages read per action and pass at most: a bound, should a server ignore `offset`. */
const MAX_RUN_PAGES = 100;

/**
 * One pass over the deploy actions' active runs in Port: a run linked to a build
 * (`externalRunId`) whose build ended or vanished is closed as the DynamoDB reaper closes it.
 * Not safe to run twice at once (there is no lock to take): the consumer runs it in one process,
 * one pass at a time. Runs with no build linked are left alone (waiting for approval, being
 * handled, or started by an agent that crashed before it could link the build).
 */
export async function reapPortRuns(deps: Pick<AgentDeps, "port" | "codefresh">, opts: PortReaperOptions): Promise<ReapSummary> {
  const pageSize = Math.min(Math.max(1, opts.pageSize ?? RUNS_PAGE_MAX), RUNS_PAGE_MAX);
  const runs = (await Promise.all(opts.actions.map((action) => activeRuns(deps.port, action, pageSize)))).flat();
  const results = await runKeyed(runs, (r) => r.id, opts.concurrency, async (run): Promise<ReapOutcome> => {
    const buildId = run.externalRunId;
    if (!buildId) return "waiting";
    try {
      const build = await deps.codefresh.getBuild(buildId);
      if (build && !isTerminalBuildStatus(build.status)) return "running";
      await closeEndedRun(deps, run.id, buildId, deps.codefresh.buildUrl(buildId), build);
      return "closed";
    } catch (err) {
      logger.error("reaper: run failed", { runId: run.id, buildId, reason: errorText(err) });
      return "failed";
    }
  });
  const outcomes: Partial<Record<ReapOutcome, number>> = {};
  for (const r of results) outcomes[r] = (outcomes[r] ?? 0) + 1;
  logger.info("reaper pass done", { count: runs.length, outcome: JSON.stringify(outcomes) });
  return { entries: runs.length, outcomes };
}

/**
 * GET /v1/actions/runs?active=true&action=… (IN_PROGRESS and waiting runs of one action), page by
 * page (limit/offset) until a short page. Runs closing meanwhile shift later pages, so a run may
 * be missed this pass (the next one sees it) or listed twice (kept once). A page bringing no new
 * run ends the listing too, so a server that ignored `offset` costs one request, not a loop.
 */
async function activeRuns(port: Pick<PortClient, "call">, action: string, pageSize: number): Promise<{ id: string; externalRunId?: string }[]> {
  const runs = new Map<string, { id: string; externalRunId?: string }>();
  for (let page = 0; page < MAX_RUN_PAGES; page++) {
    const batch = await activeRunsPage(port, action, pageSize, page * pageSize);
    const before = runs.size;
    for (const r of batch) if (!runs.has(r.id)) runs.set(r.id, r);
    if (batch.length < pageSize || runs.size === before) break;
    if (page === MAX_RUN_PAGES - 1) logger.warn("reaper: run listing cut short", { reason: `more than ${MAX_RUN_PAGES} pages of ${action} runs` });
  }
  return [...runs.values()];
}

async function activeRunsPage(port: Pick<PortClient, "call">, action: string, limit: number, offset: number): Promise<{ id: string; externalRunId?: string }[]> {
  let body: unknown;
  try {
    body = await port.call("GET", "/v1/actions/runs", undefined, { active: "true", action, limit: String(limit), offset: String(offset), version: "v2" });
  } catch (err) {
    // An action the stack did not create (e.g. no approval variant): no runs.
    if (err instanceof PortApiError && err.status === 404) return [];
    throw err;
  }
  const parsed = z.object({ runs: z.array(z.object({ id: z.string(), link: z.unknown().optional() }).loose()) }).safeParse(body);
  if (!parsed.success) throw new Error(`Port listed the runs of ${action} without a "runs" array`);
  // Port's run reads never return externalRunId: the build is the one the run's link points to.
  return parsed.data.runs.map((r) => ({ id: r.id, externalRunId: buildIdFromRunLink(r.link) }));
}
