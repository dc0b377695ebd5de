// "Did a build start for this run?" asked of Codefresh: the builds of the run's pipeline created
// since a point in time, each one's annotations read once, looking for port_run_id = run id.
// Codefresh offers no search by annotation value, so this pages through GET /api/workflow
// (newest first) until the builds are older than the window. Used before a build is started
// where one may exist already (a lost answer, a run Port shows as maybe started) and before a
// run is closed FAILURE without the ledger.
import { z } from "zod";
import { RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import type { CodefreshClient } from "../clients/codefresh";

/** Builds per page of the listing. */
const PAGE_SIZE = 100;
/** A bound on pages per search (a window holding more builds than this is not searched further). */
const MAX_PAGES = 20;
/** Slack for clock skew between the agent and Codefresh. */
export const CLOCK_SKEW_MS = 60_000;

export type BuildSearch =
  | { readonly kind: "found"; readonly buildId: string }
  | { readonly kind: "none" }
  /** The answer is not known (pipeline unknown, listing too long); the error text says why. */
  | { readonly kind: "unknown"; readonly reason: string };

function listingSchema() {
  return z.object({ workflows: z.object({ docs: z.array(z.object({ id: z.string(), created: z.string().nullish() }).loose()) }).loose() });
}

/** Look for the build carrying `port_run_id = runId` among `pipeline`'s builds created since `since` (epoch ms). */
export async function findBuildForRun(codefresh: Pick<CodefreshClient, "call" | "getPipeline">, args: { pipeline: string; runId: string; since: number }): Promise<BuildSearch> {
  const pipeline = await codefresh.getPipeline(args.pipeline);
  const pipelineId = (pipeline?.metadata as { id?: unknown } | undefined)?.id;
  if (typeof pipelineId !== "string") return { kind: "unknown", reason: `pipeline ${args.pipeline} not found in Codefresh` };
  const since = args.since - CLOCK_SKEW_MS;
  // startDate as the CLI sends it: a date; the exact bound is applied to `created` below.
  const startDate = new Date(since).toISOString().slice(0, 10);
  const seen = new Set<string>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await codefresh.call("GET", "/api/workflow", undefined, { pipeline: pipelineId, startDate, limit: String(PAGE_SIZE), page: String(page) });
    const docs = listingSchema().parse(body).workflows.docs;
    let older = 0;
    for (const build of docs) {
      const created = build.created ? Date.parse(build.created) : NaN;
      if (!Number.isNaN(created) && created < since) {
        older++;
        continue;
      }
      if (seen.has(build.id)) continue;
      seen.add(build.id);
      if ((await annotations(codefresh, build.id))[RUN_ID_ANNOTATION] === args.runId) return { kind: "found", buildId: build.id };
    }
    if (docs.length < PAGE_SIZE || older > 0) return { kind: "none" };
  }
  return { kind: "unknown", reason: `more than ${MAX_PAGES * PAGE_SIZE} builds of ${args.pipeline} since the run was claimed` };
}

async function annotations(codefresh: Pick<CodefreshClient, "call">, buildId: string): Promise<Record<string, string>> {
  const body = await codefresh.call("GET", "/api/annotations", undefined, { entityType: "workflow", entityId: buildId });
  const list = z.array(z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }).loose()).parse(body);
  return Object.fromEntries(list.map((a) => [a.key, String(a.value)]));
}

/**
 * Stop a build (GET it for its progress id, then DELETE the progress, as the CLI terminates).
 * Used when Port closed the run while its build was being started: the run's FAILURE stands.
 */
export async function terminateBuild(codefresh: Pick<CodefreshClient, "call">, buildId: string): Promise<void> {
  const build = z.object({ progress: z.string() }).loose().parse(await codefresh.call("GET", `/api/builds/${encodeURIComponent(buildId)}`, undefined, { noAccount: "false" }));
  await codefresh.call("DELETE", `/api/progress/${encodeURIComponent(build.progress)}`);
}
