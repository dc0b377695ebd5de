// Render a PipelineSpec to Codefresh YAML and to the API pipeline document. Keys come out in one
// canonical order (known keys first, in the order below; maps such as `steps` keep their order,
// which is the step order) so the same spec always gives byte-identical YAML and no diff churn.
import YAML from "yaml";
import { assertStepNames, PipelineDefinition, PipelineSpec } from "./spec";

const KEY_ORDER = [
  "version", "kind", "metadata", "name", "project", "mode", "fail_fast", "stages", "steps", "hooks",
  "on_elected", "on_success", "on_fail", "on_finish", "exec",
  "title", "description", "type", "stage", "repo", "revision", "git", "depth", "candidate", "image_name",
  "image", "shell", "working_directory", "dockerfile", "tag", "registry", "disable_push",
  "timeout", "retry", "maxAttempts", "delay", "exponentialFactor", "when", "branch", "only", "ignore", "condition", "all", "any",
  "environment", "commands",
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));
/** Keys whose value is a user-ordered map (step names). */
const ORDERED_MAPS = new Set(["steps"]);

function canonical(value: unknown, parentKey?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (!(parentKey && ORDERED_MAPS.has(parentKey))) {
    entries.sort(([a], [b]) => (RANK.get(a) ?? KEY_ORDER.length) - (RANK.get(b) ?? KEY_ORDER.length) || (RANK.has(a) ? 0 : a < b ? -1 : a > b ? 1 : 0));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v, k)]));
}

/** The spec as a plain, canonically ordered object (what goes into `spec.steps/stages/hooks`). */
export function canonicalSpec(spec: PipelineSpec): Record<string, unknown> {
  assertStepNames(spec);
  return canonical(spec) as Record<string, unknown>;
}

/** codefresh.yml text. Long scripts become literal blocks, so they read as written. */
export function renderPipelineYaml(spec: PipelineSpec): string {
  const doc = new YAML.Document(canonicalSpec(spec));
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && node.value.includes("\n")) node.type = "BLOCK_LITERAL";
    },
  });
  // "1.0" must stay a string: Codefresh reads a float 1 as a different version.
  return doc.toString({ lineWidth: 0, defaultStringType: "PLAIN", defaultKeyType: "PLAIN" });
}

/** The document Codefresh's pipeline API takes (POST/PUT /api/pipelines). */
export interface PipelineDocument {
  readonly version: "1.0";
  readonly kind: "pipeline";
  readonly metadata: {
    readonly name: string;
    readonly project: string;
    readonly description: string;
    readonly labels: { readonly tags: string[] };
    readonly originalYamlString: string;
  };
  readonly spec: Record<string, unknown>;
}

/**
 * The server runs `spec.steps/stages/hooks`, not `originalYamlString` (which it keeps for the
 * UI only: a pipeline sent with only the YAML string runs empty), so both are sent.
 */
export function pipelineDocument(project: string, def: PipelineDefinition): PipelineDocument {
  const yaml = renderPipelineYaml(def.spec);
  const spec = canonicalSpec(def.spec);
  return {
    version: "1.0",
    kind: "pipeline",
    metadata: {
      name: `${project}/${def.name}`,
      project,
      description: def.description,
      labels: { tags: [...new Set(def.tags)].sort() },
      originalYamlString: yaml,
    },
    spec: {
      ...(spec.mode !== undefined && { mode: spec.mode }),
      ...(spec.fail_fast !== undefined && { fail_fast: spec.fail_fast }),
      stages: spec.stages ?? [],
      steps: spec.steps,
      hooks: spec.hooks ?? {},
      variables: def.variables.map((v) => ({ key: v.key, value: v.value, encrypted: v.encrypted })),
      contexts: [...def.contexts],
      triggers: def.triggers.map((t) => ({ ...t, events: [...t.events] })),
      cronTriggers: def.cronTriggers.map((t) => ({ ...t })),
      ...(def.concurrency !== undefined && { concurrency: def.concurrency }),
    },
  };
}

/** `spec` keys that codefresh.yml carries: in resource inputs they travel only inside the YAML text. */
export const YAML_SPEC_KEYS = ["mode", "fail_fast", "stages", "steps", "hooks"] as const;

/**
 * What the Pipeline resource takes. The engine hands a provider its inputs as a protobuf Struct,
 * which sorts object keys: `spec.steps` sent as an object would reach Codefresh in alphabetical
 * order, and Codefresh runs steps in key order. So the order-carrying part (steps, stages, hooks,
 * mode, fail_fast) travels only as the YAML text, and the provider builds the body from it
 * (infra/codefresh/provider.ts pipelineBody); `document` holds the rest of the API document.
 */
export interface PipelineResourceInputs {
  readonly name: string;
  readonly project: string;
  readonly yaml: string;
  readonly document: {
    readonly version: "1.0";
    readonly kind: "pipeline";
    readonly metadata: Omit<PipelineDocument["metadata"], "originalYamlString">;
    readonly spec: Record<string, unknown>;
  };
}

export function pipelineResourceInputs(project: string, def: PipelineDefinition): PipelineResourceInputs {
  const full = pipelineDocument(project, def);
  const { originalYamlString: yaml, ...metadata } = full.metadata;
  const spec = Object.fromEntries(Object.entries(full.spec).filter(([k]) => !(YAML_SPEC_KEYS as readonly string[]).includes(k)));
  return { name: metadata.name, project, yaml, document: { version: full.version, kind: full.kind, metadata, spec } };
}
