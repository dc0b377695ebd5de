// Relation migrations that keep every entity's links. Whether Port converts stored links when a
// relation's `many` changes in place is not documented, so it is treated as refused: a single ↔
// many change parks the converted links in `<relation>__migrating`, drops and re-adds the
// relation, and writes them back; a rename (renamedFrom) adds the new relation beside the old one
// and copies the links. The old relation and the parked copy go only with the declared body's
// final PUT, after every copy succeeded: an interrupted run leaves every link readable and re-runs.
import type { PortClient } from "../../clients/port";
import type { JsonObject, JsonValue } from "./canonical";
import { Conversion, parkedName, typeSignature, unconvertibleMessage, writeValues } from "./property-migration";

interface RelationSchema {
  readonly target?: unknown;
  readonly many?: unknown;
  readonly required?: unknown;
}
type Relations = Record<string, RelationSchema>;
type Schema = { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }>; required?: string[] };

function relationsOf(body: JsonObject | undefined): Relations {
  return (body?.relations ?? {}) as Relations;
}

const isMany = (r: RelationSchema | undefined) => r?.many === true;

const LINKS_FIX = "Leave at most one link on those entities in Port, or keep the relation many";

/** Relations on both sides whose target, or else whose cardinality (`many`), differs. */
export function relationChanges(olds: JsonObject | undefined, news: JsonObject): { many: { key: string; to: boolean }[]; target: { key: string; from: string; to: string }[] } {
  const before = relationsOf(olds);
  const after = relationsOf(news);
  const out: ReturnType<typeof relationChanges> = { many: [], target: [] };
  for (const key of Object.keys(after).sort()) {
    const a = before[key];
    if (!a) continue;
    if (String(a.target) !== String(after[key].target)) out.target.push({ key, from: String(a.target), to: String(after[key].target) });
    else if (isMany(a) !== isMany(after[key])) out.many.push({ key, to: isMany(after[key]) });
  }
  return out;
}

/** One entity's link(s) in the declared cardinality: "a" → ["a"], ["a"] → "a"; none → undefined. */
export function convertLinks(value: JsonValue | undefined, many: boolean): Conversion | undefined {
  const targets = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  if (targets.length === 0) return undefined;
  if (many) return { ok: true, value: targets };
  if (targets.length > 1) return { ok: false, reason: `${JSON.stringify(value)} has ${targets.length} targets, cannot become a single relation` };
  return { ok: true, value: targets[0] };
}

interface Pending {
  readonly live: JsonObject;
  /** [new relation, old relation] whose old relation is still live. */
  readonly renames: [string, string][];
  /** Relations whose cardinality changes (sources: where their links are read — the parked copy only once the old shape is gone). */
  readonly reshaped: string[];
  readonly sources: Record<string, string>;
  /** A rename whose new relation targets another blueprint than the old one: refused, one line each. */
  readonly retargeted: string[];
}

/** What is still to do, judged on the live blueprint (so a re-run after an interruption resumes). */
function pendingRelations(blueprint: string, body: JsonObject, renames: Readonly<Record<string, unknown>> | undefined, allowed: boolean, live: JsonObject | undefined): Pending | undefined {
  if (!live) return undefined;
  const liveRels = relationsOf(live);
  const declared = relationsOf(body);
  const renamed = Object.entries(renames ?? {}).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] in liveRels && e[0] in declared && !(e[1] in declared));
  const changed = (k: string) => k in liveRels && String(liveRels[k].target) === String(declared[k].target) && isMany(liveRels[k]) !== isMany(declared[k]);
  const reshaped = allowed ? Object.keys(declared).filter((k) => parkedName(k) in liveRels || changed(k)).sort() : [];
  // While the relation still has its old shape it holds every link (a parked copy may be partial:
  // the parking pass was interrupted); the parked copy is read only once the relation was dropped or re-added.
  const sources = Object.fromEntries(reshaped.map((k) => [k, parkedName(k) in liveRels && !changed(k) ? parkedName(k) : k]));
  const retargeted = renamed
    .filter(([next, old]) => String(liveRels[old].target) !== String(declared[next].target))
    .map(([next, old]) => `blueprint "${blueprint}": relation "${next}" is renamedFrom "${old}", but targets ${String(declared[next].target)} while "${old}" targets ${String(liveRels[old].target)}; its links point at ${String(liveRels[old].target)} entities and cannot be copied. Declare "${next}" with target ${String(liveRels[old].target)}, or drop the renamedFrom (a new relation starts empty); nothing was changed.`);
  return renamed.length + reshaped.length > 0 ? { live, renames: renamed, reshaped, sources, retargeted } : undefined;
}

