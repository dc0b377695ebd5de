// /v1/teams: create, read, PATCH (only the fields sent; `users` given = the member list
// replaced), PUT (the whole team: members not sent are dropped, as the spec says), delete.
// Answers follow the spec's response schemas: GET /v1/teams/{name} carries no members.
import { randomBytes } from "node:crypto";
import { PortError, notFound, ok } from "./envelope";
import { governanceOf, StoredTeam, validateRequest } from "./governance";
import type { PortRouter } from "./router";
import type { PortState } from "./state";

function getTeam(state: PortState, name: string): StoredTeam {
  const team = governanceOf(state).teams.get(name);
  if (!team) throw notFound(`Team with name "${name}" was not found`);
  return team;
}

function withMembers(t: StoredTeam) {
  return { id: t.id, name: t.name, createdAt: t.createdAt, updatedAt: t.updatedAt, provider: t.provider, ...(t.description !== undefined ? { description: t.description } : {}), users: t.users.map((email) => ({ email, status: "ACTIVE" })) };
}

function withoutMembers(t: StoredTeam) {
  const { users: _users, ...rest } = withMembers(t);
  return rest;
}

function rename(state: PortState, team: StoredTeam, name: unknown): void {
  if (typeof name !== "string" || name === team.name) return;
  const teams = governanceOf(state).teams;
  if (teams.has(name)) throw new PortError(409, "team_already_exists", `A team named "${name}" already exists`);
  teams.delete(team.name);
  team.name = name;
  teams.set(name, team);
}

/** Put a team straight into state, as SSO would (tests: members the stack must keep). */
export function seedTeam(state: PortState, name: string, opts: { description?: string; users?: string[] } = {}): StoredTeam {
  const now = new Date().toISOString();
  const team: StoredTeam = { id: `team_${randomBytes(8).toString("hex")}`, name, provider: "Port", createdAt: now, updatedAt: now, users: [...(opts.users ?? [])], ...(opts.description !== undefined ? { description: opts.description } : {}) };
  governanceOf(state).teams.set(name, team);
  return team;
}

export function registerTeamRoutes(router: PortRouter, state: PortState): void {
  router.authed("POST", "/v1/teams", (req) => {
    validateRequest("POST", "/v1/teams", req.body);
    const body = req.body as { name: string; description?: string; users?: string[] };
    if (governanceOf(state).teams.has(body.name)) throw new PortError(409, "team_already_exists", `A team named "${body.name}" already exists`);
    return ok(200, { team: withMembers(seedTeam(state, body.name, body)) });
  });
  router.authed("GET", "/v1/teams", () => ok(200, { teams: [...governanceOf(state).teams.values()].map(withMembers) }));
  router.authed("GET", "/v1/teams/:name", (req) => ok(200, { team: withoutMembers(getTeam(state, req.params.name)) }));
  router.authed("PATCH", "/v1/teams/:name", (req) => {
    validateRequest("PATCH", "/v1/teams/{name}", req.body);
    const team = getTeam(state, req.params.name);
    const body = req.body as { name?: string; description?: string | null; users?: string[] };
    rename(state, team, body.name);
    if (body.description === null) delete team.description;
    else if (body.description !== undefined) team.description = body.description;
    if (body.users !== undefined) team.users = [...body.users];
    team.updatedAt = new Date().toISOString();
    return ok(200, { team: withMembers(team) });
  });
  router.authed("PUT", "/v1/teams/:name", (req) => {
    validateRequest("PUT", "/v1/teams/{name}", req.body);
    const team = getTeam(state, req.params.name);
    const body = req.body as { name: string; description?: string; users?: string[] };
    rename(state, team, body.name);
    team.description = body.description;
    if (body.description === undefined) delete team.description;
    team.users = [...(body.users ?? [])];
    team.updatedAt = new Date().toISOString();
    return ok(200, { team: withMembers(team) });
  });
  router.authed("DELETE", "/v1/teams/:name", (req) => {
    getTeam(state, req.params.name);
    governanceOf(state).teams.delete(req.params.name);
    return ok(200);
  });
}
