// PORC day-2 actions on blueprint instances (DESIGN.md §1.6): Port calls PORC by webhook and
// PORC stays the executor, writing the instance's terraform_status back as it goes.
import { BLUEPRINTS, BLUEPRINT_INSTANCE } from "../blueprints/vocabulary";
import { action, PortAction } from "./action";

export const PORC_ACTIONS = { rerunPlan: "porc_rerun_plan", applyNow: "porc_apply_now" } as const;

/** PORC's wiki form of a run path (its API document also lists /run/{run_id}). */
export const DEFAULT_PORC_RUN_PATH = "/runs/{run_id}";
export const DEFAULT_PORC_TOKEN_SECRET = "porc_token";

export interface PorcActionsArgs {
  /** PORC API base URL, e.g. https://porc.example.internal. */
  readonly url: string;
  /** Port organization secret holding PORC's bearer token. */
  readonly tokenSecret?: string;
  /** Path of a run under `url`, with one `{run_id}` segment. */
  readonly runPath?: string;
}

/** The run's URL template: PORC's base, the run path, the entity's run_id spliced in by Port's jq. */
export function porcRunUrl(args: PorcActionsArgs): string {
  const base = args.url.replace(/\/+$/, "");
  const runPath = args.runPath ?? DEFAULT_PORC_RUN_PATH;
  return `${base}${runPath.replace("{run_id}", `{{ .entity.properties.${BLUEPRINT_INSTANCE.runId} }}`)}`;
}

export function porcActions(args: PorcActionsArgs): PortAction[] {
  const runUrl = porcRunUrl(args);
  const secret = args.tokenSecret ?? DEFAULT_PORC_TOKEN_SECRET;
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
        // Without a run id the URL would name no run: offer the action only where PORC has one.
        condition: { type: "SEARCH", combinator: "and", rules: [{ property: BLUEPRINT_INSTANCE.runId, operator: "isNotEmpty" }] },
      },
      invocationMethod: {
        type: "WEBHOOK",
        url: `${runUrl}/${verb}`,
        // Port sends it itself (no agent) and signs it (X-Port-Signature/-Timestamp); only
        // PORC's own auth is added here, from a Port organization secret.
        agent: false,
        // PORC answers when the step is accepted; Port closes the run from that answer.
        synchronized: true,
        method: "POST",
        headers: { Authorization: `Bearer {{ .secrets[${JSON.stringify(secret)}] }}` },
        body: { portRunId: "{{ .run.id }}", requestedBy: "{{ .trigger.by.user.email }}" },
      },
      requiredApproval: approval ? { type: "ANY" } : false,
    });
  return [
    call(PORC_ACTIONS.rerunPlan, "Re-run plan", "plan", false),
    call(PORC_ACTIONS.applyNow, "Apply now", "apply", true),
  ];
}
