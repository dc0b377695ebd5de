// The pages developers and SREs open every day (issue 7), declared once: a folder in the
// catalog sidebar, then Platform overview, Environments, Deployments, Images and
// Infrastructure, in that order (`after` chains them). Every identifier comes from the shared
// vocabulary; validatePages checks every reference against the catalog before anything is sent.
import { catalogFor, type Blueprint } from "../blueprints";
import { declareScorecards, SCORECARDS, type ScorecardArgs } from "../blueprints/scorecards";
import {
  BLUEPRINT_INSTANCE, BLUEPRINTS, BUILD_STATUSES, DEPLOYMENT, ENVIRONMENT, IMAGE, IMAGE_AGGREGATIONS,
} from "../blueprints/vocabulary";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import type { JsonObject, PageDeclaration, PortFolderBody, PortPageBody } from "./declaration";
import { assertValidPages, type PageScorecard } from "./validate";
import { all, any, countChart, countLineChart, dashboard, oneOf, pieChart, scorecardColumn, table, within } from "./widgets";

/** Identifiers of the folder and pages (stable: renaming one replaces the page in Port). */
export const PORTAL_PAGES = {
  folder: "developer_portal",
  overview: "platform_overview",
  environments: "portal_environments",
  deployments: "portal_deployments",
  images: "portal_images",
  infrastructure: "portal_infrastructure",
} as const;

/**
 * What the pages read from the stack config, in its shape (the stack passes its config): whether
 * production deploys go through the approval action, PORC's URL (the instances' summary link),
 * and the scorecards (the environments table shows the Production readiness level).
 */
export interface PagesConfig {
  readonly approvals: { readonly production: boolean };
  readonly porc?: { readonly url: string };
  readonly governance?: { readonly scorecards?: ScorecardArgs };
}

/** Build states that mean the deploy run failed (every terminal state but success). */
export const FAILED_BUILD_STATUSES = BUILD_STATUSES.filter((s) => s !== "running" && s !== "success");

function folder(): PortFolderBody {
  return { identifier: PORTAL_PAGES.folder, title: "Developer portal" };
}

function entitiesPage(identifier: string, title: string, icon: string, description: string, blueprint: string, widget: JsonObject): Omit<PortPageBody, "parent" | "after"> {
  return { identifier, type: "blueprint-entities", title, icon, description, blueprint, widgets: [widget] };
}

function overviewPage(): Omit<PortPageBody, "parent" | "after"> {
  const envsPerKind = pieChart({
    id: "environmentsPerKind",
    title: "Environments per kind",
    blueprint: BLUEPRINTS.environment,
    breakdown: ENVIRONMENT.kind,
  });
  const deploysPerStatus = pieChart({
    id: "deploymentsPerStatus7d",
    title: "Deployments per status (last 7 days)",
    blueprint: BLUEPRINTS.deployment,
    breakdown: DEPLOYMENT.status,
    dataset: all(within(DEPLOYMENT.startedAt, "lastWeek")),
  });
  // Port's date presets are calendar windows (no rolling 24 h): "today or yesterday" is the
  // smallest window that always contains the last 24 hours.
  const failedRuns = countChart({
    id: "failedRuns24h",
    title: "Failed deploy runs (last 24 h)",
    icon: "Alert",
    description: "Deploy runs that ended in error, terminated or denied, finished since yesterday 00:00",
    blueprint: BLUEPRINTS.deployment,
    unit: "failed runs",
    dataset: all(oneOf(DEPLOYMENT.status, FAILED_BUILD_STATUSES), any(within(DEPLOYMENT.finishedAt, "today"), within(DEPLOYMENT.finishedAt, "yesterday"))),
  });
  const deploysPerDay = countLineChart({
    id: "deploymentsPerDay",
    title: "Deployments per day",
    blueprint: BLUEPRINTS.deployment,
    measureTimeBy: DEPLOYMENT.startedAt,
    timeInterval: "day",
    timeRange: "lastWeek",
    yAxisTitle: "Deployments",
  });
  return {
    identifier: PORTAL_PAGES.overview,
    type: "dashboard",
    title: "Platform overview",
    icon: "Dashboard",
    description: "Environments, deployments and failed runs across all products",
    widgets: [
      dashboard("platformOverview", [
        { height: 400, widgets: [{ widget: envsPerKind, size: 4 }, { widget: deploysPerStatus, size: 4 }, { widget: failedRuns, size: 4 }] },
        { height: 400, widgets: [{ widget: deploysPerDay, size: 12 }] },
      ]),
    ],
  };
}

