export { CodefreshPipelines } from "./pipelines";
export type { CodefreshPipelinesArgs } from "./pipelines";
export { Pipeline, Project } from "./resources";
export type { PipelineArgs, ProjectArgs } from "./resources";
export { pipelineProvider, projectProvider, canonicalPipeline, pipelineBody } from "./provider";
