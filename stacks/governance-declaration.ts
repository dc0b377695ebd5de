// The governance the stack declares in Port, computed from config alone (no Pulumi, no I/O):
// teams, the permissions of its actions, scorecards. The stack component turns it into
// resources; synth writes it; drift compares it with the live portal.
import { ActionPermissions, declareActionPermissions } from "../actions/permissions";
import type { Blueprint } from "../blueprints/dsl";
import { declareScorecards, Scorecard, scorecardProblems } from "../blueprints/scorecards";
import type { CatalogDeclaration } from "./catalog-declaration";
import type { StackConfig } from "./config";

export interface TeamBody {
  name: string;
  description?: string;
}

export interface GovernanceDeclaration {
  readonly teams: readonly TeamBody[];
  readonly actionPermissions: readonly ActionPermissions[];
  readonly scorecards: readonly Scorecard[];
}

export const NO_GOVERNANCE: GovernanceDeclaration = { teams: [], actionPermissions: [], scorecards: [] };

/** Thrown when a scorecard names what its blueprint lacks: the program (and synth) fail. */
export class ScorecardReferenceError extends Error {
  constructor(readonly problems: string[]) {
    super(`scorecards do not fit the catalog:\n  - ${problems.join("\n  - ")}`);
    this.name = "ScorecardReferenceError";
  }
}

export function assertScorecardsFit(scorecards: readonly Scorecard[], blueprints: readonly Blueprint[]): void {
  const byId = new Map(blueprints.map((b) => [b.identifier, b]));
  const problems = scorecards.flatMap((s) => scorecardProblems(s, byId.get(s.blueprint)));
  if (problems.length > 0) throw new ScorecardReferenceError(problems);
}

export function declareGovernance(cfg: StackConfig, catalog: CatalogDeclaration): GovernanceDeclaration {
  const g = cfg.governance;
  if (!g) return NO_GOVERNANCE;
  const teams = g.teams.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}) }));
  const actionPermissions = declareActionPermissions(catalog.actions, { deployers: g.deployers, approvers: g.approvers, porcOperators: g.porcOperators });
  const scorecards = g.scorecards ? declareScorecards(g.scorecards) : [];
  assertScorecardsFit(scorecards, catalog.blueprints);
  return { teams, actionPermissions, scorecards };
}
