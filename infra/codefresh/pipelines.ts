// The Codefresh half of the stack: the project and every pipeline (CI per service, deploy, PR
// preview, drift check), applied through the Codefresh dynamic providers.
import * as pulumi from "@pulumi/pulumi";
import { allPipelines, pipelineResourceInputs, stackPipelines } from "../../pipelines";
import type { CodefreshConfig } from "../../pipelines/config";
import { Pipeline, Project } from "./resources";

export interface CodefreshPipelinesArgs {
  /** The stack config's `codefresh` section: it decides the pipelines. */
  readonly codefresh: CodefreshConfig;
  /** Port API base URL the reporter scripts call (PORT_API_URL pipeline variable). */
  readonly portApiUrl: string;
}

export class CodefreshPipelines extends pulumi.ComponentResource {
  readonly project: Project;
  /** Pipelines by full name "<project>/<pipeline>". */
  readonly pipelines: Record<string, Pipeline>;
  /** Full names of every pipeline, resolved once all of them exist. */
  readonly pipelineNames: pulumi.Output<string[]>;
  /** Full names of the deploy pipelines (the agent's allowlist), resolved once they exist. */
  readonly deployPipelineNames: pulumi.Output<string[]>;

  constructor(name: string, args: CodefreshPipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
    // No inputs recorded: args are the whole `codefresh` section, which would be kept in state and
    // make every change of it a diff of this component.
    super("portal:codefresh:CodefreshPipelines", name, {}, opts);
    const cf = args.codefresh;
    this.project = new Project(`${name}-project`, { baseUrl: cf.url, name: cf.project, tags: ["developer-portal"] }, { parent: this });
    const defs = stackPipelines(cf, args.portApiUrl);
    this.pipelines = {};
    const make = (def: (typeof defs.deploy)[number]) => {
      // Steps travel in the YAML text only: the engine would sort them as object keys.
      const inputs = pipelineResourceInputs(cf.project, def);
      const pipeline = new Pipeline(
        `${name}-${def.name}`,
        { baseUrl: cf.url, name: inputs.name, project: cf.project, document: inputs.document as unknown as Record<string, unknown>, yaml: inputs.yaml },
        { parent: this, dependsOn: [this.project] },
      );
      this.pipelines[inputs.name] = pipeline;
      return pipeline;
    };
    const all = allPipelines(defs).map(make);
    const deploy = defs.deploy.map((d) => this.pipelines[`${cf.project}/${d.name}`]);
    this.pipelineNames = pulumi.all(all.map((p) => p.name));
    this.deployPipelineNames = pulumi.all(deploy.map((p) => p.name));
    this.registerOutputs({ pipelineNames: this.pipelineNames, deployPipelineNames: this.deployPipelineNames });
  }
}
