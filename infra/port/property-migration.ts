// A property type change that keeps the data. Port cannot change a property's type in place, so
// the values are read (paged search), converted to the declared schema, parked in a temporary
// property of the new type, and written back in bulk once the property has its new type. Every
// step is re-runnable: a migration that failed halfway resumes from whichever of the old property
// or the parked copy still holds the values — neither is removed before the next one is written.
import type { PortClient } from "../../clients/port";
import type { JsonObject, JsonValue } from "./canonical";

export interface PropertySchema {
  readonly type?: unknown;
  readonly format?: unknown;
  readonly enum?: unknown;
  readonly items?: { readonly type?: unknown };
}

/** Where the values wait while the property is dropped and re-added with its new type. */
export function parkedName(key: string): string {
  return `${key}__migrating`;
}

/** A `propertyConverters` / `renamedFrom` key, "<blueprint>.<property or relation>", split at its first dot. */
export function splitMigrationKey(key: string): readonly [blueprint: string, name: string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1)];
}

export type Conversion = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly reason: string };

/** One value, converted to the declared property schema (null/absent stays absent). */
export function convertValue(value: JsonValue, to: PropertySchema): Conversion {
  const type = String(to.type);
  const fail = (why: string): Conversion => ({ ok: false, reason: `${JSON.stringify(value)} ${why}` });
  let out: JsonValue;
  if (type === "array") {
    const items = Array.isArray(value) ? value : [value];
    const itemType = to.items?.type === undefined ? undefined : String(to.items.type);
    const converted: JsonValue[] = [];
    for (const item of items) {
      const c = itemType ? convertValue(item, { type: itemType }) : ({ ok: true, value: item } as Conversion);
      if (!c.ok) return c;
      converted.push(c.value);
    }
    return { ok: true, value: converted };
  }
  if (Array.isArray(value)) {
    if (value.length !== 1) return fail(`has ${value.length} items, cannot become one ${type}`);
    value = value[0];
  }
  if (type === "string") {
    if (typeof value === "string") out = value;
    else if (typeof value === "number" || typeof value === "boolean") out = String(value);
    else return fail("is not a scalar");
  } else if (type === "number") {
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value.trim()) : NaN;
    if (!Number.isFinite(n)) return fail("is not a number");
    out = n;
  } else if (type === "boolean") {
    if (typeof value === "boolean") out = value;
    else if (value === "true" || value === "false") out = value === "true";
    else return fail("is not true or false");
  } else {
    return fail(`cannot be converted to ${type}`);
  }
  if (Array.isArray(to.enum) && !to.enum.includes(out)) return fail(`is not one of ${to.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  return { ok: true, value: out };
}

export interface PlannedMigration {
  /** identifier → property → converted value (entities without a value are absent). */
  readonly values: Map<string, Record<string, JsonValue>>;
  /** "entity: property value reason", one per unconvertible value. */
  readonly problems: string[];
  /** Property read per changed key: the old one while it keeps its old type, else the parked copy of an interrupted run. */
  readonly sources: Record<string, string>;
}

function propertiesOf(body: JsonObject | undefined): Record<string, PropertySchema> {
  return ((body?.schema as { properties?: Record<string, PropertySchema> } | undefined)?.properties ?? {}) as Record<string, PropertySchema>;
}

/** Read every entity's value of the changed properties (one paged search) and convert it. */
/** Property → {live value (as text): replacement}; null drops the value. */
export type Converters = Readonly<Record<string, unknown>>;

function mapped(converters: Converters | undefined, key: string, raw: JsonValue): { hit: boolean; value: JsonValue } {
  const map = converters?.[key];
  if (map === null || typeof map !== "object" || Array.isArray(map)) return { hit: false, value: raw };
  const text = typeof raw === "string" ? raw : JSON.stringify(raw);
  return Object.prototype.hasOwnProperty.call(map, text) ? { hit: true, value: (map as Record<string, JsonValue>)[text] } : { hit: false, value: raw };
}

export async function planMigration(client: PortClient, blueprint: string, keys: readonly string[], declared: JsonObject, converters?: Converters): Promise<PlannedMigration> {
  const live = await client.getBlueprint(blueprint);
  const liveProps = propertiesOf(live as JsonObject | undefined);
  const target = propertiesOf(declared);
  // While the old property keeps its old type it holds every value (a parked copy may be partial:
  // the parking pass was interrupted); the parked copy is read only once the old one was dropped or re-added.
  const oldStillLive = (k: string) => liveProps[k] !== undefined && typeSignature(liveProps[k]) !== typeSignature(target[k]);
  const sources = Object.fromEntries(keys.map((k) => [k, liveProps[parkedName(k)] && !oldStillLive(k) ? parkedName(k) : k]));
  const entities = await client.searchEntities(blueprint, [], { include: ["$identifier", ...keys.map((k) => sources[k])] });
  const values = new Map<string, Record<string, JsonValue>>();
  const problems: string[] = [];
  for (const e of entities) {
    const id = String(e.identifier);
    const props = (e.properties ?? {}) as Record<string, JsonValue | undefined>;
    for (const key of keys) {
      const raw = props[sources[key]];
      if (raw === undefined || raw === null) continue;
      // A parked value is already converted; a declared converter applies to the old value only.
      const m = sources[key] === key ? mapped(converters, key, raw) : { hit: false, value: raw };
      if (m.hit && m.value === null) continue;
      const c = convertValue(m.value, target[key]);
      if (!c.ok) problems.push(`${blueprint}/${id}: ${key} ${c.reason}`);
      else values.set(id, { ...(values.get(id) ?? {}), [key]: c.value });
    }
  }
  return { values, problems, sources };
}

function withProperties(body: JsonObject, change: (props: Record<string, unknown>) => void, dropRequired: readonly string[] = []): JsonObject {
  const next = JSON.parse(JSON.stringify(body)) as { schema: { properties: Record<string, unknown>; required?: string[] } };
  next.schema = next.schema ?? { properties: {} };
  next.schema.properties = next.schema.properties ?? {};
  change(next.schema.properties);
  next.schema.required = (next.schema.required ?? []).filter((k) => !dropRequired.includes(k));
  return next as unknown as JsonObject;
}

/** Bulk merge-upsert of converted values (20 per call); relation migrations write `relations`. */
export async function writeValues(client: PortClient, blueprint: string, values: Map<string, Record<string, JsonValue>>, name: (key: string) => string, section: "properties" | "relations" = "properties"): Promise<void> {
  const entities = [...values].map(([identifier, props]) => ({ identifier, [section]: Object.fromEntries(Object.entries(props).map(([k, v]) => [name(k), v])) }));
  if (entities.length === 0) return;
  const result = await client.bulkUpsertEntities(blueprint, entities, { merge: true });
  if (result.errors.length > 0) throw new Error(`blueprint "${blueprint}": ${result.errors.length} entities refused the converted values (${result.errors.slice(0, 5).map((f) => `${f.identifier}: ${f.message}`).join("; ")}); the old or parked values are kept — fix and run \`pulumi up\` again`);
}

