// What the stack declares in Port, computed from config alone (no Pulumi, no I/O): the stack
// component turns it into resources, and the drift tool compares it with the live portal.
import type { PortAction } from "../actions/action";
import { deployActions } from "../actions/deploy";
import { porcActions } from "../actions/porc";
import { catalogFor } from "../blueprints";
import type { Blueprint } from "../blueprints/dsl";
import { BLUEPRINTS, BLUEPRINT_TEMPLATE, ENVIRONMENT, PRODUCT } from "../blueprints/vocabulary";
import { PORT_API_URLS } from "../clients/port";
import type { DeclaredEntity, JsonValue } from "../infra/port/canonical";
import type { EntitySetDeclaration } from "../infra/port/catalog";
import type { OwnedEntity } from "../infra/port/entity-set";
import { deployPipelineNames } from "../pipelines/config";
import { declaredEnvironments, StackConfig } from "./config";

export interface CatalogDeclaration {
  readonly baseUrl: string;
  readonly blueprints: readonly Blueprint[];
  readonly actions: readonly PortAction[];
  readonly entitySets: readonly EntitySetDeclaration[];
}

export function portBaseUrl(cfg: StackConfig): string {
  return cfg.port.baseUrl ?? PORT_API_URLS[cfg.port.region];
}

/** Drop unset optional values: an entity declares only what the config says. */
function props(values: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, JsonValue>;
}

export function declareCatalog(cfg: StackConfig): CatalogDeclaration {
  const actions: PortAction[] = [
    ...deployActions({ pipelines: deployPipelineNames(cfg.codefresh), requireApprovalForProduction: cfg.approvals.production }),
    ...(cfg.porc ? porcActions(cfg.porc) : []),
  ];

  // With governance declared, a product's owning team is its Port team: environments and images
  // inherit it through their product relation (blueprint ownership "Inherited").
  const owned = (team: string | undefined) => (cfg.governance ? { team: team !== undefined ? [team] : [] } : {});
  const products: OwnedEntity[] = cfg.products.map((p) => ({
    identifier: p.identifier,
    title: p.title,
    properties: props({
      [PRODUCT.description]: p.description,
      [PRODUCT.repository]: p.repository,
      [PRODUCT.owningTeam]: p.owningTeam,
      [PRODUCT.bambooKey]: p.bambooKey,
      [PRODUCT.bambooPlanKey]: p.bambooPlanKey,
    }),
    relations: {},
    ...owned(p.owningTeam),
  }));
  const environments: DeclaredEntity[] = declaredEnvironments(cfg).map((e) => ({
    identifier: e.identifier,
    title: e.title,
    properties: { [ENVIRONMENT.kind]: e.kind },
    relations: { [ENVIRONMENT.product]: e.product },
  }));
  const templates: DeclaredEntity[] = cfg.blueprintTemplates.map((t) => ({
    identifier: t.identifier,
    title: t.title,
    properties: props({
      [BLUEPRINT_TEMPLATE.modulePath]: t.modulePath,
      [BLUEPRINT_TEMPLATE.repoUrl]: t.repoUrl,
      [BLUEPRINT_TEMPLATE.inputsRequired]: t.inputsRequired,
      [BLUEPRINT_TEMPLATE.owner]: t.owner,
      [BLUEPRINT_TEMPLATE.status]: t.status,
      [BLUEPRINT_TEMPLATE.version]: t.version,
    }),
    relations: {},
  }));

  const entitySets: EntitySetDeclaration[] = [
    { blueprint: BLUEPRINTS.product, entities: products },
    { blueprint: BLUEPRINTS.environment, entities: environments },
    { blueprint: BLUEPRINTS.blueprintTemplate, entities: templates },
  ].filter((s) => s.entities.length > 0);

  return { baseUrl: portBaseUrl(cfg), blueprints: catalogFor({ porcUrl: cfg.porc?.url }), actions, entitySets };
}
