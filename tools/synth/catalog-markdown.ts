// catalog.md: the catalog at a glance for reviewers — a Mermaid diagram of blueprints and
// relations, then tables of blueprints, actions, declared entities, pages and pipelines.
import type { RecordedResource } from "./mock-runtime";

interface BlueprintBody {
  identifier: string;
  title: string;
  schema?: { properties?: Record<string, { type?: string; format?: string; title?: string }>; required?: string[] };
  relations?: Record<string, { target: string; required?: boolean; many?: boolean; title?: string }>;
  mirrorProperties?: Record<string, unknown>;
}

function ofType(resources: readonly RecordedResource[], type: string) {
  return resources.filter((r) => r.type === `pulumi-nodejs:dynamic/${type}`).map((r) => r.inputs as Record<string, unknown>);
}

/** Mermaid ids must be plain words. */
function node(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_");
}

function cell(text: unknown): string {
  return String(text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Teams, who may run and approve each action, scorecards and their rules. */
function governanceMarkdown(resources: readonly RecordedResource[]): string[] {
  const teams = ofType(resources, "port:Team").map((i) => i.body as { name: string; description?: string });
  const permissions = ofType(resources, "port:ActionPermissions").map((i) => ({ action: String(i.key), body: i.body as { execute?: Record<string, unknown>; approve?: Record<string, unknown> } }));
  const scorecards = ofType(resources, "port:Scorecard").map((i) => ({ blueprint: String(i.scope), body: i.body as { identifier: string; title?: string; levels?: { title: string }[]; rules?: { identifier: string; level: string }[] } }));
  if (teams.length + permissions.length + scorecards.length === 0) return [];
  const list = (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.join(", ") : "—");
  const lines = ["", "## Teams", ""];
  if (teams.length === 0) lines.push("No teams declared.");
  else {
    lines.push("| team | description |", "|---|---|");
    for (const t of [...teams].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`| \`${t.name}\` | ${cell(t.description)} |`);
  }
  lines.push("", "## Action permissions", "");
  if (permissions.length === 0) lines.push("No action permissions declared.");
  else {
    lines.push("| action | execute: roles | execute: teams | owning team | approve: teams | approve: users | requester may approve |", "|---|---|---|---|---|---|---|");
    for (const p of [...permissions].sort((a, b) => a.action.localeCompare(b.action))) {
      const e = p.body.execute ?? {};
      const a = p.body.approve;
      lines.push(`| \`${p.action}\` | ${cell(list(e.roles))} | ${cell(list(e.teams))} | ${e.ownedByTeam ? "yes" : "no"} | ${a ? cell(list(a.teams)) : "—"} | ${a ? cell(list(a.users)) : "—"} | ${a ? (a.policy ? "no" : "yes") : "—"} |`);
    }
  }
  lines.push("", "## Scorecards", "");
  if (scorecards.length === 0) lines.push("No scorecards declared.");
  else {
    lines.push("| blueprint | scorecard | title | levels | rules (level) |", "|---|---|---|---|---|");
    for (const s of [...scorecards].sort((a, b) => `${a.blueprint}/${a.body.identifier}`.localeCompare(`${b.blueprint}/${b.body.identifier}`))) {
      const rules = (s.body.rules ?? []).map((r) => `${r.identifier} (${r.level})`).join(", ");
      lines.push(`| \`${s.blueprint}\` | \`${s.body.identifier}\` | ${cell(s.body.title)} | ${cell((s.body.levels ?? []).map((l) => l.title).join(" → "))} | ${cell(rules)} |`);
    }
  }
  return lines;
}

export function renderCatalogMarkdown(resources: readonly RecordedResource[], stack: string): string {
  const blueprints = ofType(resources, "port:Blueprint").map((i) => i.body as BlueprintBody).sort((a, b) => a.identifier.localeCompare(b.identifier));
  const actions = ofType(resources, "port:Action").map((i) => i.body as { identifier: string; title?: string; trigger?: { blueprintIdentifier?: string }; invocationMethod?: { type?: string }; requiredApproval?: unknown });
  const sets = ofType(resources, "port:EntitySet").map((i) => ({ blueprint: String(i.blueprint), count: ((i.entities as unknown[]) ?? []).length }));
  const pages = ofType(resources, "port:Page").map((i) => i.body as { identifier: string; title?: string; type?: string; widgets?: unknown[] });
  const pipelines = ofType(resources, "codefresh:Pipeline").map((i) => String(i.name));

  const lines: string[] = [`# Catalog of stack \`${stack}\``, "", "```mermaid", "flowchart LR"];
  for (const bp of blueprints) lines.push(`  ${node(bp.identifier)}["${bp.title} (${bp.identifier})"]`);
  for (const bp of blueprints) {
    for (const [key, rel] of Object.entries(bp.relations ?? {})) {
      const label = `${key}${rel.required ? " *" : ""}${rel.many ? " [many]" : ""}`;
      lines.push(`  ${node(bp.identifier)} -->|${label}| ${node(rel.target)}`);
    }
  }
  lines.push("```", "", "`*` required relation, `[many]` many-relation.", "", "## Blueprints", "", "| blueprint | title | properties | required | relations | mirrors |", "|---|---|---|---|---|---|");
  for (const bp of blueprints) {
    const props = Object.entries(bp.schema?.properties ?? {}).map(([k, p]) => `${k}: ${p.type}${p.format ? `/${p.format}` : ""}`).join(", ");
    const rels = Object.entries(bp.relations ?? {}).map(([k, r]) => `${k} → ${r.target}`).join(", ");
    lines.push(`| \`${bp.identifier}\` | ${cell(bp.title)} | ${cell(props)} | ${cell((bp.schema?.required ?? []).join(", "))} | ${cell(rels)} | ${cell(Object.keys(bp.mirrorProperties ?? {}).join(", "))} |`);
  }
  lines.push("", "## Actions", "", "| action | title | on blueprint | invocation | approval |", "|---|---|---|---|---|");
  for (const a of actions.sort((x, y) => x.identifier.localeCompare(y.identifier))) {
    lines.push(`| \`${a.identifier}\` | ${cell(a.title)} | ${cell(a.trigger?.blueprintIdentifier)} | ${cell(a.invocationMethod?.type)} | ${a.requiredApproval ? "yes" : "no"} |`);
  }
  lines.push("", "## Declared entities", "", "| blueprint | entities |", "|---|---|");
  for (const s of sets.sort((x, y) => x.blueprint.localeCompare(y.blueprint))) lines.push(`| \`${s.blueprint}\` | ${s.count} |`);
  lines.push("", "## Pages", "");
  if (pages.length === 0) lines.push("No pages declared.");
  else {
    lines.push("| page | title | type | widgets |", "|---|---|---|---|");
    for (const p of pages) lines.push(`| \`${p.identifier}\` | ${cell(p.title)} | ${cell(p.type)} | ${(p.widgets ?? []).length} |`);
  }
  lines.push(...governanceMarkdown(resources));
  lines.push("", "## Codefresh pipelines", "");
  if (pipelines.length === 0) lines.push("No pipelines declared.");
  else for (const p of pipelines.sort()) lines.push(`- \`${p}\``);
  lines.push("");
  return lines.join("\n");
}
