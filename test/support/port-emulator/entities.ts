// /v1/blueprints/{bp}/entities...: create/upsert/merge, replace, patch, read, delete, bulk create
// (≤ 20, 207 on partial failure), bulk delete, count and cursor-paginated search. Values are
// checked against the blueprint (unknown properties, types, enums, required properties and
// relations, relation targets that must exist).
import { z } from "zod";
import { EmulatedRequest } from "../emulator-server";
import { getBlueprint } from "./blueprints";
import { PortError, invalid, notFound, ok } from "./envelope";
import { PortRouter } from "./router";
import { getRun } from "./runs";
import { SearchQuery, matches, notEmulated, project, searchQuery } from "./search";
import { AffectedEntity, Blueprint, Entity, JsonObject, PortState, clone, portId } from "./state";
import { checkPropertyValues, entityIdentifier, isTrue, jsonObject, key, parseBody, typeOf } from "./validation";

const relationValue = z.union([z.string(), z.array(z.string()), z.null(), jsonObject]);
const team = z.union([z.string(), z.array(z.string()), jsonObject]);

// POST/PUT bodies are open at the top level in the spec; PATCH is closed.
const entityBody = z.looseObject({
  identifier: z.union([entityIdentifier, jsonObject]).optional(),
  title: z.string().nullable().optional(),
  icon: z.string().nullable().optional(),
  team: team.nullable().optional(),
  properties: jsonObject.optional(),
  relations: z.record(z.string(), relationValue).optional(),
});
const patchBody = z.strictObject({
  identifier: z.union([entityIdentifier, jsonObject]).optional(),
  title: z.string().nullable().optional(),
  icon: z.string().nullable().optional(),
  team: team.nullable().optional(),
  properties: z.record(key, z.unknown()).optional(),
  relations: z.record(z.string(), relationValue).optional(),
});
type EntityBody = z.infer<typeof entityBody>;

export type WriteMode = "create" | "upsert" | "merge" | "replace" | "patch";

export interface WriteOptions {
  mode: WriteMode;
  runId?: string;
  createMissingRelatedEntities?: boolean;
  /** Identifier from the path (PUT/PATCH); wins over the body's. */
  identifier?: string;
}

/** Validate and store one entity; returns it and whether it was new. */
export function writeEntity(state: PortState, blueprintId: string, body: unknown, opts: WriteOptions): { entity: Entity; created: boolean } {
  const blueprint = getBlueprint(state, blueprintId);
  const input = parseBody(opts.mode === "patch" ? patchBody : entityBody, body) as EntityBody;
  if (input.identifier !== undefined && typeof input.identifier !== "string") throw notEmulated("search-query identifiers");
  const stored = state.entitiesOf(blueprintId);
  let identifier = opts.identifier ?? (input.identifier as string | undefined);
  if (opts.identifier && input.identifier !== undefined && input.identifier !== opts.identifier) {
    throw invalid(`body/identifier "${String(input.identifier)}" does not match the entity "${opts.identifier}" in the path`);
  }
  identifier ??= portId("e");
  const run = opts.runId ? getRun(state, opts.runId) : undefined;
  const previous = stored.get(identifier);

  if (opts.mode === "create" && previous) {
    throw new PortError(409, "entity_already_exists", `Entity with identifier "${identifier}" already exists in blueprint "${blueprintId}"`);
  }
  if ((opts.mode === "replace" || opts.mode === "patch") && !previous) {
    throw notFound(`Entity with identifier "${identifier}" was not found in blueprint "${blueprintId}"`);
  }
  const mergeInto = previous && (opts.mode === "merge" || opts.mode === "patch") ? previous : undefined;

  const given = input.properties ?? {};
  checkPropertyValues(blueprint, given);
  const properties = mergeInto ? { ...mergeInto.properties, ...given } : { ...defaults(blueprint, previous), ...given };
  for (const name of blueprint.schema.required) {
    if (properties[name] === undefined || properties[name] === null) {
      throw invalid(`Property "${name}" is required by blueprint "${blueprintId}"`);
    }
  }

  const givenRelations = checkRelations(state, blueprint, input.relations ?? {}, opts.createMissingRelatedEntities ?? false);
  const relations = mergeInto ? { ...mergeInto.relations, ...givenRelations } : givenRelations;
  for (const [name, rel] of Object.entries(blueprint.relations)) {
    if (rel.required && (relations[name] === undefined || relations[name] === null)) {
      throw invalid(`Relation "${name}" is required by blueprint "${blueprintId}"`);
    }
  }

  const pick = <K extends "title" | "icon">(k: K): Entity[K] | undefined =>
    input[k] !== undefined ? (input[k] as Entity[K]) : mergeInto ? mergeInto[k] : undefined;
  const teams = input.team !== undefined ? normalizeTeam(input.team) : mergeInto ? mergeInto.team : [];
  const now = new Date().toISOString();
  const icon = pick("icon");
  const entity: Entity = {
    identifier,
    title: pick("title") ?? null,
    ...(icon !== undefined && { icon }),
    blueprint: blueprintId,
    team: teams,
    properties: clone(properties),
    relations: clone(relations),
    createdAt: previous?.createdAt ?? now,
    createdBy: previous?.createdBy ?? state.actor,
    updatedAt: now,
    updatedBy: state.actor,
  };
  stored.set(identifier, entity);
  if (run) recordOnRun(state, opts.runId!, { blueprint: blueprintId, identifier, operation: previous ? "update" : "create" });
  return { entity, created: !previous };
}

