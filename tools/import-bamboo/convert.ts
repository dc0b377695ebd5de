// Bamboo deployment projects → the stack's `products` config: a project becomes a product, each of
// its environments an environment whose kind is read from its name. Pure: no files, no output.
import { environmentIdentifier, isEntityIdentifier, toIdentifier } from "../../blueprints/identifiers";
import { ciPipelineName } from "../../pipelines/ci";
import type { EnvironmentKind } from "../../blueprints/vocabulary";
import type { BambooEnvironment, BambooProject, Overrides } from "./schema";

export interface ImportedEnvironment {
  readonly name: string;
  readonly kind: EnvironmentKind;
  readonly identifier?: string;
  /** Where it came from, written as a comment next to it. */
  readonly bamboo: { readonly id: number; readonly key?: string; readonly name: string };
  /** How the kind was decided. */
  readonly kindFrom: "override" | "name" | "default";
}

export interface ImportedProduct {
  readonly identifier: string;
  readonly title: string;
  readonly description?: string;
  readonly bambooKey: string;
  readonly bamboo: { readonly id: number; readonly planKey?: string; readonly name: string };
  readonly environments: ImportedEnvironment[];
}

/** A Bamboo build plan become a Codefresh CI service of the product whose deployments it fed. */
export interface ImportedService {
  readonly name: string;
  readonly product: string;
  /** "owner/name" placeholder: Bamboo's deploy export does not say which repository a plan builds. */
  readonly repository: string;
  /** The CI pipeline the stack declares for it. */
  readonly pipeline: string;
  readonly bamboo: { readonly planKey: string; readonly project: string };
}

export interface ImportResult {
  readonly products: ImportedProduct[];
  readonly services: ImportedService[];
  /** Things that could not be mapped (and were left out), each naming its place in the file. */
  readonly problems: string[];
}

const PRODUCTION = new Set(["prod", "production", "prd", "live"]);
const STAGING = new Set(["stage", "staging", "stg", "uat", "preprod"]);

/** prod/production/live → Production, stage/staging/uat → Staging, anything else Dev. */
export function inferKind(name: string): EnvironmentKind | undefined {
  const lower = name.toLowerCase();
  // "Pre-Prod", "pre production": a staging environment despite the word "prod".
  if (/\bpre[-_\s]?(prod|production|live)\b/.test(lower)) return "Staging";
  const words = lower.split(/[^a-z0-9]+/).filter(Boolean);
  if (words.some((w) => PRODUCTION.has(w))) return "Production";
  if (words.some((w) => STAGING.has(w))) return "Staging";
  return undefined;
}

function projectOverride(o: Overrides, p: BambooProject) {
  return o.projects[p.key.key] ?? o.projects[String(p.id)] ?? o.projects[p.name.trim()];
}

function environmentOverride(o: Overrides, p: BambooProject, e: BambooEnvironment) {
  return (e.key && o.environments[e.key.key]) || o.environments[String(e.id)] || o.environments[`${p.name.trim()}/${e.name.trim()}`] || o.environments[e.name.trim()];
}

/** Placeholder owner of a service repository: obviously not a real one, and accepted by the schema. */
export const REPOSITORY_PLACEHOLDER_OWNER = "FILL-IN";

/** Codefresh service name from a plan key: "BILL-API" → "bill-api" (letters, digits, _ . -). */
export function serviceName(planKey: string): string {
  const name = toIdentifier(planKey).replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 100);
  return name === "" ? "plan" : name;
}

