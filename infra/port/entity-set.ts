// A declared set of entities of one blueprint (products, environments, templates) as ONE Pulumi
// resource: written with Port's bulk endpoint (20 per call) and read back with search (1,000
// per page), so a catalog of thousands of entities costs tens of API calls, not thousands.
//
// The stack owns only the fields it declares. Entities are upserted with merge, and read back
// projected onto the declared fields, so what pipelines write at run time (deploy status, the
// image an environment runs) is neither overwritten by `pulumi up` nor reported as drift.
import * as pulumi from "@pulumi/pulumi";
import type { PortClient } from "../../clients/port";
import { canonicalEntity, DeclaredEntity, deepEqual, projectEntity } from "./canonical";
import { ConfigureRequest, PortConnection } from "./connection";

/** A declared entity, optionally with its owning teams (Port's `team`: products name theirs). */
export type OwnedEntity = DeclaredEntity & { team?: string[] };

export interface PortEntitySetInputs {
  readonly baseUrl: string;
  readonly blueprint: string;
  /** Sorted by identifier; every entity declares the same property and relation keys. */
  readonly entities: OwnedEntity[];
}

/** Teams as a sorted set (Port answers them in no particular order). */
function teamsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string").sort() : [];
}

/** Project onto the owned fields, the teams included when the set declares them. */
function project(e: unknown, owned: ReturnType<typeof ownedKeys>): OwnedEntity {
  const out: OwnedEntity = canonicalEntity(projectEntity(e, owned));
  if (owned.team) out.team = teamsOf((e as { team?: unknown }).team);
  return out;
}

function ownedKeys(entities: readonly OwnedEntity[]) {
  const properties = new Set<string>();
  const relations = new Set<string>();
  for (const e of entities) {
    Object.keys(e.properties).forEach((k) => properties.add(k));
    Object.keys(e.relations).forEach((k) => relations.add(k));
  }
  return { properties: [...properties].sort(), relations: [...relations].sort(), team: entities.some((e) => e.team !== undefined) };
}

/** Canonical, identifier-sorted entities with every owned key present (null when unset). */
function canonicalSet(entities: readonly OwnedEntity[]): OwnedEntity[] {
  const owned = ownedKeys(entities);
  return entities.map((e) => project(e, owned)).sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
}

/**
 * Entity body for a merge upsert. Unset (null) values are left out, except where the previous
 * declaration had a value: there null is sent, so Port clears what the stack no longer sets.
 */
function toBody(e: OwnedEntity, before?: OwnedEntity): Record<string, unknown> {
  const keep = (value: unknown, previous: unknown) => value !== null || (previous !== undefined && previous !== null);
  const properties = Object.fromEntries(Object.entries(e.properties).filter(([k, v]) => keep(v, before?.properties[k])));
  const relations = Object.fromEntries(Object.entries(e.relations).filter(([k, v]) => keep(v, before?.relations[k])));
  // Teams only when declared (or to clear what an earlier declaration set): others' stay as they are.
  const team = e.team ?? (before?.team && before.team.length > 0 ? [] : undefined);
  return { identifier: e.identifier, title: e.title, properties, relations, ...(team !== undefined ? { team } : {}) };
}

async function writeAll(client: PortClient, blueprint: string, entities: OwnedEntity[], before = new Map<string, OwnedEntity>()): Promise<void> {
  if (entities.length === 0) return;
  const result = await client.bulkUpsertEntities(blueprint, entities.map((e) => toBody(e, before.get(e.identifier))), { merge: true });
  if (result.errors.length > 0) {
    const shown = result.errors.slice(0, 5).map((e) => `${e.identifier}: ${e.message}`).join("; ");
    throw new Error(`Port refused ${result.errors.length} of ${entities.length} ${blueprint} entities: ${shown}${result.errors.length > 5 ? "; …" : ""}`);
  }
}

export class PortEntitySetProvider implements pulumi.dynamic.ResourceProvider {
  private readonly connection = new PortConnection();

