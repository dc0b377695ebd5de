// Effects for one Kafka record: ledger claim, Port look-ups, the pure decision, the Codefresh
// start and the report back to Port. Never throws: every path ends in an outcome and a log line.
import { BLUEPRINTS } from "../blueprints/vocabulary";
import type { DeployRequest } from "../actions/deploy-request";
import { CodefreshApiError, CodefreshClient } from "../clients/codefresh";
import { HttpError } from "../clients/http";
import { PortApiError, PortClient } from "../clients/port";
import { decide, deploymentEntity, EntityView, runLink, StartBuild } from "./decision";
import type { EntityLookup } from "./entity-lookup";
import type { DecodedMessage, KafkaRecordRef } from "./kafka-records";
import type { RunClaims } from "./ledger";
import { errorText, logger } from "./log";
import { z } from "zod";

export interface AgentDeps {
  readonly port: PortClient;
  readonly codefresh: CodefreshClient;
  readonly ledger: RunClaims;
  readonly allowedPipelines: readonly string[];
  /** REQUIRE_PRODUCTION_APPROVAL: Production only through the approval action (decision.ts). */
  readonly requireProductionApproval: boolean;
  readonly portAppUrl: string;
}

export const RECORD_OUTCOMES = ["started", "duplicate", "refused", "malformed", "foreign", "failed", "uncertain"] as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

/** Status label shown in Port while the deploy build runs. */
export const DEPLOYING_LABEL = "Deploying";

