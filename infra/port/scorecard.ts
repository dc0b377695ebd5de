// Port scorecards as Pulumi resources, one per blueprint and identifier, over
// /v1/blueprints/{blueprint}/scorecards. Port may answer rules in another order (the official
// provider sorts them): rules compare as a set keyed by identifier; levels keep their order.
import * as pulumi from "@pulumi/pulumi";
import { sortKeys, type JsonObject, type JsonValue } from "./canonical";
import { deleteTolerant, enc, getField, GovernedObjectProvider } from "./governed-object";

/** Fields Port adds to a stored scorecard. */
const SERVER_FIELDS = ["id", "blueprint", "createdAt", "createdBy", "updatedAt", "updatedBy"];

export function canonicalScorecard(input: unknown): JsonObject {
  const s = (input !== null && typeof input === "object" ? input : {}) as Record<string, unknown>;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) if (!SERVER_FIELDS.includes(k) && v !== undefined && v !== null) out[k] = sortKeys(v) as JsonValue;
  const rules = Array.isArray(out.rules) ? [...(out.rules as JsonObject[])] : [];
  out.rules = rules.sort((a, b) => String(a.identifier).localeCompare(String(b.identifier)));
  if (out.properties !== undefined && Object.keys(out.properties as object).length === 0) delete out.properties;
  if (out.description === "") delete out.description;
  return sortKeys(out) as JsonObject;
}

const path = (blueprint: string, identifier?: string) => `/v1/blueprints/${enc(blueprint)}/scorecards${identifier === undefined ? "" : `/${enc(identifier)}`}`;

export const scorecardProvider = new GovernedObjectProvider({
  kind: "scorecard",
  bodyKey: (body) => body.identifier,
  get: (client, blueprint, id) => getField(client, path(blueprint, id), "scorecard"),
  create: async (client, blueprint, id, body) => {
    await client.call("POST", path(blueprint), body);
    // The create answer is not documented: read back what Port stored.
    return (await getField(client, path(blueprint, id), "scorecard")) ?? body;
  },
  update: async (client, blueprint, id, body) => {
    await client.call("PUT", path(blueprint, id), body);
    return (await getField(client, path(blueprint, id), "scorecard")) ?? body;
  },
  remove: (client, blueprint, id) => deleteTolerant(client, path(blueprint, id)),
  canonical: canonicalScorecard,
});

export interface PortScorecardArgs {
  readonly baseUrl: pulumi.Input<string>;
  readonly blueprint: string;
  /** Body of POST /v1/blueprints/{blueprint}/scorecards. */
  readonly body: JsonObject;
}

export class PortScorecard extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortScorecardArgs, opts?: pulumi.CustomResourceOptions) {
    super(scorecardProvider, name, { baseUrl: args.baseUrl, scope: args.blueprint, key: String(args.body.identifier), body: args.body }, opts, "port", "Scorecard");
  }
}
