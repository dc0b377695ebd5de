// `portal diff` knows the migration switches of the head: a type or cardinality change that
// allowPropertyTypeChange converts keeps the data (risky, not destructive), and a rename declared
// in renamedFrom is one rename, not a removal plus an addition. Synth writes the switches beside
// the blueprint bodies, and the diff reads them from there.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliIO, main } from "../tools/cli";
import { loadSnapshot } from "../tools/diff";
import { writeResourceFiles } from "../tools/synth/writers";

const rel = (target: string, many = false) => ({ title: target, target, required: false, many });
function release(props: Record<string, object>, relations: Record<string, object>): object {
  return { identifier: "release", title: "Release", schema: { properties: props, required: [] }, relations, mirrorProperties: {}, calculationProperties: {}, aggregationProperties: {} };
}
const BASE = release({ build_no: { type: "string", title: "Build" }, legacy_key: { type: "string", title: "Key" } }, { artifact: rel("artifact"), stage: rel("stage") });
// build_no string → number, legacy_key renamed to project_key (and a number now), artifact single → many, stage renamed to target_stage.
const HEAD = release({ build_no: { type: "number", title: "Build" }, project_key: { type: "number", title: "Key" } }, { artifact: rel("artifact", true), target_stage: rel("stage") });
const RENAMES = { project_key: "legacy_key", target_stage: "stage" };

interface JsonChange { class: string; kind: string; object: string; change: string; detail: string }

describe("portal diff with migration switches", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "diff-migrations-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function side(name: string, body: object, migration?: object): string {
    const root = join(dir, name);
    mkdirSync(join(root, "port", "blueprints"), { recursive: true });
    writeFileSync(join(root, "port", "blueprints", "release.json"), JSON.stringify(body));
    if (migration) {
      mkdirSync(join(root, "port", "migrations"), { recursive: true });
      writeFileSync(join(root, "port", "migrations", "release.json"), JSON.stringify(migration));
    }
    return root;
  }

  async function diff(head: string): Promise<{ code: number; changes: JsonChange[] }> {
    let stdout = "";
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: () => undefined, cwd: dir, env: {} };
    const code = await main(["diff", "--base", side("base", BASE), "--head", head, "--json"], io);
    return { code, changes: (JSON.parse(stdout) as { changes: JsonChange[] }).changes };
  }
  const one = (changes: JsonChange[], object: string) => {
    const found = changes.filter((c) => c.object === object);
    assert.equal(found.length, 1, `${object}: ${JSON.stringify(changes)}`);
    return found[0];
  };

  it("with allowPropertyTypeChange and renamedFrom: conversions are risky, declared renames are one rename each, and the diff passes", async () => {
    const { code, changes } = await diff(side("head", HEAD, { allowPropertyTypeChange: true, renamedFrom: RENAMES }));
    assert.equal(code, 0, JSON.stringify(changes));
    assert.deepEqual(
      changes.map((c) => [c.object, c.class, c.change]),
      [
        ["release.build_no", "risky", "type changed"],
        ["release.legacy_key", "risky", "renamed"],
        ["release.artifact", "risky", "changed"],
        ["release.stage", "risky", "renamed"],
      ],
    );
    assert.match(one(changes, "release.build_no").detail, /string → number.*allowPropertyTypeChange.*kept/);
    assert.match(one(changes, "release.legacy_key").detail, /renamed to `project_key` \(renamedFrom\)/);
    assert.match(one(changes, "release.stage").detail, /renamed to `target_stage` \(renamedFrom\)/);
    assert.match(one(changes, "release.artifact").detail, /many false → true.*kept/);
  });

  it("without the switches: the type and cardinality changes and the removal stay destructive, a rename is only guessed", async () => {
    const { code, changes } = await diff(side("head", HEAD));
    assert.equal(code, 1);
    for (const object of ["release.build_no", "release.legacy_key", "release.artifact"]) assert.equal(one(changes, object).class, "destructive", object);
    assert.equal(one(changes, "release.project_key").change, "added");
    assert.match(one(changes, "release.stage").detail, /same definition.*dropped unless renamed/);
  });

  it("synth writes a blueprint's switches beside its body (only when set), and a snapshot reads them back", async () => {
    const out = join(dir, "out");
    const blueprint = (identifier: string, extra: object) => ({ type: "pulumi-nodejs:dynamic/port:Blueprint", name: identifier, custom: true, inputs: { identifier, body: { identifier }, options: { allowPropertyTypeChange: false }, ...extra } });
    await writeResourceFiles(out, [blueprint("release", { options: { allowPropertyTypeChange: true }, renames: RENAMES }), blueprint("product", {})], dir);
    const snapshot = loadSnapshot(out);
    assert.deepEqual(snapshot.migrations.get("release"), { allowPropertyTypeChange: true, renamedFrom: RENAMES });
    assert.equal(snapshot.migrations.get("product"), undefined);
  });
});
