// CI pipeline of one service repository: clone, build, push to the configured registry, then
// (success or failure) upsert the `image` entity in Port.
import { CodefreshConfig } from "./config";
import { portVariables, reportingHooks } from "./port-reporting";
import { IMAGE_TAG_TEMPLATE, imageReporterScript } from "./reporters";
import { PipelineDefinition, plainVariable } from "./spec";

export type ServiceConfig = CodefreshConfig["services"][number];

export function ciPipelineName(service: ServiceConfig): string {
  return `ci-${service.name}`;
}

export function ciPipeline(cf: CodefreshConfig, service: ServiceConfig, portApiUrl: string): PipelineDefinition {
  const main = ["clone", "build", "push"];
  return {
    name: ciPipelineName(service),
    description: `Build and push ${service.repository}; report the image to Port`,
    tags: ["developer-portal", "ci", `product:${service.product}`],
    spec: {
      version: "1.0",
      stages: ["clone", "build", "push"],
      steps: {
        clone: {
          title: "Clone",
          type: "git-clone",
          stage: "clone",
          repo: "${{CF_REPO_OWNER}}/${{CF_REPO_NAME}}",
          revision: "${{CF_REVISION}}",
          git: cf.git,
        },
        build: {
          title: "Build image",
          type: "build",
          stage: "build",
          working_directory: "${{clone}}",
          image_name: service.name,
          dockerfile: service.dockerfile,
          tag: IMAGE_TAG_TEMPLATE,
          // Pushed by the explicit push step below, so a failed build never reaches the registry.
          disable_push: true,
        },
        push: {
          title: "Push image",
          type: "push",
          stage: "push",
          candidate: "${{build}}",
          image_name: service.name,
          tag: IMAGE_TAG_TEMPLATE,
          registry: cf.registry,
        },
      },
      hooks: reportingHooks(cf, "report_image", imageReporterScript(), main),
    },
    variables: [
      plainVariable("SERVICE_NAME", service.name),
      plainVariable("PRODUCT_ID", service.product),
      plainVariable("IMAGE_REPOSITORY", cf.imageRepositoryPrefix.replace(/\/+$/, "")),
      ...portVariables(portApiUrl),
    ],
    triggers: [
      {
        type: "git",
        name: "push",
        repo: service.repository,
        events: ["push.heads"],
        branchRegex: "/.*/gi",
        provider: "github",
        context: cf.git,
        disabled: false,
      },
    ],
    cronTriggers: [],
    contexts: [],
  };
}
