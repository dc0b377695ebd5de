// The pages as Markdown, for catalog.md: one row per sidebar item, in sidebar order.
import type { PageDeclaration } from "./declaration";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function widgetSummary(widgets: readonly Record<string, unknown>[]): string {
  const out: string[] = [];
  for (const w of widgets) {
    if (w.type === "dashboard-widget" && Array.isArray(w.widgets)) out.push(widgetSummary(w.widgets as Record<string, unknown>[]));
    else out.push(`${String(w.title ?? w.id)} (${String(w.type)}${typeof w.blueprint === "string" ? ` of ${w.blueprint}` : ""})`);
  }
  return out.join("; ");
}

export function describePages(pages: readonly PageDeclaration[]): string {
  const lines = ["## Pages", "", "| sidebar item | identifier | type | shows |", "|---|---|---|---|"];
  for (const p of pages) {
    const indent = p.body.parent ? "↳ " : "";
    if (p.kind === "folder") {
      lines.push(`| ${indent}📁 ${cell(p.body.title)} | \`${p.identifier}\` | folder | |`);
      continue;
    }
    const shows = [p.body.description ?? "", widgetSummary(p.body.widgets)].filter(Boolean).join(" — ");
    lines.push(`| ${indent}${cell(p.body.title)} | \`${p.identifier}\` | ${p.body.type}${p.body.blueprint ? ` (${p.body.blueprint})` : ""} | ${cell(shows)} |`);
  }
  return `${lines.join("\n")}\n`;
}
