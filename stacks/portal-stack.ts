// The whole developer portal as one component: the Port catalog, the Codefresh pipelines and
// the agent that connects them.
import * as pulumi from "@pulumi/pulumi";
import { AgentDeployment } from "../infra/agent";
import { CodefreshPipelines } from "../infra/codefresh/pipelines";
import type { AgentSecrets } from "../infra/agent-config";
import { PortCatalog } from "../infra/port/catalog";
import { PortGovernance, PortTeams } from "../infra/port/governance";
import { PortPages } from "../infra/port/pages";
import { declarePages } from "../pages";
import { deployPipelineNames } from "../pipelines/config";
import { declareCatalog } from "./catalog-declaration";
import { declareGovernance } from "./governance-declaration";
import type { StackConfig } from "./config";

export interface PortalStackArgs {
  /** Parsed, validated stack config. */
  readonly config: StackConfig;
  /** Secret config values (Pulumi secret Outputs), for the agent's runtime secrets; unused with `agent.runtime: none`. */
  readonly secrets?: AgentSecrets;
  /** Built agent bundle; default "dist/agent" (`npm run build`). */
  readonly bundleDir?: string;
}

export class PortalStack extends pulumi.ComponentResource {
  readonly catalog: PortCatalog;
  readonly pages: PortPages;
  /** Teams (`governance.teams`). */
  readonly teams: PortTeams;
  /** Action permissions and scorecards (`governance` config). */
  readonly governance: PortGovernance;
  readonly pipelines: CodefreshPipelines;
  /** Undefined with `agent.runtime: none` (the agent runs elsewhere). */
  readonly agent?: AgentDeployment;
  /** Port API base URL the stack writes to. */
  readonly portApiUrl: string;

  constructor(name: string, args: PortalStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:stack:PortalStack", name, {}, opts);
    const declaration = declareCatalog(args.config);
    this.portApiUrl = declaration.baseUrl;
    const governance = declareGovernance(args.config, declaration);
    this.teams = new PortTeams(`${name}-teams`, { baseUrl: declaration.baseUrl, teams: governance.teams }, { parent: this });
    this.catalog = new PortCatalog(
      `${name}-catalog`,
      { ...declaration, allowPropertyTypeChange: args.config.allowPropertyTypeChange, propertyConverters: args.config.propertyConverters, renamedFrom: args.config.renamedFrom, deleteEntitiesWithBlueprints: args.config.port.deleteEntitiesWithBlueprints, teams: Object.values(this.teams.teams) },
      { parent: this },
    );
    this.pages = new PortPages(
      `${name}-pages`,
      { baseUrl: declaration.baseUrl, pages: declarePages(args.config), dependsOn: Object.values(this.catalog.blueprints) },
      { parent: this },
    );
    this.governance = new PortGovernance(
      `${name}-governance`,
      { baseUrl: declaration.baseUrl, ...governance, teams: this.teams.teams, actions: this.catalog.actions, blueprints: this.catalog.blueprints },
      { parent: this },
    );
    this.pipelines = new CodefreshPipelines(`${name}-codefresh`, { codefresh: args.config.codefresh, portApiUrl: this.portApiUrl }, { parent: this });
    if (args.config.agent.runtime !== "none") {
      if (!args.secrets) throw new Error(`agent.runtime "${args.config.agent.runtime}" needs the secret config values (PortalStackArgs.secrets)`);
      this.agent = new AgentDeployment(
        `${name}-agent`,
        {
          config: args.config,
          portApiUrl: this.portApiUrl,
          allowedPipelines: deployPipelineNames(args.config.codefresh),
          secrets: args.secrets,
          bundleDir: args.bundleDir,
        },
        // The agent may only start pipelines that exist.
        { parent: this, dependsOn: [this.pipelines] },
      );
    }
    this.registerOutputs({ portApiUrl: this.portApiUrl });
  }
}
