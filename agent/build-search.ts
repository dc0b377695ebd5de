// "Did a build start for this run?" asked of Codefresh: the builds of the run's pipeline created
// since a point in time, each one's annotations read once, looking for port_run_id = run id.
// Codefresh offers no search by annotation value, so this reads every page of GET /api/workflow
// for the window (CodefreshClient.listBuildsSince). Used before a build is started
// where one may exist already (a lost answer, a run Port shows as maybe started) and before a
// run is closed FAILURE without the ledger.
import { z } from "zod";
import { RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import { CodefreshApiError, type CodefreshClient } from "../clients/codefresh";

/** Slack for clock skew between the agent and Codefresh. */
export const CLOCK_SKEW_MS = 60_000;

export type BuildSearch =
  | { readonly kind: "found"; readonly buildId: string }
  | { readonly kind: "none" }
  /** The answer is not known (pipeline unknown, listing too long); the error text says why. */
  | { readonly kind: "unknown"; readonly reason: string };

/** Look for the build carrying `port_run_id = runId` among `pipeline`'s builds created since `since` (epoch ms). */
export async function findBuildForRun(
  codefresh: Pick<CodefreshClient, "getPipeline" | "listBuildsSince" | "buildAnnotations">,
  args: { pipeline: string; runId: string; since: number },
): Promise<BuildSearch> {
  const pipeline = await codefresh.getPipeline(args.pipeline);
  const pipelineId = (pipeline?.metadata as { id?: unknown } | undefined)?.id;
  if (typeof pipelineId !== "string") return { kind: "unknown", reason: `pipeline ${args.pipeline} not found in Codefresh` };
  let builds;
  try {
    // Every page of the window (the client's listing never stops at the first page).
    builds = await codefresh.listBuildsSince({ pipelineId, since: args.since - CLOCK_SKEW_MS });
  } catch (err) {
    if (err instanceof CodefreshApiError && err.errorName === "TOO_MANY_PAGES") return { kind: "unknown", reason: err.message };
    throw err;
  }
  for (const build of builds) {
    if ((await codefresh.buildAnnotations(build.id))[RUN_ID_ANNOTATION] === args.runId) return { kind: "found", buildId: build.id };
  }
  return { kind: "none" };
}

/**
 * Stop a build (GET it for its progress id, then DELETE the progress, as the CLI terminates).
 * Used when Port closed the run while its build was being started: the run's FAILURE stands.
 */
export async function terminateBuild(codefresh: Pick<CodefreshClient, "call">, buildId: string): Promise<void> {
  const build = z.object({ progress: z.string() }).loose().parse(await codefresh.call("GET", `/api/builds/${encodeURIComponent(buildId)}`, undefined, { noAccount: "false" }));
  await codefresh.call("DELETE", `/api/progress/${encodeURIComponent(build.progress)}`);
}
