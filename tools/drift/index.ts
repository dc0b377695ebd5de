// `drift`: what the live Port org and Codefresh account hold versus what the stack declares.
// Read-only, and cheap: lists, one project lookup, and bulk searches paged by 1,000 — a catalog of
// thousands of entities costs tens of calls. Pacing and retries come from clients/http.ts.
import { z } from "zod";
import { CodefreshClient } from "../../clients/codefresh";
import { PortClient } from "../../clients/port";
import type { JsonObject } from "../../infra/port/canonical";
import { declareCatalog } from "../../stacks/catalog-declaration";
import { declareGovernance } from "../../stacks/governance-declaration";
import type { StackConfig } from "../../stacks/config";
import { actionDrift, blueprintDrift, DeclaredPipeline, entityDrift, Finding, markMigrations, pageDrift, pipelineDrift, sortFindings } from "./compare";
import type { DeclaredPages } from "./declarations";
import { governanceDrift } from "./governance";
import { Progress, silentProgress } from "./progress";

export type { DeclaredPipeline, Finding } from "./compare";

export interface DriftOptions {
  readonly stack: string;
  readonly config: StackConfig;
  /** PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL, CODEFRESH_API_KEY, CODEFRESH_API_URL. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Declared pipelines; undefined = Codefresh is not read. */
  readonly pipelines?: readonly DeclaredPipeline[];
  readonly pages?: DeclaredPages;
  readonly progress?: Progress;
  /** Injected for tests (sleep) and benchmarks. */
  readonly http?: { sleep?: (ms: number) => Promise<void> };
}

export interface DriftReport {
  readonly stack: string;
  readonly portUrl: string;
  readonly codefreshUrl?: string;
  readonly findings: Finding[];
  /** HTTP attempts made, per API (retries included). */
  readonly requests: { readonly port: number; readonly codefresh: number };
  /** What was not checked, and why. */
  readonly skipped: string[];
}

/** A configuration problem (missing credential…): exit 2, not drift. */
export class DriftSetupError extends Error {
  override readonly name = "DriftSetupError";
}

function required(env: DriftOptions["env"], key: string): string {
  const value = env[key];
  if (!value) throw new DriftSetupError(`${key} is not set (drift reads the live org with these credentials)`);
  return value;
}

async function livePipelines(client: CodefreshClient, project: string): Promise<Record<string, unknown>[]> {
  const found = await client.getProjectByName(project);
  if (!found) return [];
  const { id } = z.object({ id: z.string() }).loose().parse(found);
  const out: Record<string, unknown>[] = [];
  const page = 500;
  for (let offset = 0; ; offset += page) {
    const body = await client.call("GET", "/api/pipelines", undefined, { projectId: id, limit: String(page), offset: String(offset) });
    const parsed = z.object({ docs: z.array(z.record(z.string(), z.unknown())), count: z.number().optional() }).parse(body);
    out.push(...parsed.docs);
    if (parsed.docs.length < page || (parsed.count !== undefined && out.length >= parsed.count)) return out;
  }
}

export async function runDrift(opts: DriftOptions): Promise<DriftReport> {
  const declaration = declareCatalog(opts.config);
  const governance = declareGovernance(opts.config, declaration);
  const governed = governance.teams.length + governance.actionPermissions.length + governance.scorecards.length > 0;
  const portUrl = opts.env.PORT_API_URL || declaration.baseUrl;
  const requests = { port: 0, codefresh: 0 };
  const skipped: string[] = [];
  const port = new PortClient({
    baseUrl: portUrl,
    credentials: { clientId: required(opts.env, "PORT_CLIENT_ID"), clientSecret: required(opts.env, "PORT_CLIENT_SECRET") },
    onAttempt: () => requests.port++,
    sleep: opts.http?.sleep,
  });
  let codefresh: CodefreshClient | undefined;
  let codefreshUrl: string | undefined;
  if (opts.pipelines !== undefined) {
    codefreshUrl = opts.env.CODEFRESH_API_URL || opts.config.codefresh.url;
    codefresh = new CodefreshClient({ baseUrl: codefreshUrl, apiKey: required(opts.env, "CODEFRESH_API_KEY"), onAttempt: () => requests.codefresh++, sleep: opts.http?.sleep });
  } else {
    skipped.push("pipelines: Codefresh not read (--no-codefresh)");
  }
  if (!opts.pages) skipped.push("pages: not compared");

  const progress = opts.progress ?? silentProgress;
  const sets = declaration.entitySets;
  progress.start(2 + sets.length + (opts.pages ? 1 : 0) + (codefresh ? 1 : 0) + (governed ? 1 : 0));
  const findings: Finding[] = [];
  try {
    const blueprints = await port.listBlueprints();
    progress.step("blueprints");
    findings.push(...markMigrations(blueprintDrift(declaration.blueprints.map((b) => b.body as unknown as JsonObject), blueprints), opts.config.renamedFrom));

    const actions = await port.listActions();
    progress.step("actions");
    const managed = new Set(declaration.blueprints.map((b) => b.identifier));
    findings.push(...actionDrift(declaration.actions.map((a) => a.body as unknown as JsonObject), actions, managed));

    if (governed) {
      findings.push(...(await governanceDrift(port, governance)));
      progress.step("teams, permissions, scorecards");
    }

    for (const set of sets) {
      // One "in" search per set, paged by 1,000: never one call per entity.
      const live = await port.searchEntities(set.blueprint, [{ property: "$identifier", operator: "in", value: set.entities.map((e) => e.identifier) }]);
      progress.step(`${set.blueprint} entities`);
      findings.push(...entityDrift(set.blueprint, set.entities, live));
    }

    if (opts.pages) {
      const pages = await port.listPages();
      progress.step("pages");
      findings.push(...pageDrift(opts.pages.pages, pages, opts.pages.canonical));
    }

    if (codefresh && opts.pipelines) {
      const live = await livePipelines(codefresh, opts.config.codefresh.project);
      progress.step("pipelines");
      findings.push(...pipelineDrift(opts.pipelines, live));
    }
  } finally {
    progress.stop();
  }
  return { stack: opts.stack, portUrl, codefreshUrl, findings: sortFindings(findings), requests, skipped };
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The report for people: one line per finding, grouped by kind. */
export function renderDriftText(report: DriftReport): string {
  const lines: string[] = [];
  if (report.findings.length === 0) {
    lines.push(`No drift: Port (${report.portUrl})${report.codefreshUrl ? ` and Codefresh (${report.codefreshUrl})` : ""} match stack "${report.stack}".`);
  } else {
    lines.push(`Drift in stack "${report.stack}": ${report.findings.length} difference${report.findings.length === 1 ? "" : "s"} between the declaration and the live portal.`, "");
    lines.push("| Kind | Object | Change | Declared → live |", "|---|---|---|---|");
    for (const f of report.findings) lines.push(`| ${f.kind} | \`${cell(f.object)}\` | ${cell(f.change)} | ${cell(f.detail)} |`);
  }
  for (const s of report.skipped) lines.push(`(not checked: ${s})`);
  lines.push(`(${report.requests.port} Port and ${report.requests.codefresh} Codefresh API requests)`);
  return lines.join("\n");
}
