// `npm run -s kafka:jars`: the command's contract without the network. A machine without Java or
// Maven gets one line; a version already in the cache is answered from it without running Maven
// (nor even looking for it); the last stdout line is the libs directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const TOOL = path.resolve(__dirname, "..", "tools", "kafka-jars.ts");

describe("kafka:jars (the broker's jars from Maven Central)", function () {
  this.timeout(60_000);
  let dir: string;
  let onlyNode: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "kafka-jars-"));
    // A PATH with node and nothing else: no java, no mvn.
    onlyNode = path.join(dir, "bin");
    mkdirSync(onlyNode);
    symlinkSync(process.execPath, path.join(onlyNode, "node"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(path.join(onlyNode, "node"), ["-r", "ts-node/register/transpile-only", TOOL, ...args], {
      cwd: path.resolve(__dirname, ".."),
      env: { PATH: onlyNode, HOME: dir, ...env },
      encoding: "utf8",
      timeout: 50_000,
    });

  it("fails with one line naming Java when java is not installed", () => {
    const res = run(["4.4.0"], { XDG_CACHE_HOME: path.join(dir, "cache") });
    assert.equal(res.status, 1);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr, "kafka:jars: Java 17 or later is needed to fetch and run the Kafka broker (`java` not found or not working)\n");
  });

  it("answers a cached version from the cache, without Maven: the last line is its libs directory", () => {
    const libs = path.join(dir, "cache", "developer-portal", "kafka-4.4.0", "libs");
    mkdirSync(libs, { recursive: true });
    const res = run(["4.4.0"], { XDG_CACHE_HOME: path.join(dir, "cache") });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.trimEnd().split("\n").at(-1), libs);
  });

  it("uses ~/.cache when XDG_CACHE_HOME is unset, and refuses a version that is not x.y.z", () => {
    const libs = path.join(dir, ".cache", "developer-portal", "kafka-3.9.1", "libs");
    mkdirSync(libs, { recursive: true });
    assert.equal(run(["3.9.1"], {}).stdout.trimEnd(), libs);
    const bad = run(["4.4"], {});
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, 'kafka:jars: "4.4" is not a Kafka version (x.y.z)\n');
  });
});
