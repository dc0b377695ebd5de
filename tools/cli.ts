// The one command line of the project: synth, diff, drift, import, import-bamboo. Each subcommand prints
// for people by default and JSON with --json; exit codes are part of the interface (CI relies on
// them) and are listed in every --help.
import { Command, CommanderError, Option } from "commander";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "../stacks/config";
import { runDiff } from "./diff";
import { SnapshotError } from "./diff/snapshot";
import { DriftSetupError, renderDriftText, runDrift } from "./drift";
import { declaredPages, declaredPipelines } from "./drift/declarations";
import { terminalProgress } from "./drift/progress";
import { readStackConfig } from "../stacks/stack-file";
import { importBamboo, ImportInputError } from "./import-bamboo";
import { renderImportText, runPortalImport } from "./import-portal";

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The project checkout the commands work in. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where a progress bar may be drawn (only when it is a TTY). */
  readonly progressStream?: NodeJS.WriteStream;
}

export const EXIT = { ok: 0, found: 1, error: 2 } as const;

const exitCodes = (lines: string[]) => `\nExit codes:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;

/** The synth module is written separately; loaded lazily and checked, so this CLI never depends on its presence to compile. */
async function loadSynth() {
  const mod: unknown = await import(join(__dirname, "synth"));
  const fn = z.object({ synth: z.custom<(opts: { stack: string; out: string; projectDir?: string }) => Promise<unknown>>((v) => typeof v === "function", "a synth function") }).loose().parse(mod).synth;
  return async (opts: { stack: string; out: string; projectDir?: string }) =>
    z.object({ outDir: z.string(), counts: z.record(z.string(), z.number()), files: z.number(), resources: z.number() }).loose().parse(await fn(opts));
}

function line(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export function buildProgram(io: CliIO, setCode: (code: number) => void): Command {
  const out = (text: string) => io.stdout(line(text));
  const err = (text: string) => io.stderr(line(text));
  const program = new Command("portal")
    .description("developer-portal: synthesize, preview, drift-check and migrate the portal stack")
    .showHelpAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command("synth")
    .description("Evaluate the stack and write what `pulumi up` would send (Port JSON, pipeline YAML, resources.json, catalog.md)")
    .requiredOption("--stack <name>", "stack whose Pulumi.<name>.yaml config is used")
    .option("--out <dir>", "output directory", "out")
    .option("--json", "print the summary as JSON")
    .addHelpText("after", exitCodes(["0  written", "2  error (bad config, evaluation failed)"]))
    .action(async (opts: { stack: string; out: string; json?: boolean }) => {
      const synth = await loadSynth();
      const result = await synth({ stack: opts.stack, out: resolve(io.cwd, opts.out), projectDir: io.cwd });
      if (opts.json) out(JSON.stringify(result, null, 2));
      else {
        const counts = Object.entries(result.counts).map(([k, v]) => `${v} ${k}`).join(", ");
        out(`synth ${opts.stack}: ${result.resources} resources, ${result.files} files (${counts})\nwritten to ${result.outDir}`);
      }
      setCode(EXIT.ok);
    });

  program
    .command("diff")
    .description("Compare two synth outputs and print a Markdown summary for a PR comment, each change classed destructive, risky or safe")
    .requiredOption("--base <dirOrRef>", "synth output directory, or a git ref synthesized in a temporary worktree")
    .option("--head <dir>", "synth output directory (default: synthesize the working tree)")
    .option("--stack <name>", "stack to synthesize refs and the working tree with", "dev")
    .option("--allow-destructive", "exit 0 even when data would be dropped in Port")
    .option("--json", "print {base, head, counts, changes[]} as JSON instead of Markdown")
    .addHelpText(
      "after",
      exitCodes(["0  no destructive change (or --allow-destructive)", "1  a destructive change is present: a property type changed, or a property, relation, blueprint, entity, action or page removed", "2  error (unreadable directory, unknown ref, synth failed)"]) +
        "\nRisky: a required flag added, an enum value removed, an identifier renamed, a pipeline or mirror property removed.\n",
    )
    .action(async (opts: { base: string; head?: string; stack: string; allowDestructive?: boolean; json?: boolean }) => {
      const result = await runDiff({ base: opts.base, head: opts.head, stack: opts.stack, projectDir: io.cwd });
      if (opts.json) out(JSON.stringify({ base: result.base, head: result.head, counts: result.counts, changes: result.changes }, null, 2));
      else out(result.markdown);
      const blocked = result.counts.destructive > 0 && !opts.allowDestructive;
      if (blocked) err(`diff: ${result.counts.destructive} destructive change(s); rerun with --allow-destructive to accept the data loss`);
      setCode(blocked ? EXIT.found : EXIT.ok);
    });

  program
    .command("drift")
    .description("Compare the live Port org and Codefresh account with what the stack declares (read-only)")
    .requiredOption("--stack <name>", "stack whose Pulumi.<name>.yaml declares the catalog")
    .option("--json", "print {findings[], requests, skipped} as JSON")
    .addOption(new Option("--no-codefresh", "do not read Codefresh (pipelines are not checked)"))
    .addHelpText(
      "after",
      exitCodes(["0  the live portal matches the declaration", "1  drift found", "2  error (missing credentials, bad config, API failure)"]) +
        "\nEnvironment: PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL (overrides the stack's Port URL),\n             CODEFRESH_API_KEY, CODEFRESH_API_URL (overrides developer-portal:codefresh.url).\n",
    )
    .action(async (opts: { stack: string; json?: boolean; codefresh: boolean }) => {
      const config = readStackConfig(io.cwd, opts.stack);
      const pipelines = opts.codefresh ? declaredPipelines(config) : undefined;
      const report = await runDrift({
        stack: opts.stack,
        config,
        env: io.env,
        pipelines,
        pages: declaredPages(config),
        progress: io.progressStream ? terminalProgress(io.progressStream) : undefined,
      });
      if (opts.json) out(JSON.stringify(report, null, 2));
      else out(renderDriftText(report));
      setCode(report.findings.length > 0 ? EXIT.found : EXIT.ok);
    });

  program
    .command("import-bamboo")
    .description("Turn Bamboo deployment projects (GET /rest/api/latest/deploy/project/all) into the developer-portal:products stack config, their build plans into codefresh.services")
    .argument("<file>", "JSON export of /rest/api/latest/deploy/project/all")
    .option("--overrides <file>", "YAML/JSON: projects.<name|key|id> {identifier,title,skip}, environments.<key|id|project/env|env> {name,kind,identifier,skip}")
    .option("--out <file>", "write the YAML here instead of stdout")
    .option("--json", "print {products, problems} as JSON (the YAML still goes to --out when given)")
    .addHelpText(
      "after",
      exitCodes(["0  every project, environment and build plan mapped", "1  written, but some items could not be mapped (listed on stderr)", "2  bad input (the message names the place in the file)"]) +
        "\nKinds from environment names: prod/production/live → Production, stage/staging/uat/pre-prod → Staging, else Dev.\n",
    )
    .action(async (file: string, opts: { overrides?: string; out?: string; json?: boolean }) => {
      const result = importBamboo({ file: resolve(io.cwd, file), label: file, overridesFile: opts.overrides ? resolve(io.cwd, opts.overrides) : undefined });
      if (opts.out) writeFileSync(resolve(io.cwd, opts.out), result.yaml);
      if (opts.json) out(JSON.stringify({ products: result.products, services: result.services, problems: result.problems }, null, 2));
      else if (!opts.out) out(result.yaml);
      const envs = result.products.reduce((n, p) => n + p.environments.length, 0);
      err(`import-bamboo: ${result.products.length} products, ${envs} environments${opts.out ? ` written to ${opts.out}` : ""}`);
      if (result.services.length > 0) err(`import-bamboo: ${result.services.length} build plans → Codefresh CI services (set each repository: the export does not name it)`);
      for (const p of result.problems) err(`  not mapped: ${p}`);
      setCode(result.problems.length > 0 ? EXIT.found : EXIT.ok);
    });

  program
    .command("import")
    .description("Read the live Port org and write the stack's catalog config (products, environments, blueprint templates) so that `pulumi up` adopts it")
    .requiredOption("--stack <name>", "stack whose Pulumi.<name>.yaml is the base (its other settings are kept)")
    .requiredOption("--out <file>", "where to write the complete stack file (may be Pulumi.<name>.yaml itself)")
    .option("--json", "print {stack, portUrl, counts, adopted, notExpressible[], willAdd[], requests} as JSON")
    .addHelpText(
      "after",
      exitCodes(["0  everything live is expressed in the written config", "1  written, but something live is not expressible (listed)", "2  error (missing credentials, bad config, API failure)"]) +
        "\nEnvironment: PORT_CLIENT_ID, PORT_CLIENT_SECRET, PORT_API_URL (overrides the stack's Port URL).\n",
    )
    .action(async (opts: { stack: string; out: string; json?: boolean }) => {
      const { yaml, report } = await runPortalImport({ stack: opts.stack, projectDir: io.cwd, env: io.env });
      writeFileSync(resolve(io.cwd, opts.out), yaml);
      if (opts.json) out(JSON.stringify(report, null, 2));
      else out(renderImportText(report, opts.out));
      setCode(report.notExpressible.length > 0 ? EXIT.found : EXIT.ok);
    });

  return program;
}

/** Run the CLI; resolves with the exit code instead of exiting (tests drive it in-process). */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are not errors; a usage error is exit 2 like any other error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    const problems = e instanceof ImportInputError ? e.problems : e instanceof ConfigError ? e.problems : [(e as Error).message];
    const known = e instanceof ImportInputError || e instanceof ConfigError || e instanceof SnapshotError || e instanceof DriftSetupError;
    io.stderr(`error: ${problems.join("\n  ")}\n`);
    if (!known && io.env.PORTAL_DEBUG) io.stderr(`${(e as Error).stack ?? ""}\n`);
    return EXIT.error;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    progressStream: process.stderr,
  }).then((code) => {
    process.exitCode = code;
  });
}
