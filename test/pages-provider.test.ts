// The page and folder providers driven directly against the Port emulator over real HTTP:
// create/read/update/delete, canonical diff, drift after a hand edit, 404 = gone.
import * as assert from "node:assert/strict";
import { CATALOG } from "../blueprints";
import { folderProvider, pageProvider } from "../infra/port/page";
import type { PortObjectInputs } from "../infra/port/object-provider";
import type { JsonObject, JsonValue } from "../infra/port/canonical";
import { canonicalPage } from "../infra/port/canonical-page";
import { declarePages, PORTAL_PAGES } from "../pages";
import type { PageDeclaration } from "../pages";
import { parseStackConfig } from "../stacks/config";
import { pageDrift } from "../tools/drift/compare";
import { usePortEmulator } from "./support/port-hooks";
import type { PortEmulator } from "./support/port-emulator";

const decls = declarePages(parseStackConfig({ port: { orgId: "org_Test1" } }));

function bodyOf(identifier: string): JsonObject {
  const d = decls.find((p) => p.identifier === identifier) as PageDeclaration;
  return JSON.parse(JSON.stringify(d.body)) as JsonObject;
}

describe("Port page and folder providers (against the emulator)", () => {
  let port: PortEmulator;
  const inputs = (identifier: string, body = bodyOf(identifier)): PortObjectInputs => ({ baseUrl: port.url, identifier, body });

  usePortEmulator((p) => (port = p));
  beforeEach(() => {
    port.reset();
    port.seed({ blueprints: CATALOG.map((b) => b.body) });
  });

  async function createFolderAndOverview(): Promise<void> {
    await folderProvider.create(inputs(PORTAL_PAGES.folder));
    await pageProvider.create(inputs(PORTAL_PAGES.overview));
  }

  it("creates and updates pages and folders when Port answers {ok, identifier} only, reading each back with one GET", async () => {
    const folder = await folderProvider.create(inputs(PORTAL_PAGES.folder));
    assert.equal(folder.outs.body.identifier, PORTAL_PAGES.folder);
    const page = await pageProvider.create(inputs(PORTAL_PAGES.overview));
    assert.deepEqual(page.outs.body, canonicalPage(port.state.pages.get(PORTAL_PAGES.overview)), "outputs are the page read back");
    assert.equal(port.requestsTo("POST", "/v1/pages").filter((r) => r.status !== 401).length, 1, "a create whose answer lacked the object is not repeated");
    assert.equal(port.requestsTo("GET", `/v1/pages/${PORTAL_PAGES.overview}`).length, 1);
    const changed = bodyOf(PORTAL_PAGES.overview);
    changed.title = "Retitled";
    const updated = await pageProvider.update(PORTAL_PAGES.overview, page.outs as PortObjectInputs, inputs(PORTAL_PAGES.overview, changed));
    assert.equal(updated.outs.body.title, "Retitled");
    assert.equal(port.requestsTo("PUT", `/v1/pages/${PORTAL_PAGES.overview}`).length, 1);
  });

  it("creates every declared item in order, Port storing each page with its widgets as objects", async () => {
    for (const d of decls) {
      const provider = d.kind === "folder" ? folderProvider : pageProvider;
      const created = await provider.create(inputs(d.identifier));
      assert.equal(created.id, d.identifier);
    }
    assert.deepEqual([...port.state.folders.keys()], [PORTAL_PAGES.folder]);
    assert.deepEqual([...port.state.pages.keys()], decls.filter((d) => d.kind === "page").map((d) => d.identifier));
    const stored = port.state.pages.get(PORTAL_PAGES.environments)!;
    assert.equal(stored.parent, PORTAL_PAGES.folder);
    assert.equal(stored.after, PORTAL_PAGES.overview);
    assert.deepEqual(stored.widgets, bodyOf(PORTAL_PAGES.environments).widgets, "widgets sent as JSON objects, not strings");
    assert.equal(port.requestsTo("POST", "/v1/pages").filter((r) => r.status !== 401).length, 5);
    assert.equal(port.requestsTo("POST", "/v1/sidebars/catalog/folders").filter((r) => r.status !== 401).length, 1);
  });

  it("read returns the same canonical body create returned, so a fresh refresh shows no change", async () => {
    await folderProvider.create(inputs(PORTAL_PAGES.folder));
    const created = await pageProvider.create(inputs(PORTAL_PAGES.overview));
    const read = await pageProvider.read(PORTAL_PAGES.overview, created.outs as PortObjectInputs);
    assert.deepEqual(read.props, created.outs);
    assert.equal(read.id, PORTAL_PAGES.overview);
    const diff = await pageProvider.diff(PORTAL_PAGES.overview, read.props as PortObjectInputs, inputs(PORTAL_PAGES.overview));
    assert.equal(diff.changes, false, "server fields and echoed defaults are not a change");
    const folderRead = await folderProvider.read(PORTAL_PAGES.folder, inputs(PORTAL_PAGES.folder));
    assert.deepEqual((folderRead.props as PortObjectInputs).body, { identifier: PORTAL_PAGES.folder, title: "Developer portal" });
  });

  it("a widget edited by hand in Port shows as drift on read and as a change in diff", async () => {
    await createFolderAndOverview();
    // An SRE retitles a chart and changes its filter in the Port UI.
    const live = port.state.pages.get(PORTAL_PAGES.overview)!;
    const container = (live.widgets as any[])[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    container.widgets[1].title = "Deploys by status (30 days)";
    container.widgets[1].dataset.rules[0].value.preset = "lastMonth";
    const read = await pageProvider.read(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview));
    const liveBody = (read.props as PortObjectInputs).body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(liveBody.widgets[0].widgets[1].title, "Deploys by status (30 days)");
    const diff = await pageProvider.diff(PORTAL_PAGES.overview, read.props as PortObjectInputs, inputs(PORTAL_PAGES.overview));
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
    // `pulumi up` puts the declared page back.
    await pageProvider.update(PORTAL_PAGES.overview, read.props as PortObjectInputs, inputs(PORTAL_PAGES.overview));
    assert.deepEqual(canonicalPage(port.state.pages.get(PORTAL_PAGES.overview)), canonicalPage(bodyOf(PORTAL_PAGES.overview)));
  });

  it("values Port fills in (audit fields, empty description, unlocked, ids of server fields) are not drift", async () => {
    await createFolderAndOverview();
    const live = port.state.pages.get(PORTAL_PAGES.overview)!;
    Object.assign(live, { id: "page_AbC123", locked: false, pageFilters: [], section: "catalog", showInSidebar: true });
    const container = (live.widgets as any[])[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    Object.assign(container.widgets[0], { description: "", createdAt: "2026-01-01T00:00:00.000Z", updatedBy: "someone" });
    const read = await pageProvider.read(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview));
    const diff = await pageProvider.diff(PORTAL_PAGES.overview, read.props as PortObjectInputs, inputs(PORTAL_PAGES.overview));
    assert.equal(diff.changes, false);
  });

  it("update sends the declared page with PUT and Port keeps no widget the body dropped", async () => {
    await createFolderAndOverview();
    const olds = (await pageProvider.read(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview))).props as PortObjectInputs;
    const news = inputs(PORTAL_PAGES.overview);
    const container = (news.body.widgets as any[])[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    container.widgets = container.widgets.filter((w: JsonObject) => w.id !== "deploymentsPerDay");
    container.layout = container.layout.slice(0, 1);
    news.body.title = "Platform at a glance";
    const diff = await pageProvider.diff(PORTAL_PAGES.overview, olds, news);
    assert.equal(diff.changes, true);
    const updated = await pageProvider.update(PORTAL_PAGES.overview, olds, news);
    assert.equal(port.requestsTo("PUT", `/v1/pages/${PORTAL_PAGES.overview}`).length, 1);
    const stored = port.state.pages.get(PORTAL_PAGES.overview)!;
    assert.equal(stored.title, "Platform at a glance");
    assert.deepEqual(((stored.widgets as any[])[0].widgets as JsonObject[]).map((w) => w.id), ["environmentsPerKind", "deploymentsPerStatus7d", "failedRuns24h"]); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual((updated.outs as PortObjectInputs).body, canonicalPage(news.body));
  });

  it("a new identifier replaces the page, deleting the old one first", async () => {
    await createFolderAndOverview();
    const olds = (await pageProvider.read(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview))).props as PortObjectInputs;
    const body = { ...bodyOf(PORTAL_PAGES.overview), identifier: "platform_overview_v2" };
    const diff = await pageProvider.diff(PORTAL_PAGES.overview, olds, { baseUrl: port.url, identifier: "platform_overview_v2", body });
    assert.deepEqual(diff.replaces, ["identifier"]);
    assert.equal(diff.deleteBeforeReplace, true);
  });

  it("check refuses a body whose identifier differs from the resource's", async () => {
    const res = await pageProvider.check({}, { baseUrl: port.url, identifier: "other", body: bodyOf(PORTAL_PAGES.overview) });
    assert.equal(res.failures?.length, 1);
  });

  it("a page or folder deleted in Port reads as gone (404 = gone), and delete of a gone page succeeds", async () => {
    await createFolderAndOverview();
    port.state.pages.delete(PORTAL_PAGES.overview);
    assert.deepEqual(await pageProvider.read(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview)), {});
    await pageProvider.delete(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview));
    port.state.folders.delete(PORTAL_PAGES.folder);
    assert.deepEqual(await folderProvider.read(PORTAL_PAGES.folder, inputs(PORTAL_PAGES.folder)), {});
  });

  it("delete removes the page, then the emptied folder", async () => {
    await createFolderAndOverview();
    await pageProvider.delete(PORTAL_PAGES.overview, inputs(PORTAL_PAGES.overview));
    assert.equal(port.state.pages.has(PORTAL_PAGES.overview), false);
    await folderProvider.delete(PORTAL_PAGES.folder, inputs(PORTAL_PAGES.folder));
    assert.equal(port.state.folders.has(PORTAL_PAGES.folder), false);
  });

  it("a folder retitled in Port is drift, and update PATCHes it back", async () => {
    await folderProvider.create(inputs(PORTAL_PAGES.folder));
    port.state.folders.get(PORTAL_PAGES.folder)!.title = "Misc";
    const read = await folderProvider.read(PORTAL_PAGES.folder, inputs(PORTAL_PAGES.folder));
    const diff = await folderProvider.diff(PORTAL_PAGES.folder, read.props as PortObjectInputs, inputs(PORTAL_PAGES.folder));
    assert.equal(diff.changes, true);
    await folderProvider.update(PORTAL_PAGES.folder, read.props as PortObjectInputs, inputs(PORTAL_PAGES.folder));
    assert.equal(port.state.folders.get(PORTAL_PAGES.folder)!.title, "Developer portal");
    assert.equal(port.requestsTo("PATCH", `/v1/sidebars/catalog/folders/${PORTAL_PAGES.folder}`).length, 1);
  });

  it("a page whose blueprint is missing in Port fails create with Port's message", async () => {
    port.reset();
    await folderProvider.create(inputs(PORTAL_PAGES.folder));
    await assert.rejects(pageProvider.create({ ...inputs(PORTAL_PAGES.environments), body: { ...bodyOf(PORTAL_PAGES.environments), after: undefined as never } }), /Blueprint with identifier "environment" was not found/);
  });
});

