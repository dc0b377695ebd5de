// The two deploy actions (DESIGN.md §1.2): from an environment, pick an image; from an image,
// pick an environment. Both send the same DeployRequest message to Port's Kafka topic.
import { BLUEPRINTS, ENVIRONMENT, ENVIRONMENT_KINDS, IMAGE } from "../blueprints/vocabulary";
import { action, PortAction } from "./action";
import { DEPLOY_ACTIONS, deployRequestPayload, entityInputJq } from "./deploy-request";

export interface DeployActionsArgs {
  /** Codefresh deploy pipelines offered to the user; the first is the default. */
  readonly pipelines: readonly string[];
  /** Deploys to Production environments wait for an approver (Port requiredApproval). */
  readonly requireApprovalForProduction: boolean;
}

const PRODUCTION: (typeof ENVIRONMENT_KINDS)[number] = "Production";

/** Entity inputs list only entities of the product the action's entity (an image or an environment) belongs to. */
function sameProductRule(side: typeof IMAGE.product | typeof ENVIRONMENT.product) {
  return { operator: "relatedTo", blueprint: BLUEPRINTS.product, value: { jqQuery: `.entity.relations.${side}` } };
}

function pipelineInput(pipelines: readonly string[]) {
  return {
    type: "string",
    title: "Codefresh pipeline",
    description: "Deploy pipeline to run",
    icon: "Codefresh",
    enum: [...pipelines],
    default: pipelines[0],
  };
}

export function deployActions(args: DeployActionsArgs): PortAction[] {
  if (args.pipelines.length === 0) throw new Error("deploy actions need at least one deploy pipeline");
  const fromEnvironment = (identifier: string, title: string, approval: boolean, kindRule?: Record<string, unknown>) =>
    action({
      identifier,
      title,
      icon: "Codefresh",
      description: "Deploy an image of this environment's product with Codefresh",
      trigger: {
        type: "self-service",
        operation: "DAY-2",
        blueprintIdentifier: BLUEPRINTS.environment,
        userInputs: {
          properties: {
            image: {
              type: "string",
              format: "entity",
              blueprint: BLUEPRINTS.image,
              title: "Image",
              icon: "Package",
              dataset: { combinator: "and", rules: [sameProductRule(ENVIRONMENT.product)] },
              sort: { property: IMAGE.createdAt, order: "DESC" },
            },
            cf_pipeline: pipelineInput(args.pipelines),
          },
          required: ["image", "cf_pipeline"],
          order: ["image", "cf_pipeline"],
        },
        ...(kindRule ? { condition: { type: "SEARCH" as const, combinator: "and" as const, rules: [kindRule] } } : {}),
      },
      invocationMethod: { type: "KAFKA", payload: deployRequestPayload({ image: entityInputJq("image"), environment: "{{ .entity.identifier }}" }) },
      requiredApproval: approval ? { type: "ANY" } : false,
    });

  const actions: PortAction[] = [];
  if (args.requireApprovalForProduction) {
    // Port's approval is per action, so Production gets its own action with the same message;
    // the entity condition makes exactly one of the two appear on any environment.
    actions.push(fromEnvironment(DEPLOY_ACTIONS.fromEnvironment, "Deploy an image to this environment", false, { property: ENVIRONMENT.kind, operator: "!=", value: PRODUCTION }));
    actions.push(fromEnvironment(DEPLOY_ACTIONS.fromEnvironmentWithApproval, "Deploy an image to this environment (approval required)", true, { property: ENVIRONMENT.kind, operator: "=", value: PRODUCTION }));
  } else {
    actions.push(fromEnvironment(DEPLOY_ACTIONS.fromEnvironment, "Deploy an image to this environment", false));
  }

  // From the image side the environment is an input, which an approval cannot depend on: with
  // approvals on, Production is not offered here (it stays reachable, with approval, above).
  const targetRules: Record<string, unknown>[] = [sameProductRule(IMAGE.product)];
  if (args.requireApprovalForProduction) targetRules.push({ property: ENVIRONMENT.kind, operator: "!=", value: PRODUCTION });
  actions.push(
    action({
      identifier: DEPLOY_ACTIONS.fromImage,
      title: "Deploy this image to an environment",
      icon: "Codefresh",
      description: "Deploy this image to an environment of its product with Codefresh",
      trigger: {
        type: "self-service",
        operation: "DAY-2",
        blueprintIdentifier: BLUEPRINTS.image,
        userInputs: {
          properties: {
            environment_target: {
              type: "string",
              format: "entity",
              blueprint: BLUEPRINTS.environment,
              title: "Environment",
              icon: "Environment",
              dataset: { combinator: "and", rules: targetRules },
            },
            cf_pipeline: pipelineInput(args.pipelines),
          },
          required: ["environment_target", "cf_pipeline"],
          order: ["environment_target", "cf_pipeline"],
        },
      },
      invocationMethod: { type: "KAFKA", payload: deployRequestPayload({ image: "{{ .entity.identifier }}", environment: entityInputJq("environment_target") }) },
      requiredApproval: false,
    }),
  );
  return actions;
}
