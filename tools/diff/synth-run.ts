// Run `synth` of a given checkout in a child process: each checkout synthesizes with its own code
// (a git ref's catalog is what that ref declares), and nothing of the Pulumi runtime leaks into
// the caller's process.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface SynthRunOptions {
  /** Checkout root (holds tools/cli.ts). */
  readonly cwd: string;
  readonly stack: string;
  readonly out: string;
}

function run(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["--no-install", ...args], {
      cwd,
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
      else reject(new Error(`${args.slice(1).join(" ")} in ${cwd} failed (exit ${code}):\n${output.trim().split("\n").slice(-20).join("\n")}`));
    });
  });
}

export async function runSynthIn(opts: SynthRunOptions): Promise<void> {
  // The program packs the agent bundle (dist/, never committed): a fresh worktree must build it.
  if (existsSync(join(opts.cwd, "tools", "build-agent.ts"))) await run(opts.cwd, ["ts-node", "tools/build-agent.ts"]);
  await run(opts.cwd, ["ts-node", "tools/cli.ts", "synth", "--stack", opts.stack, "--out", opts.out]);
}
