// The deploy-request contract (DESIGN.md §4): the one flat message both deploy actions render
// into Port's Kafka topic, and the one schema the agent validates it with. Both sides import
// this module, so the payload template and the parser cannot drift apart.
import { z } from "zod";
import { ENTITY_IDENTIFIER_MAX, ENTITY_IDENTIFIER_PATTERN, RUN_ID_PATTERN } from "../blueprints/identifiers";

/** Identifiers of the actions that send deploy requests. */
export const DEPLOY_ACTIONS = {
  fromEnvironment: "deploy_image",
  fromEnvironmentWithApproval: "deploy_image_with_approval",
  fromImage: "deploy_this_image_to_an_env",
} as const;
export type DeployActionId = (typeof DEPLOY_ACTIONS)[keyof typeof DEPLOY_ACTIONS];

const entityIdentifier = () =>
  z.string().min(1).max(ENTITY_IDENTIFIER_MAX).regex(ENTITY_IDENTIFIER_PATTERN, "not a valid Port entity identifier");

/**
 * Schema of one deploy request. Unknown keys are tolerated (stripped): teams may add fields to
 * the payload without breaking older agents. Built by a function so run-time code can build it
 * once while serialized deploy-time code never captures a schema object.
 */
export function deployRequestSchema() {
  return z.object({
    /** Port run id ("r_…"), the idempotency key of the whole flow. */
    runId: z.string().regex(RUN_ID_PATTERN, "not a Port run id"),
    /** Which action sent it (informational: both produce the same message). */
    action: z.string().min(1).max(100),
    /** Identifier of the image entity to deploy. */
    image: entityIdentifier(),
    /** Identifier of the environment entity to deploy to. */
    environment: entityIdentifier(),
    /** Codefresh pipeline (full name "project/pipeline" or id); must be in the agent's allowlist. */
    pipeline: z.string().min(1).max(200),
    /** E-mail of the user who clicked; kept in Port (deployment entity), never sent to Codefresh. */
    requestedBy: z.string().max(320).nullish().transform((v) => (v && v !== "null" ? v : undefined)),
  });
}

export type DeployRequest = z.output<ReturnType<typeof deployRequestSchema>>;

/** Keys of the message, for the payload template below and for documentation. */
export const DEPLOY_REQUEST_KEYS = ["runId", "action", "image", "environment", "pipeline", "requestedBy"] as const;

/**
 * Port `invocationMethod.payload` template yielding a DeployRequest. Entity inputs arrive as
 * objects in v2 actions (as strings when a run is created through the API), so both are handled.
 */
export function deployRequestPayload(side: { image: string; environment: string }): Record<(typeof DEPLOY_REQUEST_KEYS)[number], string> {
  return {
    runId: "{{ .run.id }}",
    action: "{{ .action.identifier }}",
    image: side.image,
    environment: side.environment,
    pipeline: "{{ .inputs.cf_pipeline }}",
    requestedBy: "{{ .trigger.by.user.email }}",
  };
}

/** jq for "the identifier of entity input X", object or string. */
export function entityInputJq(input: string): string {
  return `{{ .inputs.${input} | if type == "object" then .identifier else . end }}`;
}

/**
 * Best-effort run id from a message that failed validation, so the run can still be closed
 * FAILURE with a reason instead of staying IN_PROGRESS forever.
 */
export function recoverRunId(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  const candidates = [m.runId, (m.run as Record<string, unknown> | undefined)?.id, (m.context as Record<string, unknown> | undefined)?.runId];
  for (const c of candidates) if (typeof c === "string" && RUN_ID_PATTERN.test(c)) return c;
  return undefined;
}
