// The reaper: a scheduled pass over open ledger entries that makes sure no run stays stuck.
// - started, build ended, run still IN_PROGRESS (pipeline hooks never ran): close the run with
//   the build's outcome and write the deployment entity whole;
// - started, run not linked to its build (crash after the build started, before Port was told):
//   link it, once (Port's `link` shows it is done; Port never returns `externalRunId`);
// - claimed for longer than a Lambda can live (crash between claim and start, or an uncertain
//   start): adopt the build carrying our port_run_id annotation, or close the run FAILURE.
// Two reapers at once are safe: closing needs the entry's lock, taken by a conditional write.
// reapPortRuns (below) is the Kubernetes consumer's variant without DynamoDB: Port's active runs
// are its source, a run's `link` names its build, and it closes runs with the same code.
import { deployActions } from "../actions/deploy";
import type { DeployRequest } from "../actions/deploy-request";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { BLUEPRINTS, DEPLOYMENT, ENVIRONMENT } from "../blueprints/vocabulary";
import { Build, isTerminalBuildStatus } from "../clients/codefresh";
import { PortApiError, PortClient } from "../clients/port";
import { z } from "zod";
import { deploymentEntity, reapOutcome, runLink } from "./decision";
import { BuildSearch, terminateBuild } from "./build-search";
import { AgentDeps, DEPLOYING_LABEL, MAX_SUMMARY } from "./deploy-record";
import type { LedgerEntry, RunLedger } from "./ledger";
import { errorText, logger } from "./log";
import { STARTING_LABEL, UNCERTAIN_LABEL } from "./port-ledger";
import { redact } from "./redact";
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

/** What the reaper's Port and Codefresh calls need of the agent's dependencies. */
type ReaperDeps = Pick<AgentDeps, "port" | "codefresh" | "portAppUrl">;

/** Clock skew allowed between the agent and Codefresh when a build is matched to a run's time. */
const CLOCK_SLACK_MS = 60_000;
/** A pass's shared build listing reaches back at most this far; an older claim lists its own window. */
const MAX_SHARED_WINDOW_MS = 86_400_000;
/** Final status label of a run closed because no build was started for it. */
const NOT_STARTED_LABEL = "Not started";

export async function reap(deps: LedgerDeps, opts: ReaperOptions): Promise<ReapSummary> {
  const entries = await deps.ledger.listOpen();
  const now = Date.now();
  // One build search for the pass: each pipeline's builds listed once, each build's annotations
  // read once. The window starts at the earliest entry reapOne may look up (claimed, or closing
  // without a build, by a reaper that died); an entry found stale later in the pass, or older
  // than the window, makes the search list again from its own claim (BuildSearch.find).
  const lookups = entries.filter((e) => !e.buildId && (e.state === "claimed" || e.state === "closing") && now - e.claimedAt >= opts.claimLeaseMs);
  const search = new BuildSearch(deps.codefresh, Math.max(now - MAX_SHARED_WINDOW_MS, Math.min(now, ...lookups.map((e) => e.claimedAt))) - CLOCK_SLACK_MS);
  for (const e of entries) if (e.buildId) search.know(e.buildId, e.runId);
  const results = await runKeyed(entries, (e) => e.runId, opts.concurrency, async (entry) => {
    try {
      return await reapOne(deps, opts, search, entry);
    } catch (err) {
      logger.error("reaper: entry failed", { runId: entry.runId, reason: errorText(err) });
      return "failed" as const;
    }
  });
  return summarize(entries.length, results);
}

