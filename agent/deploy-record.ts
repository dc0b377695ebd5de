// Effects for one Kafka record: ledger claim, Port look-ups, the pure decision, the Codefresh
// start and the report back to Port. Never throws: every path ends in an outcome and a log line.
//
// Rules that keep a run from getting a second build or a false result:
// - a build starts only while Port still shows the run IN_PROGRESS and linked to no build;
// - a build start whose answer was lost (5xx, timeout, reset) may have created the build: it is
//   looked up by its port_run_id annotation, never posted again; if that cannot tell, the run is
//   left to the reaper and Port shows "start uncertain" at once;
// - a run is closed FAILURE without the ledger only when Port links no build to it and Codefresh
//   lists none carrying its annotation;
// - a refused PATCH or log line (any 4xx) is not "the run already ended": the run is read.
import { BLUEPRINTS } from "../blueprints/vocabulary";
import type { DeployRequest } from "../actions/deploy-request";
import { CodefreshApiError, CodefreshClient } from "../clients/codefresh";
import { HttpError } from "../clients/http";
import { PortApiError, PortClient } from "../clients/port";
import { BuildLookup, findBuildForRun, terminateBuild } from "./build-search";
import { decide, deploymentEntity, EntityView, runLink, StartBuild } from "./decision";
import type { EntityLookup, RunLookup } from "./entity-lookup";
import type { DecodedMessage, KafkaRecordRef } from "./kafka-records";
import type { ClaimResult, RunClaims } from "./ledger";
import { errorText, logger } from "./log";
import { UNCERTAIN_LABEL } from "./port-ledger";
import { redact } from "./redact";
import { RunView, runView as parseRunView } from "./run-link";

export interface AgentDeps {
  readonly port: PortClient;
  readonly codefresh: CodefreshClient;
  readonly ledger: RunClaims;
  readonly allowedPipelines: readonly string[];
  /** REQUIRE_PRODUCTION_APPROVAL: Production only through the approval action (decision.ts). */
  readonly requireProductionApproval: boolean;
  readonly portAppUrl: string;
}

/** What the batch shares among its records: look-ups made for all of them at once (entity-lookup.ts). */
export interface BatchLookups {
  readonly entity: EntityLookup;
  readonly run: RunLookup;
  /**
   * Writes the record need not wait for (its ledger "started" mark): the batch awaits them before
   * it returns, so the record's worker moves on to the next record meanwhile. Absent: awaited in place.
   */
  readonly afterwards?: (write: Promise<unknown>) => void;
}

export const RECORD_OUTCOMES = ["started", "adopted", "duplicate", "ended", "refused", "malformed", "foreign", "failed", "uncertain"] as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

/** Status label shown in Port while the deploy build runs. */
export const DEPLOYING_LABEL = "Deploying";
/** Status label of a run the agent closed FAILURE (replaces its pre-start or "Deploying" label). */
export const FAILED_LABEL = "Not deployed";
/** Longest summary the agent puts on a run (Port's limit is undocumented; the pipeline uses the same). */
export const MAX_SUMMARY = 1000;

/** Port's run read, without `externalRunId` (Port never returns it): see run-link.ts. */
export { runView } from "./run-link";

export async function handleRecord(deps: AgentDeps, ref: KafkaRecordRef, message: DecodedMessage, lookups: BatchLookups): Promise<RecordOutcome> {
  const started = Date.now();
  let outcome: RecordOutcome;
  let runId: string | undefined;
  try {
    switch (message.kind) {
      case "foreign":
        // Another team's message on the org topic: not ours to start, fail or even mention.
        logger.debug("record of another action left alone", { record: ref.id });
        return "foreign";
      case "malformed":
        runId = message.runId;
        outcome = await handleMalformed(deps, ref, message.reason, message.runId);
        break;
      case "request":
        runId = message.request.runId;
        outcome = await handleRequest(deps, ref, message.request, lookups);
        break;
    }
  } catch (err) {
    // Last line of defence: a bug or an outage must not fail the batch or block the partition.
    logger.error("record handling failed", { record: ref.id, runId, reason: errorText(err) });
    outcome = "failed";
  }
  logger.info("record handled", { record: ref.id, runId, outcome, durationMs: Date.now() - started });
  return outcome;
}

