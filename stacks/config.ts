// The stack's configuration: one zod schema for every key under the project namespace, parsed
// before any resource is registered. A bad value fails with the key, the value and what was
// expected; an unknown key (a typo) fails too instead of being silently ignored. Each section's
// schema lives with the component it configures (catalog-config.ts, governance-config.ts,
// actions/porc-config.ts, pipelines/config.ts, infra/agent-config.ts); this module composes them
// and checks what spans sections. Lower layers never import it: they take their own typed args.
import { z } from "zod";
import { porcConfigSchema } from "../actions/porc-config";
import { catalogFor } from "../blueprints";
import { agentConfigSchema } from "../infra/agent-config";
import { splitMigrationKey } from "../infra/port/property-migration";
import { codefreshConfigSchema } from "../pipelines/config";
import { approvalsConfigSchema, duplicateIdentifierIssues, portConfigSchema, productSchema, templateSchema } from "./catalog-config";
import { governanceConfigSchema, owningTeamIssues } from "./governance-config";

export { declaredEnvironments } from "./catalog-config";

/** The Pulumi project name, i.e. the config namespace. */
export const PROJECT = "developer-portal";

/** Keys that must be set as Pulumi secrets (`pulumi config set --secret`); never in the schema below. */
export const SECRET_KEYS = ["portClientId", "portClientSecret", "codefreshApiKey", "kafkaUsername", "kafkaPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

export function stackConfigSchema() {
  return z
    .object({
      port: portConfigSchema(),
      products: z.array(productSchema()).default([]),
      blueprintTemplates: z.array(templateSchema()).default([]),
      approvals: approvalsConfigSchema(),
      porc: porcConfigSchema().optional(),
      /** Allow a property's type to change: every value is read, converted and written back. */
      allowPropertyTypeChange: z.boolean().default(false),
      /**
       * For such a change, "<blueprint>.<property>" → {live value: value to convert instead}; null
       * drops the value. A value neither convertible nor mapped blocks the change at preview.
       */
      propertyConverters: z
        .record(
          z.string().regex(/^[A-Za-z0-9@_=-]+\.[A-Za-z0-9@_=-]+$/, '"<blueprint>.<property>"'),
          z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
        )
        .default({}),
      /**
       * Property renames: "<blueprint>.<new property>" → the old property's identifier. Values are
       * copied (converted to the new schema) before the old property is removed.
       */
      renamedFrom: z.record(z.string().regex(/^[A-Za-z0-9@_=-]+\.[A-Za-z0-9@_=-]+$/, '"<blueprint>.<property or relation>"'), z.string().regex(/^[A-Za-z0-9@_=-]+$/, "a property or relation identifier")).default({}),
      codefresh: codefreshConfigSchema().default(codefreshConfigSchema().parse({})),
      agent: agentConfigSchema().default(agentConfigSchema().parse({})),
      /** Teams, action permissions and scorecards (stacks/governance-config.ts). */
      governance: governanceConfigSchema().optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      for (const issue of duplicateIdentifierIssues(cfg.products)) ctx.addIssue({ code: "custom", ...issue });
      const products = new Set(cfg.products.map((p) => p.identifier));
      cfg.codefresh.services.forEach((s, i) => {
        if (!products.has(s.product)) ctx.addIssue({ code: "custom", path: ["codefresh", "services", i, "product"], message: `no product "${s.product}" is declared under products` });
      });
      for (const issue of owningTeamIssues(cfg.governance, cfg.products)) ctx.addIssue({ code: "custom", ...issue });
      for (const issue of migrationKeyIssues(cfg.propertyConverters, cfg.renamedFrom, cfg.porc?.url)) ctx.addIssue({ code: "custom", ...issue });
    });
}

/**
 * `propertyConverters` and `renamedFrom` keys name what the model declares: a converter a
 * property, a rename a property or a relation (which one decides how the values are copied). A
 * rename from its own name, from a name still declared, or from one old name twice is refused.
 */
function migrationKeyIssues(converters: Record<string, unknown>, renamedFrom: Record<string, string>, porcUrl: string | undefined): { path: string[]; message: string }[] {
  const model = new Map(catalogFor({ porcUrl }).map((b) => [b.identifier, { properties: b.body.schema.properties, relations: b.body.relations }]));
  const issues: { path: string[]; message: string }[] = [];
  const unknownBlueprint = (bp: string) => `a blueprint of the model (no blueprint "${bp}" in the model; it has ${[...model.keys()].join(", ")})`;
  for (const key of Object.keys(converters)) {
    const [bp, prop] = splitMigrationKey(key);
    const b = model.get(bp);
    if (!b) issues.push({ path: ["propertyConverters", key], message: unknownBlueprint(bp) });
    else if (!(prop in b.properties)) issues.push({ path: ["propertyConverters", key], message: `a property of the model (blueprint "${bp}" declares no property "${prop}")` });
  }
  const olds = new Map<string, string>();
  for (const [key, old] of Object.entries(renamedFrom)) {
    const [bp, next] = splitMigrationKey(key);
    const b = model.get(bp);
    const fail = (message: string) => issues.push({ path: ["renamedFrom", key], message });
    if (!b) fail(unknownBlueprint(bp));
    else if (!(next in b.properties) && !(next in b.relations)) fail(`a property or relation of the model (blueprint "${bp}" declares no property or relation "${next}")`);
    else if (old === next) fail("a different old name (the old name equals the new one: nothing to rename)");
    else if (old in b.properties || old in b.relations) fail(`an old name the model no longer declares ("${old}" is still declared on blueprint "${bp}": \`pulumi up\` would never remove it)`);
    else if (olds.has(`${bp}.${old}`)) fail(`one new name per old one ("${old}" is renamed twice (also ${olds.get(`${bp}.${old}`)}))`);
    olds.set(`${bp}.${old}`, key);
  }
  return issues;
}

export type StackConfig = z.output<ReturnType<typeof stackConfigSchema>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parse raw config values keyed by their short name (`port`, `products`, …). Secret keys are
 * allowed to be present but are not part of the result (they stay Pulumi secret Outputs).
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    plain[key] = value;
  }
  const result = stackConfigSchema().safeParse(plain);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, plain)));
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = `${PROJECT}:${formatPath(issue.path)}`;
  if (issue.code === "unrecognized_keys") {
    return `${key}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (typo? see the README's config reference)`;
  }
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? "nothing" : JSON.stringify(value);
  // zod phrases some messages as "Invalid option: expected …"; keep only the expectation.
  const expected = issue.message.replace(/^Invalid (option|input|type)?:?\s*expected\s+/i, "");
  return `${key}: got ${got && got.length > 120 ? `${got.slice(0, 117)}...` : got}, expected ${expected}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? String(seg) : `.${String(seg)}`;
  return out || "(root)";
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/**
 * Read this project's keys from a flat Pulumi config map ("developer-portal:port" → JSON text),
 * as `pulumi.runtime.allConfig()` returns it.
 */
export function configFromPulumi(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text; // plain strings are stored unquoted
    }
  }
  return raw;
}
