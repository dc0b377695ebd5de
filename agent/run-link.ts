// What Port's run reads tell about the build of a run. Port never returns `externalRunId` on a
// read (not in the response schemas), so the link the agent (or the reaper, or the pipeline)
// sets — the Codefresh build URL `<host>/build/<24-hex id>` — is what ties a run to its build.
// Shared by the record path, the Port-backed ledger and the reapers.
import { z } from "zod";

const BUILD_PATH = /\/build\/([0-9a-f]{24})(?:[/?#]|$)/;

/** The Codefresh build id in a run's `link` (a string or a list of strings), if any. */
export function buildIdFromRunLink(link: unknown): string | undefined {
  const links = typeof link === "string" ? [link] : Array.isArray(link) ? link : [];
  for (const l of links) {
    if (typeof l !== "string") continue;
    const m = BUILD_PATH.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** What the agent reads of a run: only fields Port's run read schemas declare. */
export interface RunView {
  readonly status: string;
  readonly statusLabel?: string;
  readonly link?: unknown;
  readonly summary?: string;
  /** The build the run's link points to. */
  readonly buildId?: string;
  /** Epoch ms the run was created (a lower bound for builds started for it). */
  readonly createdAt?: number;
}

function runSchema() {
  // `link` optional: zod 4 treats a bare z.unknown() key as required, and a run without a link
  // (nothing reported yet) must still be seen.
  return z.object({ status: z.string(), statusLabel: z.string().nullish(), link: z.unknown().optional(), summary: z.string().nullish(), createdAt: z.string().nullish() }).loose();
}
let cachedRunSchema: ReturnType<typeof runSchema> | undefined;

/** A run as Port returns it, or undefined when the answer has no status. */
export function runView(run: unknown): RunView | undefined {
  const parsed = (cachedRunSchema ??= runSchema()).safeParse(run);
  if (!parsed.success) return undefined;
  const { status, statusLabel, link, summary, createdAt } = parsed.data;
  const created = createdAt ? Date.parse(createdAt) : NaN;
  return { status, statusLabel: statusLabel ?? undefined, link, summary: summary ?? undefined, buildId: buildIdFromRunLink(link), createdAt: Number.isNaN(created) ? undefined : created };
}
