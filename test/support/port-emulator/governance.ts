// What the emulated org holds for governance (teams, action permissions, scorecards), kept
// beside PortState rather than in it, and the one place their routes are registered.
// Request bodies are validated with Port's own OpenAPI schemas (../port-spec.ts).
import { requestProblems } from "../port-spec";
import { PortError } from "./envelope";
import { registerPermissionRoutes } from "./permissions";
import type { PortRouter } from "./router";
import { registerScorecardRoutes } from "./scorecards";
import type { JsonObject, PortState } from "./state";
import { registerTeamRoutes } from "./teams";

export interface StoredTeam {
  id: string;
  name: string;
  description?: string;
  provider: string;
  createdAt: string;
  updatedAt: string;
  /** Member e-mails (managed in Port/SSO; the stack must never replace them). */
  users: string[];
}

export interface StoredPermissions {
  /** createdAt of the action these belong to: a recreated action starts from the defaults. */
  actionCreatedAt: string;
  execute: JsonObject;
  approve: JsonObject;
}

export interface StoredScorecard extends JsonObject {
  identifier: string;
  blueprint: string;
  /** createdAt of the blueprint: a deleted blueprint takes its scorecards with it. */
  blueprintCreatedAt: string;
}

export interface GovernanceStore {
  readonly teams: Map<string, StoredTeam>;
  readonly permissions: Map<string, StoredPermissions>;
  /** Keyed "<blueprint>/<identifier>". */
  readonly scorecards: Map<string, StoredScorecard>;
}

const stores = new WeakMap<PortState, GovernanceStore>();

export function governanceOf(state: PortState): GovernanceStore {
  let store = stores.get(state);
  if (!store) {
    store = { teams: new Map(), permissions: new Map(), scorecards: new Map() };
    stores.set(state, store);
  }
  return store;
}

export function clearGovernance(state: PortState): void {
  const g = governanceOf(state);
  g.teams.clear();
  g.permissions.clear();
  g.scorecards.clear();
}

/** 422 in Port's words when a body does not match the route's request schema. */
export function validateRequest(method: string, route: string, body: unknown): void {
  const problems = requestProblems(method, route, body ?? {});
  if (problems.length > 0) throw new PortError(422, "invalid_request", `body does not match the route's schema: ${problems.join("; ")}`);
}

export function registerGovernanceRoutes(router: PortRouter, state: PortState): void {
  registerTeamRoutes(router, state);
  registerPermissionRoutes(router, state);
  registerScorecardRoutes(router, state);
}
