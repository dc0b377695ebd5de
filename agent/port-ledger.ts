// The run ledger of the Kubernetes consumer when no DynamoDB table is configured (the cluster
// runtime creates no AWS resources): Port's own run state says whether a run was handled.
// A run whose `externalRunId` is set (the agent links the build it started) or whose status is
// no longer IN_PROGRESS (refused, failed or finished) has been handled; anything else is claimed.
//
// Weaker than the DynamoDB ledger's conditional put: this is check-then-act. It is safe because
// the Kubernetes runtime runs exactly one replica, handles a partition's batch sequentially, and
// keeps one environment's requests in Kafka order, and because claims made by this process are
// also remembered in memory (a concurrent or later copy of a run within the process never starts
// a second build). What it cannot cover: a crash (or restart) after Codefresh started the build
// and before the PATCH that sets `externalRunId` reached Port. The record is then redelivered
// (its offset was not committed), Port still shows an unlinked IN_PROGRESS run, and a second
// build starts. Deploy pipelines must therefore tolerate running twice for one run.
import type { PortClient } from "../clients/port";
import { runView } from "./deploy-record";
import type { RunClaims } from "./ledger";

/** Run ids remembered in memory; far more than one process sees between restarts in practice. */
const REMEMBERED_RUNS = 10_000;

export class PortRunLedger implements RunClaims {
  private readonly claimed = new Set<string>();

  constructor(private readonly port: Pick<PortClient, "getRun">) {}

  async claim(runId: string, _what: { pipeline: string; environment: string }): Promise<boolean> {
    if (this.claimed.has(runId)) return false;
    // Remembered before the read, so a second copy of the run arriving meanwhile backs off.
    this.remember(runId);
    let run: ReturnType<typeof runView>;
    try {
      const raw = await this.port.getRun(runId);
      // A run Port does not know (404) is claimed, as the DynamoDB ledger would claim it.
      if (raw === undefined) return true;
      run = runView(raw);
      if (!run) throw new Error(`Port answered run ${runId} without a status`);
    } catch (err) {
      // Port unreadable: not claimed, so a later delivery may try again.
      this.claimed.delete(runId);
      throw err;
    }
    return run.status === "IN_PROGRESS" && !run.externalRunId;
  }

  /** Nothing to write: the core's PATCH with `externalRunId` is the record. */
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
