// PORC day-2 actions on blueprint instances (DESIGN.md §1.6): Port calls PORC by webhook and
// PORC stays the executor, writing the instance's terraform_status back as it goes.
import { BLUEPRINTS, BLUEPRINT_INSTANCE } from "../blueprints/vocabulary";
import { action, PortAction } from "./action";

export const PORC_ACTIONS = { rerunPlan: "porc_rerun_plan", applyNow: "porc_apply_now" } as const;

export interface PorcActionsArgs {
  /** PORC API base URL, e.g. https://porc.example.internal. */
  readonly url: string;
}

export function porcActions(args: PorcActionsArgs): PortAction[] {
  const base = args.url.replace(/\/+$/, "");
  const runIdJq = `{{ .entity.properties.${BLUEPRINT_INSTANCE.runId} }}`;
  const call = (identifier: string, title: string, verb: "plan" | "apply", approval: boolean) =>
    action({
      identifier,
      title,
      icon: "Terraform",
      description: `Ask PORC to ${verb} this instance's run`,
      trigger: {
        type: "self-service",
        operation: "DAY-2",
        blueprintIdentifier: BLUEPRINTS.blueprintInstance,
        userInputs: { properties: {}, required: [] },
      },
      invocationMethod: {
        type: "WEBHOOK",
        url: `${base}/run/${runIdJq}/${verb}`,
        agent: false,
        // PORC answers when the step is accepted; Port closes the run from that answer.
        synchronized: true,
        method: "POST",
        body: { portRunId: "{{ .run.id }}", requestedBy: "{{ .trigger.by.user.email }}" },
      },
      requiredApproval: approval ? { type: "ANY" } : false,
    });
  return [
    call(PORC_ACTIONS.rerunPlan, "Re-run plan", "plan", false),
    call(PORC_ACTIONS.applyNow, "Apply now", "apply", true),
  ];
}
