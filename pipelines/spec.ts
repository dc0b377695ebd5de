// A typed model of the Codefresh YAML this stack generates (codefresh.yml, `spec` of the API
// document): only the fields our pipelines use, so a typo is a compile error, not a step that
// Codefresh silently ignores (freestyle steps accept unknown keys).

export type StepType = "freestyle" | "git-clone" | "build" | "push";

interface CommonStep {
  readonly title?: string;
  readonly description?: string;
  readonly stage?: string;
  /** false: the pipeline goes on when this step fails. */
  readonly fail_fast?: boolean;
  readonly timeout?: string;
  readonly retry?: { readonly maxAttempts: number; readonly delay?: number; readonly exponentialFactor?: number };
  readonly when?: { readonly branch?: { readonly only?: string[]; readonly ignore?: string[] }; readonly condition?: { readonly all?: Record<string, string>; readonly any?: Record<string, string> } };
}

export interface FreestyleStep extends CommonStep {
  readonly type?: "freestyle";
  readonly image: string;
  readonly shell?: "sh" | "bash";
  readonly working_directory?: string;
  /** `KEY=value` entries; values may use `${{VAR}}` interpolation. */
  readonly environment?: string[];
  readonly commands: string[];
}

export interface GitCloneStep extends CommonStep {
  readonly type: "git-clone";
  readonly repo: string;
  readonly revision?: string;
  readonly git?: string;
  readonly depth?: number;
}

export interface BuildStep extends CommonStep {
  readonly type: "build";
  readonly image_name: string;
  readonly working_directory?: string;
  readonly dockerfile?: string;
  readonly tag?: string;
  readonly registry?: string;
  readonly disable_push?: boolean;
}

export interface PushStep extends CommonStep {
  readonly type: "push";
  readonly candidate: string;
  readonly tag?: string;
  readonly image_name?: string;
  readonly registry?: string;
}

export type Step = FreestyleStep | GitCloneStep | BuildStep | PushStep;

/** A pipeline hook: one exec container, or several steps. */
export type Hook =
  | { readonly exec: { readonly image: string; readonly shell?: "sh" | "bash"; readonly commands: string[] } }
  | { readonly mode?: "sequential" | "parallel"; readonly fail_fast?: boolean; readonly steps: Record<string, FreestyleStep> };

export interface PipelineHooks {
  readonly on_elected?: Hook;
  readonly on_success?: Hook;
  readonly on_fail?: Hook;
  readonly on_finish?: Hook;
}

/** codefresh.yml. Step order is the insertion order of `steps` (never name steps "1", "2"…). */
export interface PipelineSpec {
  readonly version: "1.0";
  readonly mode?: "sequential" | "parallel";
  readonly fail_fast?: boolean;
  readonly stages?: string[];
  readonly steps: Record<string, Step>;
  readonly hooks?: PipelineHooks;
}

/** API pipeline-document fields that are not part of codefresh.yml. */
export interface PipelineVariable {
  readonly key: string;
  readonly value: string;
  readonly encrypted: boolean;
}

export interface GitTrigger {
  readonly type: "git";
  readonly name: string;
  readonly repo: string;
  readonly events: string[];
  readonly branchRegex: string;
  readonly provider: string;
  readonly context: string;
  readonly disabled: boolean;
}

export interface CronTrigger {
  readonly type: "cron";
  readonly name: string;
  readonly message: string;
  readonly expression: string;
  readonly disabled: boolean;
}

/** One pipeline of this stack: its name in the project, its YAML model and its API settings. */
export interface PipelineDefinition {
  /** Name within the Codefresh project. */
  readonly name: string;
  readonly description: string;
  readonly tags: string[];
  readonly spec: PipelineSpec;
  readonly variables: PipelineVariable[];
  readonly triggers: GitTrigger[];
  readonly cronTriggers: CronTrigger[];
  readonly contexts: string[];
  /** Builds of this pipeline that may run at once (`spec.concurrency`, 0 = unlimited); absent = Codefresh's default. */
  readonly concurrency?: number;
}

/** Placeholder of an encrypted variable: the platform team sets the real value in Codefresh. */
export const ENCRYPTED_PLACEHOLDER = "set-in-codefresh";

export function plainVariable(key: string, value: string): PipelineVariable {
  return { key, value, encrypted: false };
}

export function encryptedVariable(key: string): PipelineVariable {
  return { key, value: ENCRYPTED_PLACEHOLDER, encrypted: true };
}

/** Key names must be real step names: integer-like keys would be reordered by JS objects. */
export function assertStepNames(spec: PipelineSpec): void {
  const names = [...Object.keys(spec.steps), ...Object.values(spec.hooks ?? {}).flatMap((h: Hook) => ("steps" in h ? Object.keys(h.steps) : []))];
  for (const n of names) if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(n)) throw new Error(`step name ${JSON.stringify(n)} must start with a letter or _`);
}
