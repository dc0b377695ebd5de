// `import`: the live Port org becomes the stack's catalog config. Reads lists and paged bulk
// searches only (a handful of calls for any catalog size), writes Pulumi.<stack>.yaml with the
// products, environments and blueprint templates that are live — same identifiers, so `pulumi up`
// adopts them — and keeps every other setting of the named stack as it was written.
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { BLUEPRINTS } from "../../blueprints/vocabulary";
import { PortClient } from "../../clients/port";
import { declareCatalog } from "../../stacks/catalog-declaration";
import { ConfigError, declaredEnvironments, parseStackConfig, PROJECT, StackConfig } from "../../stacks/config";
import { readStackConfig, stackFilePath } from "../../stacks/stack-file";
import { declaredPages } from "../drift/declarations";
import { DriftSetupError } from "../drift";
import { compareBlueprints, compareByIdentifier, ImportNote, mapEntities, parseEntities } from "./map";

export type { ImportNote } from "./map";

export interface PortalImportOptions {
  readonly stack: string;
  readonly projectDir: string;
  /** PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly http?: { sleep?: (ms: number) => Promise<void> };
}

export interface PortalImportReport {
  readonly stack: string;
  readonly portUrl: string;
  readonly counts: { readonly products: number; readonly environments: number; readonly blueprintTemplates: number };
  /** Live objects the stack now declares with their identifiers (adopted by `pulumi up`). */
  readonly adopted: { readonly blueprints: string[]; readonly actions: string[]; readonly pages: string[] };
  /** Port's system blueprints (identifiers starting with _ or $): neither imported nor reported. */
  readonly portOwned: string[];
  /** Live things the model cannot express: exit 1 when any. */
  readonly notExpressible: ImportNote[];
  /** Leftovers of an interrupted migration (parked copies): `pulumi up` finishes them; not exit 1. */
  readonly migrating: ImportNote[];
  /** What `pulumi up` with the written config will add to the live portal. */
  readonly willAdd: ImportNote[];
  /** HTTP attempts made to Port (token included, retries included). */
  readonly requests: number;
}

export interface PortalImportResult {
  readonly yaml: string;
  readonly report: PortalImportReport;
}

const KEYS = { products: `${PROJECT}:products`, templates: `${PROJECT}:blueprintTemplates` } as const;

function required(env: PortalImportOptions["env"], key: string): string {
  const value = env[key];
  if (!value) throw new DriftSetupError(`${key} is not set (import reads the live org with these credentials)`);
  return value;
}

/** Short config keys of a `config:` mapping, as parseStackConfig wants them (plain values only). */
function plainConfig(doc: YAML.Document): Record<string, unknown> {
  const config: unknown = doc.toJS()?.config ?? {};
  const raw: Record<string, unknown> = {};
  if (config === null || typeof config !== "object") return raw;
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(`${PROJECT}:`) && key.includes(":")) continue;
    raw[key.replace(`${PROJECT}:`, "")] = value;
  }
  return raw;
}

