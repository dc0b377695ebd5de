// Governance in Port: teams (before the catalog, whose declared entities name them as owners),
// then the permissions of the catalog's actions (they name teams and need their action) and the
// scorecards (they need their blueprint).
import * as pulumi from "@pulumi/pulumi";
import type { JsonObject } from "./canonical";
import { PortActionPermissions } from "./action-permissions";
import { PortScorecard } from "./scorecard";
import { PortTeam } from "./team";

export interface PortTeamsArgs {
  readonly baseUrl: pulumi.Input<string>;
  /** Teams: {name, description?}; members are never managed. */
  readonly teams: readonly { name: string; description?: string }[];
}

/** Teams come first: declared entities name them as owners, permissions as runners and approvers. */
export class PortTeams extends pulumi.ComponentResource {
  readonly teams: Record<string, PortTeam> = {};

  constructor(name: string, args: PortTeamsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:port:Teams", name, {}, opts);
    for (const team of args.teams) {
      this.teams[team.name] = new PortTeam(`${name}-${team.name}`, { baseUrl: args.baseUrl, body: team }, { parent: this });
    }
    this.registerOutputs({ teams: Object.keys(this.teams) });
  }
}

export interface PortGovernanceArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** The declared teams (PortTeams), which permissions name. */
  readonly teams: Readonly<Record<string, pulumi.Resource>>;
  /** Permission bodies by action identifier. */
  readonly actionPermissions: readonly { action: string; body: object }[];
  readonly scorecards: readonly { blueprint: string; identifier: string; body: object }[];
  /** Action resources by identifier: permissions wait for their action. */
  readonly actions: Readonly<Record<string, pulumi.Resource>>;
  /** Blueprint resources by identifier: scorecards wait for their blueprint. */
  readonly blueprints: Readonly<Record<string, pulumi.Resource>>;
  /** Resources that must exist first whatever they are (declared entities naming owning teams wait on teams, not the other way). */
  readonly dependsOn?: readonly pulumi.Resource[];
}

export class PortGovernance extends pulumi.ComponentResource {
  readonly actionPermissions: Record<string, PortActionPermissions> = {};
  readonly scorecards: Record<string, PortScorecard> = {};

  constructor(name: string, args: PortGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:port:Governance", name, {}, opts);
    const allTeams = Object.values(args.teams);
    for (const p of args.actionPermissions) {
      const action = args.actions[p.action];
      if (!action) throw new Error(`permissions declared for action ${p.action}, which the catalog does not declare`);
      this.actionPermissions[p.action] = new PortActionPermissions(
        `${name}-permissions-${p.action}`,
        { baseUrl: args.baseUrl, action: p.action, body: p.body as JsonObject },
        { parent: this, dependsOn: [action, ...allTeams, ...(args.dependsOn ?? [])] },
      );
    }
    for (const s of args.scorecards) {
      const bp = args.blueprints[s.blueprint];
      if (!bp) throw new Error(`scorecard ${s.identifier} is declared on blueprint ${s.blueprint}, which the catalog does not declare`);
      this.scorecards[`${s.blueprint}/${s.identifier}`] = new PortScorecard(
        `${name}-scorecard-${s.blueprint}-${s.identifier}`,
        { baseUrl: args.baseUrl, blueprint: s.blueprint, body: s.body as JsonObject },
        { parent: this, dependsOn: [bp, ...(args.dependsOn ?? [])] },
      );
    }
    this.registerOutputs({ actionPermissions: Object.keys(this.actionPermissions), scorecards: Object.keys(this.scorecards) });
  }
}
