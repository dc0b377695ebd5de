// /v1/actions/{id}/permissions. The spec gives no success-answer schema: GET answers
// {ok, permissions} with every field filled (Port's defaults where nothing was set) and lists in
// no particular order; PATCH merges field by field into the section it names.
import { invalid, notFound, ok } from "./envelope";
import { governanceOf, StoredPermissions, validateRequest } from "./governance";
import type { PortRouter } from "./router";
import type { JsonObject, PortState } from "./state";

function defaults(actionCreatedAt: string): StoredPermissions {
  return {
    actionCreatedAt,
    execute: { roles: ["Admin", "Member"], users: [], teams: [], ownedByTeam: false, policy: null },
    approve: { roles: ["Admin"], users: [], teams: [], policy: null },
  };
}

function permissionsOf(state: PortState, action: string): StoredPermissions {
  const a = state.actions.get(action);
  if (!a) throw notFound(`Action with identifier "${action}" was not found`);
  const store = governanceOf(state).permissions;
  let p = store.get(action);
  if (!p || p.actionCreatedAt !== a.createdAt) {
    p = defaults(a.createdAt);
    store.set(action, p);
  }
  return p;
}

/** Lists in reverse order: the client must compare them as sets. */
function shuffled(section: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(section)) out[k] = Array.isArray(v) ? [...v].reverse() : v;
  return out;
}

export function registerPermissionRoutes(router: PortRouter, state: PortState): void {
  router.authed("GET", "/v1/actions/:id/permissions", (req) => {
    const p = permissionsOf(state, req.params.id);
    return ok(200, { permissions: { execute: shuffled(p.execute), approve: shuffled(p.approve) } });
  });
  router.authed("PATCH", "/v1/actions/:id/permissions", (req) => {
    validateRequest("PATCH", "/v1/actions/{action_identifier}/permissions", req.body);
    const p = permissionsOf(state, req.params.id);
    const body = req.body as { execute?: JsonObject; approve?: JsonObject };
    const teams = governanceOf(state).teams;
    for (const section of [body.execute, body.approve]) {
      for (const t of (section?.teams as string[] | undefined) ?? []) if (!teams.has(t)) throw invalid(`Team "${t}" does not exist`);
    }
    if (body.execute) p.execute = { ...p.execute, ...body.execute };
    if (body.approve) p.approve = { ...p.approve, ...body.approve };
    return ok(200, { permissions: { execute: p.execute, approve: p.approve } });
  });
}
