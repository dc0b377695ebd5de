// Declared (what the stack says) versus live (what Port and Codefresh hold), as findings a person
// can act on. Pure: the reads happen in index.ts.
import YAML from "yaml";
import { z } from "zod";
import { canonicalAction, canonicalEntity, DeclaredEntity, deepEqual, JsonObject, JsonValue, projectEntity, sortKeys } from "../../infra/port/canonical";
import { parkedName, splitMigrationKey } from "../../infra/port/property-migration";
import { Change, changedPaths, compareBlueprint, OBJECT_KINDS, ObjectKind, pipelineChange } from "../diff/compare";

/** Suffix of a property or relation parked during a migration (infra/port). */
const PARKED = parkedName("");

/** Findings grouped by kind (catalog order), then by object. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (k: ObjectKind) => OBJECT_KINDS.indexOf(k);
  return [...findings].sort((a, b) => rank(a.kind) - rank(b.kind) || (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

export interface Finding {
  readonly kind: ObjectKind;
  /** "environment.kind", "product/billing", "developer-portal/deploy"… */
  readonly object: string;
  readonly change: string;
  readonly detail: string;
}

/** A pipeline as the stack declares it: full name plus its YAML text or spec object. */
export interface DeclaredPipeline {
  /** "project/name". */
  readonly name: string;
  readonly yaml?: string;
  readonly spec?: Record<string, unknown>;
}

function show(value: JsonValue | undefined): string {
  const text = value === undefined ? "unset" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function get(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let cur = value;
  for (const seg of path.split(".")) cur = cur !== null && typeof cur === "object" && !Array.isArray(cur) ? cur[seg] : undefined;
  return cur;
}

const byIdentifier = (list: readonly Record<string, unknown>[]) => new Map(list.map((o) => [String(o.identifier), o as JsonObject]));

/** Blueprint edits made in Port: titles, properties added or removed, enums, relations… */
export function blueprintDrift(declared: readonly JsonObject[], live: readonly Record<string, unknown>[]): Finding[] {
  const liveById = byIdentifier(live);
  const out: Finding[] = [];
  for (const body of declared) {
    const id = String(body.identifier);
    const current = liveById.get(id);
    if (!current) {
      out.push({ kind: "blueprint", object: id, change: "missing", detail: "declared but not in Port (deleted by hand?)" });
      continue;
    }
    const changes: Change[] = [];
    compareBlueprint(id, body, current, changes);
    // In drift "added"/"removed" are seen from the declaration: added in Port, removed in Port.
    for (const c of changes) out.push({ kind: c.kind, object: c.object, change: `${c.change} in Port`, detail: c.detail });
  }
  return out;
}

/**
 * Objects compared whole on a canonical form (actions, pages): missing in Port, or changed,
 * listing up to `depth` levels of the paths that differ.
 */
function canonicalDrift(kind: ObjectKind, declared: readonly JsonObject[], liveById: ReadonlyMap<string, JsonObject>, canonical: (body: unknown) => JsonObject, depth: number): Finding[] {
  const out: Finding[] = [];
  for (const body of declared) {
    const id = String(body.identifier);
    const current = liveById.get(id);
    if (!current) {
      out.push({ kind, object: id, change: "deleted in Port", detail: "declared but missing in Port" });
      continue;
    }
    const want = canonical(body);
    const have = canonical(current);
    if (deepEqual(want, have)) continue;
    out.push({ kind, object: id, change: "changed in Port", detail: changedPaths(want, have, depth).map((p) => `${p}: ${show(get(want, p))} → ${show(get(have, p))}`).join("; ") });
  }
  return out;
}

/** Deleted actions, actions edited in Port, and actions created by hand on the stack's blueprints. */
export function actionDrift(declared: readonly JsonObject[], live: readonly Record<string, unknown>[], blueprints: ReadonlySet<string>): Finding[] {
  const liveById = byIdentifier(live);
  const declaredIds = new Set(declared.map((a) => String(a.identifier)));
  const out = canonicalDrift("action", declared, liveById, canonicalAction, 5);
  for (const [id, current] of liveById) {
    const bp = get(current, "trigger.blueprintIdentifier");
    if (!declaredIds.has(id) && typeof bp === "string" && blueprints.has(bp)) {
      out.push({ kind: "action", object: id, change: "added in Port", detail: `not declared by the stack (on blueprint ${bp})` });
    }
  }
  return out;
}

/**
 * Declared entities compared on the fields the stack owns only (as the entity-set provider does),
 * so values pipelines write at run time are not drift.
 */
export function entityDrift(blueprint: string, declared: readonly DeclaredEntity[], live: readonly Record<string, unknown>[]): Finding[] {
  const owned = { properties: new Set<string>(), relations: new Set<string>() };
  for (const e of declared) {
    Object.keys(e.properties).forEach((k) => owned.properties.add(k));
    Object.keys(e.relations).forEach((k) => owned.relations.add(k));
  }
  const keys = { properties: [...owned.properties].sort(), relations: [...owned.relations].sort() };
  const liveById = byIdentifier(live);
  const out: Finding[] = [];
  for (const e of declared) {
    const current = liveById.get(e.identifier);
    if (!current) {
      out.push({ kind: "entity", object: `${blueprint}/${e.identifier}`, change: "deleted in Port", detail: "declared but missing in Port" });
      continue;
    }
    const want = sortKeys(canonicalEntity(projectEntity(e, keys))) as JsonObject;
    const have = sortKeys(canonicalEntity(projectEntity(current, keys))) as JsonObject;
    const paths = changedPaths(want, have, 2);
    const details = paths.map((p) => `${p}: ${show(get(want, p))} → ${show(get(have, p))}`);
    // Owning teams, where the stack declares them (governance): compared as sets.
    const declaredTeams = (e as { team?: string[] }).team;
    if (declaredTeams !== undefined) {
      const liveTeams = current.team;
      const teams = (Array.isArray(liveTeams) ? liveTeams.map(String) : typeof liveTeams === "string" ? [liveTeams] : []).sort();
      if (!deepEqual([...declaredTeams].sort(), teams)) details.push(`team: ${show([...declaredTeams].sort())} → ${show(teams)}`);
    }
    if (details.length > 0) out.push({ kind: "entity", object: `${blueprint}/${e.identifier}`, change: "changed in Port", detail: details.join("; ") });
  }
  return out;
}

/**
 * Nested `steps` maps (hook steps, parallel steps) as [name, step] lists in their own order, the
 * rest with sorted keys: comparisons (which ignore key order) then see a reorder as a change.
 */
function withStepOrder(value: unknown, key?: string): JsonValue {
  if (Array.isArray(value)) return value.map((v) => withStepOrder(v));
  if (value === null || typeof value !== "object") return value as JsonValue;
  if (key === "steps") return Object.entries(value).map(([name, step]) => [name, withStepOrder(step)]);
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, withStepOrder((value as Record<string, unknown>)[k], k)])) as JsonObject;
}

