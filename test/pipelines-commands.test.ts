// The command lines the PR-preview and drift-check pipelines generate are checked against what
// they call: every `npm run <script>` names a script of package.json, every portal subcommand
// parses with the CLI's real options (required options included), and the synth and catalog
// diff lines are run for real, verbatim, in a temporary copy of this project.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { codefreshConfigSchema } from "../pipelines/config";
import { driftCheckPipeline } from "../pipelines/drift-check";
import { prPreviewPipeline } from "../pipelines/pr-preview";
import { FreestyleStep, PipelineDefinition } from "../pipelines/spec";
import { buildProgram } from "../tools/cli";
import { runBash } from "./support/bash";

const ROOT = resolve(__dirname, "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
/** What Codefresh gives these steps: the pipeline's variables and the PR's target branch. */
const cf = codefreshConfigSchema().parse({});
const ENV: Record<string, string> = { PULUMI_STACK: cf.stack.pulumiStack, CF_PULL_REQUEST_TARGET: "main" };
const pipelines: PipelineDefinition[] = [prPreviewPipeline(cf), driftCheckPipeline(cf)];

function freestyleSteps(def: PipelineDefinition): [string, FreestyleStep][] {
  return Object.entries(def.spec.steps).filter((e): e is [string, FreestyleStep] => "commands" in e[1]);
}

/** Shell words of one simple command, with "$VAR" / "${VAR}" expanded from ENV (unknown: left as is). */
function words(command: string): string[] {
  const expand = (s: string) => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, v: string) => ENV[v] ?? m);
  const out: string[] = [];
  for (const m of command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[2] !== undefined ? m[2] : expand(m[1] ?? m[3]));
  return out;
}

/** Every npm/npx invocation in a step's commands (split on newlines, &&, || and ;). */
function npmCommands(step: FreestyleStep): string[][] {
  return step.commands
    .flatMap((c) => c.split(/\n|&&|\|\||;/))
    .map((c) => c.trim())
    .filter((c) => /^(npm|npx)\s/.test(c))
    .map(words);
}

/** The CLI, with every action replaced by a no-op: parsing (options, required options) is real. */
async function parseWithCli(argv: string[]): Promise<{ ok: boolean; message: string }> {
  let stderr = "";
  const program = buildProgram({ stdout: () => undefined, stderr: (t) => (stderr += t), cwd: ROOT, env: {} }, () => undefined);
  for (const c of program.commands as Command[]) c.action(() => undefined);
  try {
    await program.parseAsync(argv, { from: "user" });
    return { ok: true, message: "" };
  } catch (e) {
    if (e instanceof CommanderError) return { ok: false, message: `${e.message}\n${stderr}` };
    throw e;
  }
}

/** `npm run <script> -- args` → the portal CLI argv, when the script is `ts-node tools/cli.ts …`. */
function cliArgv(cmd: string[]): string[] | undefined {
  if (cmd[0] !== "npm" || cmd[1] !== "run") return undefined;
  const script = PKG.scripts[cmd[2]];
  const last = script.split("&&").pop()!.trim();
  const m = /^ts-node tools\/cli\.ts(.*)$/.exec(last);
  if (!m) return undefined;
  const sep = cmd.indexOf("--");
  return [...m[1].trim().split(/\s+/).filter(Boolean), ...(sep >= 0 ? cmd.slice(sep + 1) : cmd.slice(3))];
}