async function handleMalformed(deps: AgentDeps, ref: KafkaRecordRef, reason: string, runId: string | undefined): Promise<RecordOutcome> {
  logger.warn("malformed record", { record: ref.id, runId, reason });
  if (!runId) return "malformed";
  const summary = `The deploy request could not be read: ${reason}`;
  let claim: ClaimResult;
  try {
    claim = await deps.ledger.claim(runId, { pipeline: "-", environment: "-" });
  } catch (err) {
    logger.error("run ledger unavailable", { record: ref.id, runId, reason: errorText(err) });
    await closeIfUntouched(deps, runId, undefined, summary);
    return "malformed";
  }
  if (claim === "duplicate") return "duplicate";
  return closeFailed(deps, runId, summary, "malformed");
}

async function handleRequest(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, lookups: BatchLookups): Promise<RecordOutcome> {
  const { runId } = request;
  // The claim and the (batch-wide) look-ups run at the same time: the claim is what guards the
  // build start; the look-ups are harmless reads, so a redelivery wastes reads, never a round trip.
  const entities = Promise.all([lookups.entity(BLUEPRINTS.image, request.image), lookups.entity(BLUEPRINTS.environment, request.environment)]);
  entities.catch(() => undefined); // settled below, or deliberately ignored for a duplicate
  const runState = lookups.run(runId);
  runState.catch(() => undefined);
  let claim: ClaimResult;
  try {
    claim = await deps.ledger.claim(runId, { pipeline: request.pipeline, environment: request.environment });
  } catch (err) {
    // Without the ledger a start could be a duplicate: start nothing, tell the developer if no build is known.
    logger.error("run ledger unavailable", { record: ref.id, runId, reason: errorText(err) });
    await closeIfUntouched(deps, runId, request, "The deploy agent could not record this run (its run ledger is unavailable); run the action again");
    return "failed";
  }
  if (claim === "duplicate") {
    // A redelivery: the first delivery owns the run, and Port keeps showing what it reported.
    logger.info("redelivered request ignored", { record: ref.id, runId });
    return "duplicate";
  }

  let run: RunView | undefined;
  try {
    run = await runState;
  } catch (err) {
    // An earlier delivery may have started a build: no FAILURE before Codefresh was asked.
    if (claim === "maybe-started") return uncertain(deps, ref, request, `the run could not be read from Port: ${portReason(err)}`);
    return closeFailed(deps, runId, `The deploy agent could not read this run from Port: ${portReason(err)}`, "failed");
  }
  if (!run) {
    logger.warn("run unknown to Port: nothing started", { record: ref.id, runId });
    await settle(deps.ledger.markDone(runId, "failed", "run unknown to Port"), runId);
    return "failed";
  }
  if (run.status !== "IN_PROGRESS") {
    // Closed meanwhile (by hand, or FAILURE by an earlier delivery): Port's word stands.
    logger.info("run no longer in progress: nothing started", { record: ref.id, runId, outcome: run.status });
    await settle(deps.ledger.markDone(runId, "failed", `run is ${run.status} in Port`), runId);
    return "ended";
  }
  if (run.buildId) {
    logger.info("run already linked to a build: nothing started", { record: ref.id, runId, buildId: run.buildId });
    await settle(deps.ledger.markStarted(runId, { buildId: run.buildId, buildUrl: deps.codefresh.buildUrl(run.buildId) }), runId);
    return "duplicate";
  }

  // An earlier delivery may have started a build it could not link: find it before anything else
  // (before a failed entity read can close the run FAILURE over a running build).
  const search = claim === "maybe-started" ? await searchBuild(deps, request, run.createdAt ?? Date.now() - 86_400_000) : undefined;
  let image: EntityView | undefined;
  let environment: EntityView | undefined;
  let entitiesFailed: unknown;
  try {
    [image, environment] = await entities;
  } catch (err) {
    entitiesFailed = err;
  }
  if (search?.kind === "found") {
    const decision = entitiesFailed === undefined ? decide({ request, image, environment, allowedPipelines: deps.allowedPipelines, requireProductionApproval: deps.requireProductionApproval }) : undefined;
    return adopt(deps, ref, request, decision?.kind === "start" ? decision : undefined, search.buildId);
  }
  if (search?.kind === "unknown") return uncertain(deps, ref, request, search.reason);
  if (entitiesFailed !== undefined) {
    return closeFailed(deps, runId, `The deploy agent could not read the image and environment from Port: ${portReason(entitiesFailed)}`, "failed");
  }
  const decision = decide({ request, image, environment, allowedPipelines: deps.allowedPipelines, requireProductionApproval: deps.requireProductionApproval });
  if (decision.kind === "refuse") {
    logger.warn("request refused", { record: ref.id, runId, reason: decision.summary });
    return closeFailed(deps, runId, `Deploy refused: ${decision.summary}`, "refused");
  }
  return startBuild(deps, ref, request, decision, lookups.afterwards);
}