/**
 * Change the types of `keys` to the declared ones, keeping every value. `body` is the declared
 * blueprint body (aggregations already carried over). Returns Port's stored blueprint.
 */
export async function migrateProperties(client: PortClient, blueprint: string, keys: readonly string[], body: JsonObject, converters?: Converters): Promise<JsonObject> {
  const plan = await planMigration(client, blueprint, keys, body, converters);
  if (plan.problems.length > 0) throw new Error(unconvertibleMessage(blueprint, plan.problems));
  const live = (await client.getBlueprint(blueprint)) as JsonObject;
  const target = propertiesOf(body);
  const parked = (props: Record<string, unknown>) => {
    for (const k of keys) props[parkedName(k)] = { ...(target[k] as object), title: `${k} (migrating)` };
  };
  // 1. Park: a property of the new type beside the old one, filled with the converted values.
  const server = ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"];
  const liveBody = Object.fromEntries(Object.entries(live).filter(([k]) => !server.includes(k))) as JsonObject;
  await client.replaceBlueprint(blueprint, withProperties(liveBody, parked));
  await writeValues(client, blueprint, plan.values, parkedName);
  // 2. Only now drop the old property, then declare it with its new type and write the values back.
  await client.replaceBlueprint(blueprint, withProperties(body, (props) => { for (const k of keys) delete props[k]; parked(props); }, keys));
  await client.replaceBlueprint(blueprint, withProperties(body, parked));
  await writeValues(client, blueprint, plan.values, (k) => k);
  // 3. The parked copies go last.
  return (await client.replaceBlueprint(blueprint, body)) as JsonObject;
}

