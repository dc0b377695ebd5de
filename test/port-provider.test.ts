// The Port resource providers driven for real against the local Port emulator: the same objects
// Pulumi's dynamic-provider host would call during up, preview and refresh.
import * as assert from "node:assert/strict";
import { actionProvider } from "../infra/port/action";
import { blueprintProvider } from "../infra/port/blueprint";
import { entitySetProvider, PortEntitySetInputs } from "../infra/port/entity-set";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { JsonObject } from "../infra/port/canonical";
import { CATALOG, environment, image, product } from "../blueprints";
import { deployActions } from "../actions/deploy";
import { PortEmulator } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("Port providers against the Port emulator", function () {
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const bpInputs = (body: object, options: Record<string, boolean> = { allowPropertyTypeChange: false }): PortObjectInputs => ({
    baseUrl: port.url,
    identifier: String((body as { identifier: string }).identifier),
    body: clone(body) as JsonObject,
    options,
  });

  async function createCatalogBlueprints(): Promise<Record<string, PortObjectInputs>> {
    const outs: Record<string, PortObjectInputs> = {};
    for (const bp of CATALOG) {
      const res = await blueprintProvider.create(bpInputs(bp.body));
      outs[bp.identifier] = res.outs as PortObjectInputs;
    }
    return outs;
  }

  describe("blueprints", () => {
    it("creates every catalog blueprint in dependency order and reads back no difference", async () => {
      const outs = await createCatalogBlueprints();
      for (const bp of CATALOG) {
        assert.ok(port.blueprint(bp.identifier), `${bp.identifier} exists in Port`);
        const read = await blueprintProvider.read(bp.identifier, outs[bp.identifier]);
        assert.equal(read.id, bp.identifier);
        const diff = await blueprintProvider.diff(bp.identifier, read.props as PortObjectInputs, bpInputs(bp.body));
        assert.equal(diff.changes, false, `no perpetual diff for ${bp.identifier}`);
      }
    });

    it("creates blueprints without Port's automatic catalog page (the stack declares its pages)", async () => {
      await createCatalogBlueprints();
      const posts = port.requestsTo("POST", /^\/v1\/blueprints$/).filter((r) => r.status === 201);
      assert.equal(posts.length, CATALOG.length);
      for (const r of posts) assert.equal(new URLSearchParams(r.query).get("create_catalog_page"), "false");
      assert.deepEqual([...port.state.pages.keys()], [], "no stray sidebar page");
    });

    describe("a blueprint that holds entities (pipelines wrote images)", () => {
      async function withImages(n: number): Promise<Record<string, PortObjectInputs>> {
        const outs = await createCatalogBlueprints();
        await upsert(port, product.identifier, { identifier: "billing", title: "Billing" });
        for (let i = 0; i < n; i++) await upsert(port, image.identifier, { identifier: `svc-${i}`, title: `svc ${i}`, relations: { product: "billing" } });
        return outs;
      }

      it("destroy is refused with the blueprint's name, its entity count and the switch, never Port's raw error; nothing is deleted", async () => {
        const outs = await withImages(3);
        await assert.rejects(blueprintProvider.delete(image.identifier, outs[image.identifier]), (e: Error) => {
          assert.match(e.message, /blueprint "image" holds 3 entities/);
          assert.match(e.message, /developer-portal:port\.deleteEntitiesWithBlueprints/);
          assert.doesNotMatch(e.message, /HTTP 422|Port DELETE/);
          return true;
        });
        assert.ok(port.blueprint(image.identifier));
        assert.equal(port.entities(image.identifier).length, 3);
      });

      it("with deleteEntitiesWithBlueprint on, destroy deletes the entities (Port's all-entities route), then the blueprint", async () => {
        const outs = await withImages(3);
        const state = { ...outs[image.identifier], options: { allowPropertyTypeChange: false, deleteEntitiesWithBlueprint: true } };
        // As destroy orders it: the blueprints relating to images go first.
        for (const id of ["deployment", "environment"]) await blueprintProvider.delete(id, outs[id]);
        await blueprintProvider.delete(image.identifier, state);
        assert.equal(port.blueprint(image.identifier), undefined);
        assert.equal(port.requestsTo("DELETE", "/v1/blueprints/image/all-entities").length, 1);
      });

      it("a replace is refused at preview (check) while the old blueprint holds entities, unless the switch is on", async () => {
        const outs = await withImages(2);
        const renamed = bpInputs({ ...clone(image.body), identifier: "container_image" });
        const res = await blueprintProvider.check(outs[image.identifier], renamed);
        assert.match(JSON.stringify(res.failures), /blueprint \\"image\\" holds 2 entities/);
        const allowed = await blueprintProvider.check(outs[image.identifier], { ...renamed, options: { allowPropertyTypeChange: false, deleteEntitiesWithBlueprint: true } });
        assert.equal(allowed.failures, undefined);
        assert.equal(port.entities(image.identifier).length, 2, "a preview deletes nothing");
      });

      it("turning the switch on changes state only: no write to Port", async () => {
        const outs = await withImages(1);
        const writes = port.requests.filter((r) => r.method !== "GET").length;
        const on = { ...bpInputs(image.body), options: { allowPropertyTypeChange: false, deleteEntitiesWithBlueprint: true } };
        assert.equal((await blueprintProvider.diff(image.identifier, outs[image.identifier], on)).changes, true);
        const updated = await blueprintProvider.update(image.identifier, outs[image.identifier], on);
        assert.equal((updated.outs as PortObjectInputs).options?.deleteEntitiesWithBlueprint, true);
        assert.equal(port.requests.filter((r) => r.method !== "GET").length, writes);
      });
    });

    it("sees a title and enum edited in the Port UI on refresh", async () => {
      const outs = await createCatalogBlueprints();
      const live = clone(port.blueprint(environment.identifier)!) as unknown as { title: string; schema: { properties: Record<string, { enum?: string[] }> } };
      live.title = "Envs (edited by hand)";
      live.schema.properties.kind.enum = ["Dev", "Production"];
      const res = await fetch(`${port.url}/v1/blueprints/environment`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${port.issueToken()}`, "content-type": "application/json" },
        body: JSON.stringify({ title: live.title, schema: live.schema }),
      });
      assert.equal(res.status, 200);

      const read = await blueprintProvider.read(environment.identifier, outs.environment);
      const props = read.props as PortObjectInputs;
      assert.equal(props.body.title, "Envs (edited by hand)");
      const diff = await blueprintProvider.diff(environment.identifier, props, bpInputs(environment.body));
      assert.equal(diff.changes, true);

      // `pulumi up` then puts the declared body back.
      await blueprintProvider.update(environment.identifier, props, bpInputs(environment.body));
      assert.equal(port.blueprint(environment.identifier)!.title, "Environment");
    });

    it("reports a blueprint deleted outside Pulumi as gone (404 on read)", async () => {
      const out = (await blueprintProvider.create(bpInputs(product.body))).outs as PortObjectInputs;
      await fetch(`${port.url}/v1/blueprints/product`, { method: "DELETE", headers: { authorization: `Bearer ${port.issueToken()}` } });
      const read = await blueprintProvider.read("product", out);
      assert.equal(read.id, undefined);
    });

    it("replaces with delete-before-replace when the identifier changes", async () => {
      const renamed = { ...clone(product.body), identifier: "product_v2" };
      const diff = await blueprintProvider.diff("product", bpInputs(product.body), bpInputs(renamed));
      assert.deepEqual(diff.replaces, ["identifier"]);
      assert.equal(diff.deleteBeforeReplace, true);
    });

    it("refuses a property type change at preview, naming the property and the way out", async () => {
      const changed = clone(product.body) as unknown as { schema: { properties: Record<string, { type: string; format?: string }> } };
      changed.schema.properties.bamboo_key = { type: "number", title: "Bamboo key" } as { type: string };
      const check = await blueprintProvider.check(bpInputs(product.body), bpInputs(changed));
      assert.equal(check.failures?.length, 1);
      assert.match(check.failures![0].reason, /"bamboo_key" would change type string → number/);
      assert.match(check.failures![0].reason, /allowPropertyTypeChange/);
    });

    it("applies an allowed property type change by parking, dropping and re-adding the property", async () => {
      const out = (await blueprintProvider.create(bpInputs(product.body))).outs as PortObjectInputs;
      const changed = clone(product.body) as unknown as { schema: { properties: Record<string, unknown> } };
      changed.schema.properties.bamboo_key = { type: "number", title: "Bamboo key" };
      const news = bpInputs(changed, { allowPropertyTypeChange: true });
      assert.deepEqual((await blueprintProvider.check(out, news)).failures, undefined);
      await blueprintProvider.update("product", out, news);
      const stored = port.blueprint("product") as unknown as { schema: { properties: Record<string, { type: string }> } };
      assert.equal(stored.schema.properties.bamboo_key.type, "number");
      // Values parked beside the old property, old one dropped, re-added with the new type, parked copy removed.
      assert.equal(port.requestsTo("PUT", "/v1/blueprints/product").length, 4);
      assert.equal((stored.schema.properties as Record<string, unknown>).bamboo_key__migrating, undefined);
    });

    it("adopts a blueprint that already exists (a portal built from the sample) instead of failing with 409", async () => {
      // The sample's image blueprint: same identifier, fewer properties, legacy enum values.
      port.seed({ blueprints: [product.body as unknown as JsonObject] });
      const legacy = clone(image.body) as unknown as { title: string; schema: { properties: Record<string, unknown> } };
      legacy.title = "Image (sample)";
      delete legacy.schema.properties.image_ref;
      port.seed({ blueprints: [legacy as unknown as JsonObject] });
      const created = await blueprintProvider.create(bpInputs(image.body));
      assert.equal(created.id, "image");
      assert.equal(port.blueprint("image")!.title, "Image");
      assert.ok("image_ref" in (port.blueprint("image") as unknown as { schema: { properties: object } }).schema.properties);
    });

    it("refuses to adopt an existing blueprint whose property would change type", async () => {
      port.seed({ blueprints: [product.body as unknown as JsonObject] });
      const legacy = clone(image.body) as unknown as { schema: { properties: Record<string, { type: string }> } };
      legacy.schema.properties.commit_sha = { type: "number", title: "Commit" } as { type: string };
      port.seed({ blueprints: [legacy as unknown as JsonObject] });
      await assert.rejects(blueprintProvider.create(bpInputs(image.body)), /cannot adopt the existing blueprint "image".*"commit_sha" would change type number → string/);
    });

    it("survives 429 and 500 bursts and an expired token", async () => {
      port.inject({ method: "POST", path: "/v1/blueprints", times: 2, status: 429 });
      port.inject({ method: "POST", path: "/v1/blueprints", times: 1, status: 500 });
      await blueprintProvider.create(bpInputs(product.body));
      assert.ok(port.blueprint("product"));
      port.expireTokens();
      const read = await blueprintProvider.read("product", bpInputs(product.body));
      assert.equal(read.id, "product");
      assert.ok(port.requests.some((r) => r.status === 401), "the stale token was refused once");
    });
  });

  describe("actions", () => {
    it("creates, reads without perpetual diff, and updates through PUT bodies Port accepts", async () => {
      await createCatalogBlueprints();
      const [deploy] = deployActions({ pipelines: ["developer-portal/deploy"], requireApprovalForProduction: false });
      const inputs: PortObjectInputs = { baseUrl: port.url, identifier: deploy.identifier, body: clone(deploy.body) as unknown as JsonObject };
      const created = (await actionProvider.create(inputs)).outs as PortObjectInputs;
      const read = (await actionProvider.read(deploy.identifier, created)).props as PortObjectInputs;
      assert.equal((await actionProvider.diff(deploy.identifier, read, inputs)).changes, false);

      const [wider] = deployActions({ pipelines: ["developer-portal/deploy", "developer-portal/deploy-canary"], requireApprovalForProduction: false });
      const news: PortObjectInputs = { ...inputs, body: clone(wider.body) as unknown as JsonObject };
      assert.equal((await actionProvider.diff(deploy.identifier, read, news)).changes, true);
      // The update starts from refreshed state that holds Port's server fields; the PUT must not.
      await actionProvider.update(deploy.identifier, read, news);
      const put = port.requestsTo("PUT", `/v1/actions/${deploy.identifier}`)[0];
      assert.equal(put.status, 200);
      assert.equal((put.body as Record<string, unknown>).id, undefined);
      const stored = port.action(deploy.identifier) as unknown as { trigger: { userInputs: { properties: { cf_pipeline: { enum: string[] } } } } };
      assert.deepEqual(stored.trigger.userInputs.properties.cf_pipeline.enum, ["developer-portal/deploy", "developer-portal/deploy-canary"]);
    });

    it("sees an action deleted in the UI as gone", async () => {
      await createCatalogBlueprints();
      const [deploy] = deployActions({ pipelines: ["p/deploy"], requireApprovalForProduction: false });
      const inputs: PortObjectInputs = { baseUrl: port.url, identifier: deploy.identifier, body: clone(deploy.body) as unknown as JsonObject };
      await actionProvider.create(inputs);
      await fetch(`${port.url}/v1/actions/${deploy.identifier}`, { method: "DELETE", headers: { authorization: `Bearer ${port.issueToken()}` } });
      assert.equal((await actionProvider.read(deploy.identifier, inputs)).id, undefined);
    });
  });

  describe("entity sets", () => {
    const products = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ identifier: `p${String(i).padStart(4, "0")}`, title: `Product ${i}`, properties: { owning_team: `team-${i % 7}` }, relations: {} }));
    const environments = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ identifier: `p${String(i).padStart(4, "0")}-dev`, title: `Product ${i} dev`, properties: { kind: "Dev" }, relations: { product: `p${String(i).padStart(4, "0")}` } }));

    async function setup(n: number) {
      await createCatalogBlueprints();
      const productSet: PortEntitySetInputs = { baseUrl: port.url, blueprint: "product", entities: products(n) };
      const envSet: PortEntitySetInputs = { baseUrl: port.url, blueprint: "environment", entities: environments(n) };
      const p = (await entitySetProvider.create(productSet)).outs as PortEntitySetInputs;
      const e = (await entitySetProvider.create(envSet)).outs as PortEntitySetInputs;
      return { productSet, envSet, p, e };
    }

    it("writes 1,000 products and 1,000 environments in bulk and reads them back with a few searches", async function () {
      this.timeout(60_000);
      const before = port.requests.length;
      const { envSet, e, productSet, p } = await setup(1000);
      const writes = port.requests.slice(before).filter((r) => r.path.endsWith("/entities/bulk")).length;
      assert.equal(writes, 100, "20 entities per bulk call");
      assert.equal(port.entities("environment").length, 1000);

      const start = port.requests.length;
      const readP = await entitySetProvider.read("product/entities", p);
      const readE = await entitySetProvider.read("environment/entities", e);
      const reads = port.requests.slice(start).filter((r) => !r.path.endsWith("/access_token"));
      assert.equal(reads.length, 2, "one search page per 1,000 entities");
      assert.equal((await entitySetProvider.diff("x", readP.props as PortEntitySetInputs, productSet)).changes, false);
      assert.equal((await entitySetProvider.diff("x", readE.props as PortEntitySetInputs, envSet)).changes, false);
    });

    it("neither overwrites nor reports what pipelines write at run time, but sees hand edits of declared fields", async () => {
      await port.seed({});
      const { envSet, e } = await setup(3);
      await createImage(port, "p0000");
      // The deploy pipeline's write: runtime fields of the environment.
      await upsert(port, "environment", { identifier: "p0000-dev", properties: { cf_deployment_build_status: "success" }, relations: { image_deployed: "svc:1.0.0" } });
      // A hand edit in the UI of a declared field.
      await upsert(port, "environment", { identifier: "p0001-dev", properties: { kind: "Staging" } });

      const read = (await entitySetProvider.read("environment/entities", e)).props as PortEntitySetInputs;
      const byId = Object.fromEntries(read.entities.map((x) => [x.identifier, x]));
      assert.deepEqual(Object.keys(byId["p0000-dev"].properties), ["kind"], "runtime properties are not the stack's");
      assert.equal(byId["p0001-dev"].properties.kind, "Staging");
      assert.equal((await entitySetProvider.diff("x", read, envSet)).changes, true);

      await entitySetProvider.update("x", read, envSet);
      const env0 = port.entity("environment", "p0000-dev") as unknown as { properties: Record<string, unknown>; relations: Record<string, unknown> };
      assert.equal(env0.properties.cf_deployment_build_status, "success", "deploy status kept");
      assert.equal(env0.relations.image_deployed, "svc:1.0.0", "deployed image kept");
      assert.equal((port.entity("environment", "p0001-dev") as unknown as { properties: Record<string, unknown> }).properties.kind, "Dev", "hand edit reverted");
      const bulkBodies = port.requestsTo("POST", "/entities/bulk").slice(-1)[0].body as { entities: { identifier: string }[] };
      assert.deepEqual(bulkBodies.entities.map((x) => x.identifier), ["p0001-dev"], "only the changed entity is written");
    });

    it("deletes entities no longer declared and re-creates ones deleted by hand", async () => {
      const { envSet, e } = await setup(3);
      await fetch(`${port.url}/v1/blueprints/environment/entities/p0002-dev`, { method: "DELETE", headers: { authorization: `Bearer ${port.issueToken()}` } });
      const read = (await entitySetProvider.read("environment/entities", e)).props as PortEntitySetInputs;
      assert.equal(read.entities.length, 2);
      const fewer = { ...envSet, entities: envSet.entities.filter((x) => x.identifier !== "p0000-dev") };
      await entitySetProvider.update("x", read, fewer);
      assert.deepEqual(port.entities("environment").map((x) => x.identifier).sort(), ["p0001-dev", "p0002-dev"]);
    });

    it("names the entities Port refused", async () => {
      await createCatalogBlueprints();
      const bad: PortEntitySetInputs = { baseUrl: port.url, blueprint: "environment", entities: [{ identifier: "orphan-dev", title: "Orphan", properties: { kind: "Dev" }, relations: { product: "no-such-product" } }] };
      await assert.rejects(entitySetProvider.create(bad), /Port refused 1 of 1 environment entities: orphan-dev/);
    });
  });
});

async function upsert(port: PortEmulator, blueprint: string, body: object): Promise<void> {
  const res = await fetch(`${port.url}/v1/blueprints/${blueprint}/entities?upsert=true&merge=true`, {
    method: "POST",
    headers: { authorization: `Bearer ${port.issueToken()}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.ok(res.status < 300, `upsert ${blueprint}: ${res.status} ${await res.text()}`);
}

async function createImage(port: PortEmulator, productId: string): Promise<void> {
  await upsert(port, image.identifier, { identifier: "svc:1.0.0", title: "svc 1.0.0", properties: { service: "svc" }, relations: { product: productId } });
}
