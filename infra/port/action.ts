// Port self-service actions (v2 API) as Pulumi resources. Port's action body is closed
// (additionalProperties: false), so only the declared body is ever sent: server fields from a
// read never leak into a PUT.
import * as pulumi from "@pulumi/pulumi";
import { canonicalAction, JsonObject } from "./canonical";
import { PortObjectProvider } from "./object-provider";

export const actionProvider = new PortObjectProvider({
  kind: "action",
  get: (client, id) => client.getAction(id) as Promise<JsonObject | undefined>,
  create: (client, body) => client.createAction(body) as Promise<JsonObject>,
  replace: (client, id, body) => client.replaceAction(id, body) as Promise<JsonObject>,
  remove: (client, id) => client.deleteAction(id),
  canonical: canonicalAction,
});

export interface PortActionArgs {
  readonly baseUrl: pulumi.Input<string>;
  /** The action body exactly as Port receives it. */
  readonly body: JsonObject;
}

export class PortActionResource extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortActionArgs, opts?: pulumi.CustomResourceOptions) {
    super(actionProvider, name, { baseUrl: args.baseUrl, identifier: String(args.body.identifier), body: args.body }, opts, "port", "Action");
  }
}