  async configure(req: ConfigureRequest): Promise<void> {
    this.connection.configure(req);
  }

  async check(_olds: unknown, news: PortEntitySetInputs): Promise<pulumi.dynamic.CheckResult> {
    const seen = new Set<string>();
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const e of news.entities ?? []) {
      if (seen.has(e.identifier)) failures.push({ property: "entities", reason: `${news.blueprint} entity "${e.identifier}" is declared twice` });
      seen.add(e.identifier);
    }
    return failures.length > 0 ? { failures } : { inputs: news };
  }

  async diff(_id: string, olds: PortEntitySetInputs, news: PortEntitySetInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.blueprint !== news.blueprint) replaces.push("blueprint");
    if (olds.baseUrl !== news.baseUrl) replaces.push("baseUrl");
    const changed = !deepEqual(canonicalSet(olds.entities ?? []), canonicalSet(news.entities ?? []));
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: replaces.length > 0 };
  }

  async create(inputs: PortEntitySetInputs): Promise<pulumi.dynamic.CreateResult> {
    const entities = canonicalSet(inputs.entities);
    await writeAll(this.connection.client(inputs.baseUrl), inputs.blueprint, entities);
    return { id: `${inputs.blueprint}/entities`, outs: { ...inputs, entities } };
  }

  /** One search (paged by 1,000) for the whole set; entities missing in Port drop out of state. */
  async read(id: string, props: PortEntitySetInputs): Promise<pulumi.dynamic.ReadResult> {
    const declared = props.entities ?? [];
    const owned = ownedKeys(declared);
    const identifiers = declared.map((e) => e.identifier);
    const live = identifiers.length === 0 ? [] : await this.connection.client(props.baseUrl).searchEntities(props.blueprint, [{ property: "$identifier", operator: "in", value: identifiers }]);
    const entities = canonicalSet(live.map((e) => project(e, owned)));
    const outs: PortEntitySetInputs = { baseUrl: props.baseUrl, blueprint: props.blueprint, entities };
    return { id, props: outs, inputs: outs };
  }

  /** Writes only entities that changed; deletes entities no longer declared. */
  async update(_id: string, olds: PortEntitySetInputs, news: PortEntitySetInputs): Promise<pulumi.dynamic.UpdateResult> {
    const client = this.connection.client(news.baseUrl);
    const before = new Map(canonicalSet(olds.entities ?? []).map((e) => [e.identifier, e]));
    const after = canonicalSet(news.entities);
    // Keys dropped from the declaration are cleared (null), not left behind.
    const owned = ownedKeys([...before.values(), ...after]);
    const changed = after.filter((e) => !deepEqual(before.get(e.identifier), e)).map((e) => project(e, owned));
    await writeAll(client, news.blueprint, changed, before);
    const keep = new Set(after.map((e) => e.identifier));
    const removed = [...before.keys()].filter((id) => !keep.has(id));
    if (removed.length > 0) await client.bulkDeleteEntities(news.blueprint, removed);
    return { outs: { ...news, entities: after } };
  }

  async delete(_id: string, props: PortEntitySetInputs): Promise<void> {
    const ids = (props.entities ?? []).map((e) => e.identifier);
    if (ids.length > 0) await this.connection.client(props.baseUrl).bulkDeleteEntities(props.blueprint, ids);
  }
}

export const entitySetProvider = new PortEntitySetProvider();

export interface PortEntitySetArgs {
  readonly baseUrl: pulumi.Input<string>;
  readonly blueprint: pulumi.Input<string>;
  readonly entities: OwnedEntity[];
}

export class PortEntitySet extends pulumi.dynamic.Resource {
  declare readonly blueprint: pulumi.Output<string>;
  declare readonly entities: pulumi.Output<OwnedEntity[]>;

  constructor(name: string, args: PortEntitySetArgs, opts?: pulumi.CustomResourceOptions) {
    super(entitySetProvider, name, { baseUrl: args.baseUrl, blueprint: args.blueprint, entities: args.entities }, opts, "port", "EntitySet");
  }
}