async function startBuild(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, start: StartBuild, afterwards?: BatchLookups["afterwards"]): Promise<RecordOutcome> {
  const { runId } = request;
  const sentAt = Date.now();
  let buildId: string;
  try {
    buildId = await deps.codefresh.runPipeline(start.pipeline, { variables: start.variables, annotations: start.annotations });
  } catch (err) {
    const status = err instanceof CodefreshApiError || err instanceof HttpError ? err.status : undefined;
    if (status === 429) {
      // Refused up front by the rate limiter, every time: surely no build exists.
      return closeFailed(deps, runId, "Codefresh was unavailable (HTTP 429) and no build was started; run the action again", "failed");
    }
    if (err instanceof CodefreshApiError && err.status >= 400 && err.status < 500) {
      // Final: Codefresh said no (unknown pipeline, bad key, no permission), in its own (redacted) words.
      return closeFailed(deps, runId, `Codefresh refused to start ${start.pipeline}: ${redact(err.codefreshMessage)} (HTTP ${err.status})`, "failed");
    }
    // A 5xx, a timeout or a reset: the build may exist. Look for it; never post again.
    logger.warn("build start answer lost, looking the build up", { record: ref.id, runId, pipeline: start.pipeline, reason: errorText(err) });
    const search = await searchBuild(deps, request, sentAt);
    if (search.kind === "found") return adopt(deps, ref, request, start, search.buildId);
    return uncertain(deps, ref, request, search.kind === "none" ? `${errorText(err)}; no build found yet` : search.reason);
  }
  const open = await reportStarted(deps, request, start, buildId, `Started Codefresh build ${buildId} (${start.pipeline}): image ${request.image} to environment ${request.environment}`, afterwards);
  if (!open) return "ended";
  logger.info("build started", { record: ref.id, runId, buildId, pipeline: start.pipeline, environment: request.environment });
  return "started";
}

/** A build for this run exists already (found by annotation): link it, as if just started. */
async function adopt(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, start: StartBuild | undefined, buildId: string): Promise<RecordOutcome> {
  const open = await reportStarted(deps, request, start, buildId, `Codefresh build ${buildId} (${request.pipeline}) was found running for this run (an earlier start's answer was lost); no second build started`);
  if (!open) return "ended";
  logger.info("build adopted", { record: ref.id, runId: request.runId, buildId, pipeline: request.pipeline });
  return "adopted";
}

