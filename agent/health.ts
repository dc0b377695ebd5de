// Health files of the Kubernetes consumer, the contract with the pod's exec probes
// (infra/kubernetes/consumer.ts imports HEARTBEAT_SECONDS from here, so both sides agree):
// - `ready` exists while the consumer is a member of its group (readiness/startup probes);
// - `alive` is touched every HEARTBEAT_SECONDS while the consumer runs (liveness: stale after
//   three missed heartbeats). Files, not an HTTP port: the pod opens no port at all.
// Only node:fs here: the infrastructure code imports this module and must stay free of the agent.
import { closeSync, mkdirSync, openSync, rmSync, utimesSync } from "node:fs";
import * as path from "node:path";

/** The consumer refreshes the liveness file at least this often. */
export const HEARTBEAT_SECONDS = 20;

export class HealthFiles {
  private timer: NodeJS.Timeout | undefined;
  private readonly readyFile: string;
  private readonly aliveFile: string;

  /** `heartbeatMs` is shorter only in tests. */
  constructor(readonly dir: string, private readonly heartbeatMs: number = HEARTBEAT_SECONDS * 1000) {
    this.readyFile = path.join(dir, "ready");
    this.aliveFile = path.join(dir, "alive");
  }

  /** Joined the group: the pod may count as ready. */
  ready(): void {
    touch(this.dir, this.readyFile);
  }

  /** Crashed, left the group or stopping: not ready until the next join. */
  notReady(): void {
    rmSync(this.readyFile, { force: true });
  }

  /** Start touching `alive` (now, then every heartbeat). */
  startHeartbeat(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    // The heartbeat alone must not keep a stopped consumer's process running.
    this.timer.unref();
  }

  /** Stop touching `alive`: the liveness probe then fails and Kubernetes restarts the pod. */
  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get beating(): boolean {
    return this.timer !== undefined;
  }

  private beat(): void {
    try {
      touch(this.dir, this.aliveFile);
    } catch {
      // A full or vanished scratch dir: the probe notices the stale file, which is the point.
    }
  }
}

function touch(dir: string, file: string): void {
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    closeSync(openSync(file, "a"));
  }
}
