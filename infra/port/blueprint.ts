// Port blueprints as Pulumi resources. A property's type is permanent in Port: changing it means
// dropping the property (and every entity's value) and adding it again, so it is refused at
// preview time unless the stack explicitly allows the data loss.
import * as pulumi from "@pulumi/pulumi";
import { PortApiError, type PortClient } from "../../clients/port";
import { canonicalAggregations, canonicalBlueprint, JsonObject } from "./canonical";
import { CheckFailure, PortObjectInputs, PortObjectProvider } from "./object-provider";
import { migrateProperties, planMigration, renameProblems, renameProperties, unconvertibleMessage } from "./property-migration";
import { migrateRelations, relationChanges, relationProblems } from "./relation-migration";

type Properties = Record<string, { type?: unknown; items?: { type?: unknown } }>;

function propertiesOf(body: JsonObject | undefined): Properties {
  const schema = (body?.schema ?? {}) as { properties?: Properties };
  return schema.properties ?? {};
}

/** Properties present on both sides whose type (or array item type) differs. */
export function typeChanges(olds: JsonObject | undefined, news: JsonObject): { key: string; from: string; to: string }[] {
  const before = propertiesOf(olds);
  const after = propertiesOf(news);
  const out: { key: string; from: string; to: string }[] = [];
  for (const key of Object.keys(after).sort()) {
    const a = before[key];
    const b = after[key];
    if (!a) continue;
    const from = `${String(a.type)}${a.items?.type ? `<${String(a.items.type)}>` : ""}`;
    const to = `${String(b.type)}${b.items?.type ? `<${String(b.items.type)}>` : ""}`;
    if (from !== to) out.push({ key, from, to });
  }
  return out;
}

/** A relation's target never changes in place; its cardinality only with the switch (relation-migration.ts). */
function checkRelationChanges(olds: PortObjectInputs, news: PortObjectInputs): CheckFailure[] {
  const changes = relationChanges(olds.body, news.body);
  const targets = changes.target.map((c) => ({
    property: `body.relations.${c.key}`,
    reason: `blueprint "${news.identifier}": relation "${c.key}" would change target ${c.from} → ${c.to}. Its links point at ${c.from} entities and cannot be carried over; declare a new relation instead (and remove the old one once its links are no longer needed).`,
  }));
  if (news.options?.allowPropertyTypeChange) return targets;
  const many = changes.many.map((c) => ({
    property: `body.relations.${c.key}`,
    reason:
      `blueprint "${news.identifier}": relation "${c.key}" would change from ${c.to ? "single to many" : "many to single"}. Port cannot change a relation's cardinality in place; ` +
      `the relation would be dropped with every entity's links. Set developer-portal:allowPropertyTypeChange to true to carry the links over (each one is read, converted and written back).`,
  }));
  return [...targets, ...many];
}

function checkTypeChanges(olds: PortObjectInputs | undefined, news: PortObjectInputs): CheckFailure[] {
  if (!olds) return [];
  const relations = checkRelationChanges(olds, news);
  if (news.options?.allowPropertyTypeChange) return relations;
  return [...relations, ...typeChanges(olds.body, news.body).map((c) => ({
    property: `body.schema.properties.${c.key}`,
    reason:
      `blueprint "${news.identifier}": property "${c.key}" would change type ${c.from} → ${c.to}. Port cannot change a property's type; ` +
      `the property would be dropped with every entity's value. Rename the property instead, or set developer-portal:allowPropertyTypeChange to true to convert the values (each one is read, converted and written back).`,
  }))];
}

/** PUT replaces the whole blueprint: carry the live aggregations over (they are managed apart). */
function withLiveAggregations(body: JsonObject, live: JsonObject | undefined): JsonObject {
  return { ...body, aggregationProperties: (live?.aggregationProperties ?? {}) as JsonObject };
}

