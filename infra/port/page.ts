// Port pages and catalog-sidebar folders as Pulumi resources, on the generic single-object
// provider: canonical diff, read returns the canonical live object (so refresh sees widgets
// edited in the Port UI), 404 = gone, identifier change = delete-before-replace.
import * as pulumi from "@pulumi/pulumi";
import type { JsonObject } from "./canonical";
import { canonicalFolder, canonicalPage } from "./canonical-page";
import { PortObjectProvider } from "./object-provider";

export const pageProvider = new PortObjectProvider({
  kind: "page",
  get: (client, id) => client.getPage(id) as Promise<JsonObject | undefined>,
  // Port answers page POST and PUT with {ok, identifier}: the provider reads the page back.
  create: (client, body) => client.createPage(body) as Promise<JsonObject | undefined>,
  // PUT replaces the page: widgets Port holds but the body lacks are gone, as declared.
  replace: (client, id, body) => client.replacePage(id, body) as Promise<JsonObject | undefined>,
  remove: (client, id) => client.deletePage(id),
  canonical: canonicalPage,
});

export const folderProvider = new PortObjectProvider({
  kind: "folder",
  get: (client, id) => client.getFolder(id) as Promise<JsonObject | undefined>,
  create: (client, body) => client.createFolder(body) as Promise<JsonObject | undefined>,
  replace: (client, id, body) => client.updateFolder(id, body) as Promise<JsonObject | undefined>,
  remove: (client, id) => client.deleteFolder(id),
  canonical: canonicalFolder,
});

export interface PortPageArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** The page body exactly as Port receives it (widgets as JSON objects). */
  readonly body: JsonObject;
}

/** One Port page (`pulumi-nodejs:dynamic/port:Page`). */
export class PortPage extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortPageArgs, opts?: pulumi.CustomResourceOptions) {
    super(pageProvider, name, { baseUrl: args.baseUrl, identifier: String(args.body.identifier), body: args.body }, opts, "port", "Page");
  }
}

export interface PortFolderArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** The folder body exactly as Port receives it. */
  readonly body: JsonObject;
}

/** One folder of Port's catalog sidebar (`pulumi-nodejs:dynamic/port:Folder`). */
export class PortFolder extends pulumi.dynamic.Resource {
  declare readonly identifier: pulumi.Output<string>;
  declare readonly body: pulumi.Output<JsonObject>;

  constructor(name: string, args: PortFolderArgs, opts?: pulumi.CustomResourceOptions) {
    super(folderProvider, name, { baseUrl: args.baseUrl, identifier: String(args.body.identifier), body: args.body }, opts, "port", "Folder");
  }
}
