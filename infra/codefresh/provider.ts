// Pulumi dynamic providers for Codefresh projects and pipelines, over clients/codefresh.ts.
//
// Serialization rules (DESIGN.md §7): the provider objects below are module-level singletons
// (one serialized copy per kind); the API key is read in `configure` (stack config
// `developer-portal:codefreshApiKey`) or from CODEFRESH_API_KEY inside the methods, never from
// inputs and never captured; zod schemas are built inside functions.
import type * as pulumi from "@pulumi/pulumi";
import { CodefreshClient } from "../../clients/codefresh";

/** Where `configure` leaves the key: a process global, so serializing the provider never captures it. */
const API_KEY_SLOT = "__developerPortalCodefreshApiKey";
const CONFIG_KEY = "developer-portal:codefreshApiKey";
/** What Codefresh returns instead of an encrypted value when not asked to decrypt. */
const MASKED = "*****";

type Json = Record<string, unknown>;

export interface ProjectInputs {
  readonly baseUrl: string;
  readonly name: string;
  readonly tags: string[];
}

export interface PipelineInputs {
  readonly baseUrl: string;
  /** "<project>/<pipeline>". */
  readonly project: string;
  readonly name: string;
  /**
   * codefresh.yml: the only carrier of mode, fail_fast, stages, steps and hooks. The engine passes
   * inputs as a protobuf Struct, which sorts object keys, and Codefresh runs `spec.steps` in key
   * order: an object would arrive alphabetical, a string arrives as written.
   */
  readonly yaml: string;
  /** The rest of the API document: {version, kind, metadata, spec: {variables, contexts, triggers, …}}. */
  readonly document: Json;
}

function apiKey(): string {
  const configured = (globalThis as Record<string, unknown>)[API_KEY_SLOT];
  const key = typeof configured === "string" && configured !== "" ? configured : process.env.CODEFRESH_API_KEY;
  if (!key) throw new Error(`no Codefresh API key: set it with \`pulumi config set --secret ${CONFIG_KEY} …\` or CODEFRESH_API_KEY`);
  return key;
}

function client(baseUrl: string): CodefreshClient {
  return new CodefreshClient({ baseUrl, apiKey: async () => apiKey() });
}

async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const key = req.config.get(CONFIG_KEY);
  if (key) (globalThis as Record<string, unknown>)[API_KEY_SLOT] = key;
}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: unknown }).status === 404;
}

function sortedUnique(values: unknown): string[] {
  return Array.isArray(values) ? [...new Set(values.map(String))].sort() : [];
}

/**
 * Order-safe canonical JSON: object keys sorted recursively, except that a `steps` map becomes a
 * list of [name, step] pairs in its own order (the run order), so comparing two canonical forms
 * sees a reorder whatever the key order of the objects they were built from.
 */
function ordered(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(v));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Json).filter(([, v]) => v !== undefined);
  if (key === "steps") return entries.map(([name, step]) => [name, ordered(step)]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, ordered(v, k)]));
}

// ---- projects ------------------------------------------------------------------------------

function projectInputsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    baseUrl: z.url(),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_. -]{0,99}$/, "a Codefresh project name"),
    tags: z.array(z.string().min(1)).default([]),
  }).loose();
}

function projectOutputs(baseUrl: string, p: Json): Json {
  return { baseUrl, name: String(p.projectName), tags: sortedUnique(p.tags), projectId: String(p.id) };
}

export const projectProvider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: Json, news: Json) {
    const parsed = projectInputsSchema().safeParse(news);
    if (!parsed.success) return { failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ""), reason: i.message })) };
    return { inputs: { ...news, tags: sortedUnique(parsed.data.tags) } };
  },

  async diff(_id: string, olds: Json, news: Json) {
    const replaces = ["baseUrl", "name"].filter((k) => olds[k] !== news[k]);
    const tagsChanged = JSON.stringify(sortedUnique(olds.tags)) !== JSON.stringify(sortedUnique(news.tags));
    return { changes: replaces.length > 0 || tagsChanged, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: ProjectInputs) {
    const cf = client(inputs.baseUrl);
    const tags = sortedUnique(inputs.tags);
    const existing = await cf.getProjectByName(inputs.name);
    const project = existing
      // Adopted: a create that failed after Codefresh stored the project must be re-runnable.
      ? (await cf.call("PATCH", `/api/projects/${encodeURIComponent(String(existing.id))}`, { tags })) as Json
      : await cf.createProject({ projectName: inputs.name, tags });
    return { id: String(project.id), outs: projectOutputs(inputs.baseUrl, project) };
  },

  async read(id: string, props: Json) {
    const baseUrl = typeof props.baseUrl === "string" ? props.baseUrl : "https://g.codefresh.io";
    try {
      const project = (await client(baseUrl).call("GET", `/api/projects/${encodeURIComponent(id)}`)) as Json;
      return { id, props: projectOutputs(baseUrl, project) };
    } catch (err) {
      if (isNotFound(err)) return {};
      throw err;
    }
  },

  async update(id: string, _olds: Json, news: ProjectInputs) {
    const project = (await client(news.baseUrl).call("PATCH", `/api/projects/${encodeURIComponent(id)}`, { tags: sortedUnique(news.tags) })) as Json;
    return { outs: projectOutputs(news.baseUrl, project) };
  },

  async delete(id: string, props: Json) {
    await client(String(props.baseUrl)).deleteProject(id);
  },
};