export function deleteEntity(state: PortState, blueprintId: string, identifier: string, opts: { deleteDependents?: boolean; runId?: string } = {}): void {
  getBlueprint(state, blueprintId);
  if (opts.runId) getRun(state, opts.runId);
  const stored = state.entitiesOf(blueprintId);
  if (!stored.has(identifier)) throw notFound(`Entity with identifier "${identifier}" was not found in blueprint "${blueprintId}"`);
  const dependents = dependentsOf(state, blueprintId, identifier);
  if (dependents.length > 0 && !opts.deleteDependents) {
    const names = dependents.map((d) => `${d.blueprint}/${d.identifier}`).join(", ");
    throw new PortError(422, "has_dependents", `Entity "${identifier}" has dependent entities (${names}); pass delete_dependents=true to delete them too`);
  }
  stored.delete(identifier);
  if (opts.runId) recordOnRun(state, opts.runId, { blueprint: blueprintId, identifier, operation: "delete" });
  for (const d of dependents) {
    if (state.entitiesOf(d.blueprint).has(d.identifier)) deleteEntity(state, d.blueprint, d.identifier, { deleteDependents: true });
  }
}

/** The entity as Port answers it: every blueprint property and relation present (null / []). */
export function present(state: PortState, entity: Entity): Entity {
  const bp = state.blueprints.get(entity.blueprint);
  const out = clone(entity);
  if (!bp) return out;
  for (const name of Object.keys(bp.schema.properties)) out.properties[name] ??= null;
  for (const [name, rel] of Object.entries(bp.relations)) out.relations[name] ??= rel.many ? [] : null;
  return out;
}

function defaults(blueprint: Blueprint, previous: Entity | undefined): Record<string, unknown> {
  // Port fills defaults when an entity is first created.
  if (previous) return {};
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(blueprint.schema.properties)) {
    if (prop.default !== undefined) out[name] = clone(prop.default);
  }
  return out;
}

function checkRelations(state: PortState, blueprint: Blueprint, given: Record<string, unknown>, createMissing: boolean): Entity["relations"] {
  const out: Entity["relations"] = {};
  for (const [name, value] of Object.entries(given)) {
    const rel = blueprint.relations[name];
    if (!rel) throw invalid(`Relation "${name}" is not defined in blueprint "${blueprint.identifier}"`);
    if (value === null) {
      out[name] = rel.many ? [] : null;
      continue;
    }
    if (typeOf(value) === "object") throw notEmulated("search-query relation values");
    if (rel.many && !Array.isArray(value)) throw invalid(`Relation "${name}" is a many relation: its value must be an array, got ${typeOf(value)}`);
    if (!rel.many && typeof value !== "string") throw invalid(`Relation "${name}" is a single relation: its value must be a string, got ${typeOf(value)}`);
    const targets = state.entitiesOf(rel.target);
    for (const id of Array.isArray(value) ? (value as string[]) : [value as string]) {
      if (targets.has(id)) continue;
      if (!createMissing) {
        throw notFound(`Related entity "${id}" of relation "${name}" was not found in blueprint "${rel.target}"`);
      }
      const now = new Date().toISOString();
      targets.set(id, { identifier: id, title: null, blueprint: rel.target, team: [], properties: {}, relations: {}, createdAt: now, createdBy: state.actor, updatedAt: now, updatedBy: state.actor });
    }
    out[name] = value as string | string[];
  }
  return out;
}

