// Port teams as Pulumi resources: name and description only. Membership stays in Port/SSO:
// `users` is never sent (a PATCH/PUT with it would replace the member list) and never compared.
import * as pulumi from "@pulumi/pulumi";
import { sortKeys, type JsonObject } from "./canonical";
import { deleteTolerant, enc, getField, GovernedObjectProvider } from "./governed-object";

/** Canonical team: the fields the stack owns; an empty description is no description. */
export function canonicalTeam(input: unknown): JsonObject {
  const t = (input !== null && typeof input === "object" ? input : {}) as Record<string, unknown>;
  const out: JsonObject = { name: typeof t.name === "string" ? t.name : "" };
  if (typeof t.description === "string" && t.description !== "") out.description = t.description;
  return sortKeys(out) as JsonObject;
}

/** Only the declared fields; a description the stack dropped is cleared (PATCH accepts null). */
function patchBody(body: JsonObject): JsonObject {
  return { description: typeof body.description === "string" ? body.description : null };
}

export const teamProvider = new GovernedObjectProvider({
  kind: "team",
  bodyKey: (body) => body.name,
  get: (client, _scope, name) => getField(client, `/v1/teams/${enc(name)}`, "team"),
  create: async (client, _scope, name, body) => {
    await client.call("POST", "/v1/teams", { name, ...(typeof body.description === "string" ? { description: body.description } : {}) });
    // Read back: the create answer carries the member list, which the stack never keeps.
    return (await getField(client, `/v1/teams/${enc(name)}`, "team")) ?? { name };
  },
  update: async (client, _scope, name, body) => {
    await client.call("PATCH", `/v1/teams/${enc(name)}`, patchBody(body));
    return (await getField(client, `/v1/teams/${enc(name)}`, "team")) ?? { name };
  },
  remove: (client, _scope, name) => deleteTolerant(client, `/v1/teams/${enc(name)}`),
  canonical: canonicalTeam,
});

export interface PortTeamArgs {
  readonly baseUrl: pulumi.Input<string>;
  /** Body of POST /v1/teams without users: {name, description?}. */
  readonly body: { name: string; description?: string };
}

export class PortTeam extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortTeamArgs, opts?: pulumi.CustomResourceOptions) {
    super(teamProvider, name, { baseUrl: args.baseUrl, scope: "", key: args.body.name, body: args.body as unknown as JsonObject }, opts, "port", "Team");
  }
}
