// /v1/blueprints: create, read, replace (PUT), update (PATCH), delete; plus the "delete all
// entities" migration TF uses to force-delete a blueprint.
import { z } from "zod";
import { PortError, blueprintNotFound, invalid, notFound, ok } from "./envelope";
import { PortRouter } from "./router";
import { Blueprint, BlueprintRelation, JsonObject, PortState, clone, portId } from "./state";
import { PROPERTY_FORMATS, PROPERTY_TYPES, blueprintIdentifier, isTrue, jsonObject, key, parseBody } from "./validation";

const specAuthentication = z.strictObject({
  clientId: z.string(),
  authorizationUrl: z.string(),
  tokenUrl: z.string(),
  authorizationScope: z.array(z.string()).optional(),
});

// Property objects are open: JSON-Schema keywords (enum, default, pattern, items...) ride along.
const property = z.looseObject({
  type: z.enum(PROPERTY_TYPES),
  title: z.string().max(100).optional(),
  description: z.string().optional(),
  icon: z.string().optional(),
  format: z.enum(PROPERTY_FORMATS).optional(),
  spec: z.enum(["open-api", "embedded-url", "async-api"]).optional(),
  specAuthentication: specAuthentication.optional(),
});

const relation = z.strictObject({
  title: z.string().max(100).optional(),
  target: z.string(),
  required: z.boolean().default(false),
  many: z.boolean().default(false),
  description: z.string().optional(),
  type: z.string().optional(),
});

const calculationProperty = z.strictObject({
  calculation: z.string(),
  type: z.enum(PROPERTY_TYPES),
  title: z.string().max(100).optional(),
  description: z.string().optional(),
  icon: z.string().optional(),
  format: z.enum(PROPERTY_FORMATS).optional(),
  dateFormat: z.string().optional(),
  spec: z.enum(["open-api", "embedded-url", "async-api"]).optional(),
  specAuthentication: specAuthentication.optional(),
  colorized: z.boolean().optional(),
  colors: z.record(z.string(), z.string()).optional(),
  items: jsonObject.optional(),
});

const MIRROR_PATH = /^(?:[A-Za-z0-9@_=\-$]+\.)+?(\w|\$|@|-)*?[^.]+$/;

const fields = {
  identifier: blueprintIdentifier,
  title: z.string().min(1).max(100),
  description: z.string().max(200).optional(),
  icon: z.string().optional(),
  ownership: z
    .union([
      z.strictObject({ type: z.literal("Inherited"), path: z.string(), title: z.string().max(100).optional() }),
      z.strictObject({ type: z.literal("Direct"), title: z.string().max(100).optional() }),
    ])
    .optional(),
  schema: z.strictObject({ properties: z.record(key, property), required: z.array(z.string()).optional() }),
  calculationProperties: z.record(key, calculationProperty).optional(),
  mirrorProperties: z.record(key, z.strictObject({ path: z.string().regex(MIRROR_PATH), title: z.string().max(100).optional() })).optional(),
  aggregationProperties: z
    .record(key, z.looseObject({ title: z.string(), target: z.string(), calculationSpec: jsonObject, type: z.literal("number").optional() }))
    .optional(),
  relations: z.record(key, relation).optional(),
  changelogDestination: z
    .union([
      z.strictObject({ type: z.literal("WEBHOOK"), url: z.string(), agent: z.boolean().optional() }),
      z.strictObject({ type: z.literal("KAFKA") }),
    ])
    .optional(),
  // Not in the current spec but accepted by Port and sent by TF.
  teamInheritance: z.strictObject({ path: z.string() }).optional(),
  includeInGlobalSearch: z.boolean().optional(),
};

// The top level is `additionalProperties: true` in the spec: unknown keys are accepted and dropped.
const createBody = z.looseObject(fields);
const replaceBody = z.looseObject({ ...fields, identifier: blueprintIdentifier.optional() });
const patchBody = z.looseObject(z.object(fields).partial().shape);

type BlueprintBody = z.infer<typeof replaceBody>;
const KNOWN = Object.keys(fields);

export function getBlueprint(state: PortState, identifier: string): Blueprint {
  const bp = state.blueprints.get(identifier);
  if (!bp) throw blueprintNotFound(identifier);
  return bp;
}

/**
 * `catalogPage`: POST /v1/blueprints takes `create_catalog_page` (default true, apispec.json) and
 * then adds a sidebar page of the blueprint's entities. Its identifier is not documented: the
 * blueprint's identifier is used here, so it collides with a declared page of that name.
 */
export function createBlueprint(state: PortState, body: unknown, opts: { catalogPage?: boolean } = {}): Blueprint {
  const parsed = parseBody(createBody, body);
  if (state.blueprints.has(parsed.identifier)) {
    throw new PortError(409, "identifier_taken", `A blueprint with identifier "${parsed.identifier}" already exists`);
  }
  const bp = build(parsed, parsed.identifier, state.meta());
  check(state, bp);
  state.blueprints.set(bp.identifier, bp);
  if (opts.catalogPage && !state.pages.has(bp.identifier) && !state.folders.has(bp.identifier)) {
    state.pages.set(bp.identifier, { identifier: bp.identifier, type: "blueprint-entities", blueprint: bp.identifier, title: bp.title, ...state.meta() });
    state.catalogPages.add(bp.identifier);
  }
  return bp;
}