/** Whether a build of this run exists cannot be told: the reaper settles it; Port says so now. */
async function uncertain(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, reason: string): Promise<RecordOutcome> {
  const { runId } = request;
  logger.warn("build start uncertain, left to the reaper", { record: ref.id, runId, pipeline: request.pipeline, reason: redact(reason) });
  const results = await Promise.allSettled([
    deps.port.patchRun(runId, { statusLabel: UNCERTAIN_LABEL }),
    deps.port.addRunLog(runId, "Codefresh gave no clear answer when the deploy build was started; the agent links the build if Codefresh started it, or closes this run. No second build will be started."),
  ]);
  for (const r of results) if (r.status === "rejected") logger.warn("could not show the uncertain start in Port", { runId, reason: errorText(r.reason) });
  return "uncertain";
}

/**
 * Link the run to its build and record it; each write independent (the reaper repairs a failed
 * one). Resolves false when Port refused the link because the run was closed meanwhile (by hand,
 * or FAILURE by a container without its ledger): the build is then terminated, so that no deploy
 * runs behind a closed run.
 */
async function reportStarted(deps: AgentDeps, request: DeployRequest, start: StartBuild | undefined, buildId: string, logLine: string, afterwards?: BatchLookups["afterwards"]): Promise<boolean> {
  const { runId } = request;
  const buildUrl = deps.codefresh.buildUrl(buildId);
  // Port first: the SDK's request signing would otherwise hold up the Port requests' dispatch.
  const writes: [string, Promise<unknown>][] = [
    ["run link", deps.port.patchRun(runId, { link: buildUrl, externalRunId: buildId, statusLabel: DEPLOYING_LABEL })],
    ["run log", deps.port.addRunLog(runId, logLine)],
  ];
  if (start) {
    const entity = deploymentEntity({ request, start, buildUrl, startedAt: new Date().toISOString(), runLink: runLink(deps.portAppUrl, runId) });
    writes.push(["deployment entity", deps.port.upsertEntity(BLUEPRINTS.deployment, entity, { merge: true, runId })]);
  }
  // The ledger mark may wait for its batch write (ledger.ts): off the record's path when the batch awaits it.
  const mark = deps.ledger.markStarted(runId, { buildId, buildUrl });
  if (afterwards) afterwards(mark.catch((err: unknown) => logger.warn("after start: ledger update failed (the reaper repairs it)", { runId, buildId, reason: errorText(err) })));
  else writes.push(["ledger", mark]);
  const results = await Promise.allSettled(writes.map(([, p]) => p));
  results.forEach((r, i) => {
    if (r.status === "rejected") logger.warn(`after start: ${writes[i][0]} update failed (the reaper repairs it)`, { runId, buildId, reason: errorText(r.reason) });
  });
  const link = results[0];
  if (link.status === "fulfilled" || !(link.reason instanceof PortApiError && link.reason.status >= 400 && link.reason.status < 500)) return true;
  // A refused link says nothing by itself: read the run.
  try {
    const run = parseRunView(await deps.port.getRun(runId));
    if (run && run.status === "IN_PROGRESS") return true;
    await terminateBuild(deps.codefresh, buildId);
    logger.warn("run closed in Port while its build started: build terminated", { runId, buildId, outcome: run?.status ?? "gone" });
  } catch (err) {
    logger.error("run closed in Port while its build started, and the build could not be terminated", { runId, buildId, reason: errorText(err) });
  }
  return false;
}

async function searchBuild(deps: AgentDeps, request: DeployRequest, since: number): Promise<BuildLookup> {
  try {
    return await findBuildForRun(deps.codefresh, { pipeline: request.pipeline, runId: request.runId, since });
  } catch (err) {
    return { kind: "unknown", reason: `Codefresh's build list could not be read: ${errorText(err)}` };
  }
}

/** Report FAILURE and settle the claim; if Port cannot be told (or still shows the run open), the reaper will. */
async function closeFailed(deps: AgentDeps, runId: string, summary: string, outcome: RecordOutcome): Promise<RecordOutcome> {
  const text = redact(summary, MAX_SUMMARY);
  logger.warn("run failed", { runId, reason: text });
  try {
    await reportFailure(deps, runId, text);
  } catch (err) {
    logger.error("could not report failure to Port; left to the reaper", { runId, reason: errorText(err) });
    return "failed";
  }
  await settle(deps.ledger.markDone(runId, outcome === "refused" ? "refused" : "failed", text), runId);
  return outcome;
}

