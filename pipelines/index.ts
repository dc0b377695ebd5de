// Every pipeline this stack declares, from the `codefresh` config section.
import { ciPipeline } from "./ci";
import { CodefreshConfig } from "./config";
import { deployPipeline } from "./deploy";
import { driftCheckPipeline } from "./drift-check";
import { prPreviewPipeline } from "./pr-preview";
import { PipelineDefinition } from "./spec";

export interface StackPipelines {
  readonly ci: PipelineDefinition[];
  readonly deploy: PipelineDefinition[];
  readonly prPreview?: PipelineDefinition;
  readonly driftCheck?: PipelineDefinition;
}

export function stackPipelines(cf: CodefreshConfig, portApiUrl: string): StackPipelines {
  return {
    ci: cf.services.map((s) => ciPipeline(cf, s, portApiUrl)),
    deploy: cf.deployPipelines.map((p) => deployPipeline(cf, p, portApiUrl)),
    ...(cf.stack.prPreview && { prPreview: prPreviewPipeline(cf) }),
    ...(cf.stack.driftCheck && { driftCheck: driftCheckPipeline(cf) }),
  };
}

export function allPipelines(p: StackPipelines): PipelineDefinition[] {
  return [...p.ci, ...p.deploy, ...(p.prPreview ? [p.prPreview] : []), ...(p.driftCheck ? [p.driftCheck] : [])];
}

export { renderPipelineYaml, pipelineDocument, pipelineResourceInputs, canonicalSpec, YAML_SPEC_KEYS } from "./render";
export type { PipelineDocument, PipelineResourceInputs } from "./render";
export type { PipelineDefinition, PipelineSpec } from "./spec";
