// Deploy pipeline, started by the agent with the DEPLOY_VARIABLES (no git trigger): check the
// request, deploy (helm upgrade by default, replaceable per stack config), then on_finish record
// the deployment, update the environment and close the Port run.
import { RUN_ID_PATTERN } from "../blueprints/identifiers";
import { DEPLOY_VARIABLES } from "../blueprints/vocabulary";
import { CodefreshConfig, DeployStepConfig } from "./config";
import { portVariables, reportingHooks } from "./port-reporting";
import { deployReporterScript } from "./reporters";
import { FreestyleStep, PipelineDefinition, plainVariable } from "./spec";

export type DeployPipelineConfig = CodefreshConfig["deployPipelines"][number];

/**
 * Fails the build (and so closes the run FAILURE) when the agent's variables are missing or
 * malformed. Reads them as environment variables: never interpolated into the YAML or a command.
 */
export function checkRequestScript(): string {
  const v = DEPLOY_VARIABLES;
  return `set -euo pipefail
for v in ${v.runId} ${v.image} ${v.imageRef} ${v.environment} ${v.product}; do
  if [ -z "\${!v:-}" ]; then echo "missing build variable $v: this pipeline is started by the Port agent" >&2; exit 1; fi
done
run_id_pattern='${RUN_ID_PATTERN.source}'
if ! [[ "$${v.runId}" =~ $run_id_pattern ]]; then echo "${v.runId} is not a Port run id" >&2; exit 1; fi
echo "deploying $${v.image} ($${v.imageRef}) to $${v.environment} of $${v.product} for Port run $${v.runId}"`;
}

/** The deploy step's container and commands for the configured kind. */
export function deployStep(deploy: DeployStepConfig): FreestyleStep {
  const v = DEPLOY_VARIABLES;
  switch (deploy.kind) {
    case "helm":
      return {
        title: "Deploy (helm upgrade)",
        stage: "deploy",
        image: deploy.image,
        commands: [
          `helm upgrade --install "$${v.product}" "$HELM_CHART" --kube-context "$KUBE_CONTEXT" --namespace "$${v.environment}" --create-namespace --set-string "image.reference=$${v.imageRef}" --wait --atomic --timeout ${deploy.timeout}`,
        ],
      };
    case "kubectl":
      return {
        title: "Deploy (kubectl set image)",
        stage: "deploy",
        image: deploy.image,
        commands: [
          `kubectl --context "$KUBE_CONTEXT" --namespace "$${v.environment}" set image "deployment/${deploy.deployment}" "${deploy.container}=$${v.imageRef}"`,
          `kubectl --context "$KUBE_CONTEXT" --namespace "$${v.environment}" rollout status "deployment/${deploy.deployment}" --timeout 10m`,
        ],
      };
    case "custom":
      return { title: "Deploy", stage: "deploy", image: deploy.image, commands: [...deploy.commands] };
  }
}

export function deployPipeline(cf: CodefreshConfig, p: DeployPipelineConfig, portApiUrl: string): PipelineDefinition {
  const deployVars = p.deploy.kind === "helm"
    ? [plainVariable("HELM_CHART", p.deploy.chart), plainVariable("KUBE_CONTEXT", p.deploy.kubeContext)]
    : p.deploy.kind === "kubectl" ? [plainVariable("KUBE_CONTEXT", p.deploy.kubeContext)] : [];
  return {
    name: p.name,
    description: p.description ?? "Deploy an image to an environment, requested from Port",
    tags: ["developer-portal", "deploy"],
    spec: {
      version: "1.0",
      stages: ["check", "deploy"],
      steps: {
        check_request: { title: "Check the deploy request", stage: "check", image: cf.reporterImage, shell: "bash", commands: [checkRequestScript()] },
        deploy: deployStep(p.deploy),
      },
      hooks: reportingHooks(cf, "report_deploy", deployReporterScript(), ["check_request", "deploy"]),
    },
    variables: [...deployVars, ...portVariables(portApiUrl)],
    triggers: [],
    cronTriggers: [],
    contexts: [],
    // One deploy at a time by default: see `concurrency` in config.ts for the trade-off.
    concurrency: p.concurrency,
  };
}