function dependentsOf(state: PortState, blueprintId: string, identifier: string): { blueprint: string; identifier: string }[] {
  const out: { blueprint: string; identifier: string }[] = [];
  for (const bp of state.blueprints.values()) {
    const rels = Object.entries(bp.relations).filter(([, r]) => r.target === blueprintId);
    if (rels.length === 0) continue;
    for (const e of state.entitiesOf(bp.identifier).values()) {
      if (bp.identifier === blueprintId && e.identifier === identifier) continue;
      if (rels.some(([name]) => [e.relations[name]].flat().includes(identifier))) out.push({ blueprint: bp.identifier, identifier: e.identifier });
    }
  }
  return out;
}

function normalizeTeam(team: EntityBody["team"]): string[] {
  if (team === null || team === undefined) return [];
  if (typeof team === "string") return [team];
  if (Array.isArray(team)) return [...team];
  throw notEmulated("search-query teams");
}

function recordOnRun(state: PortState, runId: string, what: Omit<AffectedEntity, "whileInProgress" | "at">): void {
  const stored = state.runs.get(runId)!;
  stored.affectedEntities.push({ ...what, whileInProgress: stored.run.status === "IN_PROGRESS", at: new Date().toISOString() });
}

// ---- search -------------------------------------------------------------------------------

const searchBody = z.strictObject({
  query: searchQuery.optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  limit: z.number().int().min(1).max(1000).default(200),
  from: z.string().optional(),
});

/** One page of matches, ordered by identifier; `next` is an opaque cursor (absent on the last page). */
export function searchEntities(state: PortState, blueprintId: string, body: unknown): { entities: JsonObject[]; next?: string } {
  getBlueprint(state, blueprintId);
  const { query, include, exclude, limit, from } = parseBody(searchBody, body);
  let after: string | undefined;
  if (from !== undefined) {
    try {
      after = (JSON.parse(Buffer.from(from, "base64url").toString("utf8")) as { after: string }).after;
    } catch {
      throw invalid(`body/from: "${from}" is not a cursor this search returned`);
    }
    if (typeof after !== "string") throw invalid(`body/from: "${from}" is not a cursor this search returned`);
  }
  const all = [...state.entitiesOf(blueprintId).values()]
    .filter((e) => !query || matches(e, query as SearchQuery))
    .sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
  const start = after === undefined ? 0 : all.findIndex((e) => e.identifier > after!);
  const page = start < 0 ? [] : all.slice(start, start + limit);
  const more = start >= 0 && start + limit < all.length;
  const next = more ? Buffer.from(JSON.stringify({ after: page[page.length - 1].identifier })).toString("base64url") : undefined;
  return { entities: page.map((e) => project(present(state, e) as unknown as JsonObject, include, exclude)), ...(next && { next }) };
}

// ---- routes -------------------------------------------------------------------------------

const runId = (req: EmulatedRequest) => req.query.get("run_id") ?? undefined;
const listParam = (q: URLSearchParams, name: string) => [...q.getAll(name), ...q.getAll(`${name}[]`)];

function createMode(req: EmulatedRequest): WriteMode {
  if (!isTrue(req.query, "upsert")) return "create";
  return isTrue(req.query, "merge") ? "merge" : "upsert";
}

