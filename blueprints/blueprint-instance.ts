import { blueprint, type Blueprint, calculatedUrl, enumProp, relation, stringProp, urlProp } from "./dsl";
import { blueprintTemplate } from "./blueprint-template";
import { BLUEPRINTS, BLUEPRINT_INSTANCE, PORC_TERRAFORM_STATUSES } from "./vocabulary";

/** PORC's summary of a run, which its wiki says Port consumes for display (GET, `/run/` form in code and wiki). */
export const PORC_SUMMARY_PATH = "/run/{run_id}/summary";

const spec = {
  identifier: BLUEPRINTS.blueprintInstance,
  title: "Blueprint instance",
  description: "Infrastructure instantiated from a template by PORC",
  icon: "Terraform",
  // Owners come from the template when the relation is set; PORC's own writes leave it empty.
  ownership: { type: "Inherited", path: BLUEPRINT_INSTANCE.template },
  properties: {
    [BLUEPRINT_INSTANCE.workspaceId]: stringProp("Workspace"),
    [BLUEPRINT_INSTANCE.terraformStatus]: enumProp("Terraform status", PORC_TERRAFORM_STATUSES, {
      colors: {
        submitted: "lightGray", building: "blue", built: "turquoise", planning: "blue", planned: "turquoise",
        plan_failed: "red", applying: "blue", applied: "green", apply_failed: "red", cancelled: "darkGray",
        rendered: "turquoise", plan_queued: "blue", apply_queued: "blue", apply_complete: "green",
      },
    }),
    // PORC's run ids are [\w-]+; the pattern also keeps them safe to splice into webhook URLs.
    [BLUEPRINT_INSTANCE.runId]: stringProp("PORC run id", { pattern: "^[A-Za-z0-9_.-]+$" }),
    // PORC names the template by this property and sends no relations (its wiki's upsert).
    [BLUEPRINT_INSTANCE.blueprint]: stringProp("Template (as PORC names it)", { description: "Identifier of the blueprint_template PORC instantiated" }),
    [BLUEPRINT_INSTANCE.region]: stringProp("Region"),
    [BLUEPRINT_INSTANCE.repoUrl]: urlProp("Repository"),
    [BLUEPRINT_INSTANCE.tfeLink]: urlProp("Terraform run"),
  },
  relations: {
    // Optional: a required relation makes PORC's relation-less upsert a 422 (issue 16).
    [BLUEPRINT_INSTANCE.template]: relation(blueprintTemplate, "Template"),
  },
} as const;

/** PORC: one instantiated template, written by the PORC orchestrator as it plans/applies. */
export const blueprintInstance = blueprint(spec);

/** jq over an instance entity: PORC's summary URL of its run, or null while it has no run id. */
export function porcSummaryCalculation(porcUrl: string): string {
  const base = porcUrl.replace(/\/+$/, "");
  const [before, after] = PORC_SUMMARY_PATH.split("{run_id}");
  const runId = `.properties.${BLUEPRINT_INSTANCE.runId}`;
  return `if ((${runId} // "") == "") then null else ${JSON.stringify(base + before)} + ${runId} + ${JSON.stringify(after)} end`;
}

/** The instance blueprint of a stack that knows PORC's URL: each instance links to its PORC summary. */
export function blueprintInstanceFor(opts: { readonly porcUrl?: string }): Blueprint {
  if (!opts.porcUrl) return blueprintInstance;
  return blueprint({
    ...spec,
    calculationProperties: {
      [BLUEPRINT_INSTANCE.porcSummary]: calculatedUrl("PORC summary", porcSummaryCalculation(opts.porcUrl), { description: "PORC's summary of the instance's run" }),
    },
  });
}