function environmentsPage(cfg: PagesConfig, scorecards: readonly PageScorecard[]): Omit<PortPageBody, "parent" | "after"> {
  // The deploy actions are DAY-2 actions of the environment blueprint: Port offers them in every row.
  const actions = cfg.approvals.production ? [DEPLOY_ACTIONS.fromEnvironment, DEPLOY_ACTIONS.fromEnvironmentWithApproval] : [DEPLOY_ACTIONS.fromEnvironment];
  const readiness = scorecards.some((s) => s.blueprint === BLUEPRINTS.environment && s.identifier === SCORECARDS.productionReadiness);
  // The description names the column too: the canonical form ignores the column (its key is
  // undocumented), so turning scorecards on or off still changes the page and gets it sent.
  const level = readiness ? " The Production readiness level of each production environment is shown beside its kind." : "";
  return entitiesPage(
    PORTAL_PAGES.environments,
    "Environments",
    "Environment",
    `Every environment of every product, grouped by kind. Deploy from a row's actions (${actions.join(", ")}).${level}`,
    BLUEPRINTS.environment,
    table({
      id: "environmentsTable",
      blueprint: BLUEPRINTS.environment,
      columns: ["$title", ENVIRONMENT.kind, ...(readiness ? [scorecardColumn(SCORECARDS.productionReadiness)] : []), ENVIRONMENT.product, ENVIRONMENT.imageDeployed, ENVIRONMENT.imageCreatedAt, ENVIRONMENT.deploymentBuild, ENVIRONMENT.deploymentBuildStatus, ENVIRONMENT.lastDeploymentTimestamp],
      groupBy: [ENVIRONMENT.kind],
      sortBy: [{ property: ENVIRONMENT.lastDeploymentTimestamp, order: "desc" }],
    }),
  );
}

function deploymentsPage(): Omit<PortPageBody, "parent" | "after"> {
  return entitiesPage(
    PORTAL_PAGES.deployments,
    "Deployments",
    "Deployment",
    "Deploy history, newest first. Filter by the product and environment columns.",
    BLUEPRINTS.deployment,
    table({
      id: "deploymentsTable",
      blueprint: BLUEPRINTS.deployment,
      columns: ["$title", DEPLOYMENT.environment, DEPLOYMENT.image, DEPLOYMENT.product, DEPLOYMENT.status, DEPLOYMENT.requestedBy, DEPLOYMENT.build, DEPLOYMENT.startedAt, DEPLOYMENT.finishedAt],
      sortBy: [{ property: DEPLOYMENT.startedAt, order: "desc" }],
    }),
  );
}

function imagesPage(catalog: readonly Blueprint[]): Omit<PortPageBody, "parent" | "after"> {
  // The environment count is an aggregation property; show it once the image blueprint has it.
  const image = catalog.find((b) => b.identifier === BLUEPRINTS.image);
  const aggregations = image?.aggregations ?? {};
  const count = IMAGE_AGGREGATIONS.environmentsRunning in aggregations ? [IMAGE_AGGREGATIONS.environmentsRunning] : [];
  return entitiesPage(
    PORTAL_PAGES.images,
    "Images",
    "Package",
    "Images built by CI: branch, commit, build result and where each runs.",
    BLUEPRINTS.image,
    table({
      id: "imagesTable",
      blueprint: BLUEPRINTS.image,
      columns: ["$title", IMAGE.product, IMAGE.branch, IMAGE.commit, IMAGE.buildResult, IMAGE.createdAt, IMAGE.build, IMAGE.buildsOfBranch, ...count],
      sortBy: [{ property: IMAGE.createdAt, order: "desc" }],
    }),
  );
}

function infrastructurePage(catalog: readonly Blueprint[]): Omit<PortPageBody, "parent" | "after"> {
  // PORC names the template by the `blueprint` property and leaves the relation empty, so rows
  // group by the property; the PORC summary link exists once the stack knows PORC's URL.
  const instance = catalog.find((b) => b.identifier === BLUEPRINTS.blueprintInstance);
  const summary = BLUEPRINT_INSTANCE.porcSummary in (instance?.body.calculationProperties ?? {}) ? [BLUEPRINT_INSTANCE.porcSummary] : [];
  return entitiesPage(
    PORTAL_PAGES.infrastructure,
    "Infrastructure",
    "Terraform",
    "Infrastructure PORC instantiated from approved templates, with its Terraform run and PORC's run summary.",
    BLUEPRINTS.blueprintInstance,
    table({
      id: "instancesTable",
      blueprint: BLUEPRINTS.blueprintInstance,
      columns: ["$title", BLUEPRINT_INSTANCE.blueprint, BLUEPRINT_INSTANCE.template, BLUEPRINT_INSTANCE.terraformStatus, BLUEPRINT_INSTANCE.tfeLink, ...summary, BLUEPRINT_INSTANCE.workspaceId, BLUEPRINT_INSTANCE.region, BLUEPRINT_INSTANCE.runId],
      groupBy: [BLUEPRINT_INSTANCE.blueprint],
      sortBy: [{ property: "$updatedAt", order: "desc" }],
    }),
  );
}

/**
 * The folder, then the pages in sidebar order, each page `after` the one before it. Throws if a
 * widget references a blueprint or property the catalog does not declare.
 */
export function declarePages(cfg: PagesConfig, catalog: readonly Blueprint[] = catalogFor({ porcUrl: cfg.porc?.url })): PageDeclaration[] {
  const root = folder();
  const scorecards: PageScorecard[] = cfg.governance?.scorecards ? declareScorecards(cfg.governance.scorecards).map((s) => ({ blueprint: s.blueprint, identifier: s.identifier })) : [];
  const pages = [overviewPage(), environmentsPage(cfg, scorecards), deploymentsPage(), imagesPage(catalog), infrastructurePage(catalog)];
  const declarations: PageDeclaration[] = [{ kind: "folder", identifier: root.identifier, body: root }];
  pages.forEach((page, i) => {
    const body: PortPageBody = { ...page, parent: root.identifier, ...(i > 0 ? { after: pages[i - 1].identifier } : {}) };
    declarations.push({ kind: "page", identifier: body.identifier, body });
  });
  assertValidPages(declarations, catalog, scorecards);
  return declarations;
}