export function convertProjects(projects: readonly BambooProject[], overrides: Overrides): ImportResult {
  const problems: string[] = [];
  const products: ImportedProduct[] = [];
  const services: ImportedService[] = [];
  const byPlan = new Map<string, ImportedService>();
  const serviceNames = new Set<string>();
  const productIds = new Map<string, string>();
  const envIds = new Map<string, string>();
  const usedProjectOverrides = new Set<string>();
  const usedEnvOverrides = new Set<string>();
  const mark = (used: Set<string>, record: Record<string, unknown>, value: unknown) => {
    for (const [k, v] of Object.entries(record)) if (v === value) used.add(k);
  };

  projects.forEach((p, i) => {
    const where = `projects[${i}]`;
    const po = projectOverride(overrides, p);
    if (po) mark(usedProjectOverrides, overrides.projects, po);
    if (po?.skip) return;
    const name = p.name.trim();
    if (name === "" && !po?.identifier) {
      problems.push(`${where}.name: empty name (Bamboo project id ${p.id}); set an identifier and title for key "${p.key.key}" in the overrides file`);
      return;
    }
    const identifier = po?.identifier ?? toIdentifier(name);
    if (!isEntityIdentifier(identifier)) {
      problems.push(`${where}: override identifier "${identifier}" is not a valid Port identifier`);
      return;
    }
    const previous = productIds.get(identifier);
    if (previous) {
      problems.push(`${where} ("${name}"): product identifier "${identifier}" is already used by ${previous}; left out — give one of them an identifier in the overrides file`);
      return;
    }
    productIds.set(identifier, `${where} ("${name}")`);

    const environments: ImportedEnvironment[] = [];
    const names = new Set<string>();
    p.environments.forEach((e, j) => {
      const ewhere = `${where}.environments[${j}]`;
      const eo = environmentOverride(overrides, p, e);
      if (eo) mark(usedEnvOverrides, overrides.environments, eo);
      if (eo?.skip) return;
      const ename = e.name.trim();
      if (ename === "" && !eo?.name) {
        problems.push(`${ewhere}.name: empty name (Bamboo environment id ${e.id}); set a name for it in the overrides file`);
        return;
      }
      const shortName = (eo?.name ?? toIdentifier(ename)).slice(0, 100);
      const inferred = inferKind(ename);
      const kind = eo?.kind ?? inferred ?? "Dev";
      const envId = eo?.identifier ?? environmentIdentifier(identifier, shortName);
      if (eo?.identifier !== undefined && !isEntityIdentifier(eo.identifier)) {
        problems.push(`${ewhere}: override identifier "${eo.identifier}" is not a valid Port identifier`);
        return;
      }
      if (names.has(shortName) || envIds.has(envId)) {
        problems.push(`${ewhere} ("${ename}"): environment "${shortName}" (identifier "${envId}") is already used by ${envIds.get(envId) ?? `another environment of ${where}`}; left out — name it in the overrides file`);
        return;
      }
      names.add(shortName);
      envIds.set(envId, `${ewhere} ("${ename}")`);
      environments.push({
        name: shortName,
        kind,
        ...(eo?.identifier ? { identifier: eo.identifier } : {}),
        bamboo: { id: e.id, key: e.key?.key, name: ename },
        kindFrom: eo?.kind ? "override" : inferred ? "name" : "default",
      });
    });

    const description = p.description?.trim();
    products.push({
      identifier,
      title: (po?.title ?? name).slice(0, 200),
      ...(description ? { description: description.slice(0, 2000) } : {}),
      bambooKey: p.key.key.slice(0, 100),
      bamboo: { id: p.id, planKey: p.planKey?.key, name },
      environments,
    });

    const planKey = p.planKey?.key;
    if (planKey === undefined) return;
    const mapped = byPlan.get(planKey);
    if (mapped) {
      problems.push(`${where} ("${name}"): build plan ${planKey} is already the CI service "${mapped.name}" of product "${mapped.product}"; not mapped twice`);
      return;
    }
    const service = serviceName(planKey);
    if (serviceNames.has(service)) {
      problems.push(`${where} ("${name}"): build plan ${planKey} would be service "${service}", a name already taken; left out`);
      return;
    }
    serviceNames.add(service);
    const repository = `${REPOSITORY_PLACEHOLDER_OWNER}/${service}`;
    const pipeline = ciPipelineName({ name: service, product: identifier, repository, dockerfile: "Dockerfile" });
    const entry: ImportedService = { name: service, product: identifier, repository, pipeline, bamboo: { planKey, project: name } };
    byPlan.set(planKey, entry);
    services.push(entry);
  });

  for (const k of Object.keys(overrides.projects)) if (!usedProjectOverrides.has(k)) problems.push(`overrides projects."${k}": matches no Bamboo deployment project`);
  for (const k of Object.keys(overrides.environments)) if (!usedEnvOverrides.has(k)) problems.push(`overrides environments."${k}": matches no Bamboo environment`);
  return { products, services, problems };
}
