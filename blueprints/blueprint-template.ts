import { blueprint, enumProp, stringArrayProp, stringProp, urlProp } from "./dsl";
import { BLUEPRINTS, BLUEPRINT_TEMPLATE, TEMPLATE_STATUSES } from "./vocabulary";

/** PORC: an approved Terraform module, declared by the platform team in stack config. */
export const blueprintTemplate = blueprint({
  identifier: BLUEPRINTS.blueprintTemplate,
  title: "Blueprint template",
  description: "Approved Terraform module that PORC can instantiate",
  icon: "Terraform",
  ownership: { type: "Direct" },
  properties: {
    [BLUEPRINT_TEMPLATE.modulePath]: stringProp("Module path", { required: true }),
    [BLUEPRINT_TEMPLATE.repoUrl]: urlProp("Repository"),
    [BLUEPRINT_TEMPLATE.inputsRequired]: stringArrayProp("Required inputs"),
    [BLUEPRINT_TEMPLATE.owner]: stringProp("Owner"),
    [BLUEPRINT_TEMPLATE.status]: enumProp("Status", TEMPLATE_STATUSES, {
      default: "approved",
      colors: { draft: "lightGray", approved: "green", deprecated: "orange" },
    }),
    [BLUEPRINT_TEMPLATE.version]: stringProp("Version"),
  },
});