export async function handleRecord(deps: AgentDeps, ref: KafkaRecordRef, message: DecodedMessage, lookup: EntityLookup): Promise<RecordOutcome> {
  const started = Date.now();
  let outcome: RecordOutcome;
  let runId: string | undefined;
  try {
    switch (message.kind) {
      case "foreign":
        outcome = "foreign";
        break;
      case "malformed":
        runId = message.runId;
        outcome = await handleMalformed(deps, ref, message.reason, message.runId);
        break;
      case "request":
        runId = message.request.runId;
        outcome = await handleRequest(deps, ref, message.request, lookup);
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
  if (!(await deps.ledger.claim(runId, { pipeline: "-", environment: "-" }))) return "duplicate";
  await reportFailure(deps, runId, `The deploy request could not be read: ${reason}`);
  await deps.ledger.markDone(runId, "failed", reason);
  return "malformed";
}

async function handleRequest(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, lookup: EntityLookup): Promise<RecordOutcome> {
  const { runId } = request;
  // The claim and the (batch-wide) look-ups run at the same time: the claim is what guards the
  // build start; the look-ups are harmless reads, so a redelivery wastes reads, never a round trip.
  const lookups = Promise.all([lookup(BLUEPRINTS.image, request.image), lookup(BLUEPRINTS.environment, request.environment)]);
  lookups.catch(() => undefined); // settled below, or deliberately ignored for a duplicate
  let claimed: boolean;
  try {
    claimed = await deps.ledger.claim(runId, { pipeline: request.pipeline, environment: request.environment });
  } catch (err) {
    // Without the ledger a start could be a duplicate: start nothing, tell the developer if no build is known.
    logger.error("run ledger unavailable", { record: ref.id, runId, reason: errorText(err) });
    await failIfUntouched(deps, runId, "The deploy agent could not record this run (its run ledger is unavailable); run the action again");
    return "failed";
  }
  if (!claimed) {
    // A redelivery: the first delivery owns the run, and Port keeps showing what it reported.
    logger.info("redelivered request ignored", { record: ref.id, runId });
    return "duplicate";
  }

  let image: EntityView | undefined;
  let environment: EntityView | undefined;
  try {
    [image, environment] = await lookups;
  } catch (err) {
    const summary = `The deploy agent could not read the image and environment from Port: ${portReason(err)}`;
    return failClaimed(deps, runId, summary);
  }

  const decision = decide({ request, image, environment, allowedPipelines: deps.allowedPipelines, requireProductionApproval: deps.requireProductionApproval });
  if (decision.kind === "refuse") {
    logger.warn("request refused", { record: ref.id, runId, reason: decision.summary });
    await reportFailure(deps, runId, `Deploy refused: ${decision.summary}`);
    await deps.ledger.markDone(runId, "refused", decision.summary);
    return "refused";
  }
  return startBuild(deps, ref, request, decision);
}

async function startBuild(deps: AgentDeps, ref: KafkaRecordRef, request: DeployRequest, start: StartBuild): Promise<RecordOutcome> {
  const { runId } = request;
  let buildId: string;
  try {
    buildId = await deps.codefresh.runPipeline(start.pipeline, { variables: start.variables, annotations: start.annotations });
  } catch (err) {
    if (err instanceof CodefreshApiError && err.status >= 400 && err.status < 500) {
      // Final: Codefresh said no (unknown pipeline, bad key, no permission), in its own words.
      return failClaimed(deps, runId, `Codefresh refused to start ${start.pipeline}: ${err.codefreshMessage} (HTTP ${err.status})`);
    }
    if (err instanceof HttpError && err.status !== undefined && [429, 502, 503].includes(err.status)) {
      // Refused up front every time: surely no build exists.
      return failClaimed(deps, runId, `Codefresh was unavailable (HTTP ${err.status}) and no build was started; run the action again`);
    }
    // The request may have reached Codefresh: leave the claim for the reaper, which looks the build up by annotation.
    logger.warn("build start uncertain, left to the reaper", { record: ref.id, runId, pipeline: start.pipeline, reason: errorText(err) });
    return "uncertain";
  }

  const buildUrl = deps.codefresh.buildUrl(buildId);
  const entity = deploymentEntity({ request, start, buildUrl, startedAt: new Date().toISOString(), runLink: runLink(deps.portAppUrl, runId) });
  // Independent writes, sent together: each is one round trip on the latency-critical path.
  // Port first: the SDK's request signing would otherwise hold up the Port requests' dispatch.
  const results = await Promise.allSettled([
    deps.port.patchRun(runId, { link: buildUrl, externalRunId: buildId, statusLabel: DEPLOYING_LABEL }),
    deps.port.addRunLog(runId, `Started Codefresh build ${buildId} (${start.pipeline}): image ${request.image} to environment ${request.environment}`),
    deps.port.upsertEntity(BLUEPRINTS.deployment, entity, { merge: true, runId }),
    deps.ledger.markStarted(runId, { buildId, buildUrl }),
  ]);
  const what = ["run link", "run log", "deployment entity", "ledger"];
  results.forEach((r, i) => {
    if (r.status === "rejected") logger.warn(`after start: ${what[i]} update failed (the reaper repairs it)`, { runId, buildId, reason: errorText(r.reason) });
  });
  logger.info("build started", { record: ref.id, runId, buildId, pipeline: start.pipeline, environment: request.environment });
  return "started";
}

/** Report FAILURE and settle the claim; if Port cannot be told now, the reaper will. */
async function failClaimed(deps: AgentDeps, runId: string, summary: string): Promise<RecordOutcome> {
  logger.warn("run failed", { runId, reason: summary });
  try {
    await reportFailure(deps, runId, summary);
  } catch (err) {
    logger.error("could not report failure to Port; left to the reaper", { runId, reason: errorText(err) });
    return "failed";
  }
  await deps.ledger.markDone(runId, "failed", summary);
  return "failed";
}

/** A log line (kept in the run's history) then the closing PATCH with the summary. */
export async function reportFailure(deps: Pick<AgentDeps, "port">, runId: string, summary: string): Promise<void> {
  try {
    await deps.port.addRunLog(runId, summary);
    await deps.port.patchRun(runId, { status: "FAILURE", summary });
  } catch (err) {
    // A run that already ended (closed by hand, or reported earlier) keeps what it shows.
    if (err instanceof PortApiError && (err.status === 404 || err.status === 422)) {
      logger.warn("run not updated: it is gone or already finished", { runId, reason: err.portMessage });
      return;
    }
    throw err;
  }
}

/** Report FAILURE only while the run is in progress and no build is linked to it. */
async function failIfUntouched(deps: AgentDeps, runId: string, summary: string): Promise<void> {
  try {
    const run = runView(await deps.port.getRun(runId));
    if (run?.status === "IN_PROGRESS" && !run.externalRunId) await reportFailure(deps, runId, summary);
  } catch (err) {
    logger.error("could not report failure to Port", { runId, reason: errorText(err) });
  }
}

export function runView(run: unknown): { status: string; externalRunId?: string; link?: unknown } | undefined {
  // `link` optional: zod 4 treats a bare z.unknown() key as required, and a run without a link
  // (nothing reported yet) must still be seen.
  const parsed = z.object({ status: z.string(), externalRunId: z.string().nullish(), link: z.unknown().optional() }).loose().safeParse(run);
  return parsed.success ? { status: parsed.data.status, externalRunId: parsed.data.externalRunId ?? undefined, link: parsed.data.link } : undefined;
}

function portReason(err: unknown): string {
  if (err instanceof PortApiError) return `${err.portMessage} (HTTP ${err.status})`;
  if (err instanceof HttpError) return err.status ? `HTTP ${err.status}` : "Port did not answer";
  return "unexpected error";
}