// ---- pipelines -----------------------------------------------------------------------------

/** `spec` keys that only the YAML may carry (pipelines/render.ts YAML_SPEC_KEYS; kept here so the serialized provider is self-contained). */
const YAML_SPEC_KEYS = ["mode", "fail_fast", "stages", "steps", "hooks"];

function pipelineInputsSchema() {
  const { z } = require("zod") as typeof import("zod");
  const YAML = require("yaml") as typeof import("yaml");
  return z.object({
    baseUrl: z.url(),
    name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "<project>/<pipeline>"),
    project: z.string().min(1),
    yaml: z.string().min(1).superRefine((text, ctx) => {
      let parsed: unknown;
      try {
        parsed = YAML.parse(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `not valid YAML: ${(err as Error).message}` });
        return;
      }
      const steps = (parsed as Json | null)?.steps;
      if (steps === null || typeof steps !== "object" || Array.isArray(steps)) ctx.addIssue({ code: "custom", message: "codefresh.yml needs a `steps` mapping" });
    }),
    document: z.object({
      version: z.literal("1.0"),
      kind: z.literal("pipeline"),
      metadata: z.object({ name: z.string(), project: z.string() }).loose(),
      spec: z.object({
        variables: z.array(z.object({ key: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]), encrypted: z.boolean() })).default([]),
      }).loose(),
    }).loose(),
  }).loose().superRefine((v, ctx) => {
    for (const k of YAML_SPEC_KEYS) {
      if (k in v.document.spec) ctx.addIssue({ code: "custom", path: ["document"], message: `spec.${k} must travel in \`yaml\` only: the engine sorts object keys, and Codefresh runs steps in key order` });
    }
    if (!v.name.startsWith(`${v.project}/`)) ctx.addIssue({ code: "custom", path: ["name"], message: `must start with the project "${v.project}/"` });
    if (v.document.metadata.name !== v.name) ctx.addIssue({ code: "custom", path: ["document"], message: "metadata.name must equal name" });
    if (v.document.metadata.project !== v.project) ctx.addIssue({ code: "custom", path: ["document"], message: "metadata.project must equal project" });
  });
}

interface Variable { key: string; value: unknown; encrypted: boolean }

function variablesOf(spec: Json | undefined): Variable[] {
  const list = spec && Array.isArray(spec.variables) ? (spec.variables as Json[]) : [];
  return list.map((v) => ({ key: String(v.key), value: v.value ?? "", encrypted: v.encrypted === true }));
}

/** Server-added trigger fields that are not ours to diff. */
function ownTrigger(t: unknown): Json {
  const { id: _id, verified: _v, status: _s, createdAt: _c, updatedAt: _u, ...rest } = (t ?? {}) as Json;
  return rest;
}

/**
 * What is diffed: what this stack owns of a pipeline, with server fields stripped, defaults
 * filled and sets sorted. Encrypted variables count by key only: Codefresh masks their values on
 * read and the platform team sets the real ones, so comparing values would diff forever.
 */
