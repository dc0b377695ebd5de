// Shared vocabulary of the catalog: blueprint identifiers, property names and the status values
// the systems really emit. Imported by blueprints/, actions/, pipelines/ and agent/ alike, so a
// rename here is a compile error everywhere instead of a silent 422 at run time.

export const BLUEPRINTS = {
  product: "product",
  image: "image",
  environment: "environment",
  deployment: "deployment",
  blueprintTemplate: "blueprint_template",
  blueprintInstance: "blueprint_instance",
} as const;
export type BlueprintId = (typeof BLUEPRINTS)[keyof typeof BLUEPRINTS];

/** Property and relation identifiers, per blueprint (identifiers of the original sample kept). */
export const PRODUCT = {
  description: "description",
  repository: "repository",
  owningTeam: "owning_team",
  bambooKey: "bamboo_key",
  /** Bamboo build plan the product's CI came from (import-bamboo). */
  bambooPlanKey: "bamboo_plan_key",
} as const;

export const IMAGE = {
  service: "service",
  branch: "image_branch",
  commit: "commit_sha",
  imageRef: "image_ref",
  build: "codefresh_build",
  buildResult: "codefresh_build_result",
  createdAt: "created_at",
  buildsOfBranch: "builds_for_git_repo_and_branch",
  product: "product",
} as const;

export const ENVIRONMENT = {
  kind: "kind",
  deploymentBuild: "cf_deployment_build",
  deploymentBuildStatus: "cf_deployment_build_status",
  lastDeploymentTimestamp: "last_deployment_timestamp",
  /** Mirror of the deployed image's build time (identifier of the original sample). */
  imageCreatedAt: "created_at",
  /** Mirror of the deployed image's branch (the production-readiness scorecard reads it). */
  imageBranch: "image_branch",
  product: "product",
  imageDeployed: "image_deployed",
} as const;

export const DEPLOYMENT = {
  status: "status",
  build: "build_url",
  startedAt: "started_at",
  finishedAt: "finished_at",
  requestedBy: "requested_by",
  runLink: "run_link",
  runId: "run_id",
  image: "image",
  environment: "environment",
  product: "product",
} as const;

export const BLUEPRINT_TEMPLATE = {
  modulePath: "module_path",
  repoUrl: "repo_url",
  inputsRequired: "inputs_required",
  owner: "owner",
  status: "status",
  version: "version",
} as const;

export const BLUEPRINT_INSTANCE = {
  workspaceId: "workspace_id",
  terraformStatus: "terraform_status",
  runId: "run_id",
  region: "region",
  repoUrl: "repo_url",
  tfeLink: "tfe_link",
  /** The template's identifier as PORC writes it (PORC sends no relations). */
  blueprint: "blueprint",
  template: "template",
  /** Calculation property: link to PORC's GET /run/{run_id}/summary (declared when PORC is configured). */
  porcSummary: "porc_summary",
} as const;

export const ENVIRONMENT_KINDS = ["Dev", "Staging", "Production"] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/**
 * Build states as Codefresh reports them (GET /api/builds/{id} `status`): `running` while the
 * deploy is under way, then one terminal value. The sample's "failure" is not a Codefresh value.
 */
export const BUILD_STATUSES = ["running", "success", "error", "terminated", "denied"] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** PORC run states, exactly as PORC's RunState enum names them. */
export const PORC_RUN_STATES = [
  "submitted", "building", "built", "planning", "planned", "plan_failed",
  "applying", "applied", "apply_failed", "cancelled",
] as const;

/**
 * Every terraform_status PORC may write to an instance. PORC's code has no Port writer, so this
 * is generous on purpose (an unknown value is a 422 that loses PORC's write): its RunState enum,
 * plus the statuses its API document says build/plan/apply answer (rendered, plan_queued,
 * apply_queued) and the status of its Port-sync example (apply_complete).
 */
export const PORC_TERRAFORM_STATUSES = [
  ...PORC_RUN_STATES,
  "rendered", "plan_queued", "apply_queued", "apply_complete",
] as const;

export const TEMPLATE_STATUSES = ["draft", "approved", "deprecated"] as const;

/** Codefresh build variables the agent passes to the deploy pipeline (DESIGN.md §5). */
export const DEPLOY_VARIABLES = {
  runId: "PORT_RUN_ID",
  image: "PORT_IMAGE",
  imageRef: "PORT_IMAGE_REF",
  environment: "PORT_ENVIRONMENT",
  product: "PORT_PRODUCT",
} as const;

/** Annotation that ties a Codefresh build to its Port run (keys must match ^[A-Za-z0-9_]+$). */
export const RUN_ID_ANNOTATION = "port_run_id";

/**
 * Aggregation properties of the image blueprint (pages show them once the blueprint declares
 * them): how many environments currently run the image.
 */
export const IMAGE_AGGREGATIONS = {
  environmentsRunning: "environments_running",
} as const;