/** A ledger write after Port was told: a failure is logged; the reaper works from what is there. */
async function settle(write: Promise<unknown>, runId: string): Promise<void> {
  try {
    await write;
  } catch (err) {
    logger.warn("run ledger not updated", { runId, reason: errorText(err) });
  }
}

/**
 * A log line (kept in the run's history) then the closing PATCH with the summary. Resolves
 * "closed", or "ended" when Port refused the PATCH and reading the run shows it is no longer in
 * progress (or gone). Throws when the run is still IN_PROGRESS: it is not closed, whatever the
 * status code said.
 */
export async function reportFailure(deps: Pick<AgentDeps, "port">, runId: string, summary: string): Promise<"closed" | "ended"> {
  const text = redact(summary, MAX_SUMMARY);
  try {
    await deps.port.addRunLog(runId, text);
  } catch (err) {
    // The PATCH below (and, if refused, the run's state) decides; a log line is not worth a stuck run.
    if (!(err instanceof PortApiError && err.status >= 400 && err.status < 500)) throw err;
    logger.warn("run log refused", { runId, reason: errorText(err) });
  }
  try {
    // A final label: "Starting deploy build" or "Deploying" must not outlive the run.
    await deps.port.patchRun(runId, { status: "FAILURE", summary: text, statusLabel: FAILED_LABEL });
    return "closed";
  } catch (err) {
    if (!(err instanceof PortApiError && err.status >= 400 && err.status < 500)) throw err;
    // Port does not say why (a finished run and a rejected body both answer 422): read the run.
    const run = parseRunView(await deps.port.getRun(runId));
    if (!run || run.status !== "IN_PROGRESS") {
      logger.warn("run not updated: it is gone or already finished", { runId, reason: errorText(err) });
      return "ended";
    }
    throw new Error(`Port refused to close run ${runId} (HTTP ${err.status}: ${redact(err.portMessage, 200)}) and still shows it in progress`);
  }
}

/**
 * Without the ledger: report FAILURE only while Port shows the run in progress, linked to no
 * build, and Codefresh lists no build carrying its annotation. The run is read afresh (another
 * container may have started and linked a build since the batch began).
 */
async function closeIfUntouched(deps: AgentDeps, runId: string, request: DeployRequest | undefined, summary: string): Promise<void> {
  try {
    const run = parseRunView(await deps.port.getRun(runId));
    if (!run || run.status !== "IN_PROGRESS") return;
    if (run.buildId) {
      logger.info("run linked to a build: left open", { runId, buildId: run.buildId });
      return;
    }
    if (request) {
      const search = await searchBuild(deps, request, run.createdAt ?? Date.now() - 86_400_000);
      if (search.kind === "found") {
        await deps.port.patchRun(runId, { link: deps.codefresh.buildUrl(search.buildId), externalRunId: search.buildId, statusLabel: DEPLOYING_LABEL });
        logger.info("run has a build: linked and left open", { runId, buildId: search.buildId });
        return;
      }
      if (search.kind === "unknown") {
        // Never a FAILURE while a build may exist: say what is going on instead.
        await deps.port.patchRun(runId, { statusLabel: UNCERTAIN_LABEL });
        logger.warn("run left open: whether a build exists is unknown", { runId, reason: redact(search.reason) });
        return;
      }
    }
    await reportFailure(deps, runId, summary);
  } catch (err) {
    logger.error("could not report failure to Port", { runId, reason: errorText(err) });
  }
}

function portReason(err: unknown): string {
  if (err instanceof PortApiError) return `${redact(err.portMessage, 200)} (HTTP ${err.status})`;
  if (err instanceof HttpError) return err.status ? `HTTP ${err.status}` : "Port did not answer";
  return "unexpected error";
}
