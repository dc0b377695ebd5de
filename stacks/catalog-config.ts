// Config of the catalog the stack declares in Port: the organisation (`port`), the products and
// their environments, PORC's templates, and whether production deploys need approval. Lives
// beside catalog-declaration.ts, which turns it into blueprints, actions and entities;
// stacks/config.ts only composes it.
import { z } from "zod";
import { environmentIdentifier, isEntityIdentifier } from "../blueprints/identifiers";
import { ENVIRONMENT_KINDS, TEMPLATE_STATUSES } from "../blueprints/vocabulary";

const identifier = () => z.string().refine(isEntityIdentifier, "a Port identifier: letters, digits and @_.+:/=- (max 1000)");

function environmentSchema() {
  return z
    .object({
      /** Short name within the product, e.g. "dev" or "prod-eu". */
      name: z.string().min(1).max(100),
      kind: z.enum(ENVIRONMENT_KINDS),
      /** Explicit entity identifier; default "<product>-<name>". */
      identifier: identifier().optional(),
      title: z.string().min(1).max(200).optional(),
    })
    .strict();
}

export function productSchema() {
  return z
    .object({
      identifier: identifier(),
      title: z.string().min(1).max(200),
      description: z.string().max(2000).optional(),
      repository: z.url().optional(),
      owningTeam: z.string().min(1).max(200).optional(),
      bambooKey: z.string().min(1).max(100).optional(),
      /** Bamboo build plan key (e.g. "BILL-API") the product's CI service replaces. */
      bambooPlanKey: z.string().min(1).max(100).optional(),
      environments: z.array(environmentSchema()).default([]),
    })
    .strict();
}

export function templateSchema() {
  return z
    .object({
      identifier: identifier(),
      title: z.string().min(1).max(200),
      modulePath: z.string().min(1),
      repoUrl: z.url().optional(),
      inputsRequired: z.array(z.string().min(1)).default([]),
      owner: z.string().min(1).optional(),
      status: z.enum(TEMPLATE_STATUSES).default("approved"),
      version: z.string().min(1).optional(),
    })
    .strict();
}

/** Section `port`: the organisation and where its API is. */
export function portConfigSchema() {
  return z
    .object({
      /** Port organisation id: the Kafka topic and consumer-group prefix. */
      orgId: z.string().regex(/^org_[A-Za-z0-9]+$/, 'Port org id like "org_AbC123"'),
      region: z.enum(["eu", "us"]).default("eu"),
      /** Explicit API base URL (overrides region), e.g. for a proxy. */
      baseUrl: z.url().optional(),
      /**
       * Destroy or replace of a blueprint also deletes its entities (images and deployments
       * the pipelines wrote). Off: refused at preview/destroy, naming the blueprint and count.
       */
      deleteEntitiesWithBlueprints: z.boolean().default(false),
    })
    .strict();
}

/** Section `approvals`: production deploys go through an approval action. */
export function approvalsConfigSchema() {
  return z.object({ production: z.boolean().default(true) }).strict().default({ production: true });
}

export type ProductConfig = z.output<ReturnType<typeof productSchema>>;

/** Product and environment identifiers declared twice, as issues at their config paths. */
export function duplicateIdentifierIssues(products: readonly ProductConfig[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const seen = new Map<string, string>();
  products.forEach((p, i) => {
    if (seen.has(p.identifier)) issues.push({ path: ["products", i, "identifier"], message: `duplicate product identifier (also ${seen.get(p.identifier)})` });
    seen.set(p.identifier, `products[${i}]`);
  });
  const envs = new Map<string, string>();
  products.forEach((p, i) =>
    p.environments.forEach((e, j) => {
      const id = e.identifier ?? environmentIdentifier(p.identifier, e.name);
      if (envs.has(id)) issues.push({ path: ["products", i, "environments", j], message: `environment identifier "${id}" is declared twice (also ${envs.get(id)})` });
      envs.set(id, `products[${i}].environments[${j}]`);
    }),
  );
  return issues;
}

/** Environment entities declared by the config, with their resolved identifiers. */
export function declaredEnvironments(cfg: { readonly products: readonly ProductConfig[] }) {
  return cfg.products.flatMap((p) =>
    p.environments.map((e) => ({
      identifier: e.identifier ?? environmentIdentifier(p.identifier, e.name),
      title: e.title ?? `${p.title} ${e.name}`,
      kind: e.kind,
      product: p.identifier,
    })),
  );
}
