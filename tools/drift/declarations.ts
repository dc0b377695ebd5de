// The pipelines and pages the stack declares, in the form drift compares: the runnable part of
// each pipeline document, and page bodies with Port's canonical page form.
import { canonicalPage } from "../../infra/port/canonical-page";
import type { JsonObject } from "../../infra/port/canonical";
import { declarePages } from "../../pages";
import { pipelineBody } from "../../infra/codefresh/provider";
import { allPipelines, pipelineResourceInputs, stackPipelines } from "../../pipelines";
import { portBaseUrl } from "../../stacks/catalog-declaration";
import type { StackConfig } from "../../stacks/config";
import type { DeclaredPipeline } from "./compare";

/**
 * Every pipeline of the stack as "project/name" and the spec Codefresh receives: built by the
 * provider's own pipelineBody from the resource inputs, so the step order compared is the one sent.
 */
export function declaredPipelines(cfg: StackConfig): DeclaredPipeline[] {
  const project = cfg.codefresh.project;
  return allPipelines(stackPipelines(cfg.codefresh, portBaseUrl(cfg))).map((def) => {
    const inputs = pipelineResourceInputs(project, def);
    return { name: inputs.name, spec: pipelineBody(inputs as unknown as { yaml: string; document: Record<string, unknown> }).spec as Record<string, unknown> };
  });
}

export interface DeclaredPages {
  readonly pages: JsonObject[];
  readonly canonical: (page: unknown) => JsonObject;
}

/** Declared pages (sidebar folders are not compared: Port lists them on another route). */
export function declaredPages(cfg: StackConfig): DeclaredPages {
  const pages = declarePages(cfg).flatMap((d) => (d.kind === "page" ? [d.body as unknown as JsonObject] : []));
  return { pages, canonical: canonicalPage };
}