/** The part of a pipeline Codefresh runs: steps (in order), stages and hooks (their steps in order too). */
export function runnableSpec(spec: unknown): JsonObject {
  const s = z.object({ stages: z.array(z.unknown()).optional(), steps: z.record(z.string(), z.unknown()).optional(), hooks: z.record(z.string(), z.unknown()).optional() }).loose().parse(spec ?? {});
  // Not sorted: the key order of `steps` is the run order (pipelineChange compares it).
  const steps = Object.fromEntries(Object.entries(s.steps ?? {}).map(([name, step]) => [name, withStepOrder(step)]));
  return { stages: (s.stages ?? []) as JsonValue[], steps: steps as JsonObject, hooks: withStepOrder(s.hooks ?? {}) as JsonObject };
}

export function declaredSpec(p: DeclaredPipeline): JsonObject {
  if (p.spec) return runnableSpec(p.spec);
  return runnableSpec(YAML.parse(p.yaml ?? "") ?? {});
}

/** Pipelines edited or deleted in Codefresh. */
export function pipelineDrift(declared: readonly DeclaredPipeline[], live: readonly Record<string, unknown>[]): Finding[] {
  const liveByName = new Map<string, Record<string, unknown>>();
  for (const doc of live) {
    const name = get(doc as JsonObject, "metadata.name");
    if (typeof name === "string") liveByName.set(name, doc);
  }
  const out: Finding[] = [];
  for (const p of declared) {
    const current = liveByName.get(p.name);
    if (!current) {
      out.push({ kind: "pipeline", object: p.name, change: "deleted in Codefresh", detail: "declared but missing in Codefresh" });
      continue;
    }
    const detail = pipelineChange(declaredSpec(p), runnableSpec((current as JsonObject).spec));
    if (detail !== undefined) out.push({ kind: "pipeline", object: p.name, change: "edited in Codefresh", detail });
  }
  return out;
}

/** Pages: compared on a canonical form when the pages module provides one. */
export function pageDrift(declared: readonly JsonObject[], live: readonly Record<string, unknown>[], canonical: (page: unknown) => JsonObject): Finding[] {
  return canonicalDrift("page", declared, byIdentifier(live), canonical, 2);
}


/**
 * A type change or rename interrupted halfway (infra/port/property-migration.ts) is not a hand
 * edit: its findings say so, and that the next `pulumi up` finishes it.
 */
export function markMigrations(findings: readonly Finding[], renamedFrom: Readonly<Record<string, string>>): Finding[] {
  const objects = new Set(findings.map((f) => f.object));
  const oldNames = new Map(Object.entries(renamedFrom).map(([next, old]) => [`${splitMigrationKey(next)[0]}.${old}`, next]));
  return findings.map((f) => {
    if (f.kind === "relation") return relationInProgress(f, objects, oldNames) ?? f;
    if (f.kind !== "property") return f;
    if (f.object.endsWith(PARKED) || objects.has(`${f.object}${PARKED}`)) {
      return { ...f, change: "type change in progress", detail: `values parked in ${f.object.endsWith(PARKED) ? f.object : `${f.object}${PARKED}`}: an interrupted type change; \`pulumi up\` resumes it` };
    }
    const next = oldNames.get(f.object);
    if (next) return { ...f, change: "rename in progress", detail: `old property of renamedFrom ${next}: \`pulumi up\` copies its values and then removes it` };
    return f;
  });
}

/** A relation parked for a single ↔ many change, its re-added form, or the old name of a relation rename. */
function relationInProgress(f: Finding, objects: ReadonlySet<string>, oldNames: ReadonlyMap<string, string>): Finding | undefined {
  if (f.object.endsWith(PARKED) || objects.has(`${f.object}${PARKED}`)) {
    const parked = f.object.endsWith(PARKED) ? f.object : `${f.object}${PARKED}`;
    return { ...f, change: "migration in progress", detail: `links parked in ${parked}: an interrupted single ↔ many change; \`pulumi up\` resumes it` };
  }
  const next = oldNames.get(f.object);
  if (next) return { ...f, change: "migration in progress", detail: `old relation of renamedFrom ${next}: \`pulumi up\` copies its links and then removes it` };
  return undefined;
}
