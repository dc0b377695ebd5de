// The portal's sidebar as one component: the folder first, then each page after its parent folder
// and after the sidebar item it follows (Port refuses `after`/`parent` pointing at nothing), and
// all of it after the blueprints the pages show.
import * as pulumi from "@pulumi/pulumi";
import type { PageDeclaration } from "../../pages/declaration";
import type { JsonObject } from "./canonical";
import { PortFolder, PortPage } from "./page";

export interface PortPagesArgs {
  /** Port API base URL. */
  readonly baseUrl: pulumi.Input<string>;
  /** Folders and pages in sidebar order, as declarePages returns them. */
  readonly pages: readonly PageDeclaration[];
  /** Resources the pages need first (the catalog's blueprints). */
  readonly dependsOn?: pulumi.Resource[];
}

export class PortPages extends pulumi.ComponentResource {
  /** Folder resources by identifier. */
  readonly folders: Record<string, PortFolder> = {};
  /** Page resources by identifier. */
  readonly pages: Record<string, PortPage> = {};

  constructor(name: string, args: PortPagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:port:Pages", name, {}, opts);
    const created: Record<string, pulumi.Resource> = {};
    for (const decl of args.pages) {
      if (created[decl.identifier]) throw new Error(`sidebar item ${decl.identifier} is declared twice`);
      const deps: pulumi.Resource[] = [...(args.dependsOn ?? [])];
      for (const ref of [decl.body.parent, decl.body.after]) {
        if (ref === undefined) continue;
        const target = created[ref];
        // An item declared later cannot be waited for; one not declared at all may exist in Port.
        if (!target && args.pages.some((p) => p.identifier === ref)) throw new Error(`sidebar item ${decl.identifier} refers to ${ref}, which is declared after it`);
        if (target) deps.push(target);
      }
      const body = decl.body as unknown as JsonObject;
      if (decl.kind === "folder") {
        const folder = new PortFolder(`${name}-folder-${decl.identifier}`, { baseUrl: args.baseUrl, body }, { parent: this, dependsOn: deps });
        this.folders[decl.identifier] = folder;
        created[decl.identifier] = folder;
      } else {
        const page = new PortPage(`${name}-page-${decl.identifier}`, { baseUrl: args.baseUrl, body }, { parent: this, dependsOn: deps });
        this.pages[decl.identifier] = page;
        created[decl.identifier] = page;
      }
    }
    this.registerOutputs({ folders: Object.keys(this.folders), pages: Object.keys(this.pages) });
  }
}
