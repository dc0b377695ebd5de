// Codefresh Project and Pipeline as Pulumi resources (dynamic providers in provider.ts).
// Type tokens: pulumi-nodejs:dynamic/codefresh:Project and pulumi-nodejs:dynamic/codefresh:Pipeline.
import * as pulumi from "@pulumi/pulumi";
import { pipelineProvider, projectProvider } from "./provider";

export interface ProjectArgs {
  /** Codefresh host without /api. */
  readonly baseUrl: pulumi.Input<string>;
  readonly name: pulumi.Input<string>;
  readonly tags: pulumi.Input<pulumi.Input<string>[]>;
}

export class Project extends pulumi.dynamic.Resource {
  declare readonly baseUrl: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<string[]>;
  declare readonly projectId: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(projectProvider, name, { baseUrl: args.baseUrl, name: args.name, tags: args.tags, projectId: undefined }, opts, "codefresh", "Project");
  }
}

export interface PipelineArgs {
  /** Codefresh host without /api. */
  readonly baseUrl: pulumi.Input<string>;
  /** Full name "<project>/<pipeline>". */
  readonly name: pulumi.Input<string>;
  readonly project: pulumi.Input<string>;
  /** The API document without what the YAML carries (pipelines/render.ts pipelineResourceInputs). */
  readonly document: pulumi.Input<Record<string, unknown>>;
  /**
   * The rendered codefresh.yml: the only carrier of steps, stages and hooks, whose order the
   * engine would lose in an object (synth writes it to codefresh/pipelines/<project>/<name>.yml).
   */
  readonly yaml: pulumi.Input<string>;
}

export class Pipeline extends pulumi.dynamic.Resource {
  declare readonly baseUrl: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly project: pulumi.Output<string>;
  declare readonly document: pulumi.Output<Record<string, unknown>>;
  declare readonly yaml: pulumi.Output<string>;
  declare readonly pipelineId: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<number>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      pipelineProvider,
      name,
      { baseUrl: args.baseUrl, name: args.name, project: args.project, document: args.document, yaml: args.yaml, pipelineId: undefined, revision: undefined },
      opts,
      "codefresh",
      "Pipeline",
    );
  }
}
