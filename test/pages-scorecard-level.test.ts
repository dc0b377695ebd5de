// The environments page shows each environment's "Production readiness" level as a table column
// when the stack declares scorecards; the column key's shape is not documented by Port, so the
// page's canonical form (provider diff, refresh, drift) does not compare it: a Port that keeps,
// reorders or drops it never shows a perpetual change.
import * as assert from "node:assert/strict";
import { CATALOG } from "../blueprints";
import { SCORECARDS } from "../blueprints/scorecards";
import { BLUEPRINTS, ENVIRONMENT } from "../blueprints/vocabulary";
import type { JsonObject, JsonValue } from "../infra/port/canonical";
import { canonicalPage } from "../infra/port/canonical-page";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { folderProvider, pageProvider } from "../infra/port/page";
import { declarePages, PORTAL_PAGES, validatePages } from "../pages";
import type { PageDeclaration, PortPageBody } from "../pages";
import { scorecardColumn } from "../pages/widgets";
import { parseStackConfig } from "../stacks/config";
import { pageDrift } from "../tools/drift/compare";
import { usePortEmulator } from "./support/port-hooks";
import type { PortEmulator } from "./support/port-emulator";

const GOVERNANCE = { teams: [{ name: "sre" }], approvers: { teams: ["sre"] } };
const withScorecards = parseStackConfig({ port: { orgId: "org_Test1" }, governance: { ...GOVERNANCE, scorecards: {} } });
const withoutScorecards = parseStackConfig({ port: { orgId: "org_Test1" }, governance: GOVERNANCE });
const READINESS = scorecardColumn(SCORECARDS.productionReadiness);

function environmentsPage(decls: PageDeclaration[]): PortPageBody {
  const d = decls.find((p) => p.identifier === PORTAL_PAGES.environments);
  assert.ok(d && d.kind === "page");
  return JSON.parse(JSON.stringify(d.body)) as PortPageBody;
}

function view(body: PortPageBody): { shown: string[]; order: string[] } {
  const widget = body.widgets[0] as { blueprintConfig: Record<string, { propertiesSettings: { shown: string[]; order: string[] } }> };
  return widget.blueprintConfig[BLUEPRINTS.environment].propertiesSettings;
}

describe("environments page: the Production readiness level", () => {
  it("is a column of the environments table, right after the kind, when scorecards are declared", () => {
    const { shown, order } = view(environmentsPage(declarePages(withScorecards)));
    assert.equal(READINESS, "scorecard#production_readiness");
    assert.deepEqual(order.slice(0, 3), ["$title", ENVIRONMENT.kind, READINESS]);
    assert.ok(shown.includes(READINESS));
    assert.match(environmentsPage(declarePages(withScorecards)).description ?? "", /Production readiness level/);
  });

  it("is absent without scorecards, and the page then says nothing about readiness", () => {
    for (const cfg of [withoutScorecards, parseStackConfig({ port: { orgId: "org_Test1" } })]) {
      const page = environmentsPage(declarePages(cfg));
      assert.ok(!view(page).order.some((c) => c.startsWith("scorecard#")), "no scorecard column");
      assert.doesNotMatch(page.description ?? "", /readiness/i);
    }
  });

  it("a scorecard column must name a scorecard declared on the table's blueprint, like every other column", () => {
    const decls = declarePages(withScorecards);
    const declared = [{ blueprint: BLUEPRINTS.environment, identifier: SCORECARDS.productionReadiness }];
    assert.deepEqual(validatePages(decls, CATALOG, declared), []);
    const problems = validatePages(decls, CATALOG, []);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0], /scorecard "production_readiness" is not declared on blueprint "environment"/);
    assert.match(validatePages(decls, CATALOG, [{ blueprint: BLUEPRINTS.image, identifier: SCORECARDS.productionReadiness }]).join("\n"), /not declared on blueprint "environment"/);
  });

  it("the canonical page form leaves the column out, so the page compares equal whether Port keeps, reorders or drops it", () => {
    const declared = environmentsPage(declarePages(withScorecards));
    assert.ok(view(declared).order.includes(READINESS));
    const dropped = JSON.parse(JSON.stringify(declared)) as PortPageBody;
    const settings = view(dropped);
    settings.shown = settings.shown.filter((c) => c !== READINESS).reverse();
    settings.order = settings.order.filter((c) => c !== READINESS);
    assert.deepEqual(canonicalPage(dropped), canonicalPage(declared));
    // a real column change still shows
    const edited = JSON.parse(JSON.stringify(declared)) as PortPageBody;
    view(edited).order.reverse();
    assert.notDeepEqual(canonicalPage(edited), canonicalPage(declared));
  });
});

describe("environments page with the readiness column, against the emulator storing pages normalized", () => {
  let port: PortEmulator;
  const inputs = (body: PortPageBody | JsonObject): PortObjectInputs => ({ baseUrl: port.url, identifier: String(body.identifier), body: body as unknown as JsonObject });

  usePortEmulator((p) => (port = p), { normalizePages: true });
  beforeEach(async () => {
    port.seed({ blueprints: CATALOG.map((b) => b.body) });
    const decls = declarePages(withScorecards);
    await folderProvider.create({ baseUrl: port.url, identifier: PORTAL_PAGES.folder, body: decls[0].body as unknown as JsonObject });
    await pageProvider.create(inputs(decls.find((d) => d.identifier === PORTAL_PAGES.overview)!.body as PortPageBody));
  });

  it("is sent to Port, and refresh and drift see no change although the emulator stored the page without it", async () => {
    const body = environmentsPage(declarePages(withScorecards));
    const created = await pageProvider.create(inputs(body));
    const sent = port.requestsTo("POST", "/v1/pages").filter((r) => r.status === 200 || r.status === 201).map((r) => r.body as JsonObject);
    assert.ok(JSON.stringify(sent.at(-1)).includes(READINESS), "the POST carried the column");
    const stored = port.state.pages.get(PORTAL_PAGES.environments)!;
    assert.ok(!JSON.stringify(stored.widgets).includes(READINESS), "the emulator dropped it (the least helpful plausible store)");
    const read = await pageProvider.read(PORTAL_PAGES.environments, created.outs as PortObjectInputs);
    assert.equal((await pageProvider.diff(PORTAL_PAGES.environments, read.props as PortObjectInputs, inputs(body))).changes, false, "no perpetual diff");
    assert.deepEqual(pageDrift([body as unknown as JsonObject], [stored as unknown as Record<string, unknown>], canonicalPage), []);
  });

  it("turning scorecards on updates the page (its description changes with the column)", async () => {
    const before = environmentsPage(declarePages(withoutScorecards));
    const created = await pageProvider.create(inputs(before));
    const after = environmentsPage(declarePages(withScorecards));
    const diff = await pageProvider.diff(PORTAL_PAGES.environments, created.outs as PortObjectInputs, inputs(after));
    assert.equal(diff.changes, true);
    await pageProvider.update(PORTAL_PAGES.environments, created.outs as PortObjectInputs, inputs(after));
    const put = port.requestsTo("PUT", `/v1/pages/${PORTAL_PAGES.environments}`).at(-1)!;
    assert.ok(JSON.stringify(put.body as JsonValue).includes(READINESS), "the PUT carried the column");
  });
});
