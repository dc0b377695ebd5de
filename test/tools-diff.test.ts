import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CliIO, main } from "../tools/cli";
import { loadSnapshot } from "../tools/diff";

const ROOT = resolve(__dirname, "..");
const FIXTURES = join(ROOT, "test", "fixtures", "diff");

async function run(argv: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe("portal diff", () => {
  it("prints the checked-in Markdown for the fixture pair and fails on destructive changes", async () => {
    const res = await run(["diff", "--base", "test/fixtures/diff/base", "--head", "test/fixtures/diff/head"]);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, readFileSync(join(FIXTURES, "expected.md"), "utf8"));
    assert.match(res.stderr, /7 destructive change\(s\); rerun with --allow-destructive/);
  });

  it("classifies every kind of change: type change, removals, required, enum, renames, additions", async () => {
    const res = await run(["diff", "--base", "test/fixtures/diff/base", "--head", "test/fixtures/diff/head", "--json"]);
    const parsed = JSON.parse(res.stdout) as { counts: Record<string, number>; changes: { class: string; kind: string; object: string; change: string }[] };
    assert.deepEqual(parsed.counts, { destructive: 7, risky: 6, safe: 11 });
    const find = (object: string) => parsed.changes.find((c) => c.object === object);
    const expect = (object: string, cls: string, change: string) => {
      const c = find(object);
      assert.ok(c, `no change reported for ${object}`);
      assert.equal(c.class, cls, object);
      assert.equal(c.change, change, object);
    };
    expect("environment.replicas", "destructive", "type changed");
    expect("product.legacy_code", "destructive", "removed");
    expect("environment.image_deployed", "destructive", "removed");
    expect("legacy_service", "destructive", "removed");
    expect("legacy_rollback", "destructive", "removed");
    expect("product/legacy-crm", "destructive", "removed");
    expect("legacy_dashboard", "destructive", "removed");
    expect("product.owning_team", "risky", "changed");
    expect("environment.region", "risky", "changed");
    expect("image.commit", "risky", "renamed");
    expect("product/payments-old", "risky", "renamed");
    expect("product.tier", "safe", "added");
    expect("environment/billing-dev", "safe", "changed");
    expect("developer-portal/deploy", "safe", "changed");
    // A rename is one change, not a removal plus an addition.
    assert.equal(find("image.git_sha"), undefined);
    assert.equal(find("product/payments"), undefined);
  });

  it("exits 0 with --allow-destructive and prints the same summary", async () => {
    const res = await run(["diff", "--base", "test/fixtures/diff/base", "--head", "test/fixtures/diff/head", "--allow-destructive"]);
    assert.equal(res.code, 0);
    assert.equal(res.stdout, readFileSync(join(FIXTURES, "expected.md"), "utf8"));
  });

  it("exits 0 when only safe or risky changes are present", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "diff-safe-"));
    try {
      cpSync(join(FIXTURES, "base"), join(tmp, "head"), { recursive: true });
      const file = join(tmp, "head", "port", "blueprints", "environment.json");
      const bp = JSON.parse(readFileSync(file, "utf8"));
      bp.schema.properties.region.enum = ["eu-west-1"];
      bp.title = "Environments";
      writeFileSync(file, JSON.stringify(bp));
      const res = await run(["diff", "--base", join(FIXTURES, "base"), "--head", join(tmp, "head")]);
      assert.equal(res.code, 0);
      assert.match(res.stdout, /\*\*0 destructive\*\* · \*\*1 risky\*\* · \*\*1 safe\*\*/);
      assert.match(res.stdout, /enum values removed: `eu-central-1`, `us-east-1`/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("reports no changes for identical outputs", async () => {
    const res = await run(["diff", "--base", "test/fixtures/diff/base", "--head", "test/fixtures/diff/base"]);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /No changes to blueprints, actions, entities, pages or pipelines/);
  });

  it("exits 2 naming the problem when the base is neither a directory nor a git ref", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "diff-noref-"));
    try {
      execFileSync("git", ["init", "-q"], { cwd: tmp });
      const res = await run(["diff", "--base", "no-such-ref", "--head", join(FIXTURES, "head")], tmp);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /"no-such-ref" is neither a directory nor a git ref/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("exits 2 on a synth file that is not JSON, naming the file", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "diff-bad-"));
    try {
      cpSync(join(FIXTURES, "base"), join(tmp, "base"), { recursive: true });
      writeFileSync(join(tmp, "base", "port", "actions", "deploy_image.json"), "{ not json");
      const res = await run(["diff", "--base", join(tmp, "base"), "--head", join(FIXTURES, "head")]);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /port\/actions\/deploy_image\.json: not valid JSON/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("documents its exit codes in --help", async () => {
    const res = await run(["diff", "--help"]);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*destructive.*\n\s+2 /);
  });

  describe("with the real synth of this checkout", function () {
    this.timeout(120_000);
    let out: string;
    before(() => (out = mkdtempSync(join(tmpdir(), "diff-synth-"))));
    after(() => rmSync(out, { recursive: true, force: true }));

    it("synth writes the layout diff reads, and diffing the working tree against it shows no change", async () => {
      const synth = spawnSync("npx", ["--no-install", "ts-node", "tools/cli.ts", "synth", "--stack", "dev", "--out", join(out, "dev")], { cwd: ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, encoding: "utf8" });
      assert.equal(synth.status, 0, synth.stderr);
      assert.match(synth.stdout, /synth dev: \d+ resources, \d+ files .*\nwritten to /);
      const snapshot = loadSnapshot(join(out, "dev"));
      assert.ok(snapshot.blueprints.has("environment") && snapshot.actions.size > 0 && (snapshot.entities.get("product")?.size ?? 0) > 0);
      // No --head: the working tree is synthesized in a child process and compared.
      const res = await run(["diff", "--base", join(out, "dev"), "--json"]);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(JSON.parse(res.stdout).changes, []);
    });

    it("exits with the documented code as a real process", () => {
      const res = spawnSync("npx", ["--no-install", "ts-node", "tools/cli.ts", "diff", "--base", "test/fixtures/diff/base", "--head", "test/fixtures/diff/head"], { cwd: ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, encoding: "utf8" });
      assert.equal(res.status, 1, res.stderr);
      assert.equal(res.stdout, readFileSync(join(FIXTURES, "expected.md"), "utf8"));
    });
  });

  describe("with a git ref as base", function () {
    this.timeout(120_000);
    let repo: string;

    // A throwaway repository whose `synth` copies its fixture/ folder: the worktree mechanics and
    // the working-tree synth are real; only the catalog evaluation is stubbed.
    before(() => {
      repo = mkdtempSync(join(tmpdir(), "diff-gitref-"));
      const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo, stdio: "pipe" });
      git("init", "-q", "-b", "main");
      writeFileSync(join(repo, ".gitignore"), "node_modules\n");
      writeFileSync(join(repo, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node", target: "ES2022", types: ["node"] } }));
      symlinkSync(join(ROOT, "node_modules"), join(repo, "node_modules"), "dir");
      execFileSync("mkdir", ["-p", join(repo, "tools")]);
      writeFileSync(
        join(repo, "tools", "cli.ts"),
        [
          'import { cpSync } from "node:fs";',
          "const args = process.argv.slice(2);",
          'if (args[0] !== "synth") process.exit(2);',
          'const out = args[args.indexOf("--out") + 1];',
          'cpSync("fixture", out, { recursive: true });',
          "",
        ].join("\n"),
      );
      cpSync(join(FIXTURES, "base"), join(repo, "fixture"), { recursive: true });
      git("add", "-A");
      git("commit", "-q", "-m", "base catalog");
      // Uncommitted edits: the working tree is the head.
      rmSync(join(repo, "fixture"), { recursive: true, force: true });
      cpSync(join(FIXTURES, "head"), join(repo, "fixture"), { recursive: true });
    });

    after(() => rmSync(repo, { recursive: true, force: true }));

    it("synthesizes the ref in a temporary worktree, compares with the working tree and removes the worktree", async () => {
      const res = await run(["diff", "--base", "main", "--json"], repo);
      assert.equal(res.code, 1, res.stderr);
      const parsed = JSON.parse(res.stdout) as { base: string; head: string; counts: Record<string, number> };
      assert.deepEqual(parsed.counts, { destructive: 7, risky: 6, safe: 11 });
      assert.equal(parsed.base, "main (stack dev)");
      const worktrees = execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: repo }).toString();
      assert.equal(worktrees.match(/^worktree /gm)?.length, 1, worktrees);
    });
  });

  it("synthesizes a real git ref of this repository, building its agent bundle in the worktree", async function () {
    this.timeout(180_000);
    // The worktree of HEAD has no dist/ (never committed): without the build step synth fails, exit 2.
    const res = await run(["diff", "--base", "HEAD", "--json", "--allow-destructive"]);
    assert.equal(res.code, 0, res.stderr);
    const parsed = JSON.parse(res.stdout) as { base: string; counts: Record<string, number> };
    assert.equal(parsed.base, "HEAD (stack dev)");
  });
});
