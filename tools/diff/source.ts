// Where a side of the diff comes from: a synth output directory as is, a git ref synthesized in a
// temporary worktree of that ref, or the working tree synthesized in place.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { loadSnapshot, Snapshot, SnapshotError } from "./snapshot";
import { runSynthIn } from "./synth-run";

const exec = promisify(execFile);

export interface SourceOptions {
  /** The project checkout (git repo root with node_modules). */
  readonly projectDir: string;
  readonly stack: string;
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Synthesize the working tree (uncommitted edits included) into a temporary directory. */
export async function snapshotOfWorkingTree(opts: SourceOptions): Promise<Snapshot> {
  const tmp = mkdtempSync(join(tmpdir(), "portal-diff-head-"));
  try {
    const out = join(tmp, "out");
    await runSynthIn({ cwd: opts.projectDir, stack: opts.stack, out });
    return loadSnapshot(out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Check out `ref` in a temporary worktree, synthesize it with that ref's own code, load the output
 * and remove the worktree again (also on failure). The worktree shares this checkout's
 * node_modules through a symlink: installing per ref would take minutes.
 */
export async function snapshotOfGitRef(ref: string, opts: SourceOptions): Promise<Snapshot> {
  let commit: string;
  try {
    commit = await git(opts.projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new SnapshotError(`"${ref}" is neither a directory nor a git ref of ${opts.projectDir}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "portal-diff-base-"));
  const worktree = join(tmp, "worktree");
  try {
    await git(opts.projectDir, ["worktree", "add", "--detach", "--quiet", worktree, commit]);
    const modules = join(resolve(opts.projectDir), "node_modules");
    if (existsSync(modules) && !existsSync(join(worktree, "node_modules"))) symlinkSync(modules, join(worktree, "node_modules"), "dir");
    const out = join(tmp, "out");
    await runSynthIn({ cwd: worktree, stack: opts.stack, out });
    return loadSnapshot(out);
  } finally {
    await git(opts.projectDir, ["worktree", "remove", "--force", worktree]).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    await git(opts.projectDir, ["worktree", "prune"]).catch(() => undefined);
  }
}

/** A directory is read as synth output; anything else must be a git ref. */
export function snapshotOf(source: string, opts: SourceOptions): Promise<Snapshot> {
  return isDirectory(source) ? Promise.resolve(loadSnapshot(source)) : snapshotOfGitRef(source, opts);
}