/** Allowed type change: every value is converted and written back (property-migration.ts). */
async function updateBlueprint(client: PortClient, olds: PortObjectInputs, news: PortObjectInputs): Promise<JsonObject> {
  // One read serves the steps up to the first write; a step that wrote makes the next read again.
  const live = (await client.getBlueprint(news.identifier)) as JsonObject | undefined;
  const body = withLiveAggregations(news.body, live);
  const relinked = await migrateRelations(client, news.identifier, body, news.renames, news.options?.allowPropertyTypeChange ?? false, live);
  const renamed = await renameProperties(client, news.identifier, news.renames, body, relinked ? ((await client.getBlueprint(news.identifier)) as JsonObject | undefined) : live);
  const changed = typeChanges(olds.body, news.body).map((c) => c.key);
  if (changed.length > 0) return migrateProperties(client, news.identifier, changed, body, news.converters);
  return renamed ?? ((await client.replaceBlueprint(news.identifier, body)) as JsonObject);
}

/** At preview: an allowed type change is blocked by any value that cannot be converted, named by entity. */
async function checkTypeChangeValues(client: PortClient, olds: PortObjectInputs | undefined, news: PortObjectInputs): Promise<CheckFailure[]> {
  if (!olds) return [];
  // One read of the live blueprint for every check below.
  const live = (await client.getBlueprint(news.identifier)) as JsonObject | undefined;
  const renameIssues = news.renames ? await renameProblems(client, news.identifier, news.renames, news.body, live) : [];
  if (renameIssues.length > 0) return [{ property: "body.schema.properties", reason: unconvertibleMessage(news.identifier, renameIssues) }];
  const linkIssues = await relationProblems(client, news.identifier, news.body, news.renames, news.options?.allowPropertyTypeChange ?? false, live);
  if (linkIssues.length > 0) return [{ property: "body.relations", reason: linkIssues.join("; ") }];
  if (!news.options?.allowPropertyTypeChange) return [];
  const changed = typeChanges(olds.body, news.body).map((c) => c.key);
  if (changed.length === 0 || !live) return [];
  const plan = await planMigration(client, news.identifier, changed, news.body, news.converters);
  return plan.problems.length > 0 ? [{ property: `body.schema.properties.${changed[0]}`, reason: unconvertibleMessage(news.identifier, plan.problems) }] : [];
}

/** The stack switch that lets a blueprint's entities go with it (stacks/config.ts). */
const DELETE_ENTITIES_KEY = "developer-portal:port.deleteEntitiesWithBlueprints";

function holdsEntities(identifier: string, count: number, what: string): string {
  return (
    `blueprint "${identifier}" holds ${count} entit${count === 1 ? "y" : "ies"} (written by pipelines or by hand), and Port refuses to ${what} a blueprint that holds entities. ` +
    `To delete them with it, set ${DELETE_ENTITIES_KEY} to true and run \`pulumi up\` first (the switch is read from state); or delete or move them in Port.`
  );
}

/** Replacing deletes the old blueprint first: refused at preview while it holds entities, unless allowed. */
async function checkReplaceBlueprint(client: PortClient, olds: PortObjectInputs, news: PortObjectInputs): Promise<CheckFailure[]> {
  if (news.options?.deleteEntitiesWithBlueprint) return [];
  const count = await client.countEntities(olds.identifier);
  if (!count) return [];
  return [{ property: "identifier", reason: holdsEntities(olds.identifier, count, "replace (delete, then create)") }];
}

/**
 * Delete, with the entities when the switch allows it. Port answers `has_dependents` to a blueprint
 * that still holds entities; that is said here in the stack's words, with the count.
 */