export function replaceBlueprint(state: PortState, identifier: string, body: unknown): Blueprint {
  const previous = getBlueprint(state, identifier);
  const parsed = parseBody(replaceBody, body);
  if (parsed.identifier !== undefined && parsed.identifier !== identifier) {
    throw invalid(`body/identifier "${parsed.identifier}" does not match the blueprint "${identifier}" in the path`);
  }
  const bp = build(parsed, identifier, previous, state.actor);
  check(state, bp, previous);
  state.blueprints.set(identifier, bp);
  dropRemovedValues(state, previous, bp);
  return bp;
}

/** A property or relation removed from a blueprint takes every entity's value with it (Port's data loss). */
function dropRemovedValues(state: PortState, previous: Blueprint, bp: Blueprint): void {
  const goneProps = Object.keys(previous.schema.properties).filter((k) => !(k in bp.schema.properties));
  const goneRels = Object.keys(previous.relations ?? {}).filter((k) => !(k in (bp.relations ?? {})));
  if (goneProps.length === 0 && goneRels.length === 0) return;
  for (const e of state.entitiesOf(bp.identifier).values()) {
    for (const k of goneProps) delete (e.properties as Record<string, unknown>)[k];
    for (const k of goneRels) delete (e.relations as Record<string, unknown>)[k];
  }
}

/** PATCH merges: given top-level fields replace, maps (properties, relations...) merge by key. */
export function patchBlueprint(state: PortState, identifier: string, body: unknown): Blueprint {
  const previous = getBlueprint(state, identifier);
  const parsed = parseBody(patchBody, body);
  if (parsed.identifier !== undefined && parsed.identifier !== identifier) {
    throw invalid(`body/identifier "${parsed.identifier}" does not match the blueprint "${identifier}" in the path`);
  }
  const merged: JsonObject = { ...clone(previous) };
  for (const k of KNOWN) {
    const value = (parsed as JsonObject)[k];
    if (value === undefined) continue;
    if (k === "schema") {
      const s = value as Blueprint["schema"];
      merged.schema = {
        properties: { ...previous.schema.properties, ...s.properties },
        required: s.required ?? previous.schema.required,
      };
    } else if (["relations", "mirrorProperties", "calculationProperties", "aggregationProperties"].includes(k)) {
      merged[k] = { ...(previous[k] as JsonObject), ...(value as JsonObject) };
    } else {
      merged[k] = value;
    }
  }
  const bp = build(merged as BlueprintBody, identifier, previous, state.actor);
  check(state, bp, previous);
  state.blueprints.set(identifier, bp);
  return bp;
}

export function deleteBlueprint(state: PortState, identifier: string, deleteActions: boolean): void {
  getBlueprint(state, identifier);
  const count = state.entityCount(identifier);
  if (count > 0) {
    throw new PortError(422, "has_dependents", `Blueprint "${identifier}" has ${count} entities (has_dependents): delete them first`);
  }
  for (const other of state.blueprints.values()) {
    if (other.identifier === identifier) continue;
    for (const [name, rel] of Object.entries(other.relations)) {
      if (rel.target === identifier) {
        throw new PortError(422, "has_dependents", `Blueprint "${identifier}" is the target of relation "${name}" of blueprint "${other.identifier}" (has_dependents)`);
      }
    }
  }
  state.blueprints.delete(identifier);
  state.entities.delete(identifier);
  // Its automatic catalog page goes with it.
  if (state.catalogPages.delete(identifier)) state.pages.delete(identifier);
  if (deleteActions) {
    for (const [id, action] of state.actions) {
      if (action.trigger.blueprintIdentifier === identifier) state.actions.delete(id);
    }
  }
}

/** `meta` holds the creation fields; `updatedBy` (set on updates) names who changed it now. */
function build(body: BlueprintBody, identifier: string, meta: Blueprint | ReturnType<PortState["meta"]>, updatedBy?: string): Blueprint {
  const relations: Record<string, BlueprintRelation> = {};
  for (const [name, rel] of Object.entries(body.relations ?? {})) {
    relations[name] = { ...rel, required: rel.required ?? false, many: rel.many ?? false };
  }
  const bp: Blueprint = {
    identifier,
    title: body.title,
    ...(body.description !== undefined && { description: body.description }),
    ...(body.icon !== undefined && { icon: body.icon }),
    ...(body.ownership !== undefined && { ownership: body.ownership }),
    ...(body.teamInheritance !== undefined && { teamInheritance: body.teamInheritance }),
    ...(body.includeInGlobalSearch !== undefined && { includeInGlobalSearch: body.includeInGlobalSearch }),
    ...(body.changelogDestination !== undefined && { changelogDestination: body.changelogDestination }),
    schema: { properties: clone(body.schema.properties) as Blueprint["schema"]["properties"], required: [...(body.schema.required ?? [])] },
    relations,
    mirrorProperties: clone(body.mirrorProperties ?? {}),
    calculationProperties: clone(body.calculationProperties ?? {}),
    aggregationProperties: clone(body.aggregationProperties ?? {}),
    createdAt: meta.createdAt,
    createdBy: meta.createdBy,
    updatedAt: updatedBy ? new Date().toISOString() : meta.updatedAt,
    updatedBy: updatedBy ?? meta.updatedBy,
  };
  return bp;
}