export async function runPortalImport(opts: PortalImportOptions): Promise<PortalImportResult> {
  // The existing file validates first: a broken stack is an error, not something to overwrite.
  const current = readStackConfig(opts.projectDir, opts.stack);
  const file = stackFilePath(opts.projectDir, opts.stack);
  const doc = YAML.parseDocument(readFileSync(file, "utf8"));
  const portUrl = opts.env.PORT_API_URL || declareCatalog(current).baseUrl;
  let requests = 0;
  const port = new PortClient({
    baseUrl: portUrl,
    credentials: { clientId: required(opts.env, "PORT_CLIENT_ID"), clientSecret: required(opts.env, "PORT_CLIENT_SECRET") },
    onAttempt: () => requests++,
    sleep: opts.http?.sleep,
  });

  const liveBlueprints = await port.listBlueprints();
  const liveIds = new Set(liveBlueprints.map((b) => String(b.identifier)));
  // One paged search per blueprint the config draws from (≤1,000 entities per call).
  const search = async (blueprint: string) => (liveIds.has(blueprint) ? parseEntities(await port.searchEntities(blueprint)) : []);
  const known = [...current.products.map((p) => p.identifier), ...declaredEnvironments(current).map((e) => e.identifier), ...current.blueprintTemplates.map((t) => t.identifier)];
  const mapped = mapEntities(
    {
      products: await search(BLUEPRINTS.product),
      environments: await search(BLUEPRINTS.environment),
      templates: await search(BLUEPRINTS.blueprintTemplate),
    },
    new Map(known.map((id, i) => [id, i])),
  );
  const liveActions = await port.listActions();
  const livePages = await port.listPages();

  doc.setIn(["config", KEYS.products], doc.createNode(mapped.products));
  doc.setIn(["config", KEYS.templates], doc.createNode(mapped.blueprintTemplates));
  let next: StackConfig;
  try {
    next = parseStackConfig(plainConfig(doc));
  } catch (err) {
    // Typically a codefresh service naming a product that is not live: say so, write nothing.
    if (err instanceof ConfigError) throw new ConfigError(err.problems.map((p) => `the imported config would be invalid: ${p}`));
    throw err;
  }

  const declaration = declareCatalog(next);
  const aggregations = new Map(declaration.blueprints.map((b) => [b.identifier, Object.keys(b.aggregations)]));
  const blueprints = compareBlueprints(
    declaration.blueprints.map((b) => b.body),
    liveBlueprints,
    aggregations,
    next.renamedFrom,
  );
  const actions = compareByIdentifier("action", declaration.actions.map((a) => a.identifier), liveActions);
  const pages = compareByIdentifier(
    "page",
    declaredPages(next).pages.map((p) => String(p.identifier)),
    livePages,
  );

  const report: PortalImportReport = {
    stack: opts.stack,
    portUrl,
    counts: {
      products: next.products.length,
      environments: next.products.reduce((n, p) => n + p.environments.length, 0),
      blueprintTemplates: next.blueprintTemplates.length,
    },
    adopted: {
      blueprints: declaration.blueprints.map((b) => b.identifier).filter((id) => liveIds.has(id)).sort(),
      actions: actions.adopted,
      pages: pages.adopted,
    },
    portOwned: blueprints.portOwned,
    notExpressible: [...blueprints.notExpressible, ...actions.notExpressible, ...pages.notExpressible, ...mapped.notExpressible],
    migrating: blueprints.migrating,
    willAdd: [...blueprints.willAdd, ...actions.willAdd, ...pages.willAdd, ...mapped.willAdd],
    requests,
  };
  const yaml = doc.toString({ lineWidth: 0 });
  return { yaml, report };
}

/** The report for people. */
export function renderImportText(report: PortalImportReport, out: string): string {
  const lines = [
    `import ${report.stack}: ${report.counts.products} products, ${report.counts.environments} environments, ${report.counts.blueprintTemplates} blueprint templates from ${report.portUrl} written to ${out}`,
    `adopted by \`pulumi up\` (same identifiers): blueprints ${report.adopted.blueprints.join(", ") || "none"}; actions ${report.adopted.actions.join(", ") || "none"}; pages ${report.adopted.pages.join(", ") || "none"}`,
  ];
  const section = (title: string, notes: readonly ImportNote[]) => {
    if (notes.length === 0) return;
    lines.push("", `${title} (${notes.length}):`);
    for (const n of notes) lines.push(`  ${n.kind} ${n.object}: ${n.detail}`);
  };
  section("Not expressible in the stack's model", report.notExpressible);
  section("Migration in progress — run `pulumi up` to finish", report.migrating);
  section("The model will add", report.willAdd);
  lines.push("", `(${report.requests} Port API requests)`);
  return lines.join("\n");
}
