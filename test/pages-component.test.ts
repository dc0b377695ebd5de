// PortPages under Pulumi mocks: one resource per declared item with the right type token and
// inputs, created in sidebar order (folder, then each page after the one it follows, all after
// the blueprints), and the serialized page provider run in a fresh process against the emulator.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { CATALOG } from "../blueprints";
import { PortBlueprint } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import { PortPages } from "../infra/port/pages";
import { declarePages, PORTAL_PAGES } from "../pages";
import { parseStackConfig } from "../stacks/config";
import { installMocks, promiseOf, ResourceRecorder, settle } from "./support/mocks";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

const PAGE = "pulumi-nodejs:dynamic/port:Page";
const FOLDER = "pulumi-nodejs:dynamic/port:Folder";
const decls = declarePages(parseStackConfig({ port: { orgId: "org_Test1" } }));

describe("PortPages component (Pulumi mocks)", () => {
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());

  it("registers the folder and every page with type tokens, base URL and exact bodies", async () => {
    const pages = new PortPages("portal-pages", { baseUrl: "https://api.port.io", pages: decls });
    await settle();
    assert.deepEqual(await promiseOf(pages.pages[PORTAL_PAGES.images].identifier), PORTAL_PAGES.images);
    const folder = mocks.one(FOLDER, `portal-pages-folder-${PORTAL_PAGES.folder}`);
    assert.equal(folder.inputs.baseUrl, "https://api.port.io");
    assert.deepEqual(folder.inputs.body, decls[0].body);
    const recorded = mocks.byType(PAGE);
    assert.deepEqual(recorded.map((r) => r.name), decls.slice(1).map((d) => `portal-pages-page-${d.identifier}`));
    for (const r of recorded) {
      const d = decls.find((x) => x.identifier === r.inputs.identifier)!;
      assert.deepEqual(r.inputs.body, JSON.parse(JSON.stringify(d.body)));
      assert.equal(typeof r.inputs.__provider, "string", "provider serialized");
      assert.ok(!/test-client-secret/.test(r.inputs.__provider), "no credentials in the serialized provider");
    }
    assert.ok(mocks.resources.some((r) => r.type === "portal:port:Pages" && !r.custom));
  });

  it("waits for the folder, the item each page follows and the blueprints", async () => {
    // The mocks see no dependencies; the mock monitor's requests carry them, so record those.
    const monitor = settings.getMonitor() as unknown as { registerResource: (req: any, cb: unknown) => unknown }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const original = monitor.registerResource.bind(monitor);
    const deps = new Map<string, string[]>();
    monitor.registerResource = (req, cb) => {
      deps.set(req.getName(), req.getDependenciesList());
      return original(req, cb);
    };
    try {
      const blueprints = new PortBlueprint("catalog-blueprint-image", { baseUrl: "https://api.port.io", body: CATALOG[1].body as unknown as JsonObject });
      const pages = new PortPages("portal-pages", { baseUrl: "https://api.port.io", pages: decls, dependsOn: [blueprints] });
      await promiseOf(pages.pages[PORTAL_PAGES.infrastructure].urn);
      await settle();
      const urnOf = async (r: pulumi.Resource) => promiseOf(r.urn);
      const folderUrn = await urnOf(pages.folders[PORTAL_PAGES.folder]);
      const bpUrn = await urnOf(blueprints);
      assert.ok(deps.get(`portal-pages-folder-${PORTAL_PAGES.folder}`)!.includes(bpUrn));
      for (const d of decls.slice(1)) {
        const got = deps.get(`portal-pages-page-${d.identifier}`)!;
        assert.ok(got.includes(folderUrn), `${d.identifier} waits for the folder`);
        assert.ok(got.includes(bpUrn), `${d.identifier} waits for the blueprints`);
        if (d.body.after) assert.ok(got.includes(await urnOf(pages.pages[d.body.after])), `${d.identifier} waits for ${d.body.after}`);
      }
    } finally {
      monitor.registerResource = original;
    }
  });

  it("refuses a page that follows an item declared after it", () => {
    const swapped = [decls[0], decls[2], decls[1], ...decls.slice(3)];
    assert.throws(() => new PortPages("bad", { baseUrl: "https://api.port.io", pages: swapped }), /refers to platform_overview, which is declared after it/);
  });

  describe("serialized page provider in a fresh process", () => {
    let port: PortEmulator;
    before(async () => {
      port = await PortEmulator.start();
      port.seed({ blueprints: CATALOG.map((b) => b.body) });
    });
    after(() => port.stop());

    it("creates, reads and deletes a page exactly as the in-process provider does", async () => {
      new PortPages("portal-pages", { baseUrl: port.url, pages: decls.slice(0, 2) });
      await settle();
      const page = mocks.one(PAGE);
      const folder = mocks.one(FOLDER);
      const dir = mkdtempSync(join(tmpdir(), "pages-provider-"));
      writeFileSync(join(dir, "page.js"), page.inputs.__provider);
      writeFileSync(join(dir, "folder.js"), folder.inputs.__provider);
      const strip = (i: Record<string, unknown>) => ({ baseUrl: i.baseUrl, identifier: i.identifier, body: i.body });
      writeFileSync(
        join(dir, "drive.js"),
        `const page = require("./page.js").handler();
         const folder = require("./folder.js").handler();
         (async () => {
           const fi = ${JSON.stringify(strip(folder.inputs))};
           const pi = ${JSON.stringify(strip(page.inputs))};
           await folder.create(fi);
           const created = await page.create(pi);
           const read = await page.read(created.id, created.outs);
           const diff = await page.diff(created.id, read.props, pi);
           await page.delete(created.id, pi);
           const gone = await page.read(created.id, pi);
           console.log(JSON.stringify({ id: created.id, same: JSON.stringify(read.props) === JSON.stringify(created.outs), changes: diff.changes, gone }));
         })().catch((e) => { console.error(e); process.exit(1); });`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "drive.js")], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", NODE_PATH: join(__dirname, "..", "node_modules"), PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret },
      });
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()!), { id: PORTAL_PAGES.overview, same: true, changes: false, gone: {} });
      assert.equal(port.state.pages.size, 0);
      assert.ok(port.state.folders.has(PORTAL_PAGES.folder));
    });
  });
});
