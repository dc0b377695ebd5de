import { blueprint, enumProp, relation, stringProp, urlProp } from "./dsl";
import { blueprintTemplate } from "./blueprint-template";
import { BLUEPRINTS, BLUEPRINT_INSTANCE, PORC_RUN_STATES } from "./vocabulary";

/** PORC: one instantiated template, written by the PORC orchestrator as it plans/applies. */
export const blueprintInstance = blueprint({
  identifier: BLUEPRINTS.blueprintInstance,
  title: "Blueprint instance",
  description: "Infrastructure instantiated from a template by PORC",
  icon: "Terraform",
  ownership: { type: "Inherited", path: BLUEPRINT_INSTANCE.template },
  properties: {
    [BLUEPRINT_INSTANCE.workspaceId]: stringProp("Workspace"),
    [BLUEPRINT_INSTANCE.terraformStatus]: enumProp("Terraform status", PORC_RUN_STATES, {
      colors: {
        submitted: "lightGray", building: "blue", built: "turquoise", planning: "blue", planned: "turquoise",
        plan_failed: "red", applying: "blue", applied: "green", apply_failed: "red", cancelled: "darkGray",
      },
    }),
    [BLUEPRINT_INSTANCE.runId]: stringProp("PORC run id", { pattern: "^[A-Za-z0-9_.-]+$" }),
    [BLUEPRINT_INSTANCE.region]: stringProp("Region"),
    [BLUEPRINT_INSTANCE.repoUrl]: urlProp("Repository"),
    [BLUEPRINT_INSTANCE.tfeLink]: urlProp("Terraform run"),
  },
  relations: {
    [BLUEPRINT_INSTANCE.template]: relation(blueprintTemplate, "Template", { required: true }),
  },
});