describe("PR-preview and drift-check command lines against the real CLI", () => {
  const all = pipelines.flatMap((def) => freestyleSteps(def).flatMap(([name, step]) => npmCommands(step).map((cmd) => ({ where: `${def.name}.${name}`, cmd }))));

  it("finds the synth, diff and drift portal commands (the check is not vacuous)", () => {
    const subcommands = all.map((c) => cliArgv(c.cmd)?.[0]).filter(Boolean).sort();
    assert.deepEqual([...new Set(subcommands)], ["diff", "drift", "synth"]);
  });

  it("every npm/npx command names a real npm command, package.json script or installed binary", () => {
    for (const { where, cmd } of all) {
      if (cmd[0] === "npx") {
        const bin = cmd.slice(1).find((w) => !w.startsWith("-"))!;
        assert.ok(existsSync(join(ROOT, "node_modules", ".bin", bin)), `${where}: npx ${bin} is not installed`);
      } else if (cmd[1] === "run") {
        assert.ok(PKG.scripts[cmd[2]] !== undefined, `${where}: no package.json script "${cmd[2]}"`);
      } else {
        assert.ok(["ci", "test"].includes(cmd[1]), `${where}: unexpected npm command ${cmd.join(" ")}`);
      }
    }
  });

  it("every portal command parses with the CLI's options (required --stack included)", async () => {
    for (const { where, cmd } of all) {
      const argv = cliArgv(cmd);
      if (!argv) continue;
      const r = await parseWithCli(argv);
      assert.ok(r.ok, `${where}: \`${cmd.join(" ")}\` is refused by tools/cli.ts: ${r.message}`);
    }
  });

  it("the CLI check is real: synth without --stack is refused", async () => {
    assert.match((await parseWithCli(["synth"])).message, /--stack/);
  });

  it("the agent bundle is built (npm run build) in the install step, before anything runs the program", () => {
    for (const def of pipelines) {
      const steps = freestyleSteps(def);
      const install = steps.findIndex(([name]) => name === "install");
      assert.ok(install >= 0, `${def.name}: no install step`);
      assert.deepEqual(npmCommands(steps[install][1]).map((c) => c.join(" ")), ["npm ci", "npm run build"]);
      const firstUse = steps.findIndex(([, s]) => s.commands.some((c) => /\bpulumi (preview|up)\b|npm run (synth|portal)\b/.test(c)));
      assert.ok(firstUse > install, `${def.name}: the program runs before the install step built dist/agent`);
    }
  });
});

describe("PR-preview synth and catalog diff, run for real in a copy of the project", function () {
  this.timeout(300_000);
  let dir: string;
  const def = prPreviewPipeline(cf);
  const commandsOf = (name: string) => (def.spec.steps[name] as FreestyleStep).commands;
  const git = (cwd: string, args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", ...args], { cwd, stdio: "pipe" });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pr-preview-"));
    const skip = new Set([".git", "node_modules", "dist", "out", ".bench"]);
    for (const entry of readdirSync(ROOT)) if (!skip.has(entry)) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    // npm ci is the one step not run (it would download); the copy uses this checkout's modules.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ ...ENV, CI: "true", PORTAL_DEBUG: "1" });

  it("install (without npm ci) builds dist/agent, and the synth line synthesizes the configured stack", async () => {
    const install = commandsOf("install").map((c) => c.replace(/^npm ci && /, ""));
    assert.deepEqual(install, ["npm run build"]);
    for (const c of [...install, ...commandsOf("synth")]) {
      const r = await runBash(`set -euo pipefail\ncd ${JSON.stringify(dir)}\n${c}`, env(), 240_000);
      assert.equal(r.code, 0, `\`${c}\` exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    }
    assert.ok(existsSync(join(dir, "dist", "agent")), "no dist/agent");
    assert.ok(readdirSync(join(dir, "out")).length > 0, "synth wrote nothing to out/");
  });

  it("the catalog diff step runs verbatim against the PR's target branch fetched from origin", async () => {
    // A throwaway repository: the copy is the PR head, a bare clone of it is `origin` (target main).
    git(dir, ["init", "-q"]);
    execFileSync("sh", ["-c", "printf 'node_modules\\n' >> .git/info/exclude"], { cwd: dir });
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-q", "-m", "base"]);
    const origin = `${dir}-origin.git`;
    git(tmpdir(), ["clone", "-q", "--bare", dir, origin]);
    git(dir, ["remote", "add", "origin", origin]);
    try {
      const r = await runBash(`set -euo pipefail\ncd ${JSON.stringify(dir)}\n${commandsOf("catalog_diff").join("\n")}`, env(), 240_000);
      assert.equal(r.code, 0, `catalog diff exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    } finally {
      rmSync(origin, { recursive: true, force: true });
    }
  });
});