async function removeBlueprint(client: PortClient, identifier: string, props: PortObjectInputs): Promise<void> {
  const count = await client.countEntities(identifier);
  if (count === undefined) return; // already gone
  if (count > 0) {
    if (!props.options?.deleteEntitiesWithBlueprint) throw new Error(holdsEntities(identifier, count, "delete"));
    await client.deleteAllEntities(identifier);
    // Port deletes them as a migration ("may take a few seconds"): wait until none is left.
    for (let attempt = 0; ; attempt++) {
      const left = await client.countEntities(identifier);
      if (!left) break;
      if (attempt >= 60) throw new Error(`blueprint "${identifier}": ${left} entities were still being deleted after 2 minutes; run the destroy again`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  try {
    await client.deleteBlueprint(identifier);
  } catch (err) {
    if (!(err instanceof PortApiError) || !/has_dependents/.test(`${err.code} ${err.portMessage}`)) throw err;
    const left = await client.countEntities(identifier);
    if (left) throw new Error(holdsEntities(identifier, left, "delete"));
    throw new Error(`Port refused to delete blueprint "${identifier}": ${err.portMessage} (another blueprint still relates to it, or it is still in use)`);
  }
}

export const blueprintProvider = new PortObjectProvider({
  kind: "blueprint",
  // allowPropertyTypeChange instructs an update; only the entity switch is read at destroy.
  stateOptions: ["deleteEntitiesWithBlueprint"],
  get: (client, id) => client.getBlueprint(id) as Promise<JsonObject | undefined>,
  create: (client, body) => client.createBlueprint(body) as Promise<JsonObject>,
  replace: (client, id, body) => client.replaceBlueprint(id, body) as Promise<JsonObject>,
  remove: removeBlueprint,
  canonical: canonicalBlueprint,
  checkChange: checkTypeChanges,
  checkChangeLive: checkTypeChangeValues,
  checkReplace: checkReplaceBlueprint,
  update: updateBlueprint,
});

/**
 * Aggregation properties of a blueprint, written after every blueprint they count exists (an
 * aggregation may count a blueprint that itself relates back, e.g. environments per image).
 * GET + PUT rather than PATCH, so removing an aggregation really removes it.
 */
export const aggregationsProvider = new PortObjectProvider({
  kind: "blueprint aggregations",
  get: async (client, id) => {
    const live = await client.getBlueprint(id);
    return live ? { identifier: id, aggregationProperties: (live.aggregationProperties ?? {}) as JsonObject } : undefined;
  },
  create: (client, body) => putAggregations(client, String(body.identifier), body),
  replace: (client, id, body) => putAggregations(client, id, body),
  remove: async (client, id) => {
    if (await client.getBlueprint(id)) await putAggregations(client, id, { identifier: id, aggregationProperties: {} });
  },
  canonical: canonicalAggregations,
});

async function putAggregations(client: PortClient, identifier: string, body: JsonObject): Promise<JsonObject> {
  const live = await client.getBlueprint(identifier);
  if (!live) throw new Error(`blueprint "${identifier}" does not exist in Port; its aggregation properties cannot be set`);
  const server = ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"];
  const next = Object.fromEntries(Object.entries(live).filter(([k]) => !server.includes(k))) as JsonObject;
  next.aggregationProperties = body.aggregationProperties ?? {};
  const stored = (await client.replaceBlueprint(identifier, next)) as JsonObject;
  return { identifier, aggregationProperties: (stored.aggregationProperties ?? {}) as JsonObject };
}

export interface PortBlueprintAggregationsArgs {
  readonly baseUrl: pulumi.Input<string>;
  readonly identifier: string;
  readonly aggregationProperties: JsonObject;
}

export class PortBlueprintAggregations extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortBlueprintAggregationsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      aggregationsProvider,
      name,
      { baseUrl: args.baseUrl, identifier: args.identifier, body: { identifier: args.identifier, aggregationProperties: args.aggregationProperties } },
      opts,
      "port",
      "BlueprintAggregations",
    );
  }
}

export interface PortBlueprintArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** The blueprint body exactly as Port receives it. */
  readonly body: JsonObject;
  /** Allow a property's type to change (its values are converted and written back). */
  readonly allowPropertyTypeChange?: boolean;
  /** Property → {live value: replacement} applied before conversion; null drops the value. */
  readonly converters?: JsonObject;
  /** New property or relation → the old one it replaces (`renamedFrom`): values copied before the old one goes. */
  readonly renames?: JsonObject;
  /** Delete the blueprint's entities with it on destroy or replace (otherwise refused, with the count). */
  readonly deleteEntitiesWithBlueprint?: boolean;
}

export class PortBlueprint extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortBlueprintArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      blueprintProvider,
      name,
      {
        baseUrl: args.baseUrl,
        identifier: String(args.body.identifier),
        body: args.body,
        // The delete switch only when on, so existing state (without it) shows no change.
        options: { allowPropertyTypeChange: args.allowPropertyTypeChange ?? false, ...(args.deleteEntitiesWithBlueprint && { deleteEntitiesWithBlueprint: true }) },
        // Only when declared, so existing state (without them) shows no change.
        ...(args.converters && Object.keys(args.converters).length > 0 && { converters: args.converters }),
        ...(args.renames && Object.keys(args.renames).length > 0 && { renames: args.renames }),
      },
      opts,
      "port",
      "Blueprint",
    );
  }
}
