// The portal pages as declared: each page's body, sidebar order, and the reference check that
// makes a renamed or removed catalog field fail the build instead of blanking a column in Port.
import * as assert from "node:assert/strict";
import { CATALOG, type Blueprint } from "../blueprints";
import { BLUEPRINT_INSTANCE, BLUEPRINTS, DEPLOYMENT, ENVIRONMENT, IMAGE, IMAGE_AGGREGATIONS } from "../blueprints/vocabulary";
import { DEPLOY_ACTIONS } from "../actions/deploy-request";
import { declarePages, describePages, FAILED_BUILD_STATUSES, PageReferenceError, PORTAL_PAGES, validatePages } from "../pages";
import type { JsonObject, PageDeclaration, PortPageBody } from "../pages";
import { parseStackConfig } from "../stacks/config";

const cfg = parseStackConfig({ port: { orgId: "org_Test1" } });

function page(decls: PageDeclaration[], identifier: string): PortPageBody {
  const d = decls.find((p) => p.identifier === identifier);
  assert.ok(d && d.kind === "page", `page ${identifier} declared`);
  return d.body;
}

/** The saved view of the single table on a blueprint-entities page. */
function tableView(body: PortPageBody): { widget: JsonObject; shown: string[]; groupBy?: string[]; sortBy?: { property: string; order: string }[] } {
  assert.equal(body.widgets.length, 1);
  const widget = body.widgets[0];
  assert.equal(widget.type, "table-entities-explorer");
  assert.equal(widget.blueprint, body.blueprint);
  const view = (widget.blueprintConfig as any)[body.blueprint!]; // eslint-disable-line @typescript-eslint/no-explicit-any
  return { widget, shown: view.propertiesSettings.shown, groupBy: view.groupSettings?.groupBy, sortBy: view.sortSettings?.sortBy };
}

function dashboardWidgets(body: PortPageBody): JsonObject[] {
  assert.equal(body.widgets.length, 1);
  assert.equal(body.widgets[0].type, "dashboard-widget");
  return body.widgets[0].widgets as JsonObject[];
}

/** A deep copy of the catalog with one blueprint's body changed. */
function catalogWith(blueprint: string, change: (body: any) => void): Blueprint[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return CATALOG.map((b) => {
    if (b.identifier !== blueprint) return b;
    const body = JSON.parse(JSON.stringify(b.body));
    change(body);
    return { ...b, body };
  });
}

