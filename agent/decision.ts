// The pure core of the agent: given one deploy request, the image and environment entities as
// Port holds them and the allowlist, decide whether to start a build and with what exactly.
// No I/O here, so every rule is tested without a network and the effects stay thin.
import { deployActions } from "../actions/deploy";
import { DEPLOY_ACTIONS, DeployRequest } from "../actions/deploy-request";
import { deploymentIdentifier } from "../blueprints/identifiers";
import { DEPLOY_VARIABLES, DEPLOYMENT, ENVIRONMENT, EnvironmentKind, IMAGE, RUN_ID_ANNOTATION } from "../blueprints/vocabulary";
import type { RunStatus } from "../clients/port";
import { redact } from "./redact";

/** The parts of a Port entity the decision reads. */
export interface EntityView {
  readonly identifier: string;
  readonly properties?: Record<string, unknown>;
  readonly relations?: Record<string, unknown>;
}

export interface StartBuild {
  readonly kind: "start";
  readonly pipeline: string;
  readonly product: string;
  /** Exactly what Codefresh receives: no user data, not the message. */
  readonly variables: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export interface Refuse {
  readonly kind: "refuse";
  /** Shown to the developer as the Port run summary. */
  readonly summary: string;
}

export type Decision = StartBuild | Refuse;

export interface DecisionInput {
  readonly request: DeployRequest;
  /** undefined when Port has no such entity. */
  readonly image: EntityView | undefined;
  readonly environment: EntityView | undefined;
  readonly allowedPipelines: readonly string[];
  /**
   * The stack's `approvals.production`: Production environments are deployed only through the
   * action Port holds for an approver. Port merely hides the other actions there; a run created
   * through Port's API for them still reaches the topic, so the agent must refuse it itself.
   */
  readonly requireProductionApproval: boolean;
}

/** ENVIRONMENT.kind of the environments that need an approved deploy (checked against ENVIRONMENT_KINDS). */
const PRODUCTION_KIND = "Production" satisfies EnvironmentKind;

/** Title of the approval action as Port shows it, taken from its declaration (actions/deploy.ts). */
let approvalActionTitle: string | undefined;
function approvalAction(): string {
  approvalActionTitle ??=
    deployActions({ pipelines: ["-/-"], requireApprovalForProduction: true }).find((a) => a.identifier === DEPLOY_ACTIONS.fromEnvironmentWithApproval)?.body.title ??
    DEPLOY_ACTIONS.fromEnvironmentWithApproval;
  return approvalActionTitle;
}

export function decide({ request, image, environment, allowedPipelines, requireProductionApproval }: DecisionInput): Decision {
  const refuse = (summary: string): Refuse => ({ kind: "refuse", summary });
  if (!allowedPipelines.includes(request.pipeline)) {
    return refuse(`pipeline "${request.pipeline}" is not one this agent may start (allowed: ${allowedPipelines.join(", ")})`);
  }
  const missing = [
    image ? undefined : `image ${request.image}`,
    environment ? undefined : `environment ${request.environment}`,
  ].filter(Boolean);
  if (!image || !environment) return refuse(`${missing.join(" and ")} ${missing.length > 1 ? "do" : "does"} not exist in Port`);
  if (requireProductionApproval && environment.properties?.[ENVIRONMENT.kind] === PRODUCTION_KIND && request.action !== DEPLOY_ACTIONS.fromEnvironmentWithApproval) {
    return refuse(`environment ${environment.identifier} is ${PRODUCTION_KIND}: deploy it with "${approvalAction()}"`);
  }

  const imageProduct = relationTarget(image, IMAGE.product);
  const envProduct = relationTarget(environment, ENVIRONMENT.product);
  if (!imageProduct) return refuse(`image ${image.identifier} belongs to no product`);
  if (!envProduct) return refuse(`environment ${environment.identifier} belongs to no product`);
  if (imageProduct !== envProduct) {
    return refuse(`image ${image.identifier} belongs to product ${imageProduct}, environment ${environment.identifier} to product ${envProduct}`);
  }
  const buildResult = image.properties?.[IMAGE.buildResult];
  if (typeof buildResult === "string" && buildResult !== "success") {
    return refuse(`image ${image.identifier} was not built successfully (build result: ${buildResult})`);
  }
  const imageRef = image.properties?.[IMAGE.imageRef];
  if (typeof imageRef !== "string" || imageRef.trim() === "") return refuse(`image ${image.identifier} has no image reference (${IMAGE.imageRef})`);

  return {
    kind: "start",
    pipeline: request.pipeline,
    product: imageProduct,
    variables: {
      [DEPLOY_VARIABLES.runId]: request.runId,
      [DEPLOY_VARIABLES.image]: image.identifier,
      [DEPLOY_VARIABLES.imageRef]: imageRef,
      [DEPLOY_VARIABLES.environment]: environment.identifier,
      [DEPLOY_VARIABLES.product]: imageProduct,
    },
    annotations: { [RUN_ID_ANNOTATION]: request.runId },
  };
}

function relationTarget(entity: EntityView, name: string): string | undefined {
  const value = entity.relations?.[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Port web link to a run, shown on the deployment entity. */
export function runLink(portAppUrl: string, runId: string): string {
  return `${portAppUrl.replace(/\/+$/, "")}/organization/run?runId=${encodeURIComponent(runId)}`;
}

/** The deployment entity the agent writes when it starts a build (the pipeline later merges status). */
export function deploymentEntity(args: {
  request: DeployRequest;
  start: StartBuild;
  buildUrl: string;
  startedAt: string;
  runLink: string;
}): Record<string, unknown> {
  const { request, start } = args;
  const properties: Record<string, unknown> = {
    [DEPLOYMENT.status]: "running",
    [DEPLOYMENT.build]: args.buildUrl,
    [DEPLOYMENT.startedAt]: args.startedAt,
    [DEPLOYMENT.runId]: request.runId,
    [DEPLOYMENT.runLink]: args.runLink,
  };
  // The one place the user's e-mail goes: Port already knows it, Codefresh never sees it.
  if (request.requestedBy) properties[DEPLOYMENT.requestedBy] = request.requestedBy;
  return {
    identifier: deploymentIdentifier(request.runId),
    title: `${request.image} → ${request.environment}`,
    properties,
    relations: {
      [DEPLOYMENT.image]: request.image,
      [DEPLOYMENT.environment]: request.environment,
      [DEPLOYMENT.product]: start.product,
    },
  };
}

/** How the reaper closes a run whose build ended without the pipeline reporting it. */
export function reapOutcome(buildId: string, buildStatus: string): { status: RunStatus; summary: string } {
  switch (buildStatus) {
    case "success":
      return { status: "SUCCESS", summary: `Deploy build ${buildId} succeeded, but its pipeline did not report back; closed by the agent's reaper` };
    case "terminated":
      return { status: "FAILURE", summary: `Deploy build ${buildId} was terminated before it could report` };
    case "denied":
      return { status: "FAILURE", summary: `Deploy build ${buildId} was denied approval in Codefresh` };
    default:
      // Codefresh's word, not ours: redacted and short.
      return { status: "FAILURE", summary: `Deploy build ${buildId} ended with status ${redact(buildStatus, 40)} without reporting back` };
  }
}
