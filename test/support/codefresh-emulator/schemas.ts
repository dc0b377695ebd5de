// Request-body validation, after the API's published Joi schema (docs:
// specifications-latest-version.md). Objects are loose: the real API stores fields it does not
// know (and so must the emulator, or a client bug that sends junk would go unnoticed in diffs).
import { z } from "zod";
import YAML from "yaml";

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const variableSchema = z.looseObject({
  key: z.string().min(1),
  value: scalar.default(""),
  encrypted: z.boolean().default(false),
});

const gitTriggerSchema = z.looseObject({
  type: z.literal("git").optional(),
  name: z.string().min(1).max(200).regex(/^\S+$/, "trigger name must not contain spaces"),
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "repo must be owner/name").optional(),
  events: z.array(z.string()).optional(),
  variables: z.array(variableSchema).optional(),
});

const cronTriggerSchema = z
  .looseObject({
    type: z.literal("cron").optional(),
    name: z.string().min(1).optional(),
    message: z.string().regex(/^[a-zA-Z0-9_+\s\-#?.:]{2,128}$/, "invalid cron trigger message"),
    expression: z.string().min(1),
    gitTriggerId: z.string().optional(),
    branch: z.string().optional(),
    variables: z.array(variableSchema).optional(),
  })
  .refine((t) => (t.gitTriggerId === undefined) === (t.branch === undefined), {
    message: "gitTriggerId and branch must be set together",
  });

const specTemplateSchema = z.discriminatedUnion("location", [
  z.looseObject({ location: z.literal("url"), url: z.url() }),
  z.looseObject({ location: z.literal("git"), repo: z.string().min(1), path: z.string().min(1) }),
]);

const terminationPolicySchema = z.union([
  z.looseObject({ type: z.literal("branch"), event: z.literal("onCreate") }),
  z.looseObject({ type: z.literal("annotation"), event: z.literal("onTerminate"), key: z.string().min(1) }),
]);

/** A plain JSON object (not an array): `spec.steps` and `spec.hooks` are ordered maps. */
const jsonObject = z.record(z.string(), z.unknown());

export const specSchema = z.looseObject({
  steps: jsonObject.optional(),
  stages: z.array(z.string()).optional(),
  hooks: jsonObject.optional(),
  mode: z.enum(["sequential", "parallel"]).optional(),
  fail_fast: z.boolean().optional(),
  variables: z.array(variableSchema).default([]),
  contexts: z.array(z.string()).default([]),
  triggers: z.array(gitTriggerSchema).default([]),
  cronTriggers: z.array(cronTriggerSchema).default([]),
  specTemplate: specTemplateSchema.optional(),
  concurrency: z.int().min(0).optional(),
  triggerConcurrency: z.int().min(0).optional(),
  branchConcurrency: z.int().min(0).optional(),
  priority: z.int().min(-100).max(100).optional(),
  terminationPolicy: z.array(terminationPolicySchema).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const metadataSchema = z.looseObject({
  name: z.string().min(1).optional(),
  id: z.string().optional(),
  revision: z.int().min(0).optional(),
  isPublic: z.boolean().optional(),
  description: z.string().optional(),
  labels: z.looseObject({ tags: z.array(z.string()).optional() }).optional(),
  originalYamlString: z
    .string()
    .refine((s) => {
      try {
        YAML.parse(s);
        return true;
      } catch {
        return false;
      }
    }, "originalYamlString must be valid YAML")
    .optional(),
  project: z.string().optional(),
  projectId: z.string().optional(),
});

export const pipelineSchema = z.looseObject({
  version: z.union([z.literal("1.0"), z.literal(1)]).optional(),
  kind: z.literal("pipeline").optional(),
  metadata: metadataSchema,
  spec: specSchema.default(() => specSchema.parse({})),
});
export type PipelineInput = z.infer<typeof pipelineSchema>;

export const projectCreateSchema = z.looseObject({
  projectName: z.string().min(1),
  tags: z.array(z.string()).default([]),
  variables: z.array(variableSchema).default([]),
});

/** PATCH: the openapi `x-allowed` list is projectName and tags; the TF provider also sends variables. */
export const projectPatchSchema = z.looseObject({
  projectName: z.string().min(1).optional(),
  tags: z.array(z.string()).optional(),
  variables: z.array(variableSchema).optional(),
});

const ANNOTATION_KEY = /^[A-Za-z0-9_]+$/;

export const runSchema = z.looseObject({
  branch: z.string().optional(),
  sha: z.string().optional(),
  trigger: z.string().optional(),
  // Both shapes are sent by official clients (notes §1).
  variables: z
    .union([
      z.record(z.string(), scalar),
      z.array(z.looseObject({ key: z.string().min(1), value: scalar, encrypted: z.boolean().optional() })),
    ])
    .optional(),
  annotations: z
    .record(z.string().regex(ANNOTATION_KEY, "annotation keys must match ^[A-Za-z0-9_]+$"), scalar)
    .optional(),
  contexts: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  userYamlDescriptor: z.string().optional(),
  userMachineConfig: z.record(z.string(), z.unknown()).optional(),
});
export type RunInput = z.infer<typeof runSchema>;

/** Zod issues as a compact context for the 400 body. */
export function issues(error: z.ZodError): { details: { path: string; message: string }[] } {
  return { details: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
}

export function firstIssue(error: z.ZodError): string {
  const i = error.issues[0];
  return i ? `"${i.path.join(".") || "body"}": ${i.message}` : "invalid body";
}