/** Read every entity's links (one paged search) and convert them: copies by new name, reshaped by relation. */
async function planRelations(client: PortClient, blueprint: string, p: Pending, declared: Relations) {
  const include = ["$identifier", ...p.renames.map(([, old]) => old), ...p.reshaped.map((k) => p.sources[k])];
  const entities = await client.searchEntities(blueprint, [], { include });
  const copies = new Map<string, Record<string, JsonValue>>();
  const reshaped = new Map<string, Record<string, JsonValue>>();
  const problems: string[] = [];
  const add = (into: Map<string, Record<string, JsonValue>>, id: string, key: string, value: JsonValue) => into.set(id, { ...(into.get(id) ?? {}), [key]: value });
  for (const e of entities) {
    const id = String(e.identifier);
    const links = (e.relations ?? {}) as Record<string, JsonValue | undefined>;
    for (const [next, old] of p.renames) {
      const c = convertLinks(links[old], isMany(declared[next]));
      if (c && !c.ok) problems.push(`${blueprint}/${id}: ${old} → ${next}: ${c.reason}`);
      else if (c?.ok) add(copies, id, next, c.value);
    }
    for (const k of p.reshaped) {
      const c = convertLinks(links[p.sources[k]], isMany(declared[k]));
      if (c && !c.ok) problems.push(`${blueprint}/${id}: ${k} ${c.reason}`);
      else if (c?.ok) add(reshaped, id, k, c.value);
    }
  }
  return { copies, reshaped, problems };
}

/** Relations changed by `change`; mirror properties through a relation that is gone go too (Port refuses them). */
function withRelations(body: JsonObject, change: (relations: Record<string, unknown>) => void): JsonObject {
  const next = JSON.parse(JSON.stringify(body)) as JsonObject & { relations: Record<string, unknown>; mirrorProperties?: Record<string, { path?: unknown }> };
  next.relations = next.relations ?? {};
  change(next.relations);
  next.mirrorProperties = Object.fromEntries(Object.entries(next.mirrorProperties ?? {}).filter(([, m]) => String(m.path).split(".")[0] in next.relations));
  return next;
}

/**
 * A body Port accepts while migrations are pending: the declared blueprint, except that nothing
 * live is dropped or changed in a way Port refuses (a pending property or relation keeps its live
 * form, an old one stays) and nothing new is required yet.
 */
function bridge(body: JsonObject, live: JsonObject): JsonObject {
  const declared = (body.schema ?? {}) as Schema;
  const current = (live.schema ?? {}) as Schema;
  const properties = { ...(current.properties ?? {}) };
  for (const [k, p] of Object.entries(declared.properties ?? {})) if (!properties[k] || typeSignature(properties[k]) === typeSignature(p)) properties[k] = p;
  const liveRels = relationsOf(live);
  const relations: Relations = { ...liveRels };
  for (const [k, r] of Object.entries(relationsOf(body))) {
    const l = liveRels[k];
    if (!l) relations[k] = { ...r, required: false };
    else if (String(l.target) === String(r.target) && isMany(l) === isMany(r)) relations[k] = r;
  }
  const mirrorProperties = { ...((live.mirrorProperties ?? {}) as JsonObject), ...((body.mirrorProperties ?? {}) as JsonObject) };
  const schema = { properties, required: (current.required ?? []).filter((k) => k in properties) };
  return withRelations({ ...body, schema, relations, mirrorProperties } as unknown as JsonObject, () => undefined);
}

