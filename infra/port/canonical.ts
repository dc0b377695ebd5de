// Canonical forms of Port objects: what a declared body and Port's answer have in common once
// server fields are stripped, defaults filled and sets sorted. `diff`, `read` (refresh) and the
// drift tool all compare these, so a value Port merely echoes back never shows as a change while
// an edit made in the Port UI always does.
//
// Pure functions over JSON, no module-level state: this module is inlined into the serialized
// dynamic providers.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Fields Port adds to every stored object. */
const SERVER_FIELDS = ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"];

/** Deep copy with object keys sorted, undefined dropped: a stable form for comparison and storage. */
export function sortKeys(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as JsonValue;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function omit(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Drop `key` when its value equals the default Port fills in, so absent ≡ default. */
function dropDefault(obj: JsonObject, key: string, defaultValue: JsonValue): void {
  if (key in obj && deepEqual(obj[key], defaultValue)) delete obj[key];
}

function sortedStrings(value: JsonValue | undefined): JsonValue | undefined {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return value;
  return [...(value as string[])].sort();
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (sortKeys(value) as JsonObject) : {};
}

/** Canonical blueprint: server fields stripped, relation/collection defaults filled, sets sorted. */
export function canonicalBlueprint(input: unknown): JsonObject {
  const bp = omit(asObject(input), SERVER_FIELDS);
  const schema = asObject(bp.schema);
  const properties = asObject(schema.properties);
  bp.schema = sortKeys({ properties, required: sortedStrings(schema.required) ?? [] }) as JsonObject;
  const relations: JsonObject = {};
  for (const [key, rel] of Object.entries(asObject(bp.relations))) {
    relations[key] = sortKeys({ required: false, many: false, ...asObject(rel) }) as JsonObject;
  }
  bp.relations = relations;
  for (const key of ["mirrorProperties", "calculationProperties"]) bp[key] = asObject(bp[key]);
  // Aggregations are a resource of their own (they may point at blueprints created later).
  delete bp.aggregationProperties;
  if (bp.description === "") delete bp.description;
  // Legacy and deprecated fields Port may echo; this stack manages neither.
  delete bp.teamInheritance;
  delete bp.changelogDestination;
  return sortKeys(bp) as JsonObject;
}

/** Canonical aggregation properties of one blueprint. */
export function canonicalAggregations(input: unknown): JsonObject {
  const bp = asObject(input);
  return sortKeys({ identifier: bp.identifier, aggregationProperties: asObject(bp.aggregationProperties) }) as JsonObject;
}

/** Canonical v2 action: server fields stripped, defaults Port fills dropped, required inputs sorted. */
export function canonicalAction(input: unknown): JsonObject {
  const action = omit(asObject(input), SERVER_FIELDS);
  dropDefault(action, "requiredApproval", false);
  dropDefault(action, "publish", true);
  dropDefault(action, "allowAnyoneToViewRuns", true);
  dropDefault(action, "approvalNotification", { type: "email" });
  if (action.description === "") delete action.description;
  const trigger = asObject(action.trigger);
  const userInputs = asObject(trigger.userInputs);
  if (userInputs.required !== undefined) userInputs.required = sortedStrings(userInputs.required) ?? [];
  else userInputs.required = [];
  userInputs.properties = asObject(userInputs.properties);
  trigger.userInputs = userInputs;
  action.trigger = trigger;
  return sortKeys(action) as JsonObject;
}

/** An entity as this stack declares it: only the fields the stack owns. */
export interface DeclaredEntity {
  identifier: string;
  title: string;
  properties: Record<string, JsonValue>;
  relations: Record<string, string | string[] | null>;
}

/**
 * Project a live entity onto the fields a declaration owns. Properties and relations written by
 * pipelines at run time (deploy status, image deployed) are not the stack's, so they never show
 * as drift and are never overwritten.
 */
export function projectEntity(live: unknown, owned: { properties: readonly string[]; relations: readonly string[] }): DeclaredEntity {
  const e = asObject(live);
  const props = asObject(e.properties);
  const rels = asObject(e.relations);
  const properties: Record<string, JsonValue> = {};
  for (const key of owned.properties) properties[key] = key in props ? props[key] : null;
  const relations: Record<string, string | string[] | null> = {};
  for (const key of owned.relations) {
    const v = rels[key];
    relations[key] = Array.isArray(v) ? (v.filter((x) => typeof x === "string") as string[]).sort() : typeof v === "string" ? v : null;
  }
  return { identifier: String(e.identifier ?? ""), title: typeof e.title === "string" ? e.title : "", properties, relations };
}

/** Canonical declared entity: null for absent values, many-relations sorted, keys sorted. */
export function canonicalEntity(entity: DeclaredEntity): DeclaredEntity {
  return projectEntity(entity, { properties: Object.keys(entity.properties), relations: Object.keys(entity.relations) });
}