describe("portal pages", () => {
  const decls = declarePages(cfg);

  it("puts a folder first and chains the pages inside it with after, in a stable order", () => {
    assert.deepEqual(
      decls.map((d) => [d.kind, d.identifier, d.body.parent ?? null, d.body.after ?? null]),
      [
        ["folder", PORTAL_PAGES.folder, null, null],
        ["page", PORTAL_PAGES.overview, PORTAL_PAGES.folder, null],
        ["page", PORTAL_PAGES.environments, PORTAL_PAGES.folder, PORTAL_PAGES.overview],
        ["page", PORTAL_PAGES.deployments, PORTAL_PAGES.folder, PORTAL_PAGES.environments],
        ["page", PORTAL_PAGES.images, PORTAL_PAGES.folder, PORTAL_PAGES.deployments],
        ["page", PORTAL_PAGES.infrastructure, PORTAL_PAGES.folder, PORTAL_PAGES.images],
      ],
    );
    assert.deepEqual(JSON.stringify(declarePages(cfg)), JSON.stringify(decls), "same config, same bodies");
  });

  it("Environments shows every environment grouped by kind with product, image link, last deploy build, status and time", () => {
    const body = page(decls, PORTAL_PAGES.environments);
    assert.equal(body.type, "blueprint-entities");
    assert.equal(body.blueprint, BLUEPRINTS.environment);
    const view = tableView(body);
    assert.deepEqual(view.widget.dataset, { combinator: "and", rules: [] }, "all products");
    assert.deepEqual(view.groupBy, [ENVIRONMENT.kind]);
    for (const col of [ENVIRONMENT.product, ENVIRONMENT.imageDeployed, ENVIRONMENT.deploymentBuild, ENVIRONMENT.deploymentBuildStatus, ENVIRONMENT.lastDeploymentTimestamp]) {
      assert.ok(view.shown.includes(col), `column ${col}`);
    }
    // image_deployed is a relation, which Port renders as a link to the image entity
    assert.ok(CATALOG.find((b) => b.identifier === BLUEPRINTS.environment)!.body.relations[ENVIRONMENT.imageDeployed]);
    assert.match(body.description!, new RegExp(DEPLOY_ACTIONS.fromEnvironment));
  });

  it("Environments names only the deploy actions the approval setting creates", () => {
    const noApproval = declarePages(parseStackConfig({ port: { orgId: "org_Test1" }, approvals: { production: false } }));
    assert.doesNotMatch(page(noApproval, PORTAL_PAGES.environments).description!, new RegExp(DEPLOY_ACTIONS.fromEnvironmentWithApproval));
    assert.match(page(decls, PORTAL_PAGES.environments).description!, new RegExp(DEPLOY_ACTIONS.fromEnvironmentWithApproval));
  });

  it("Deployments lists the audit history newest first with environment, image, product, status, requester, build and times", () => {
    const body = page(decls, PORTAL_PAGES.deployments);
    assert.equal(body.blueprint, BLUEPRINTS.deployment);
    const view = tableView(body);
    assert.deepEqual(view.sortBy, [{ property: DEPLOYMENT.startedAt, order: "desc" }]);
    assert.deepEqual(view.shown, ["$title", DEPLOYMENT.environment, DEPLOYMENT.image, DEPLOYMENT.product, DEPLOYMENT.status, DEPLOYMENT.requestedBy, DEPLOYMENT.build, DEPLOYMENT.startedAt, DEPLOYMENT.finishedAt]);
  });

  it("Images shows branch, commit, build result, created-at and builds-of-branch link, newest first", () => {
    const view = tableView(page(decls, PORTAL_PAGES.images));
    for (const col of [IMAGE.branch, IMAGE.commit, IMAGE.buildResult, IMAGE.createdAt, IMAGE.buildsOfBranch]) assert.ok(view.shown.includes(col), `column ${col}`);
    assert.deepEqual(view.sortBy, [{ property: IMAGE.createdAt, order: "desc" }]);
  });

  it("Images shows the environment count the image blueprint aggregates, and only while it does", () => {
    assert.ok(tableView(page(decls, PORTAL_PAGES.images)).shown.includes(IMAGE_AGGREGATIONS.environmentsRunning));
    const withoutCount = CATALOG.map((b) => (b.identifier === BLUEPRINTS.image ? { ...b, aggregations: {} } : b));
    assert.ok(!tableView(page(declarePages(cfg, withoutCount), PORTAL_PAGES.images)).shown.includes(IMAGE_AGGREGATIONS.environmentsRunning));
  });

  it("Platform overview charts environments per kind, deployments per status over 7 days and failed runs of the last day", () => {
    const body = page(decls, PORTAL_PAGES.overview);
    assert.equal(body.type, "dashboard");
    const widgets = dashboardWidgets(body);
    const byId = Object.fromEntries(widgets.map((w) => [w.id as string, w]));
    assert.deepEqual(
      { type: byId.environmentsPerKind.type, blueprint: byId.environmentsPerKind.blueprint, property: byId.environmentsPerKind.property },
      { type: "entities-pie-chart", blueprint: BLUEPRINTS.environment, property: `property#${ENVIRONMENT.kind}` },
    );
    assert.equal(byId.deploymentsPerStatus7d.property, `property#${DEPLOYMENT.status}`);
    assert.deepEqual(byId.deploymentsPerStatus7d.dataset, { combinator: "and", rules: [{ property: DEPLOYMENT.startedAt, operator: "between", value: { preset: "lastWeek" } }] });
    const failed = byId.failedRuns24h;
    assert.equal(failed.type, "entities-number-chart");
    assert.equal(failed.func, "count");
    const rules = (failed.dataset as any).rules; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(rules[0], { property: DEPLOYMENT.status, operator: "in", value: [...FAILED_BUILD_STATUSES] });
    assert.deepEqual(FAILED_BUILD_STATUSES, ["error", "terminated", "denied"]);
    assert.deepEqual(rules[1].rules.map((r: any) => r.value.preset), ["today", "yesterday"]); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(byId.deploymentsPerDay.type, "line-chart");
    assert.equal(byId.deploymentsPerDay.measureTimeBy, DEPLOYMENT.startedAt);
    const layout = body.widgets[0].layout as { columns: { id: string; size: number }[] }[];
    assert.deepEqual(layout.flatMap((r) => r.columns.map((c) => c.id)).sort(), widgets.map((w) => w.id as string).sort(), "every widget placed once");
  });

  it("Infrastructure shows blueprint instances with terraform status, TFE link and template", () => {
    const body = page(decls, PORTAL_PAGES.infrastructure);
    assert.equal(body.blueprint, BLUEPRINTS.blueprintInstance);
    const view = tableView(body);
    for (const col of [BLUEPRINT_INSTANCE.terraformStatus, BLUEPRINT_INSTANCE.tfeLink, BLUEPRINT_INSTANCE.template]) assert.ok(view.shown.includes(col), `column ${col}`);
  });

  it("every widget references only blueprints and fields the catalog declares", () => {
    assert.deepEqual(validatePages(decls, CATALOG), []);
  });

  it("a property renamed in the image blueprint fails the build, naming the page, widget and property", () => {
    const renamed = catalogWith(BLUEPRINTS.image, (body) => {
      body.schema.properties.git_branch = body.schema.properties[IMAGE.branch];
      delete body.schema.properties[IMAGE.branch];
    });
    assert.throws(
      () => declarePages(cfg, renamed),
      (err: unknown) => err instanceof PageReferenceError && err.problems.some((p) => p.includes(PORTAL_PAGES.images) && p.includes("imagesTable") && p.includes(`"${IMAGE.branch}"`)),
    );
  });

  it("a removed relation, a non-date time axis and a missing blueprint are all reported", () => {
    const broken = catalogWith(BLUEPRINTS.deployment, (body) => {
      delete body.relations[DEPLOYMENT.environment];
      body.schema.properties[DEPLOYMENT.startedAt] = { type: "string", title: "Started" };
    }).filter((b) => b.identifier !== BLUEPRINTS.blueprintInstance);
    const problems = validatePages(decls, broken).join("\n");
    assert.match(problems, new RegExp(`"${DEPLOYMENT.environment}" is not a property`));
    assert.match(problems, new RegExp(`"${DEPLOYMENT.startedAt}" is not a date-time property`));
    assert.match(problems, new RegExp(`blueprint "${BLUEPRINTS.blueprintInstance}" is not in the catalog`));
  });

  it("a pie chart breakdown on a property the blueprint lacks is reported", () => {
    const noKind = catalogWith(BLUEPRINTS.environment, (body) => {
      delete body.schema.properties[ENVIRONMENT.kind];
      body.schema.required = [];
    });
    const problems = validatePages(decls, noKind);
    assert.ok(problems.some((p) => p.includes("(environmentsPerKind).property") && p.includes(`"${ENVIRONMENT.kind}" is not a property`)), problems.join("\n"));
  });

  it("a dashboard whose layout misses a widget or oversizes a row is reported", () => {
    const copy: PageDeclaration[] = JSON.parse(JSON.stringify(decls));
    const overview = copy.find((d) => d.identifier === PORTAL_PAGES.overview)!.body as PortPageBody;
    const layout = overview.widgets[0].layout as { columns: { id: string; size: number }[] }[];
    layout[1].columns[0].size = 8;
    layout[0].columns.pop();
    const problems = validatePages(copy, CATALOG).join("\n");
    assert.match(problems, /column sizes add up to 8, not 12/);
    assert.match(problems, /widget "failedRuns24h" has no place in the layout/);
  });

  it("describePages lists the folder and every page in sidebar order for catalog.md", () => {
    const md = describePages(decls);
    const order = [PORTAL_PAGES.folder, PORTAL_PAGES.overview, PORTAL_PAGES.environments, PORTAL_PAGES.deployments, PORTAL_PAGES.images, PORTAL_PAGES.infrastructure].map((id) => md.indexOf(`\`${id}\``));
    assert.ok(order.every((i) => i > 0), md);
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.match(md, /\| ↳ Environments \| `portal_environments` \| blueprint-entities \(environment\) \|/);
  });
});