describe("Port pages stored normalized by Port (emulator normalizePages)", () => {
  let port: PortEmulator;
  const inputs = (identifier: string, body = bodyOf(identifier)): PortObjectInputs => ({ baseUrl: port.url, identifier, body });

  usePortEmulator((p) => (port = p), { normalizePages: true });
  beforeEach(async () => {
    port.reset();
    port.seed({ blueprints: CATALOG.map((b) => b.body) });
    await folderProvider.create(inputs(PORTAL_PAGES.folder));
  });

  /** Create every declared page; Port stores them normalized. */
  async function createAll(): Promise<Record<string, PortObjectInputs>> {
    const outs: Record<string, PortObjectInputs> = {};
    for (const d of decls.filter((x) => x.kind === "page")) outs[d.identifier] = (await pageProvider.create(inputs(d.identifier))).outs as PortObjectInputs;
    return outs;
  }

  it("the emulator really stores them reordered (keys, dashboard widgets, column sets)", async () => {
    await createAll();
    const stored = port.state.pages.get(PORTAL_PAGES.overview)!;
    const sent = bodyOf(PORTAL_PAGES.overview);
    assert.notEqual(JSON.stringify(stored.widgets), JSON.stringify(sent.widgets));
    const dash = (stored.widgets as JsonObject[])[0] as { widgets: { id: string }[] };
    const sentDash = (sent.widgets as JsonObject[])[0] as { widgets: { id: string }[] };
    assert.deepEqual(dash.widgets.map((w) => w.id), [...sentDash.widgets.map((w) => w.id)].reverse());
  });

  it("refresh and drift see no change in a page Port only normalized", async () => {
    const outs = await createAll();
    for (const [id, out] of Object.entries(outs)) {
      const read = await pageProvider.read(id, out);
      const diff = await pageProvider.diff(id, read.props as PortObjectInputs, inputs(id));
      assert.equal(diff.changes, false, `${id}: perpetual diff`);
    }
    const live = [...port.state.pages.values()] as unknown as Record<string, unknown>[];
    assert.deepEqual(pageDrift(decls.filter((d) => d.kind === "page").map((d) => bodyOf(d.identifier)), live, canonicalPage), []);
  });

  it("a real widget edit still shows: a retitled widget, a column order changed, a layout rearranged", async () => {
    const outs = await createAll();
    const edits: [string, (page: JsonObject) => void][] = [
      ["widget title", (p) => (((p.widgets as JsonObject[])[0].widgets as JsonObject[])[0].title = "Edited in the UI")],
      ["layout", (p) => ((p.widgets as JsonObject[])[0].layout as JsonValue[]).reverse()],
    ];
    for (const [what, edit] of edits) {
      const page = port.state.pages.get(PORTAL_PAGES.overview)!;
      const before = JSON.parse(JSON.stringify(page));
      edit(page as unknown as JsonObject);
      const read = await pageProvider.read(PORTAL_PAGES.overview, outs[PORTAL_PAGES.overview]);
      assert.equal((await pageProvider.diff(PORTAL_PAGES.overview, read.props as PortObjectInputs, inputs(PORTAL_PAGES.overview))).changes, true, what);
      port.state.pages.set(PORTAL_PAGES.overview, before);
    }
    // a table's column order (`order`) is meaningful; its `shown` set is not
    const table = PORTAL_PAGES.environments;
    const findTable = (w: JsonValue): JsonObject | undefined => {
      if (Array.isArray(w)) return w.map(findTable).find(Boolean);
      if (w && typeof w === "object") return (w as JsonObject).propertiesSettings ? (w as JsonObject) : findTable(Object.values(w as JsonObject) as JsonValue[]);
      return undefined;
    };
    const settings = findTable(port.state.pages.get(table)!.widgets as JsonValue)!.propertiesSettings as { order: string[]; shown: string[] };
    settings.shown.reverse();
    let read = await pageProvider.read(table, outs[table]);
    assert.equal((await pageProvider.diff(table, read.props as PortObjectInputs, inputs(table))).changes, false, "shown is a set");
    settings.order.reverse();
    read = await pageProvider.read(table, outs[table]);
    assert.equal((await pageProvider.diff(table, read.props as PortObjectInputs, inputs(table))).changes, true, "order is the column order");
  });
});
