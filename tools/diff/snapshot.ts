// A synth output directory read back into memory: the Port bodies, declared entities, pages and
// pipeline YAML that `pulumi up` would send. Both sides of a diff are loaded through here.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import type { JsonObject } from "../../infra/port/canonical";
import type { GovernanceSnapshot } from "./governance";

export interface Snapshot extends GovernanceSnapshot {
  readonly dir: string;
  /** Blueprint bodies by identifier. */
  readonly blueprints: Map<string, JsonObject>;
  readonly actions: Map<string, JsonObject>;
  /** Entities by blueprint, then identifier. */
  readonly entities: Map<string, Map<string, JsonObject>>;
  readonly pages: Map<string, JsonObject>;
  /** Parsed pipeline YAML by "project/name". */
  readonly pipelines: Map<string, JsonObject>;
  /** Migration switches by blueprint (port/migrations/<id>.json, written only when set). */
  readonly migrations: Map<string, BlueprintMigration>;
}

/** What `pulumi up` does with a blueprint change (infra/port/blueprint.ts): converts, and renames. */
export interface BlueprintMigration {
  readonly allowPropertyTypeChange: boolean;
  /** New property or relation → the old one it replaces. */
  readonly renamedFrom: Readonly<Record<string, string>>;
}

function migrationSchema() {
  return z.object({ allowPropertyTypeChange: z.boolean().default(false), renamedFrom: z.record(z.string(), z.string()).default({}) }).strict();
}

function readMigrations(root: string, dir: string): Map<string, BlueprintMigration> {
  const out = new Map<string, BlueprintMigration>();
  for (const [id, body] of readObjects(root, dir)) {
    const parsed = migrationSchema().safeParse(body);
    if (!parsed.success) throw new SnapshotError(`${relative(root, join(dir, `${id}.json`))}: expected {allowPropertyTypeChange, renamedFrom}`);
    out.set(id, parsed.data);
  }
  return out;
}

/** Thrown for anything that makes a directory unreadable as synth output (exit 2). */
export class SnapshotError extends Error {
  override readonly name = "SnapshotError";
}

function jsonObject() {
  return z.record(z.string(), z.unknown());
}

function listFiles(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext) && statSync(join(dir, f)).isFile())
    .sort();
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isDirectory())
    .sort();
}

function readJson(root: string, file: string): JsonObject {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new SnapshotError(`${relative(root, file)}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = jsonObject().safeParse(data);
  if (!parsed.success) throw new SnapshotError(`${relative(root, file)}: expected a JSON object`);
  return parsed.data as JsonObject;
}

function readYaml(root: string, file: string): JsonObject {
  let data: unknown;
  try {
    data = YAML.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new SnapshotError(`${relative(root, file)}: not valid YAML (${(err as Error).message})`);
  }
  const parsed = jsonObject().safeParse(data ?? {});
  if (!parsed.success) throw new SnapshotError(`${relative(root, file)}: expected a YAML mapping`);
  return parsed.data as JsonObject;
}

/** One file per object, named by its identifier (the file name wins over a body that disagrees). */
function readObjects(root: string, dir: string): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  for (const f of listFiles(dir, ".json")) out.set(f.slice(0, -".json".length), readJson(root, join(dir, f)));
  return out;
}

export function loadSnapshot(dir: string): Snapshot {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SnapshotError(`${dir}: no such directory`);
  const port = join(dir, "port");
  if (!existsSync(port) && !existsSync(join(dir, "codefresh"))) throw new SnapshotError(`${dir}: not a synth output (no port/ or codefresh/ folder)`);
  const entities = new Map<string, Map<string, JsonObject>>();
  for (const bp of listDirs(join(port, "entities"))) entities.set(bp, readObjects(dir, join(port, "entities", bp)));
  const pipelines = new Map<string, JsonObject>();
  const cf = join(dir, "codefresh", "pipelines");
  for (const project of listDirs(cf)) {
    for (const f of listFiles(join(cf, project), ".yml")) pipelines.set(`${project}/${f.slice(0, -".yml".length)}`, readYaml(dir, join(cf, project, f)));
  }
  const scorecards = new Map<string, JsonObject>();
  for (const bp of listDirs(join(port, "scorecards"))) for (const [id, body] of readObjects(dir, join(port, "scorecards", bp))) scorecards.set(`${bp}/${id}`, body);
  return {
    dir,
    teams: readObjects(dir, join(port, "teams")),
    actionPermissions: readObjects(dir, join(port, "action-permissions")),
    scorecards,
    blueprints: readObjects(dir, join(port, "blueprints")),
    actions: readObjects(dir, join(port, "actions")),
    entities,
    pages: readObjects(dir, join(port, "pages")),
    pipelines,
    migrations: readMigrations(dir, join(port, "migrations")),
  };
}
