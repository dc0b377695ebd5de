// synth through its public entry point (the CLI, in its own process: Pulumi's runtime is global):
// what it writes for the dev stack, that secrets never reach the output, and clean failures.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

function synth(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "tools", "cli.ts"), "synth", ...args], { cwd, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("synth (CLI)", function () {
  this.timeout(120_000);
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-test-"))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("writes what pulumi up would send for the dev stack, and says where", async () => {
    const out = path.join(tmp, "out");
    const res = await synth(["--stack", "dev", "--out", out]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`written to ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    for (const file of ["port/blueprints/environment.json", "port/actions/deploy_image.json", "port/entities/environment/billing-prod.json", "port/pages/portal_environments.json", "codefresh/pipelines/developer-portal/deploy.yml", "catalog.md"]) {
      assert.ok(fs.existsSync(path.join(out, file)), file);
    }
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; parent: string | null; dependsOn: string[] }[];
    const byName = Object.fromEntries(resources.map((r) => [r.name, r]));
    assert.deepEqual(byName["portal-catalog-blueprint-environment"].dependsOn, ["portal-catalog-blueprint-image", "portal-catalog-blueprint-product"]);
    assert.ok(byName["portal-catalog-action-deploy_this_image_to_an_env"].dependsOn.includes("portal-catalog-blueprint-environment"));
    assert.ok(byName["portal-catalog-aggregations-image"].dependsOn.includes("portal-catalog-blueprint-environment"));
    assert.ok(resources.some((r) => r.type === "aws:lambda/eventSourceMapping:EventSourceMapping"));
    const text = fs.readFileSync(path.join(out, "resources.json"), "utf8");
    assert.ok(text.includes('"[secret]"'), "secrets are shown masked");
    assert.ok(!text.includes("[unset secret]") && !text.includes("__provider"), "no secret stand-in or provider code leaks");
    assert.match(fs.readFileSync(path.join(out, "catalog.md"), "utf8"), /```mermaid\nflowchart LR/);
  });

  it("fails with exit 2 naming the bad key before writing anything", async () => {
    fs.writeFileSync(path.join(tmp, "Pulumi.bad.yaml"), "config:\n  developer-portal:port:\n    orgId: org_Bad\n  developer-portal:products:\n    - identifier: p\n      title: P\n      environments:\n        - { name: prod, kind: prod }\n");
    const res = await synth(["--stack", "bad", "--out", path.join(tmp, "out")], tmp);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /developer-portal:products\[0\]\.environments\[0\]\.kind: got "prod", expected/);
    assert.ok(!fs.existsSync(path.join(tmp, "out")));
  });

  it("refuses to overwrite a directory that holds something else", async () => {
    fs.writeFileSync(path.join(tmp, "precious.txt"), "keep me");
    const res = await synth(["--stack", "dev", "--out", tmp]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /refusing to write into/);
    assert.equal(fs.readFileSync(path.join(tmp, "precious.txt"), "utf8"), "keep me");
  });
});
