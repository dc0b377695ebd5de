// The diff as a Markdown PR comment: headline counts, then one table per class.
import { Change, CHANGE_CLASSES, ChangeClass, countByClass } from "./compare";

const HEADINGS: Record<ChangeClass, string> = {
  destructive: "Destructive: data is dropped in Port",
  risky: "Risky: writers or consumers may start failing",
  safe: "Safe",
};

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export interface DiffLabels {
  readonly base: string;
  readonly head: string;
}

export function renderMarkdown(changes: readonly Change[], labels: DiffLabels): string {
  const counts = countByClass(changes);
  const lines: string[] = [`## Portal catalog diff: \`${labels.base}\` → \`${labels.head}\``, ""];
  if (changes.length === 0) {
    lines.push("No changes to blueprints, actions, entities, pages or pipelines.", "");
    return lines.join("\n");
  }
  lines.push(`**${counts.destructive} destructive** · **${counts.risky} risky** · **${counts.safe} safe**`, "");
  if (counts.destructive > 0) {
    lines.push("> [!WARNING]", "> This change drops data in Port. It fails the check unless run with `--allow-destructive`.", "");
  }
  for (const cls of CHANGE_CLASSES) {
    const rows = changes.filter((c) => c.class === cls);
    if (rows.length === 0) continue;
    lines.push(`### ${HEADINGS[cls]} (${rows.length})`, "", "| Kind | Object | Change | Detail |", "|---|---|---|---|");
    for (const c of rows) lines.push(`| ${c.kind} | \`${cell(c.object)}\` | ${cell(c.change)} | ${cell(c.detail)} |`);
    lines.push("");
  }
  return lines.join("\n");
}
