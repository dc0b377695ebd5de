// tools/toolchain/build.sh with a stand-in `go` on the PATH (a real build takes minutes; the e2e
// suite uses the real one): the version comes from package-lock.json, the last stdout line is
// the bin dir, a second run is a cache hit that runs no go at all, a missing Go is one line, and
// a build that dies leaves no cache entry behind.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "tools", "toolchain", "build.sh");
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> }).packages["node_modules/@pulumi/pulumi"].version;

/** A fake `go`: logs its arguments, "builds" a pulumi that prints the version it was given, serves the sdk module dir. */
function fakeGo(dir: string, opts: { failBuild?: boolean } = {}): { bin: string; calls: () => string[] } {
  const bin = path.join(dir, "fake-bin");
  const sdk = path.join(dir, "sdk", "nodejs", "dist");
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(sdk, { recursive: true });
  fs.writeFileSync(path.join(sdk, "pulumi-resource-pulumi-nodejs"), "#!/bin/sh\necho dynamic provider\n");
  const log = path.join(dir, "go-calls.log");
  fs.writeFileSync(
    path.join(bin, "go"),
    `#!/bin/bash
echo "$*" >> "${log}"
case "$1" in
  get) exit 0 ;;
  build)
    ${opts.failBuild ? 'echo "compile: killed" >&2; exit 2' : ""}
    out=""; ver=""
    while [ $# -gt 0 ]; do
      case "$1" in -o) out="$2"; shift ;; -ldflags) ver="\${2##*=}"; shift ;; esac
      shift
    done
    printf '#!/bin/sh\\necho %s\\n' "$ver" > "$out"; chmod +x "$out" ;;
  mod)
    case "$*" in
      *language-nodejs*) echo "reading https://proxy.golang.org/...: 403 Forbidden" >&2; exit 1 ;;
      *-json*) echo '{"Path":"github.com/pulumi/pulumi/sdk/v3","Dir":"${path.join(dir, "sdk")}"}' ;;
    esac ;;
esac
`,
    { mode: 0o755 },
  );
  return { bin, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []) };
}

function runScript(cache: string, pathDirs: string[]) {
  const result = spawnSync("bash", [SCRIPT], {
    encoding: "utf8",
    env: { HOME: os.tmpdir(), PATH: [...pathDirs, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"), PORTAL_TOOLCHAIN_CACHE: cache },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, last: result.stdout.trim().split("\n").pop() ?? "" };
}

describe("toolchain script (tools/toolchain/build.sh)", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("builds into a cache keyed by the locked @pulumi/pulumi version and prints the bin dir last", () => {
    const go = fakeGo(dir);
    const cache = path.join(dir, "cache");
    const res = runScript(cache, [go.bin]);
    assert.equal(res.code, 0, res.stderr);
    const bin = path.join(cache, `pulumi-v${VERSION}`, "bin");
    assert.equal(res.last, bin);
    assert.equal(spawnSync(path.join(bin, "pulumi"), { encoding: "utf8" }).stdout.trim(), `v${VERSION}`, "version stamped with -ldflags");
    for (const tool of ["pulumi-resource-pulumi-nodejs", "pulumi-analyzer-policy-nodejs", "pulumi-analyzer-policy"]) {
      fs.accessSync(path.join(bin, tool), fs.constants.X_OK);
    }
    assert.ok(go.calls().some((c) => c === `get github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v${VERSION}`), go.calls().join("\n"));
    assert.match(res.stderr, /does not serve github\.com\/pulumi\/pulumi\/sdk\/nodejs\/cmd\/pulumi-language-nodejs\/v3@v[\d.]+; skipped/);
    assert.deepEqual(fs.readdirSync(cache), [`pulumi-v${VERSION}`], "no temporary build dir left");
  });

  it("a second run is a cache hit that runs no go at all", () => {
    const go = fakeGo(dir);
    const cache = path.join(dir, "cache");
    assert.equal(runScript(cache, [go.bin]).code, 0);
    const before = go.calls().length;
    const started = Date.now();
    const again = runScript(cache, [go.bin]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.last, path.join(cache, `pulumi-v${VERSION}`, "bin"));
    assert.equal(go.calls().length, before);
    assert.ok(Date.now() - started < 5000);
  });

  it("without Go, fails with one line saying so", () => {
    const res = runScript(path.join(dir, "cache"), []);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, "");
    const lines = res.stderr.trim().split("\n");
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0], /^toolchain: Go is not installed/);
  });

  it("a failed build leaves no cache entry, so the next run builds again", () => {
    const cache = path.join(dir, "cache");
    const broken = runScript(cache, [fakeGo(dir, { failBuild: true }).bin]);
    assert.notEqual(broken.code, 0);
    assert.match(broken.stderr, /compile: killed/);
    assert.deepEqual(fs.existsSync(cache) ? fs.readdirSync(cache) : [], []);
    const fixed = runScript(cache, [fakeGo(path.join(dir, "second")).bin]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stderr, /built Pulumi/);
  });
});
