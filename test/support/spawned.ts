// Every process a test starts (brokers, consumers) is registered here and killed when the test
// process exits, however it exits: SIGKILL on a normal exit or an uncaught error, and a small
// detached watchdog per child that kills it within a second if the test process itself is
// killed (kill -9, a CI timeout), so no broker or consumer outlives its suite.
import { ChildProcess, spawn } from "node:child_process";

const live = new Map<number, ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const [pid] of live) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
}

/**
 * Register `child`; returns a function that forgets it (call once it has exited). `scratchDir`:
 * removed by the watchdog too when the test process dies without cleaning up.
 */
export function guardChild(child: ChildProcess, scratchDir?: string): () => void {
  const pid = child.pid;
  if (pid === undefined) return () => undefined;
  if (!hooked) {
    hooked = true;
    process.once("exit", killAll);
  }
  live.set(pid, child);
  // Killed as soon as the child exits (forget), so it never outlives the pid it watches.
  const watchdog = spawn(
    "bash",
    ["-c", `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null; ${scratchDir ? `sleep 1; rm -rf -- '${scratchDir.replace(/'/g, "'\\''")}'; ` : ""}true`],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();
  const forget = () => {
    live.delete(pid);
    if (watchdog.pid !== undefined && watchdog.exitCode === null) {
      try {
        process.kill(watchdog.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  child.once("exit", forget);
  return forget;
}

/** Resolves with the exit code (or signal name) once `child` has exited; at once if it already has. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await done;
  } finally {
    clearTimeout(timer);
  }
}
