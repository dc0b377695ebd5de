// The whole developer portal as one component: the Port catalog, the Codefresh pipelines and
// the agent that connects them.
import * as pulumi from "@pulumi/pulumi";
import { PortCatalog } from "../infra/port/catalog";
import { declareCatalog } from "./catalog-declaration";
import type { SecretKey, StackConfig } from "./config";

export interface PortalStackArgs {
  /** Parsed, validated stack config. */
  readonly config: StackConfig;
  /** Secret config values (Pulumi secret Outputs), for the agent's runtime secrets. */
  readonly secrets: Record<SecretKey, pulumi.Input<string | undefined>>;
}

export class PortalStack extends pulumi.ComponentResource {
  readonly catalog: PortCatalog;
  /** Port API base URL the stack writes to. */
  readonly portApiUrl: string;

  constructor(name: string, args: PortalStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:stack:PortalStack", name, {}, opts);
    const declaration = declareCatalog(args.config);
    this.portApiUrl = declaration.baseUrl;
    this.catalog = new PortCatalog(
      `${name}-catalog`,
      { ...declaration, allowPropertyTypeChange: args.config.allowPropertyTypeChange },
      { parent: this },
    );
    this.registerOutputs({ portApiUrl: this.portApiUrl });
  }
}
