// `npm run bench`: every performance number of DESIGN.md §9 measured in one run, printed as
// tables and as JSON (also written to .bench/results.json). Ratios matter, not absolute times.
import * as fs from "node:fs";
import * as path from "node:path";
import { benchApiCalls, benchSynth } from "./catalog";

function table(title: string, rows: readonly object[]): void {
  process.stdout.write(`\n## ${title}\n\n`);
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const cell = (r: object, c: string) => String((r as Record<string, unknown>)[c]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(" | ")} |\n`;
  process.stdout.write(line(cols));
  process.stdout.write(line(width.map((w) => "-".repeat(w))));
  for (const r of rows) process.stdout.write(line(cols.map((c) => cell(r, c))));
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};

  const synthRows = await benchSynth();
  table("synth (products × 4 environments)", synthRows);
  results.synth = synthRows;

  const calls = await benchApiCalls();
  table("Port API calls made by the providers (create = pulumi up on an empty org, read = pulumi refresh)", calls);
  results.providerApiCalls = calls;

  const { benchAgent } = await import("./agent");
  const agent = await benchAgent();
  for (const [title, rows] of Object.entries(agent.tables)) table(title, rows);
  results.agent = agent.json;

  const { benchDrift } = await import("./drift");
  const drift = await benchDrift();
  table("drift check: API requests to read the live portal", drift);
  results.drift = drift;

  const dir = path.resolve(__dirname, "..", ".bench");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${JSON.stringify(results)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
