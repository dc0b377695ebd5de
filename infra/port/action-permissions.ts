// Who may run and approve an action, as a Pulumi resource over
// GET/PATCH /v1/actions/{id}/permissions. The permissions live and die with their action, so
// there is nothing to create (a PATCH) or delete (the action's own deletion removes them).
import * as pulumi from "@pulumi/pulumi";
import { sortKeys, type JsonObject, type JsonValue } from "./canonical";
import { enc, getField, GovernedObjectProvider } from "./governed-object";

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").sort() : [];
}

/** One section with Port's defaults filled (empty lists, no policy, ownedByTeam false) and sets sorted. */
function section(value: unknown, withOwnedByTeam: boolean): JsonObject {
  const s = obj(value);
  const out: JsonObject = { roles: strings(s.roles), users: strings(s.users), teams: strings(s.teams) };
  if (withOwnedByTeam) out.ownedByTeam = s.ownedByTeam === true;
  if (s.policy !== null && s.policy !== undefined) out.policy = sortKeys(s.policy) as JsonValue;
  return out;
}

/**
 * Canonical permissions. With `declared`, a live answer keeps only the sections the stack
 * declares (an action without approval leaves Port's approve section alone).
 */
export function canonicalActionPermissions(input: unknown, declared?: JsonObject): JsonObject {
  const p = obj(input);
  const out: JsonObject = {};
  for (const [key, owned] of [["execute", true], ["approve", false]] as const) {
    if (declared ? key in declared : key in p) out[key] = section(p[key], owned);
  }
  return sortKeys(out) as JsonObject;
}

export const actionPermissionsProvider = new GovernedObjectProvider({
  kind: "action permissions",
  get: (client, _scope, action) => getField(client, `/v1/actions/${enc(action)}/permissions`, "permissions"),
  create: (client, _scope, action, body) => patchPermissions(client, action, body),
  update: (client, _scope, action, body) => patchPermissions(client, action, body),
  // Nothing to delete: the permissions go with the action; left as they are otherwise.
  remove: async () => undefined,
  canonical: canonicalActionPermissions,
});

async function patchPermissions(client: import("../../clients/port").PortClient, action: string, body: JsonObject): Promise<JsonObject> {
  const path = `/v1/actions/${enc(action)}/permissions`;
  await client.call("PATCH", path, body);
  // The PATCH answer has no documented shape: read back what Port stored.
  const stored = await getField(client, path, "permissions");
  if (!stored) throw new Error(`action "${action}" does not exist in Port; its permissions cannot be set`);
  return stored;
}

export interface PortActionPermissionsArgs {
  readonly baseUrl: pulumi.Input<string>;
  /** The action identifier. */
  readonly action: string;
  /** Body of PATCH /v1/actions/{action}/permissions. */
  readonly body: JsonObject;
}

export class PortActionPermissions extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortActionPermissionsArgs, opts?: pulumi.CustomResourceOptions) {
    super(actionPermissionsProvider, name, { baseUrl: args.baseUrl, scope: "", key: args.action, body: args.body }, opts, "port", "ActionPermissions");
  }
}
