// The Port catalog as one component: blueprints (relation targets first), actions on them,
// and declared entity sets, with the dependencies Port's ordering rules require.
import * as pulumi from "@pulumi/pulumi";
import type { PortAction } from "../../actions/action";
import type { Blueprint } from "../../blueprints/dsl";
import type { DeclaredEntity, JsonObject } from "./canonical";
import { PortActionResource } from "./action";
import { PortBlueprint, PortBlueprintAggregations } from "./blueprint";
import { PortEntitySet } from "./entity-set";

export interface EntitySetDeclaration {
  /** Blueprint identifier the entities belong to. */
  readonly blueprint: string;
  readonly entities: DeclaredEntity[];
}

export interface PortCatalogArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** Blueprints, any order (dependencies come from their relations). */
  readonly blueprints: readonly Blueprint[];
  readonly actions: readonly PortAction[];
  /** Entities the stack declares, one set per blueprint. */
  readonly entitySets: readonly EntitySetDeclaration[];
  /** Allow property type changes (values converted and written back). */
  readonly allowPropertyTypeChange?: boolean;
  /** "<blueprint>.<property>" → {live value: replacement} for those changes. */
  readonly propertyConverters?: Readonly<Record<string, Readonly<Record<string, string | number | boolean | null>>>>;
  /** "<blueprint>.<new property>" → old property (values copied before the old one goes). */
  readonly renamedFrom?: Readonly<Record<string, string>>;
  /** Delete a blueprint's entities with it on destroy or replace. */
  readonly deleteEntitiesWithBlueprints?: boolean;
  /** Teams entities may name as owners: entity sets wait for them. */
  readonly teams?: readonly pulumi.Resource[];
}

/** The entries of one blueprint from a "<blueprint>.<property>"-keyed map, keyed by property. */
function convertersOf(all: Readonly<Record<string, Readonly<Record<string, string | number | boolean | null>> | string>> | undefined, blueprint: string): JsonObject {
  const prefix = `${blueprint}.`;
  return Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), typeof v === "string" ? v : { ...v }]));
}

export class PortCatalog extends pulumi.ComponentResource {
  /** Blueprint resources by identifier. */
  readonly blueprints: Record<string, PortBlueprint> = {};
  /** Aggregation properties, by blueprint identifier (only blueprints that declare some). */
  readonly aggregations: Record<string, PortBlueprintAggregations> = {};
  readonly actions: Record<string, PortActionResource> = {};
  readonly entitySets: Record<string, PortEntitySet> = {};

  constructor(name: string, args: PortCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:port:Catalog", name, {}, opts);
    const byId = new Map(args.blueprints.map((b) => [b.identifier, b]));
    const create = (bp: Blueprint, path: string[]): PortBlueprint => {
      const existing = this.blueprints[bp.identifier];
      if (existing) return existing;
      if (path.includes(bp.identifier)) throw new Error(`circular blueprint relations: ${[...path, bp.identifier].join(" → ")}`);
      const deps = bp.dependsOn.map((target) => {
        const dep = byId.get(target);
        if (!dep) throw new Error(`blueprint ${bp.identifier} relates to ${target}, which the catalog does not declare`);
        return create(dep, [...path, bp.identifier]);
      });
      const resource = new PortBlueprint(
        `${name}-blueprint-${bp.identifier}`,
        {
          baseUrl: args.baseUrl,
          body: bp.body as unknown as JsonObject,
          allowPropertyTypeChange: args.allowPropertyTypeChange,
          converters: convertersOf(args.propertyConverters, bp.identifier),
          renames: convertersOf(args.renamedFrom, bp.identifier),
          deleteEntitiesWithBlueprint: args.deleteEntitiesWithBlueprints,
        },
        { parent: this, dependsOn: deps },
      );
      this.blueprints[bp.identifier] = resource;
      return resource;
    };
    for (const bp of args.blueprints) create(bp, []);

    for (const bp of args.blueprints) {
      const aggregations = bp.aggregations;
      if (Object.keys(aggregations).length === 0) continue;
      const targets = [...new Set(Object.values(aggregations).map((a) => a.target))].map((t) => {
        const target = this.blueprints[t];
        if (!target) throw new Error(`blueprint ${bp.identifier} aggregates ${t}, which the catalog does not declare`);
        return target;
      });
      this.aggregations[bp.identifier] = new PortBlueprintAggregations(
        `${name}-aggregations-${bp.identifier}`,
        { baseUrl: args.baseUrl, identifier: bp.identifier, aggregationProperties: aggregations as unknown as JsonObject },
        { parent: this, dependsOn: [this.blueprints[bp.identifier], ...targets] },
      );
    }

    for (const action of args.actions) {
      // Port refuses an action whose inputs point at a blueprint that does not exist yet.
      const deps = action.references.map((id) => {
        const target = this.blueprints[id];
        if (!target) throw new Error(`action ${action.identifier} refers to blueprint ${id}, which the catalog does not declare`);
        return target;
      });
      this.actions[action.identifier] = new PortActionResource(
        `${name}-action-${action.identifier}`,
        { baseUrl: args.baseUrl, body: action.body as unknown as JsonObject },
        { parent: this, dependsOn: deps },
      );
    }

    // Entity sets after their blueprint and after the sets their relations point into.
    const sets = new Map(args.entitySets.map((s) => [s.blueprint, s]));
    const createSet = (set: EntitySetDeclaration): PortEntitySet => {
      const existing = this.entitySets[set.blueprint];
      if (existing) return existing;
      const bp = byId.get(set.blueprint);
      const target = this.blueprints[set.blueprint];
      if (!bp || !target) throw new Error(`entities declared for blueprint ${set.blueprint}, which the catalog does not declare`);
      const deps: pulumi.Resource[] = [target, ...(args.teams ?? [])];
      for (const related of bp.dependsOn) {
        const relatedSet = sets.get(related);
        if (relatedSet) deps.push(createSet(relatedSet));
      }
      const resource = new PortEntitySet(
        `${name}-entities-${set.blueprint}`,
        { baseUrl: args.baseUrl, blueprint: set.blueprint, entities: [...set.entities].sort((a, b) => (a.identifier < b.identifier ? -1 : 1)) },
        { parent: this, dependsOn: deps },
      );
      this.entitySets[set.blueprint] = resource;
      return resource;
    };
    for (const set of args.entitySets) createSet(set);

    this.registerOutputs({
      blueprints: Object.keys(this.blueprints),
      actions: Object.keys(this.actions),
    });
  }
}