export function registerEntityRoutes(router: PortRouter, state: PortState): void {
  const base = "/v1/blueprints/:bp/entities";
  const answer = (e: Entity) => present(state, e);

  router.authed("POST", `${base}/search`, (req) => ok(200, searchEntities(state, req.params.bp, req.body)));
  router.authed("POST", `${base}/bulk`, (req) => {
    getBlueprint(state, req.params.bp);
    const { entities } = parseBody(z.looseObject({ entities: z.array(z.unknown()).min(1).max(20) }), req.body);
    const created: JsonObject[] = [];
    const errors: JsonObject[] = [];
    entities.forEach((body, index) => {
      try {
        const { entity, created: isNew } = writeEntity(state, req.params.bp, body, {
          mode: createMode(req),
          runId: runId(req),
          createMissingRelatedEntities: isTrue(req.query, "create_missing_related_entities"),
        });
        created.push({ created: isNew, identifier: entity.identifier, index });
      } catch (err) {
        if (!(err instanceof PortError)) throw err;
        const identifier = typeof (body as JsonObject | null)?.identifier === "string" ? (body as JsonObject).identifier : "";
        errors.push({ identifier, index, statusCode: err.status, error: err.error, message: err.message });
      }
    });
    if (errors.length === 0) return ok(200, { entities: created, errors });
    return { status: 207, body: { ok: created.length > 0, entities: created, errors } };
  });
  router.authed("POST", base, (req) => {
    const { entity } = writeEntity(state, req.params.bp, req.body, {
      mode: createMode(req),
      runId: runId(req),
      createMissingRelatedEntities: isTrue(req.query, "create_missing_related_entities"),
    });
    return ok(201, { entity: answer(entity) });
  });
  router.authed("GET", base, (req) => {
    getBlueprint(state, req.params.bp);
    const include = listParam(req.query, "include");
    const exclude = listParam(req.query, "exclude");
    const entities = [...state.entitiesOf(req.params.bp).values()].map((e) => project(answer(e) as unknown as JsonObject, include, exclude));
    return ok(200, { entities });
  });
  router.authed("GET", `${base}/:id`, (req) => {
    getBlueprint(state, req.params.bp);
    const entity = state.entitiesOf(req.params.bp).get(req.params.id);
    if (!entity) throw notFound(`Entity with identifier "${req.params.id}" was not found in blueprint "${req.params.bp}"`);
    return ok(200, { entity: answer(entity) });
  });
  for (const [method, mode] of [["PUT", "replace"], ["PATCH", "patch"]] as const) {
    router.authed(method, `${base}/:id`, (req) => {
      const { entity } = writeEntity(state, req.params.bp, req.body, {
        mode,
        identifier: req.params.id,
        runId: runId(req),
        createMissingRelatedEntities: isTrue(req.query, "create_missing_related_entities"),
      });
      return ok(200, { entity: answer(entity) });
    });
  }
  router.authed("DELETE", `${base}/:id`, (req) => {
    deleteEntity(state, req.params.bp, req.params.id, { deleteDependents: isTrue(req.query, "delete_dependents"), runId: runId(req) });
    return ok(200);
  });
  router.authed("GET", "/v1/blueprints/:bp/entities-count", (req) => {
    getBlueprint(state, req.params.bp);
    return ok(200, { count: state.entityCount(req.params.bp) });
  });
  router.authed("POST", "/v1/blueprints/:bp/bulk/entities/delete", (req) => {
    getBlueprint(state, req.params.bp);
    const { entities } = parseBody(z.strictObject({ entities: z.array(z.string()).min(1).max(100) }), req.body);
    const deleted: string[] = [];
    for (const id of entities) {
      if (!state.entitiesOf(req.params.bp).has(id)) continue;
      deleteEntity(state, req.params.bp, id, { deleteDependents: isTrue(req.query, "delete_dependents") });
      deleted.push(id);
    }
    return ok(200, { deletedEntities: deleted });
  });
  router.authed("POST", "/v1/entities/search", (req) => {
    const query = parseBody(searchQuery, req.body);
    const found: JsonObject[] = [];
    const blueprints = new Set<string>();
    for (const [bp, map] of state.entities) {
      for (const e of map.values()) {
        if (matches(e, query)) {
          found.push(present(state, e) as unknown as JsonObject);
          blueprints.add(bp);
        }
      }
    }
    return ok(200, { matchingBlueprints: [...blueprints], entities: found });
  });
}