export function canonicalPipeline(doc: Json): Json {
  const metadata = (doc.metadata ?? {}) as Json;
  const spec = (doc.spec ?? {}) as Json;
  const labels = (metadata.labels ?? {}) as Json;
  return ordered({
    name: metadata.name,
    project: metadata.project,
    description: metadata.description ?? "",
    tags: sortedUnique(labels.tags),
    mode: spec.mode,
    fail_fast: spec.fail_fast,
    concurrency: spec.concurrency,
    stages: spec.stages ?? [],
    steps: spec.steps ?? {},
    hooks: spec.hooks ?? {},
    variables: variablesOf(spec)
      .map((v) => (v.encrypted ? { key: v.key, encrypted: true } : { key: v.key, value: String(v.value), encrypted: false }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    contexts: sortedUnique(spec.contexts),
    triggers: (Array.isArray(spec.triggers) ? spec.triggers : []).map(ownTrigger),
    cronTriggers: (Array.isArray(spec.cronTriggers) ? spec.cronTriggers : []).map(ownTrigger),
  }) as Json;
}

/**
 * The body sent to Codefresh: the YAML's mode, fail_fast, stages, steps and hooks (parsed with the
 * `yaml` library, which keeps mapping order, so `spec.steps` is in the order written) plus the
 * rest of the document, and the YAML itself as `originalYamlString` (kept for the UI; the server
 * runs `spec`). What Codefresh's Terraform provider does with yq for the same reason.
 */
export function pipelineBody(inputs: { readonly yaml: string; readonly document: Json }): Json {
  const YAML = require("yaml") as typeof import("yaml");
  const parsed = (YAML.parse(inputs.yaml) ?? {}) as Json;
  const document = inputs.document ?? {};
  const metadata = { ...((document.metadata ?? {}) as Json) };
  delete metadata.originalYamlString;
  const rest = Object.fromEntries(Object.entries((document.spec ?? {}) as Json).filter(([k]) => !YAML_SPEC_KEYS.includes(k)));
  return {
    version: "1.0",
    kind: "pipeline",
    metadata: { ...metadata, originalYamlString: inputs.yaml },
    spec: {
      ...(parsed.mode !== undefined && { mode: parsed.mode }),
      ...(parsed.fail_fast !== undefined && { fail_fast: parsed.fail_fast }),
      stages: parsed.stages ?? [],
      steps: parsed.steps ?? {},
      hooks: parsed.hooks ?? {},
      ...rest,
    },
  };
}

/** The runnable part of a live pipeline as codefresh.yml text: what Codefresh runs, in its order. */
function runnableYaml(spec: Json): string {
  const YAML = require("yaml") as typeof import("yaml");
  const runnable: Json = { version: "1.0" };
  if (spec.mode !== undefined) runnable.mode = spec.mode;
  if (spec.fail_fast !== undefined) runnable.fail_fast = spec.fail_fast;
  runnable.stages = Array.isArray(spec.stages) ? spec.stages : [];
  runnable.steps = spec.steps ?? {};
  runnable.hooks = spec.hooks ?? {};
  return YAML.stringify(runnable, { lineWidth: 0 });
}

/**
 * The desired document, with the encrypted values already set in Codefresh kept (a PUT replaces
 * the whole pipeline: there is no partial update of variables, notes §3 / TF #97).
 *
 * `current` must come from GET ?decryptVariables=true. When Codefresh still answers "*****" for
 * an encrypted variable (the key may read pipelines but not decrypt their variables), the real
 * value cannot be sent back, and sending our placeholder or the mask would overwrite the secret
 * set in Codefresh (TF #177). That is refused: the update fails, naming the variables, and the
 * pipeline is left as it is.
 */
function withKeptSecrets(desired: Json, current: Json | undefined, pipelineName = String((desired.metadata as Json | undefined)?.name ?? "")): Json {
  const liveEncrypted = variablesOf(current?.spec as Json | undefined).filter((v) => v.encrypted);
  const live = new Map(liveEncrypted.map((v) => [v.key, v.value]));
  const spec = desired.spec as Json;
  const wanted = variablesOf(spec);
  const masked = wanted.filter((v) => v.encrypted && live.get(v.key) === MASKED).map((v) => v.key);
  if (masked.length > 0) {
    throw new Error(
      `Codefresh pipeline ${pipelineName}: encrypted variable(s) ${masked.join(", ")} came back masked ("${MASKED}") ` +
        `although read with decryptVariables=true, so their values set in Codefresh cannot be kept; refusing to replace the pipeline, ` +
        `which would overwrite them with placeholders. Give the Codefresh API key the permission to read encrypted pipeline variables ` +
        `(the Pipeline scope with decrypt access, e.g. an admin's key), or remove the variable(s) from the pipeline in Codefresh if the overwrite is intended.`,
    );
  }
  const variables = wanted.map((v) => (v.encrypted && live.has(v.key) ? { ...v, value: live.get(v.key) } : v));
  return { ...desired, spec: { ...spec, variables } };
}

/**
 * Outputs: the inputs as the server now has them (encrypted values as our placeholders, never the
 * secret), in the same order-safe shape: the live `spec.steps/stages/hooks` as YAML text, so a
 * refresh sees a reorder made in Codefresh after the state has been through the engine.
 */
function pipelineOutputs(baseUrl: string, server: Json, previous: Partial<PipelineInputs>): Json {
  const metadata = (server.metadata ?? {}) as Json;
  const spec = (server.spec ?? {}) as Json;
  const ours = new Map(variablesOf((previous.document?.spec ?? {}) as Json).map((v) => [v.key, v.value]));
  const document: Json = {
    version: "1.0",
    kind: "pipeline",
    metadata: {
      name: metadata.name,
      project: metadata.project,
      description: metadata.description ?? "",
      labels: { tags: sortedUnique(((metadata.labels ?? {}) as Json).tags) },
    },
    spec: {
      variables: variablesOf(spec).map((v) => (v.encrypted ? { ...v, value: ours.get(v.key) ?? MASKED } : v)),
      contexts: Array.isArray(spec.contexts) ? spec.contexts : [],
      triggers: (Array.isArray(spec.triggers) ? spec.triggers : []).map(ownTrigger),
      cronTriggers: (Array.isArray(spec.cronTriggers) ? spec.cronTriggers : []).map(ownTrigger),
      ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    },
  };
  return {
    baseUrl,
    name: metadata.name,
    project: metadata.project,
    document,
    yaml: runnableYaml(spec),
    pipelineId: String(metadata.id),
    ...(metadata.revision !== undefined && { revision: metadata.revision }),
  };
}

export const pipelineProvider: pulumi.dynamic.ResourceProvider = {
  configure,

  async check(_olds: Json, news: Json) {
    const parsed = pipelineInputsSchema().safeParse(news);
    if (!parsed.success) return { failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ""), reason: `${i.path.join(".")}: ${i.message}` })) };
    return { inputs: news };
  },

  async diff(_id: string, olds: Json, news: Json) {
    const replaces = ["baseUrl", "name", "project"].filter((k) => olds[k] !== news[k]);
    const body = (v: Json) => canonicalPipeline(pipelineBody({ yaml: String(v.yaml ?? ""), document: (v.document ?? {}) as Json }));
    const docChanged = JSON.stringify(body(olds)) !== JSON.stringify(body(news));
    // State written by the provider that sent `spec.steps` as an object: Codefresh got them in
    // alphabetical order (the engine sorts keys), whatever that state's YAML says. Send them again.
    const sentSorted = ((olds.document as Json | undefined)?.spec as Json | undefined)?.steps !== undefined;
    return { changes: replaces.length > 0 || docChanged || sentSorted, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: PipelineInputs) {
    const cf = client(inputs.baseUrl);
    const existing = await cf.getPipeline(inputs.name, { decryptVariables: true });
    const body = withKeptSecrets(pipelineBody(inputs), existing, inputs.name);
    // Adopted when it exists: a create that failed after Codefresh stored the pipeline is re-runnable.
    const doc = existing
      ? await cf.replacePipeline(String((existing.metadata as Json).id), body)
      : await cf.createPipeline(body);
    const metadata = doc.metadata as Json;
    return { id: String(metadata.id), outs: pipelineOutputs(inputs.baseUrl, doc, inputs) };
  },

  async read(id: string, props: Json) {
    const baseUrl = typeof props.baseUrl === "string" ? props.baseUrl : "https://g.codefresh.io";
    const doc = await client(baseUrl).getPipeline(id);
    if (!doc) return {}; // deleted outside Pulumi: gone, so the next up recreates it
    return { id, props: pipelineOutputs(baseUrl, doc, props as Partial<PipelineInputs>) };
  },

  async update(id: string, _olds: Json, news: PipelineInputs) {
    const cf = client(news.baseUrl);
    const current = await cf.getPipeline(id, { decryptVariables: true });
    if (!current) throw new Error(`Codefresh pipeline ${news.name} (${id}) no longer exists: run \`pulumi refresh\` and it is recreated on the next up`);
    // PUT skips the revision check (the stack owns the pipeline), so there is no 4204 conflict.
    const doc = await cf.replacePipeline(id, withKeptSecrets(pipelineBody(news), current, news.name));
    return { outs: pipelineOutputs(news.baseUrl, doc, news) };
  },

  async delete(id: string, props: Json) {
    await client(String(props.baseUrl)).deletePipeline(id);
  },
};
