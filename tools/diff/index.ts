// `diff`: compare two synth outputs and say what a `pulumi up` would do to Port and Codefresh.
import { resolve } from "node:path";
import { Change, ChangeClass, compareSnapshots, countByClass } from "./compare";
import { renderMarkdown } from "./markdown";
import { isDirectory, snapshotOf, snapshotOfWorkingTree } from "./source";

export type { Change, ChangeClass } from "./compare";
export { compareSnapshots } from "./compare";
export { renderMarkdown } from "./markdown";
export { loadSnapshot, SnapshotError } from "./snapshot";

export interface DiffOptions {
  /** Synth output directory or git ref. */
  readonly base: string;
  /** Synth output directory; the working tree is synthesized when absent. */
  readonly head?: string;
  readonly stack: string;
  readonly projectDir: string;
}

export interface DiffResult {
  readonly base: string;
  readonly head: string;
  readonly counts: Record<ChangeClass, number>;
  readonly changes: Change[];
  readonly markdown: string;
}

export async function runDiff(opts: DiffOptions): Promise<DiffResult> {
  const src = { projectDir: opts.projectDir, stack: opts.stack };
  // Directories are relative to the project; the labels keep what the user typed.
  const at = (p: string) => (isDirectory(resolve(opts.projectDir, p)) ? resolve(opts.projectDir, p) : p);
  const [base, head] = await Promise.all([
    snapshotOf(at(opts.base), src),
    opts.head !== undefined ? snapshotOf(at(opts.head), src) : snapshotOfWorkingTree(src),
  ]);
  const changes = compareSnapshots(base, head);
  const labels = {
    base: isDirectory(resolve(opts.projectDir, opts.base)) ? opts.base : `${opts.base} (stack ${opts.stack})`,
    head: opts.head ?? `working tree (stack ${opts.stack})`,
  };
  return { base: labels.base, head: labels.head, counts: countByClass(changes), changes, markdown: renderMarkdown(changes, labels) };
}
