// Who may run and who may approve each action the stack declares: exactly the body of
// PATCH /v1/actions/{identifier}/permissions. No I/O.
import type { PortAction } from "./action";
import { DEPLOY_ACTIONS } from "./deploy-request";
import { PORC_ACTIONS } from "./porc";

export interface ExecutePermissions {
  roles: string[];
  users: string[];
  teams: string[];
  /** Members of the team owning the entity the action runs on (DAY-2 actions). */
  ownedByTeam: boolean;
}

export interface ApprovePolicy {
  queries: Record<string, { combinator: "and" | "or"; rules: Record<string, unknown>[] }>;
  conditions: string[];
}

export interface ApprovePermissions {
  roles: string[];
  users: string[];
  teams: string[];
  policy: ApprovePolicy;
}

export interface ActionPermissionsBody {
  execute: ExecutePermissions;
  approve?: ApprovePermissions;
}

export interface ActionPermissions {
  /** The action these permissions belong to. */
  readonly action: string;
  readonly body: ActionPermissionsBody;
}

export interface WhoMay {
  readonly roles: readonly string[];
  readonly teams: readonly string[];
  readonly users: readonly string[];
  readonly ownedByTeam: boolean;
}

export interface PermissionArgs {
  /** Who may run a deploy (and request a production deploy). */
  readonly deployers: WhoMay;
  /** Who may approve: never the requester alone. */
  readonly approvers: { readonly teams: readonly string[]; readonly users: readonly string[] };
  /** Who may run PORC's actions. */
  readonly porcOperators: WhoMay;
}

/** The run's requester, as Port's action templates name them. */
const REQUESTER = ".trigger.by.user.email";

/**
 * Approvers: members of the approver teams and the named users, minus the requester. With a
 * policy, Port lets the policy alone decide who approves (the lists then only govern who sees
 * the run), and an approve policy's condition yields the approvers' identifiers (e-mails).
 */
export function approvePermissions(approvers: PermissionArgs["approvers"]): ApprovePermissions {
  const teams = [...approvers.teams].sort();
  const users = [...approvers.users].sort();
  const queries: ApprovePolicy["queries"] = {};
  if (teams.length > 0) {
    queries.approver_team_members = {
      combinator: "and",
      rules: [
        { property: "$blueprint", operator: "=", value: "_user" },
        { property: "$team", operator: "containsAny", value: teams },
      ],
    };
  }
  if (users.length > 0) {
    queries.named_approvers = {
      combinator: "and",
      rules: [
        { property: "$blueprint", operator: "=", value: "_user" },
        { property: "$identifier", operator: "in", value: users },
      ],
    };
  }
  const found = Object.keys(queries).map((q) => `.results.${q}.entities[].identifier`).join(", ");
  return {
    roles: [],
    users,
    teams,
    policy: { queries, conditions: [`[${found}] - [${REQUESTER}] | unique`] },
  };
}

function execute(who: WhoMay): ExecutePermissions {
  return { roles: [...who.roles].sort(), users: [...who.users].sort(), teams: [...who.teams].sort(), ownedByTeam: who.ownedByTeam };
}

const DEPLOY_IDS: readonly string[] = Object.values(DEPLOY_ACTIONS);
const PORC_IDS: readonly string[] = Object.values(PORC_ACTIONS);

/** Permissions of every deploy and PORC action among `actions`; an action with an approval gets approvers. */
export function declareActionPermissions(actions: readonly PortAction[], args: PermissionArgs): ActionPermissions[] {
  const out: ActionPermissions[] = [];
  for (const a of actions) {
    const who = DEPLOY_IDS.includes(a.identifier) ? args.deployers : PORC_IDS.includes(a.identifier) ? args.porcOperators : undefined;
    if (!who) continue;
    const body: ActionPermissionsBody = { execute: execute(who) };
    if (a.body.requiredApproval !== false) body.approve = approvePermissions(args.approvers);
    out.push({ action: a.identifier, body });
  }
  return out;
}
