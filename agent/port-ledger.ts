// The run ledger of the Kubernetes consumer when no DynamoDB table is configured (the cluster
// runtime creates no AWS resources): Port's own run state says whether a run was handled.
// Port's run reads never return `externalRunId` (not in their response schemas), so the state
// is read from what they do return:
//   - status no longer IN_PROGRESS (refused, failed or finished)          → handled;
//   - a `link` to a Codefresh build (set by the agent once it started it) → handled;
//   - the agent's pre-start status label (STARTING_LABEL, set before every build start)
//                                                                         → maybe started: the
//     core looks the build up by its port_run_id annotation before it starts one;
//   - the "start uncertain" label → handled: left to the reaper (reapPortRuns links the build
//     or, past the lease with no build found, closes the run FAILURE);
//   - none of these                                                       → claimed; the label
//     is set now, before anything is started.
//
// Weaker than the DynamoDB ledger's conditional put: this is check-then-act. It is safe because
// the Kubernetes runtime runs exactly one replica, handles a partition's batch sequentially, and
// keeps one environment's requests in Kafka order, and because claims made by this process are
// also remembered in memory. A restart between the build start and the link is covered by the
// pre-start label and the annotation look-up; what stays uncovered is a build Codefresh lists
// only later than the look-up runs (the look-up then says "not found").
import type { PortClient } from "../clients/port";
import type { ClaimResult, RunClaims } from "./ledger";
import { runView } from "./run-link";

/** Run ids remembered in memory; far more than one process sees between restarts in practice. */
const REMEMBERED_RUNS = 10_000;

/** Status label the agent sets before it starts a build (the Port-backed ledger's claim mark). */
export const STARTING_LABEL = "Starting deploy build";
/** Status label of a run whose build start got no clear answer (the reaper settles it). */
export const UNCERTAIN_LABEL = "Deploy build start uncertain: checking Codefresh";

export class PortRunLedger implements RunClaims {
  private readonly claimed = new Set<string>();

  constructor(private readonly port: Pick<PortClient, "getRun" | "patchRun">) {}

  async claim(runId: string, _what: { pipeline: string; environment: string }): Promise<ClaimResult> {
    if (this.claimed.has(runId)) return "duplicate";
    // Remembered before the read, so a second copy of the run arriving meanwhile backs off.
    this.remember(runId);
    try {
      const raw = await this.port.getRun(runId);
      // A run Port does not know (404) is claimed, as the DynamoDB ledger would claim it.
      if (raw === undefined) return "claimed";
      const run = runView(raw);
      if (!run) throw new Error(`Port answered run ${runId} without a status`);
      if (run.status !== "IN_PROGRESS" || run.buildId) return "duplicate";
      // Uncertain: the start got no clear answer, most often because Codefresh did not list the
      // build yet, so a look-up now would say "none" wrongly. The reaper settles it, never a new POST.
      if (run.statusLabel === UNCERTAIN_LABEL) return "duplicate";
      if (run.statusLabel === STARTING_LABEL) return "maybe-started";
      await this.port.patchRun(runId, { statusLabel: STARTING_LABEL });
      return "claimed";
    } catch (err) {
      // Port unreadable: not claimed, so a later delivery may try again.
      this.claimed.delete(runId);
      throw err;
    }
  }

  /** Nothing to write: the core's PATCH with the build link is the record. */
  async markStarted(_runId: string, _build: { buildId: string; buildUrl: string }): Promise<boolean> {
    return true;
  }

  /** Nothing to write: the core has closed the run FAILURE in Port, which is the record. */
  async markDone(_runId: string, _state: "refused" | "failed", _reason: string): Promise<boolean> {
    return true;
  }

  private remember(runId: string): void {
    this.claimed.add(runId);
    if (this.claimed.size > REMEMBERED_RUNS) {
      // Sets iterate in insertion order: drop the oldest.
      const oldest = this.claimed.values().next().value;
      if (oldest !== undefined) this.claimed.delete(oldest);
    }
  }
}