function check(state: PortState, bp: Blueprint, previous?: Blueprint): void {
  const exists = (target: string) => target === bp.identifier || state.blueprints.has(target);
  for (const [name, rel] of Object.entries(bp.relations)) {
    if (!exists(rel.target)) throw blueprintNotFound(rel.target);
    if (rel.many && rel.required) {
      throw invalid(`Relation "${name}" can't be configured with both "many" and "required" set to true`);
    }
  }
  for (const name of bp.schema.required) {
    if (!bp.schema.properties[name]) throw invalid(`Required property "${name}" is not defined in schema.properties`);
  }
  for (const [name, mirror] of Object.entries(bp.mirrorProperties)) {
    const first = String(mirror.path).split(".")[0];
    if (!bp.relations[first]) throw invalid(`Mirror property "${name}" path "${mirror.path}" does not start with a relation of blueprint "${bp.identifier}"`);
  }
  for (const agg of Object.values(bp.aggregationProperties)) {
    if (!exists(String(agg.target))) throw blueprintNotFound(String(agg.target));
  }
  const ownership = bp.ownership as { type: string; path?: string } | undefined;
  if (ownership?.type === "Inherited" && !bp.relations[String(ownership.path).split(".")[0]]) {
    throw new PortError(422, "invalid_inherited_ownership_path", `Ownership path "${ownership.path}" is not a relation path of blueprint "${bp.identifier}"`);
  }
  if (previous) {
    for (const [name, prop] of Object.entries(bp.schema.properties)) {
      const before = previous.schema.properties[name];
      if (before && before.type !== prop.type) {
        throw new PortError(422, "property_type_change", `The type of property "${name}" of blueprint "${bp.identifier}" cannot be changed from "${before.type}" to "${prop.type}": a property's type is permanent`);
      }
    }
    // Unknown whether Port converts stored links when `many` or the target changes in place
    // (its docs are silent): refused here, so the stack must carry the links over itself.
    for (const [name, rel] of Object.entries(bp.relations)) {
      const before = previous.relations[name];
      if (before && (before.many !== rel.many || before.target !== rel.target)) {
        throw new PortError(422, "relation_type_change", `Relation "${name}" of blueprint "${bp.identifier}" cannot change in place (many ${String(before.many)} → ${String(rel.many)}, target ${before.target} → ${rel.target})`);
      }
    }
  }
}

export function registerBlueprintRoutes(router: PortRouter, state: PortState): void {
  router.authed("POST", "/v1/blueprints", (req) => ok(201, { blueprint: clone(createBlueprint(state, req.body, { catalogPage: req.query.get("create_catalog_page") !== "false" })) }));
  router.authed("GET", "/v1/blueprints", () => ok(200, { blueprints: [...state.blueprints.values()].map(clone) }));
  router.authed("GET", "/v1/blueprints/:id", (req) => ok(200, { blueprint: clone(getBlueprint(state, req.params.id)) }));
  router.authed("PUT", "/v1/blueprints/:id", (req) => ok(200, { blueprint: clone(replaceBlueprint(state, req.params.id, req.body)) }));
  router.authed("PATCH", "/v1/blueprints/:id", (req) => ok(200, { blueprint: clone(patchBlueprint(state, req.params.id, req.body)) }));
  router.authed("DELETE", "/v1/blueprints/:id", (req) => {
    deleteBlueprint(state, req.params.id, isTrue(req.query, "delete_actions"));
    return ok(200);
  });
  // Port runs this as a migration; here it completes at once and polling sees COMPLETED.
  router.authed("DELETE", "/v1/blueprints/:id/all-entities", (req) => {
    getBlueprint(state, req.params.id);
    const id = portId("migration");
    const count = state.entityCount(req.params.id);
    state.entities.delete(req.params.id);
    if (isTrue(req.query, "delete_blueprint")) deleteBlueprint(state, req.params.id, false);
    state.migrations.set(id, {
      id,
      status: "COMPLETED",
      sourceBlueprint: req.params.id,
      deleteEntities: true,
      deleteBlueprint: isTrue(req.query, "delete_blueprint"),
      successCount: count,
      failureCount: 0,
      ...state.meta(),
    });
    return ok(200, { migrationId: id });
  });
  router.authed("GET", "/v1/migrations/:id", (req) => {
    const migration = state.migrations.get(req.params.id);
    if (!migration) throw notFound(`Migration with id "${req.params.id}" was not found`);
    return ok(200, { migration: clone(migration) });
  });
}