/** A reshaped relation the inherited ownership goes through: Port refuses to drop it (invalid_inherited_ownership_path). */
function ownershipBlocks(blueprint: string, p: Pending): string[] {
  const ownership = (p.live.ownership ?? {}) as { type?: unknown; path?: unknown };
  const through = ownership.type === "Inherited" ? String(ownership.path).split(".")[0] : undefined;
  return p.reshaped.filter((k) => k === through).map((k) => `${blueprint}: relation "${k}" carries the blueprint's inherited ownership, and Port refuses to drop it for the change; change the ownership first (one \`pulumi up\`), then the relation`);
}

/** At preview, why the pending relation migrations cannot run: links that will not fit (a many → single with 2+ targets) by entity, or an ownership in the way. */
export async function relationProblems(client: PortClient, blueprint: string, body: JsonObject, renames: Readonly<Record<string, unknown>> | undefined, allowed: boolean, live: JsonObject | undefined): Promise<string[]> {
  const p = pendingRelations(blueprint, body, renames, allowed, live);
  if (!p) return [];
  if (p.retargeted.length > 0) return p.retargeted;
  const blocked = ownershipBlocks(blueprint, p);
  if (blocked.length > 0) return blocked;
  const { problems } = await planRelations(client, blueprint, p, relationsOf(body));
  return problems.length > 0 ? [unconvertibleMessage(blueprint, problems, LINKS_FIX)] : [];
}

/**
 * Relation renames and (when allowed) cardinality changes, up to the point where the declared
 * body can be PUT: the caller's final PUT removes the old relations and parked copies. `live` is
 * the blueprint as Port holds it now. Returns whether anything was pending (then Port's blueprint
 * has changed).
 */
export async function migrateRelations(client: PortClient, blueprint: string, body: JsonObject, renames: Readonly<Record<string, unknown>> | undefined, allowed: boolean, live: JsonObject | undefined): Promise<boolean> {
  const p = pendingRelations(blueprint, body, renames, allowed, live);
  if (!p) return false;
  const declared = relationsOf(body);
  if (p.retargeted.length > 0) throw new Error(p.retargeted.join("; "));
  const blocked = ownershipBlocks(blueprint, p);
  if (blocked.length > 0) throw new Error(blocked.join("; "));
  const plan = await planRelations(client, blueprint, p, declared);
  if (plan.problems.length > 0) throw new Error(unconvertibleMessage(blueprint, plan.problems, LINKS_FIX));
  const start = withRelations(bridge(body, p.live), (rels) => {
    for (const k of p.reshaped) rels[parkedName(k)] = { ...declared[k], required: false, title: `${k} (migrating)` };
  });
  // 1. New relations beside the old ones and parked copies of the reshaped ones, filled in one bulk pass.
  await client.replaceBlueprint(blueprint, start);
  const first = new Map(plan.copies);
  for (const [id, links] of plan.reshaped) first.set(id, { ...(first.get(id) ?? {}), ...Object.fromEntries(Object.entries(links).map(([k, v]) => [parkedName(k), v])) });
  await writeValues(client, blueprint, first, (k) => k, "relations");
  if (p.reshaped.length === 0) return true;
  // 2. Only now drop the reshaped relations, re-add them as declared and write the links back.
  await client.replaceBlueprint(blueprint, withRelations(start, (rels) => { for (const k of p.reshaped) delete rels[k]; }));
  await client.replaceBlueprint(blueprint, withRelations(start, (rels) => { for (const k of p.reshaped) rels[k] = { ...declared[k], required: false }; }));
  await writeValues(client, blueprint, plan.reshaped, (k) => k, "relations");
  return true;
}