export function unconvertibleMessage(blueprint: string, problems: readonly string[], fix = `Fix them in Port, map them in developer-portal:propertyConverters["${blueprint}.<property>"], or keep the old type`): string {
  const shown = problems.slice(0, 20);
  return (
    `blueprint "${blueprint}": ${problems.length} value${problems.length === 1 ? "" : "s"} cannot be converted to the declared type: ${shown.join("; ")}` +
    `${problems.length > shown.length ? `; and ${problems.length - shown.length} more` : ""}. ${fix}; nothing was changed.`
  );
}

/** Renames whose old property is still live: new property → old property. */
function pendingRenames(renames: Readonly<Record<string, unknown>> | undefined, body: JsonObject, live: JsonObject | undefined) {
  const liveProps = propertiesOf(live);
  const declared = propertiesOf(body);
  const pending = Object.entries(renames ?? {}).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] in liveProps && e[0] in declared && !(e[1] in declared));
  return { liveProps, declared, pending };
}

/** Read the old properties' values and convert them to the new ones' schema (one paged search). */
async function planRename(client: PortClient, blueprint: string, pending: readonly [string, string][], declared: Record<string, PropertySchema>) {
  const entities = await client.searchEntities(blueprint, [], { include: ["$identifier", ...pending.map(([, old]) => old)] });
  const values = new Map<string, Record<string, JsonValue>>();
  const problems: string[] = [];
  for (const e of entities) {
    const id = String(e.identifier);
    const props = (e.properties ?? {}) as Record<string, JsonValue | undefined>;
    for (const [next, old] of pending) {
      const raw = props[old];
      if (raw === undefined || raw === null) continue;
      const c = convertValue(raw, declared[next]);
      if (!c.ok) problems.push(`${blueprint}/${id}: ${old} → ${next}: ${c.reason}`);
      else values.set(id, { ...(values.get(id) ?? {}), [next]: c.value });
    }
  }
  return { values, problems };
}

/** At preview: values of a renamed property that will not fit the new one. */
export async function renameProblems(client: PortClient, blueprint: string, renames: Readonly<Record<string, unknown>> | undefined, body: JsonObject, live: JsonObject | undefined): Promise<string[]> {
  const { pending, declared } = pendingRenames(renames, body, live);
  if (!live || pending.length === 0) return [];
  return (await planRename(client, blueprint, pending, declared)).problems;
}

/**
 * `renamedFrom`: the new property is added beside the old one, every value copied in bulk, and the
 * old property removed only after the copy succeeded — an interrupted run leaves the old values in
 * place and simply runs again. Returns Port's stored blueprint, or undefined when nothing was pending.
 */
export async function renameProperties(client: PortClient, blueprint: string, renames: Readonly<Record<string, unknown>> | undefined, body: JsonObject, live: JsonObject | undefined): Promise<JsonObject | undefined> {
  const { liveProps, pending, declared } = pendingRenames(renames, body, live);
  if (pending.length === 0) return undefined;
  // A property whose type changes in the same update keeps its live type here (Port refuses a type
  // change in place); migrateProperties converts it afterwards.
  const keepLiveTypes = (props: Record<string, unknown>) => {
    for (const [k, p] of Object.entries(liveProps)) if (k in props && typeSignature(p) !== typeSignature(props[k] as PropertySchema)) props[k] = p;
  };
  // Not yet required: the entities get their values only in the next step.
  await client.replaceBlueprint(blueprint, withProperties(body, (props) => { keepLiveTypes(props); for (const [, old] of pending) props[old] = liveProps[old]; }, pending.map(([next]) => next)));
  const plan = await planRename(client, blueprint, pending, declared);
  if (plan.problems.length > 0) throw new Error(unconvertibleMessage(blueprint, plan.problems));
  await writeValues(client, blueprint, plan.values, (k) => k);
  return (await client.replaceBlueprint(blueprint, withProperties(body, keepLiveTypes))) as JsonObject;
}

/** A property's type and item type: what Port cannot change in place. */
export const typeSignature = (p: { type?: unknown; items?: { type?: unknown } } | undefined): string => `${String(p?.type)}<${String(p?.items?.type)}>`;
