// Classify what changes between two synth outputs, by the harm a `pulumi up` would do in Port:
// destructive (data dropped), risky (writes or consumers may start failing) or safe.
import { canonicalAction, canonicalBlueprint, deepEqual, JsonObject, JsonValue, sortKeys } from "../../infra/port/canonical";
import { compareGovernance } from "./governance";
import type { BlueprintMigration, Snapshot } from "./snapshot";

export const CHANGE_CLASSES = ["destructive", "risky", "safe"] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export const OBJECT_KINDS = ["blueprint", "property", "relation", "mirror", "action", "entity", "page", "pipeline", "team", "permissions", "scorecard"] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface Change {
  readonly class: ChangeClass;
  readonly kind: ObjectKind;
  /** Readable address: "environment", "environment.kind", "product/billing", "developer-portal/deploy". */
  readonly object: string;
  /** added | removed | changed | renamed | type changed … */
  readonly change: string;
  readonly detail: string;
}

const RANK: Record<ChangeClass, number> = { destructive: 0, risky: 1, safe: 2 };

function worst(classes: ChangeClass[]): ChangeClass {
  return classes.reduce<ChangeClass>((a, b) => (RANK[b] < RANK[a] ? b : a), "safe");
}

function obj(value: JsonValue | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

function show(value: JsonValue | undefined): string {
  const text = value === undefined ? "unset" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Paths (up to `depth` segments) whose values differ, e.g. "trigger.userInputs". */
export function changedPaths(a: JsonValue | undefined, b: JsonValue | undefined, depth = 3, prefix = ""): string[] {
  if (deepEqual(a, b)) return [];
  const isObj = (v: JsonValue | undefined) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (depth === 0 || !isObj(a) || !isObj(b)) return [prefix || "(whole)"];
  const ao = obj(a);
  const bo = obj(b);
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  return keys.flatMap((k) => changedPaths(ao[k], bo[k], depth - 1, prefix ? `${prefix}.${k}` : k));
}

/** Remove+add pairs with identical definitions are renames: Port would drop and recreate. */
function pairRenames(removed: string[], added: string[], before: (k: string) => JsonValue, after: (k: string) => JsonValue): [string, string][] {
  const pairs: [string, string][] = [];
  const free = new Set(added);
  for (const r of removed) {
    const match = [...free].find((a) => deepEqual(before(r), after(a)));
    if (match !== undefined) {
      pairs.push([r, match]);
      free.delete(match);
    }
  }
  return pairs;
}

function keyDiff<T>(base: Map<string, T> | Record<string, T>, head: Map<string, T> | Record<string, T>) {
  const b = base instanceof Map ? [...base.keys()] : Object.keys(base);
  const h = head instanceof Map ? [...head.keys()] : Object.keys(head);
  const hs = new Set(h);
  const bs = new Set(b);
  return { removed: b.filter((k) => !hs.has(k)).sort(), added: h.filter((k) => !bs.has(k)).sort(), common: b.filter((k) => hs.has(k)).sort() };
}

function typeOf(prop: JsonObject): string {
  const items = obj(prop.items);
  return `${String(prop.type)}${items.type !== undefined ? `<${String(items.type)}>` : ""}`;
}

function enumValues(prop: JsonObject): string[] {
  return strings(prop.enum ?? obj(prop.items).enum);
}

/** Removed → added pairs the head declares in renamedFrom (values copied by `pulumi up`, not lost). */
function declaredRenames(removed: readonly string[], added: readonly string[], migration: BlueprintMigration | undefined): [string, string][] {
  return Object.entries(migration?.renamedFrom ?? {}).filter(([next, old]) => removed.includes(old) && added.includes(next)).map(([next, old]) => [old, next]);
}

/**
 * Changes from one blueprint body to another (also used by drift: declared → live). `migration`
 * is the head's switches: a conversion it allows keeps the data, a rename it declares is copied.
 */
export function compareBlueprint(id: string, baseBody: JsonObject, headBody: JsonObject, out: Change[], migration?: BlueprintMigration): void {
  const converts = migration?.allowPropertyTypeChange === true;
  const base = canonicalBlueprint(baseBody);
  const head = canonicalBlueprint(headBody);
  const bSchema = obj(base.schema);
  const hSchema = obj(head.schema);
  const bProps = obj(bSchema.properties);
  const hProps = obj(hSchema.properties);
  const bReq = new Set(strings(bSchema.required));
  const hReq = new Set(strings(hSchema.required));

  // Properties
  const props = keyDiff(bProps, hProps);
  const declaredProps = declaredRenames(props.removed, props.added, migration);
  for (const [from, to] of declaredProps) {
    out.push({ class: "risky", kind: "property", object: `${id}.${from}`, change: "renamed", detail: `renamed to \`${to}\` (renamedFrom): values copied (converted to ${typeOf(obj(hProps[to]))}), then \`${from}\` removed; writers using the old name fail` });
  }
  const guessed = (list: string[], side: 0 | 1) => list.filter((k) => !declaredProps.some((pair) => pair[side] === k));
  const renames = [...declaredProps, ...pairRenames(guessed(props.removed, 0), guessed(props.added, 1), (k) => sortKeys({ def: bProps[k], req: bReq.has(k) }), (k) => sortKeys({ def: hProps[k], req: hReq.has(k) }))];
  for (const [from, to] of renames.slice(declaredProps.length)) {
    out.push({ class: "risky", kind: "property", object: `${id}.${from}`, change: "renamed", detail: `renamed to \`${to}\` (same definition): without a Port rename the values of \`${from}\` are dropped and writers using the old name fail` });
  }
  const renamedFrom = new Set(renames.map(([f]) => f));
  const renamedTo = new Set(renames.map(([, t]) => t));
  for (const k of props.removed.filter((k) => !renamedFrom.has(k))) {
    out.push({ class: "destructive", kind: "property", object: `${id}.${k}`, change: "removed", detail: `Port drops every entity's \`${k}\` value` });
  }
  for (const k of props.added.filter((k) => !renamedTo.has(k))) {
    const p = obj(hProps[k]);
    out.push(
      hReq.has(k)
        ? { class: "risky", kind: "property", object: `${id}.${k}`, change: "added (required)", detail: `${typeOf(p)}, required: existing entities and writers without it are refused` }
        : { class: "safe", kind: "property", object: `${id}.${k}`, change: "added", detail: typeOf(p) },
    );
  }
  for (const k of props.common) {
    const b = obj(bProps[k]);
    const h = obj(hProps[k]);
    const parts: { cls: ChangeClass; text: string }[] = [];
    if (typeOf(b) !== typeOf(h)) {
      parts.push(converts ? { cls: "risky", text: `type ${typeOf(b)} → ${typeOf(h)}: converted by allowPropertyTypeChange (values kept; one that does not convert blocks the preview)` } : { cls: "destructive", text: `type ${typeOf(b)} → ${typeOf(h)}: Port drops every entity's value` });
    }
    const lost = enumValues(b).filter((v) => !enumValues(h).includes(v));
    const gained = enumValues(h).filter((v) => !enumValues(b).includes(v));
    if (lost.length > 0) parts.push({ cls: "risky", text: `enum values removed: ${lost.map((v) => `\`${v}\``).join(", ")} (entities holding them no longer validate)` });
    if (gained.length > 0) parts.push({ cls: "safe", text: `enum values added: ${gained.map((v) => `\`${v}\``).join(", ")}` });
    if (!bReq.has(k) && hReq.has(k)) parts.push({ cls: "risky", text: "required flag added: entities without a value are refused" });
    if (bReq.has(k) && !hReq.has(k)) parts.push({ cls: "safe", text: "no longer required" });
    const rest = changedPaths(strip(b), strip(h), 2).filter((p) => p !== "type" && p !== "items.type");
    if (rest.length > 0) parts.push({ cls: "safe", text: rest.map((p) => `${p}: ${show(pathGet(b, p))} → ${show(pathGet(h, p))}`).join("; ") });
    if (parts.length === 0) continue;
    const cls = worst(parts.map((p) => p.cls));
    const change = parts.some((p) => p.text.startsWith("type ")) ? "type changed" : "changed";
    out.push({ class: cls, kind: "property", object: `${id}.${k}`, change, detail: parts.map((p) => p.text).join("; ") });
  }

  // Relations
  const bRels = obj(base.relations);
  const hRels = obj(head.relations);
  const rels = keyDiff(bRels, hRels);
  const declaredRels = declaredRenames(rels.removed, rels.added, migration);
  for (const [from, to] of declaredRels) out.push({ class: "risky", kind: "relation", object: `${id}.${from}`, change: "renamed", detail: `renamed to \`${to}\` (renamedFrom): links copied, then \`${from}\` removed; writers using the old name fail` });
  const guessedRel = (list: string[], side: 0 | 1) => list.filter((k) => !declaredRels.some((pair) => pair[side] === k));
  const relRenames = [...declaredRels, ...pairRenames(guessedRel(rels.removed, 0), guessedRel(rels.added, 1), (k) => bRels[k], (k) => hRels[k])];
  for (const [from, to] of relRenames.slice(declaredRels.length)) out.push({ class: "risky", kind: "relation", object: `${id}.${from}`, change: "renamed", detail: `renamed to \`${to}\` (same definition): related values are dropped unless renamed in Port` });
  for (const k of rels.removed.filter((k) => !relRenames.some(([f]) => f === k))) {
    out.push({ class: "destructive", kind: "relation", object: `${id}.${k}`, change: "removed", detail: `Port drops every entity's \`${k}\` link (was → ${String(obj(bRels[k]).target)})` });
  }
  for (const k of rels.added.filter((k) => !relRenames.some(([, t]) => t === k))) {
    const r = obj(hRels[k]);
    out.push(r.required === true ? { class: "risky", kind: "relation", object: `${id}.${k}`, change: "added (required)", detail: `→ ${String(r.target)}, required: entities without it are refused` } : { class: "safe", kind: "relation", object: `${id}.${k}`, change: "added", detail: `→ ${String(r.target)}${r.many === true ? " (many)" : ""}` });
  }
  for (const k of rels.common) {
    const b = obj(bRels[k]);
    const h = obj(hRels[k]);
    if (deepEqual(b, h)) continue;
    const parts: { cls: ChangeClass; text: string }[] = [];
    if (b.target !== h.target) parts.push({ cls: "risky", text: `target ${String(b.target)} → ${String(h.target)}` });
    if (b.required !== true && h.required === true) parts.push({ cls: "risky", text: "required flag added: entities without it are refused" });
    if (b.many !== h.many) {
      const text = `many ${String(b.many)} → ${String(h.many)}`;
      parts.push(converts ? { cls: "risky", text: `${text}: links kept (allowPropertyTypeChange; an entity with 2+ links blocks a change to single at preview)` } : { cls: "destructive", text: `${text}: Port drops every entity's links (set allowPropertyTypeChange to keep them)` });
    }
    const rest = changedPaths(b, h, 1).filter((p) => !["target", "required", "many"].includes(p));
    if (b.required === true && h.required !== true) rest.push("required");
    if (rest.length > 0) parts.push({ cls: "safe", text: rest.map((p) => `${p}: ${show(b[p])} → ${show(h[p])}`).join("; ") });
    out.push({ class: worst(parts.map((p) => p.cls)), kind: "relation", object: `${id}.${k}`, change: "changed", detail: parts.map((p) => p.text).join("; ") });
  }

  // Mirror properties are computed by Port: removing one loses no stored data, but consumers lose a column.
  const bMir = obj(base.mirrorProperties);
  const hMir = obj(head.mirrorProperties);
  const mir = keyDiff(bMir, hMir);
  for (const k of mir.removed) out.push({ class: "risky", kind: "mirror", object: `${id}.${k}`, change: "removed", detail: `mirror of ${String(obj(bMir[k]).path)} (computed, no stored data lost; views and jq using it break)` });
  for (const k of mir.added) out.push({ class: "safe", kind: "mirror", object: `${id}.${k}`, change: "added", detail: `mirror of ${String(obj(hMir[k]).path)}` });
  for (const k of mir.common) {
    const paths = changedPaths(bMir[k], hMir[k], 1);
    if (paths.length > 0) out.push({ class: "safe", kind: "mirror", object: `${id}.${k}`, change: "changed", detail: paths.map((p) => `${p}: ${show(obj(bMir[k])[p])} → ${show(obj(hMir[k])[p])}`).join("; ") });
  }

  // Everything else on the blueprint itself (title, icon, ownership, calculation properties…).
  const skip = new Set(["schema", "relations", "mirrorProperties"]);
  const rest = changedPaths(base, head, 1).filter((p) => !skip.has(p));
  if (rest.length > 0) out.push({ class: "safe", kind: "blueprint", object: id, change: "changed", detail: rest.map((p) => `${p}: ${show(base[p])} → ${show(head[p])}`).join("; ") });
}

/** A property without the keys judged separately (type, enum, required). */
function strip(prop: JsonObject): JsonObject {
  const { enum: _e, ...rest } = prop;
  const items = obj(rest.items);
  if (rest.items !== undefined) {
    const { enum: _ie, ...itemRest } = items;
    rest.items = itemRest;
  }
  return rest;
}

function pathGet(value: JsonObject, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = value;
  for (const seg of path.split(".")) cur = obj(cur)[seg];
  return cur;
}

function compareSimple(kind: "action" | "page", base: Map<string, JsonObject>, head: Map<string, JsonObject>, canonical: (v: JsonObject) => JsonObject, out: Change[]): void {
  const d = keyDiff(base, head);
  for (const k of d.removed) out.push({ class: "destructive", kind, object: k, change: "removed", detail: kind === "action" ? "deleted from Port; its run history is no longer reachable from the catalog" : "deleted from Port with its layout and widgets" });
  for (const k of d.added) out.push({ class: "safe", kind, object: k, change: "added", detail: String(head.get(k)?.title ?? "") });
  for (const k of d.common) {
    const before = canonical(base.get(k) ?? {});
    const after = canonical(head.get(k) ?? {});
    const paths = changedPaths(before, after, kind === "action" ? 4 : 2);
    if (paths.length > 0) out.push({ class: "safe", kind, object: k, change: "changed", detail: paths.map((p) => `${p}: ${show(pathGet(before, p))} → ${show(pathGet(after, p))}`).join("; ") });
  }
}

function entityBody(e: JsonObject): JsonObject {
  return sortKeys({ title: e.title ?? null, properties: obj(e.properties), relations: obj(e.relations) }) as JsonObject;
}

function compareEntities(base: Snapshot["entities"], head: Snapshot["entities"], out: Change[]): void {
  const blueprints = [...new Set([...base.keys(), ...head.keys()])].sort();
  for (const bp of blueprints) {
    const b = base.get(bp) ?? new Map<string, JsonObject>();
    const h = head.get(bp) ?? new Map<string, JsonObject>();
    const d = keyDiff(b, h);
    const renames = pairRenames(d.removed, d.added, (k) => entityBody(b.get(k) ?? {}), (k) => entityBody(h.get(k) ?? {}));
    for (const [from, to] of renames) out.push({ class: "risky", kind: "entity", object: `${bp}/${from}`, change: "renamed", detail: `identifier → \`${to}\`: Port deletes \`${from}\` and creates \`${to}\`; links and run-time values on the old entity are lost` });
    for (const k of d.removed.filter((k) => !renames.some(([f]) => f === k))) out.push({ class: "destructive", kind: "entity", object: `${bp}/${k}`, change: "removed", detail: "deleted from Port with the values pipelines wrote on it" });
    for (const k of d.added.filter((k) => !renames.some(([, t]) => t === k))) out.push({ class: "safe", kind: "entity", object: `${bp}/${k}`, change: "added", detail: String(h.get(k)?.title ?? "") });
    for (const k of d.common) {
      const before = entityBody(b.get(k) ?? {});
      const after = entityBody(h.get(k) ?? {});
      const paths = changedPaths(before, after, 2);
      if (paths.length > 0) out.push({ class: "safe", kind: "entity", object: `${bp}/${k}`, change: "changed", detail: paths.map((p) => `${p}: ${show(pathGet(before, p))} → ${show(pathGet(after, p))}`).join("; ") });
    }
  }
}

function comparePipelines(base: Map<string, JsonObject>, head: Map<string, JsonObject>, out: Change[]): void {
  const d = keyDiff(base, head);
  // Deleting a Codefresh pipeline drops its triggers and build history link, not catalog data.
  for (const k of d.removed) out.push({ class: "risky", kind: "pipeline", object: k, change: "removed", detail: "deleted from Codefresh with its triggers; deploy actions naming it fail" });
  for (const k of d.added) out.push({ class: "safe", kind: "pipeline", object: k, change: "added", detail: `${Object.keys(obj(head.get(k)?.steps)).length} steps` });
  for (const k of d.common) {
    const detail = pipelineChange(base.get(k) ?? {}, head.get(k) ?? {});
    if (detail !== undefined) out.push({ class: "safe", kind: "pipeline", object: k, change: "changed", detail });
  }
}

/** What differs between two pipeline specs (steps, their order, stages, hooks…), or undefined. */
export function pipelineChange(b: JsonObject, h: JsonObject): string | undefined {
  const order = (v: JsonObject) => Object.keys(obj(v.steps)).join("\n");
  if (deepEqual(b, h) && order(b) === order(h)) return undefined;
  const parts: string[] = [];
  const steps = keyDiff(obj(b.steps), obj(h.steps));
  if (steps.added.length > 0) parts.push(`steps added: ${steps.added.join(", ")}`);
  if (steps.removed.length > 0) parts.push(`steps removed: ${steps.removed.join(", ")}`);
  const changedSteps = steps.common.filter((s) => !deepEqual(obj(b.steps)[s], obj(h.steps)[s]));
  if (changedSteps.length > 0) parts.push(`steps changed: ${changedSteps.join(", ")}`);
  // Codefresh runs steps in key order: a reorder alone is a real change.
  if (steps.added.length === 0 && steps.removed.length === 0 && order(b) !== order(h)) parts.push("step order changed");
  const others = changedPaths(b, h, 1).filter((p) => p !== "steps");
  if (others.length > 0) parts.push(`${others.join(", ")} changed`);
  return parts.join("; ");
}

/** Every change from base to head, most harmful first. */
export function compareSnapshots(base: Snapshot, head: Snapshot): Change[] {
  const out: Change[] = [];
  const bps = keyDiff(base.blueprints, head.blueprints);
  for (const k of bps.removed) out.push({ class: "destructive", kind: "blueprint", object: k, change: "removed", detail: "deleted from Port with every entity of it" });
  for (const k of bps.added) out.push({ class: "safe", kind: "blueprint", object: k, change: "added", detail: String(head.blueprints.get(k)?.title ?? "") });
  for (const k of bps.common) compareBlueprint(k, base.blueprints.get(k) ?? {}, head.blueprints.get(k) ?? {}, out, head.migrations.get(k));
  compareSimple("action", base.actions, head.actions, canonicalAction, out);
  compareEntities(base.entities, head.entities, out);
  compareSimple("page", base.pages, head.pages, (p) => sortKeys(p) as JsonObject, out);
  comparePipelines(base.pipelines, head.pipelines, out);
  compareGovernance(base, head, out);
  const kindRank = (k: ObjectKind) => OBJECT_KINDS.indexOf(k);
  return out.sort((a, b) => RANK[a.class] - RANK[b.class] || kindRank(a.kind) - kindRank(b.kind) || (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

export function countByClass(changes: readonly Change[]): Record<ChangeClass, number> {
  const counts: Record<ChangeClass, number> = { destructive: 0, risky: 0, safe: 0 };
  for (const c of changes) counts[c.class]++;
  return counts;
}
