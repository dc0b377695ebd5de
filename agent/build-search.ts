// "Did a build start for this run?" asked of Codefresh: the builds of the run's pipeline created
// since a point in time, each one's annotations read once, looking for port_run_id = run id.
// Codefresh offers no search by annotation value, so this reads every page of GET /api/workflow
// for the window (CodefreshClient.listBuildsSince). One search for the deploy path (before a
// build is started where one may exist already, before a run is closed FAILURE without the
// ledger) and for the reapers (one BuildSearch per pass, shared by every run it looks up).
import { z } from "zod";
import { RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import { type Build, CodefreshApiError, type CodefreshClient } from "../clients/codefresh";

/** Slack for clock skew between the agent and Codefresh. */
export const CLOCK_SKEW_MS = 60_000;

/** What the search needs of the Codefresh client. */
export type BuildListing = Pick<CodefreshClient, "getPipeline" | "listBuildsSince" | "buildAnnotations">;

export type BuildLookup =
  | { readonly kind: "found"; readonly buildId: string }
  | { readonly kind: "none" }
  /** The answer is not known (pipeline unknown, listing too long); the error text says why. */
  | { readonly kind: "unknown"; readonly reason: string };

/** Look for the build carrying `port_run_id = runId` among `pipeline`'s builds created since `since` (epoch ms). */
export async function findBuildForRun(codefresh: BuildListing, args: { pipeline: string; runId: string; since: number }): Promise<BuildLookup> {
  const since = args.since - CLOCK_SKEW_MS;
  const found = await new BuildSearch(codefresh, since).find([args.pipeline], args.runId, since);
  return found.kind === "found" ? { kind: "found", buildId: found.build.id } : found;
}

/**
 * The builds of a search (one reaper pass, or one run's look-up): each pipeline's builds since the
 * earliest moment listed once
 * (every page), and each build's annotations read at most once, shared by every run the pass
 * looks up. Builds already known to belong to a run (ledger, links) are never read.
 */
export class BuildSearch {
  private readonly pipelineIds = new Map<string, Promise<string | undefined>>();
  /** Per pipeline id (and "<id>:older" for look-ups before the window): a listing and how far back it reaches. */
  private readonly listings = new Map<string, { since: number; builds: Promise<Build[]> }>();
  private readonly owners = new Map<string, Promise<string | undefined>>();

  constructor(private readonly codefresh: BuildListing, private readonly since: number) {}

  /** A build already known to belong to a run: its annotations need no read. */
  know(buildId: string, runId: string): void {
    this.owners.set(buildId, Promise.resolve(runId));
  }

  /**
   * The build of these pipelines created since `since` that carries this run's annotation;
   * "unknown" (never "none") when a pipeline cannot be found or its builds cannot all be listed.
   */
  async find(pipelines: readonly string[], runId: string, since: number): Promise<FoundBuild> {
    let unknown: string | undefined;
    for (const pipeline of pipelines) {
      const pipelineId = await this.pipelineId(pipeline);
      if (!pipelineId) {
        unknown = `pipeline ${pipeline} not found in Codefresh`;
        continue;
      }
      let listed: Build[];
      try {
        listed = await this.listing(pipelineId, since);
      } catch (err) {
        if (!(err instanceof CodefreshApiError && err.errorName === "TOO_MANY_PAGES")) throw err;
        unknown = err.message;
        continue;
      }
      const candidates = listed.filter((b) => !b.created || Date.parse(b.created) >= since);
      // A few reads at a time: the first match ends the search.
      for (let i = 0; i < candidates.length; i += ANNOTATION_READS_AT_ONCE) {
        const chunk = candidates.slice(i, i + ANNOTATION_READS_AT_ONCE);
        const owners = await Promise.all(chunk.map((b) => this.owner(b.id)));
        const match = chunk.find((_, k) => owners[k] === runId);
        if (match) return { kind: "found", build: match };
      }
    }
    return unknown === undefined ? { kind: "none" } : { kind: "unknown", reason: unknown };
  }

  private pipelineId(name: string): Promise<string | undefined> {
    let id = this.pipelineIds.get(name);
    if (!id) {
      id = this.codefresh.getPipeline(name).then((p) => {
        const parsed = z.object({ metadata: z.object({ id: z.string() }).loose() }).loose().safeParse(p);
        return parsed.success ? parsed.data.metadata.id : undefined;
      });
      this.pipelineIds.set(name, id);
    }
    return id;
  }

  /**
   * The pipeline's builds since the pass's window (shared); a look-up reaching back further gets
   * a listing of its own (kept for others reaching back as far), so one old claim does not widen
   * every look-up's window.
   */
  private listing(pipelineId: string, since: number): Promise<Build[]> {
    const key = since >= this.since ? pipelineId : `${pipelineId}:older`;
    const known = this.listings.get(key);
    if (known && known.since <= since) return known.builds;
    const from = Math.min(since, this.since);
    const builds = this.codefresh.listBuildsSince({ pipelineId, since: from });
    this.listings.set(key, { since: from, builds });
    return builds;
  }

  private owner(buildId: string): Promise<string | undefined> {
    let owner = this.owners.get(buildId);
    if (!owner) {
      owner = this.codefresh.buildAnnotations(buildId).then((a) => a[RUN_ID_ANNOTATION]);
      this.owners.set(buildId, owner);
    }
    return owner;
  }
}

const ANNOTATION_READS_AT_ONCE = 8;

export type FoundBuild = { readonly kind: "found"; readonly build: Build } | { readonly kind: "none" } | { readonly kind: "unknown"; readonly reason: string };

/**
 * Stop a build (GET it for its progress id, then DELETE the progress, as the CLI terminates).
 * Used when Port closed the run while its build was being started: the run's FAILURE stands.
 */
export async function terminateBuild(codefresh: Pick<CodefreshClient, "call">, buildId: string): Promise<void> {
  const build = z.object({ progress: z.string() }).loose().parse(await codefresh.call("GET", `/api/builds/${encodeURIComponent(buildId)}`, undefined, { noAccount: "false" }));
  await codefresh.call("DELETE", `/api/progress/${encodeURIComponent(build.progress)}`);
}