async function reapOne(deps: LedgerDeps, opts: ReaperOptions, search: BuildSearch, entry: LedgerEntry): Promise<ReapOutcome> {
  const now = Date.now();
  const staleLock = now - opts.lockLeaseMs;
  if (entry.state === "closing" && (entry.lockedAt ?? 0) >= staleLock) return "busy";
  const phase = entry.state === "closing" ? (entry.buildId ? "started" : "claimed") : entry.state;

  if (phase === "claimed") {
    if (now - entry.claimedAt < opts.claimLeaseMs) return "waiting";
    const token = await deps.ledger.lock(entry.runId, "claimed", staleLock);
    if (!token) return "busy";
    const found = entry.pipeline === "-" ? ({ kind: "none" } as const) : await search.find([entry.pipeline], entry.runId, entry.claimedAt - CLOCK_SLACK_MS);
    if (found.kind === "unknown") {
      // Never a FAILURE while a build may exist: the lock goes stale and a later pass tries again.
      logger.warn("reaper: whether a build exists is unknown; run left open", { runId: entry.runId, reason: found.reason });
      return "waiting";
    }
    const build = found.kind === "found" ? found.build : undefined;
    if (!build) {
      const summary = "The deploy agent stopped before it started the Codefresh build; run the action again";
      await closeRun(deps, entry.runId, { status: "FAILURE", summary, statusLabel: NOT_STARTED_LABEL });
      await deps.ledger.release(entry.runId, token, "closed", { reason: "no build was started" });
      logger.info("reaper: closed a run whose build never started", { runId: entry.runId });
      return "closed";
    }
    const buildUrl = deps.codefresh.buildUrl(build.id);
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
  const raw = await deps.port.getRun(entry.runId);
  const run = raw === undefined ? undefined : parseRun(raw);
  if (!run || run.status !== "IN_PROGRESS") {
    // The pipeline reported (or someone closed the run): nothing left to do.
    await deps.ledger.markClosed(entry.runId, staleLock);
    return "already-closed";
  }
  if (build && !isTerminalBuildStatus(build.status)) {
    if (linksTo(run, buildId)) return "running";
    if ((await linkRun(deps, entry.runId, buildId, buildUrl)) === "linked") return "linked";
    await deps.ledger.markClosed(entry.runId, staleLock);
    return "already-closed";
  }
  const token = await deps.ledger.lock(entry.runId, "started", staleLock);
  if (!token) return "busy";
  const summary = await closeEndedRun(deps, { run, buildId, buildUrl, build, ledger: entry });
  await deps.ledger.release(entry.runId, token, "closed", { reason: summary });
  return "closed";
}

// ---- closing a run --------------------------------------------------------------------------

/** Status label of a run the reaper closes (it replaces "Deploying"). */
export function closedLabel(buildStatus: string | undefined): string {
  switch (buildStatus) {
    case "success":
      return "Deployed";
    case "terminated":
      return "Terminated";
    case "denied":
      return "Denied";
    case undefined:
      return "Build missing";
    default:
      return "Deploy failed";
  }
}

/**
 * Close an in-progress run whose build ended (or vanished) without reporting: the deployment
 * entity is written whole with the build's outcome, the run gets a log line and the closing
 * PATCH. Shared by both reapers; the caller has made sure it alone closes this run. Resolves
 * with the summary.
 */
export async function closeEndedRun(
  deps: ReaperDeps,
  args: { run: PortRun; buildId: string; buildUrl: string; build: Build | undefined; ledger?: Pick<LedgerEntry, "environment" | "pipeline" | "claimedAt"> },
): Promise<string> {
  const { run, buildId, buildUrl, build } = args;
  const outcome = reapOutcome(buildId, build?.status ?? "missing");
  const summary = build ? outcome.summary : `Deploy build ${buildId} no longer exists in Codefresh`;
  try {
    await writeDeployment(deps, args);
  } catch (err) {
    logger.warn("reaper: deployment entity not written", { runId: run.id, reason: errorText(err) });
  }
  await closeRun(deps, run.id, { status: build ? outcome.status : "FAILURE", summary, statusLabel: closedLabel(build?.status), link: buildUrl });
  logger.info("reaper: closed run", { runId: run.id, buildId, buildStatus: build?.status ?? "missing" });
  return summary;
}

/**
 * A log line (kept in the run's history), then the closing PATCH. A 4xx does not by itself mean
 * the run was closed meanwhile: the run is read, and only a run no longer in progress is left be.
 */
async function closeRun(deps: Pick<AgentDeps, "port">, runId: string, close: { status: "SUCCESS" | "FAILURE"; summary: string; statusLabel: string; link?: string }): Promise<void> {
  const text = redact(close.summary, MAX_SUMMARY);
  try {
    await deps.port.addRunLog(runId, text);
  } catch (err) {
    // A refused log line must not keep the run open: the PATCH (and the run's state) decides.
    if (!isClientError(err)) throw err;
    logger.warn("reaper: run log refused", { runId, reason: errorText(err) });
  }
  try {
    await deps.port.patchRun(runId, { ...close, summary: text });
  } catch (err) {
    if (!isClientError(err)) throw err;
    if (await stillInProgress(deps, runId)) throw err;
    logger.info("reaper: run already closed or gone", { runId, reason: errorText(err) });
  }
}

function isClientError(err: unknown): err is PortApiError {
  return err instanceof PortApiError && err.status >= 400 && err.status < 500;
}

async function stillInProgress(deps: Pick<AgentDeps, "port">, runId: string): Promise<boolean> {
  const raw = await deps.port.getRun(runId);
  const run = raw === undefined ? undefined : parseRun(raw);
  return run !== undefined && run.status === "IN_PROGRESS";
}

/**
 * Link an in-progress run to its build (the agent's own report, repaired). `externalRunId` is
 * written for `external_run_id` look-ups, though Port never returns it on a read.
 */
async function linkRun(deps: Pick<AgentDeps, "port" | "codefresh">, runId: string, buildId: string, buildUrl: string): Promise<"linked" | "ended"> {
  try {
    await deps.port.patchRun(runId, { link: buildUrl, externalRunId: buildId, statusLabel: DEPLOYING_LABEL });
    return "linked";
  } catch (err) {
    // A refused link says nothing by itself: read the run. Open still → this pass failed; closed
    // (by hand, or FAILURE) → its build is stopped, as the deploy path does, so no deploy runs behind it.
    if (!isClientError(err) || (await stillInProgress(deps, runId))) throw err;
    await terminateBuild(deps.codefresh, buildId);
    logger.warn("reaper: run closed in Port while its build runs: build terminated", { runId, buildId });
    return "ended";
  }
}

/**
 * The deployment entity, whole (DESIGN.md §3): what the agent writes at start plus the build's
 * outcome, rebuilt from what the reaper holds — the ledger entry, the Port run (its entity and
 * inputs name the image and the environment), the environment's product, and the build. Written
 * with merge, so a field the reaper cannot know (the requester's e-mail, which only the deploy
 * request carried) is kept when the agent's first write got through, never blanked.
 */
async function writeDeployment(deps: ReaperDeps, args: Parameters<typeof closeEndedRun>[1]): Promise<void> {
  const { run, buildUrl, build, ledger } = args;
  const sides = deploySides(run);
  const environment = sides.environment ?? (ledger && ledger.environment !== "-" ? ledger.environment : undefined);
  const product = environment ? relationOf(await deps.port.getEntity(BLUEPRINTS.environment, environment), ENVIRONMENT.product) : undefined;
  const startedAt = build?.started ?? (ledger ? new Date(ledger.claimedAt).toISOString() : run.createdAt);
  const finished = { [DEPLOYMENT.status]: build?.status ?? "error", [DEPLOYMENT.finishedAt]: build?.finished ?? new Date().toISOString() };
  let entity: Record<string, unknown>;
  if (sides.image && environment && product) {
    const request: DeployRequest = { runId: run.id, action: run.action, image: sides.image, environment, pipeline: ledger?.pipeline ?? "-", requestedBy: undefined };
    const whole = deploymentEntity({
      request,
      start: { kind: "start", pipeline: request.pipeline, product, variables: {}, annotations: {} },
      buildUrl,
      startedAt: startedAt ?? finished[DEPLOYMENT.finishedAt],
      runLink: runLink(deps.portAppUrl, run.id),
    });
    entity = { ...whole, properties: { ...(whole.properties as Record<string, unknown>), ...finished } };
  } else {
    // Not enough known to name the relations: every property the reaper has, relations kept as they are.
    const properties: Record<string, unknown> = { ...finished, [DEPLOYMENT.build]: buildUrl, [DEPLOYMENT.runId]: run.id, [DEPLOYMENT.runLink]: runLink(deps.portAppUrl, run.id) };
    if (startedAt) properties[DEPLOYMENT.startedAt] = startedAt;
    entity = { identifier: deploymentIdentifier(run.id), properties };
  }
  await deps.port.upsertEntity(BLUEPRINTS.deployment, entity, { merge: true, runId: run.id });
}

// ---- Port's run as the reaper reads it ------------------------------------------------------

/** A run as Port returns it (GET run or the run listing): no `externalRunId`, ever. */
export interface PortRun {
  readonly id: string;
  readonly status: string;
  readonly action: string;
  readonly link: readonly string[];
  readonly createdAt?: string;
  /** Declared by Port's run schema: when the run (its status label included) last changed. */
  readonly updatedAt?: string;
  readonly statusLabel?: string;
  readonly blueprint?: string;
  readonly entity?: string;
  readonly properties: Record<string, unknown>;
}

function runSchema() {
  const ref = z.union([z.string(), z.object({ identifier: z.string() }).loose()]).transform((v) => (typeof v === "string" ? v : v.identifier));
  return z
    .object({
      id: z.string(),
      status: z.string(),
      action: ref,
      link: z.union([z.string(), z.array(z.string())]).nullish().transform((v) => (v == null ? [] : typeof v === "string" ? [v] : v)),
      createdAt: z.string().optional(),
      updatedAt: z.string().nullish(),
      statusLabel: z.string().nullish(),
      blueprint: ref.nullish(),
      entity: ref.nullish(),
      properties: z.record(z.string(), z.unknown()).nullish(),
    })
    .loose();
}
let cachedRunSchema: ReturnType<typeof runSchema> | undefined;

function parseRun(raw: unknown): PortRun {
  const parsed = (cachedRunSchema ??= runSchema()).safeParse(raw);
  if (!parsed.success) throw new Error(`Port answered a run without id/status/action: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const r = parsed.data;
  return { id: r.id, status: r.status, action: r.action, link: r.link, createdAt: r.createdAt, updatedAt: r.updatedAt ?? undefined, statusLabel: r.statusLabel ?? undefined, blueprint: r.blueprint ?? undefined, entity: r.entity ?? undefined, properties: r.properties ?? {} };
}

function linksTo(run: PortRun, buildId: string): boolean {
  return buildIdFromRunLink(run.link) === buildId;
}

/**
 * Image and environment of a deploy run, from the run alone: the entity it ran on and the entity
 * input naming the other side, as the deploy actions declare them (actions/deploy.ts).
 */
function deploySides(run: PortRun): { image?: string; environment?: string } {
  const inputs = (deployInputs ??= declaredDeployInputs());
  const input = (blueprint: string) => {
    const name = inputs.get(`${run.action}:${blueprint}`);
    const value = name === undefined ? undefined : run.properties[name];
    if (typeof value === "string") return value;
    const parsed = z.object({ identifier: z.string() }).safeParse(value);
    return parsed.success ? parsed.data.identifier : undefined;
  };
  const side = (blueprint: string) => (run.blueprint === blueprint ? run.entity : input(blueprint));
  return { image: side(BLUEPRINTS.image), environment: side(BLUEPRINTS.environment) };
}
let deployInputs: Map<string, string> | undefined;

/** "<action>:<blueprint>" → name of the action's entity input of that blueprint. */
function declaredDeployInputs(): Map<string, string> {
  const out = new Map<string, string>();
  const inputShape = z.object({ trigger: z.object({ userInputs: z.object({ properties: z.record(z.string(), z.object({ blueprint: z.string().optional() }).loose()) }).loose() }).loose() }).loose();
  for (const action of deployActions({ pipelines: ["-/-"], requireApprovalForProduction: true })) {
    const parsed = inputShape.safeParse(action.body);
    if (!parsed.success) continue;
    for (const [name, input] of Object.entries(parsed.data.trigger.userInputs.properties)) if (input.blueprint) out.set(`${action.identifier}:${input.blueprint}`, name);
  }
  return out;
}

function relationOf(entity: unknown, relation: string): string | undefined {
  const parsed = z.object({ relations: z.record(z.string(), z.unknown()).nullish() }).loose().safeParse(entity);
  const value = parsed.success ? parsed.data.relations?.[relation] : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

// ---- Port as the source (the Kubernetes consumer without DynamoDB, see port-ledger.ts) -------

export interface PortReaperOptions {
  /** Identifiers of the actions whose runs the agent starts builds for. */
  readonly actions: readonly string[];
  readonly concurrency: number;
  /** Runs asked for per request of Port's run listing (1–1000; default 1000). */
  readonly pageSize?: number;
  /**
   * An in-progress run without a build link younger than this is being handled (default 2
   * minutes): only older ones are looked up in Codefresh by annotation.
   */
  readonly unlinkedGraceMs?: number;
  /**
   * A run still showing the agent's "starting" or "start uncertain" label this long after the
   * label was set (Port's updatedAt; createdAt if absent) is closed FAILURE when Codefresh
   * definitely has no build for it (default 15 minutes; must exceed a start's duration).
   */
  readonly startLeaseMs?: number;
}

/** Port's maximum `limit` for GET /v1/actions/runs. */
export const RUNS_PAGE_MAX = 1000;

/**
 * One pass over the deploy actions' active runs in Port. A run's build is the one its `link`
 * names (Port never returns `externalRunId`); a run with no link that has waited past the grace
 * is looked up in Codefresh by its port_run_id annotation and linked. A run whose build ended or
 * vanished is closed as the DynamoDB reaper closes it; a running build's run is left as it is
 * (no PATCH). Not safe to run twice at once (there is no lock to take): the consumer runs it in
 * one process, one pass at a time. A run with no build anywhere is left alone (waiting for
 * approval, not yet consumed, or being handled).
 */
export async function reapPortRuns(deps: ReaperDeps & Partial<Pick<AgentDeps, "allowedPipelines">>, opts: PortReaperOptions): Promise<ReapSummary> {
  const pageSize = Math.min(Math.max(1, opts.pageSize ?? RUNS_PAGE_MAX), RUNS_PAGE_MAX);
  const grace = opts.unlinkedGraceMs ?? 120_000;
  const runs = (await Promise.all(opts.actions.map((action) => activeRuns(deps.port, action, pageSize)))).flat();
  const now = Date.now();
  const startLease = opts.startLeaseMs ?? 900_000;
  const linked = new Map(runs.map((r) => [r.id, r.status === "IN_PROGRESS" ? buildIdFromRunLink(r.link) : undefined]));
  const unlinkedSince = (r: PortRun) => (r.createdAt ? Date.parse(r.createdAt) : NaN);
  // The agent's pre-start and uncertain labels: a start was (maybe) attempted; past the lease, a
  // definite "no build" means none will appear (the label is set before the POST, never after).
  const startAbandoned = (r: PortRun) => (r.statusLabel === STARTING_LABEL || r.statusLabel === UNCERTAIN_LABEL) && now - Date.parse(r.updatedAt ?? r.createdAt ?? "") >= startLease;
  const toSearch = new Set(runs.filter((r) => r.status === "IN_PROGRESS" && !linked.get(r.id) && now - unlinkedSince(r) >= grace));
  const search = new BuildSearch(deps.codefresh, Math.min(now, ...[...toSearch].map(unlinkedSince)) - CLOCK_SLACK_MS);
  for (const [runId, buildId] of linked) if (buildId) search.know(buildId, runId);

  const results = await runKeyed(runs, (r) => r.id, opts.concurrency, async (run): Promise<ReapOutcome> => {
    if (run.status !== "IN_PROGRESS") return "waiting";
    try {
      const buildId = linked.get(run.id);
      if (buildId) {
        const build = await deps.codefresh.getBuild(buildId);
        if (build && !isTerminalBuildStatus(build.status)) return "running";
        await closeEndedRun(deps, { run, buildId, buildUrl: deps.codefresh.buildUrl(buildId), build });
        return "closed";
      }
      if (!toSearch.has(run)) return "waiting";
      const found = await search.find(deps.allowedPipelines ?? [], run.id, unlinkedSince(run) - CLOCK_SLACK_MS);
      if (found.kind === "none" && startAbandoned(run)) {
        const summary = "No Codefresh build was started for this run (the deploy agent's start was interrupted or got no clear answer); run the action again";
        await closeRun(deps, run.id, { status: "FAILURE", summary, statusLabel: NOT_STARTED_LABEL });
        logger.info("reaper: closed a run whose build never started", { runId: run.id });
        return "closed";
      }
      if (found.kind !== "found") return "waiting";
      const build = found.build;
      const buildUrl = deps.codefresh.buildUrl(build.id);
      if (!isTerminalBuildStatus(build.status)) {
        if ((await linkRun(deps, run.id, build.id, buildUrl)) === "ended") return "already-closed";
        logger.info("reaper: linked a run to the build found by its annotation", { runId: run.id, buildId: build.id });
        return "adopted";
      }
      await closeEndedRun(deps, { run, buildId: build.id, buildUrl, build });
      return "closed";
    } catch (err) {
      logger.error("reaper: run failed", { runId: run.id, reason: errorText(err) });
      return "failed";
    }
  });
  return summarize(runs.length, results);
}

/**
 * GET /v1/actions/runs?active=true&action=… (IN_PROGRESS and waiting runs of one action). Port
 * offers no offset: a page is the newest `limit` runs. A full page may hide older runs, so the
 * action's runs are then listed again one entity (the environment or image it ran on) at a time;
 * an entity with a full page of its own is logged as a listing cut short.
 */
async function activeRuns(port: Pick<PortClient, "call" | "searchEntities">, action: string, pageSize: number): Promise<PortRun[]> {
  const first = await activeRunsPage(port, { action }, pageSize);
  if (first.length < pageSize) return first;
  const runs = new Map(first.map((r) => [r.id, r]));
  const blueprint = first.find((r) => r.blueprint)?.blueprint;
  if (!blueprint) {
    logger.warn("reaper: run listing cut short", { reason: `${action}: a full page of runs that name no blueprint` });
    return first;
  }
  const entities = await port.searchEntities(blueprint, [], { include: ["$identifier"] });
  const ids = entities.flatMap((e) => (typeof e.identifier === "string" ? [e.identifier] : []));
  await runKeyed(ids, (id) => id, 8, async (entity) => {
    const page = await activeRunsPage(port, { action, entity }, pageSize);
    if (page.length >= pageSize) logger.warn("reaper: run listing cut short", { reason: `${action} on ${entity}: ${pageSize} or more active runs` });
    for (const r of page) runs.set(r.id, r);
  });
  return [...runs.values()];
}

async function activeRunsPage(port: Pick<PortClient, "call">, filter: { action: string; entity?: string }, limit: number): Promise<PortRun[]> {
  let body: unknown;
  try {
    body = await port.call("GET", "/v1/actions/runs", undefined, { active: "true", ...filter, limit: String(limit), version: "v2" });
  } catch (err) {
    // An action the stack did not create (e.g. no approval variant): no runs.
    if (err instanceof PortApiError && err.status === 404) return [];
    throw err;
  }
  const parsed = z.object({ runs: z.array(z.unknown()) }).safeParse(body);
  if (!parsed.success) throw new Error(`Port listed the runs of ${filter.action} without a "runs" array`);
  return parsed.data.runs.map(parseRun);
}

function summarize(count: number, results: readonly ReapOutcome[]): ReapSummary {
  const outcomes: Partial<Record<ReapOutcome, number>> = {};
  for (const r of results) outcomes[r] = (outcomes[r] ?? 0) + 1;
  logger.info("reaper pass done", { count, outcome: JSON.stringify(outcomes) });
  return { entries: count, outcomes };
}
