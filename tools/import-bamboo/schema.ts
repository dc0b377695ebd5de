// The input files of import-bamboo, parsed with zod: Bamboo's deployment projects as
// GET /rest/api/latest/deploy/project/all answers them, and the team's override file. Errors
// name the place in the file ("projects[3].environments[1].name: expected a string").
import { z } from "zod";
import { ENVIRONMENT_KINDS } from "../../blueprints/vocabulary";

export function bambooExportSchema() {
  const key = z.object({ key: z.string().min(1) }).loose();
  const environment = z
    .object({
      id: z.number().int(),
      key: key.optional(),
      name: z.string(),
      description: z.string().nullish(),
    })
    .loose();
  const project = z
    .object({
      id: z.number().int(),
      key: key,
      name: z.string(),
      description: z.string().nullish(),
      planKey: key.optional(),
      environments: z.array(environment).default([]),
    })
    .loose();
  return z.array(project);
}

export type BambooProject = z.output<ReturnType<typeof bambooExportSchema>>[number];
export type BambooEnvironment = BambooProject["environments"][number];

export function overridesSchema() {
  const entry = z
    .object({
      /** Port identifier to use instead of the one derived from the name. */
      identifier: z.string().min(1).optional(),
      /** Product title (projects) or environment short name (environments). */
      title: z.string().min(1).optional(),
      name: z.string().min(1).optional(),
      kind: z.enum(ENVIRONMENT_KINDS).optional(),
      /** Leave this project or environment out of the stack. */
      skip: z.boolean().optional(),
    })
    .strict();
  return z
    .object({
      /** Keyed by deployment project name, key or id. */
      projects: z.record(z.string(), entry.omit({ kind: true, name: true })).default({}),
      /** Keyed by environment key or id, "<project name>/<environment name>", or environment name (every project). */
      environments: z.record(z.string(), entry.omit({ title: true })).default({}),
    })
    .strict();
}

export type Overrides = z.output<ReturnType<typeof overridesSchema>>;

/** "projects[3].environments[1].name" for a path into the export (an array of projects). */
export function formatPath(path: readonly PropertyKey[], root: string): string {
  let out = root;
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? String(seg) : `.${String(seg)}`;
  return out || "(root)";
}

const ARTICLE: Record<string, string> = { string: "a string", number: "a number", int: "an integer", object: "an object", array: "an array", boolean: "true or false" };

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** One readable line per zod issue, naming the place in the file and what was found there. */
export function describeIssues(error: z.ZodError, data: unknown, root: string): string[] {
  return error.issues.map((issue) => {
    const where = formatPath(issue.path, root);
    if (issue.code === "invalid_type") {
      const value = valueAt(data, issue.path);
      const found = value === undefined ? "missing" : value === null ? "null" : Array.isArray(value) ? "an array" : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
      return `${where}: expected ${ARTICLE[issue.expected] ?? issue.expected}, found ${found}`;
    }
    if (issue.code === "unrecognized_keys") return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    return `${where}: ${issue.message}`;
  });
}
