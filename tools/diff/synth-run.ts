// Run `synth` of a given checkout in a child process: each checkout synthesizes with its own code
// (a git ref's catalog is what that ref declares), and nothing of the Pulumi runtime leaks into
// the caller's process.
import { spawn } from "node:child_process";

export interface SynthRunOptions {
  /** Checkout root (holds tools/cli.ts). */
  readonly cwd: string;
  readonly stack: string;
  readonly out: string;
}

export function runSynthIn(opts: SynthRunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["--no-install", "ts-node", "tools/cli.ts", "synth", "--stack", opts.stack, "--out", opts.out], {
      cwd: opts.cwd,
      // Transpile-only: an older ref is synthesized even if it would not typecheck today.
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`synth in ${opts.cwd} failed (exit ${code}):\n${output.trim().split("\n").slice(-20).join("\n")}`));
    });
  });
}
