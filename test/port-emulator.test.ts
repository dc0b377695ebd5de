// The Port emulator answers like Port: envelopes, status codes, validation, token expiry, runs,
// faults, latency and rate-limit headers, over real HTTP.
import * as assert from "node:assert/strict";
import { PortEmulator } from "./support/port-emulator";

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

function client(port: () => PortEmulator) {
  let token: string | undefined;
  const call = async (method: string, path: string, body?: unknown, auth = true): Promise<Answer> => {
    if (auth && !token) {
      const t = await call("POST", "/v1/auth/access_token", { clientId: "test-client-id", clientSecret: "test-client-secret" }, false);
      token = t.body.accessToken;
    }
    const res = await fetch(port().url + path, {
      method,
      headers: { "content-type": "application/json", ...(auth && token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return { call, forgetToken: () => (token = undefined) };
}

const product = {
  identifier: "product",
  title: "Product",
  schema: { properties: { description: { type: "string" }, tier: { type: "string", enum: ["gold", "silver"] } }, required: [] },
};
const image = {
  identifier: "image",
  title: "Image",
  schema: {
    properties: { branch: { type: "string" }, build_url: { type: "string", format: "url" }, size: { type: "number" } },
    required: ["branch"],
  },
  relations: { product: { target: "product", required: true } },
};
const deployAction = {
  identifier: "deploy_image",
  title: "Deploy",
  trigger: {
    type: "self-service",
    operation: "DAY-2",
    blueprintIdentifier: "image",
    userInputs: { properties: { environment: { type: "string", title: "Environment" } }, required: ["environment"] },
  },
  invocationMethod: { type: "KAFKA", payload: { runId: "{{ .run.id }}", image: "{{ .entity.identifier }}" } },
};

describe("Port emulator", () => {
  let port: PortEmulator;
  const { call, forgetToken } = client(() => port);

  before(async () => {
    port = await PortEmulator.start();
  });
  after(async () => port.stop());
  beforeEach(() => {
    port.reset();
    forgetToken();
  });

  describe("auth", () => {
    it("issues a bearer token in Port's envelope and reuses it while valid", async () => {
      const creds = { clientId: "test-client-id", clientSecret: "test-client-secret" };
      const a = await call("POST", "/v1/auth/access_token", creds, false);
      assert.equal(a.status, 200);
      assert.equal(a.body.ok, true);
      assert.equal(a.body.tokenType, "Bearer");
      assert.equal(a.body.expiresIn, 10800);
      const b = await call("POST", "/v1/auth/access_token", creds, false);
      assert.equal(b.body.accessToken, a.body.accessToken);
      assert.equal(port.tokensIssued, 1);
    });

    it("refuses wrong credentials with 401 and unknown body keys with 422", async () => {
      const bad = await call("POST", "/v1/auth/access_token", { clientId: "test-client-id", clientSecret: "nope" }, false);
      assert.equal(bad.status, 401);
      assert.equal(bad.body.ok, false);
      const extra = await call("POST", "/v1/auth/access_token", { clientId: "x", clientSecret: "y", scope: "all" }, false);
      assert.equal(extra.status, 422);
      assert.match(extra.body.message, /scope/);
    });

    it("answers 401 without a token, with a bad token, and after the tokens expire", async () => {
      assert.equal((await call("GET", "/v1/blueprints", undefined, false)).status, 401);
      const res = await fetch(`${port.url}/v1/blueprints`, { headers: { authorization: "Bearer not-a-token" } });
      assert.equal(res.status, 401);
      assert.equal((await call("GET", "/v1/blueprints")).status, 200);
      port.expireTokens();
      const expired = await call("GET", "/v1/blueprints");
      assert.equal(expired.status, 401);
      assert.equal(expired.body.ok, false);
      forgetToken();
      assert.equal((await call("GET", "/v1/blueprints")).status, 200);
      assert.equal(port.tokensIssued, 2);
    });

    it("lets tokens run out after tokenTtlSeconds", async () => {
      const short = await PortEmulator.start({ tokenTtlSeconds: 1 });
      try {
        const token = short.issueToken();
        const get = () => fetch(`${short.url}/v1/blueprints`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal((await get()).status, 200);
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal((await get()).status, 401);
      } finally {
        await short.stop();
      }
    });
  });

  describe("blueprints", () => {
    it("creates with 201 and echoes server fields and defaults", async () => {
      const res = await call("POST", "/v1/blueprints", { ...product, schema: { properties: product.schema.properties } });
      assert.equal(res.status, 201);
      const bp = res.body.blueprint;
      assert.equal(res.body.ok, true);
      assert.ok(bp.createdAt && bp.updatedAt && bp.createdBy && bp.updatedBy);
      assert.deepEqual(bp.calculationProperties, {});
      assert.deepEqual(bp.aggregationProperties, {});
      assert.deepEqual(bp.mirrorProperties, {});
      assert.deepEqual(bp.schema.required, []);
      await call("POST", "/v1/blueprints", image);
      const img = (await call("GET", "/v1/blueprints/image")).body.blueprint;
      assert.deepEqual(img.relations.product, { target: "product", required: true, many: false });
    });

    it("adds a catalog page per blueprint unless created with create_catalog_page=false, and drops it with the blueprint", async () => {
      await call("POST", "/v1/blueprints", product);
      assert.equal(port.state.pages.get("product")?.type, "blueprint-entities", "Port's default: a page of the blueprint's entities");
      assert.equal(port.state.pages.get("product")?.blueprint, "product");
      await call("POST", "/v1/blueprints?create_catalog_page=false", image);
      assert.equal(port.state.pages.has("image"), false);
      await call("DELETE", "/v1/blueprints/image");
      await call("DELETE", "/v1/blueprints/product");
      assert.equal(port.state.pages.size, 0);
    });

    it("answers 404 not_found for a missing blueprint or relation target", async () => {
      const missing = await call("GET", "/v1/blueprints/nope");
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { ok: false, error: "not_found", message: 'Blueprint with identifier "nope" was not found' });
      const rel = await call("POST", "/v1/blueprints", image);
      assert.equal(rel.status, 404);
      assert.equal(rel.body.message, 'Blueprint with identifier "product" was not found');
    });

    it("validates identifiers, titles, property types and formats, many+required relations", async () => {
      const post = (patch: object) => call("POST", "/v1/blueprints", { ...product, ...patch });
      assert.equal((await post({ identifier: ".." })).status, 422);
      assert.equal((await post({ identifier: "x".repeat(101) })).status, 422);
      assert.equal((await post({ identifier: "bad id" })).status, 422);
      assert.equal((await post({ identifier: "ünïcode/ok:1" })).status, 201);
      assert.equal((await post({ identifier: "t", title: "" })).status, 422);
      assert.equal((await post({ identifier: "p", schema: { properties: { a: { type: "date" } } } })).status, 422);
      assert.equal((await post({ identifier: "f", schema: { properties: { a: { type: "string", format: "uri" } } } })).status, 422);
      assert.equal((await post({ identifier: "k", schema: { properties: { "a b": { type: "string" } } } })).status, 422);
      assert.equal((await post({ identifier: "n", schema: {} })).status, 422);
      const both = await post({ identifier: "r", relations: { self: { target: "r", many: true, required: true } } });
      assert.equal(both.status, 422);
      assert.match(both.body.message, /many.*required/);
    });

    it("refuses to change a property's type on PUT and PATCH", async () => {
      await call("POST", "/v1/blueprints", product);
      const put = await call("PUT", "/v1/blueprints/product", {
        title: "Product",
        schema: { properties: { ...product.schema.properties, description: { type: "number" } } },
      });
      assert.equal(put.status, 422);
      assert.match(put.body.message, /type of property "description".*"string" to "number"/);
      const patch = await call("PATCH", "/v1/blueprints/product", { schema: { properties: { tier: { type: "array" } } } });
      assert.equal(patch.status, 422);
      const added = await call("PATCH", "/v1/blueprints/product", { schema: { properties: { owner: { type: "string" } } } });
      assert.equal(added.status, 200);
      assert.deepEqual(Object.keys(added.body.blueprint.schema.properties).sort(), ["description", "owner", "tier"]);
    });

    it("PUT replaces the whole blueprint (unsent aggregations are wiped)", async () => {
      port.seed({ blueprints: [product] });
      await call("PATCH", "/v1/blueprints/product", {
        aggregationProperties: { images: { title: "Images", target: "product", calculationSpec: { func: "count", calculationBy: "entities" } } },
      });
      const put = await call("PUT", "/v1/blueprints/product", { title: "Product", schema: product.schema });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body.blueprint.aggregationProperties, {});
    });

    it("refuses to delete a blueprint that still has entities (has_dependents)", async () => {
      port.seed({ blueprints: [product], entities: { product: [{ identifier: "billing" }] } });
      const del = await call("DELETE", "/v1/blueprints/product");
      assert.equal(del.status, 422);
      assert.match(del.body.error + del.body.message, /has_dependents/);
      assert.equal((await call("DELETE", "/v1/blueprints/product/entities/billing")).status, 200);
      assert.deepEqual((await call("DELETE", "/v1/blueprints/product")).body, { ok: true });
      assert.equal(port.blueprint("product"), undefined);
    });
  });

  describe("actions", () => {
    beforeEach(() => port.seed({ blueprints: [product, image] }));

    it("creates with 201 and server fields, and refuses a PUT that echoes them (422)", async () => {
      const created = await call("POST", "/v1/actions", deployAction);
      assert.equal(created.status, 201);
      assert.match(created.body.action.id, /^action_[A-Za-z0-9]{16}$/);
      const fetched = (await call("GET", "/v1/actions/deploy_image")).body.action;
      const echoed = await call("PUT", "/v1/actions/deploy_image", { ...fetched, title: "Deploy!" });
      assert.equal(echoed.status, 422);
      assert.match(echoed.body.message, /Unrecognized keys?: .*"id"/);
      const { id, createdAt, createdBy, updatedAt, updatedBy, ...clean } = fetched;
      void [createdAt, createdBy, updatedAt, updatedBy];
      const put = await call("PUT", "/v1/actions/deploy_image", { ...clean, title: "Deploy!" });
      assert.equal(put.status, 200);
      assert.equal(put.body.action.id, id);
      assert.equal(put.body.action.title, "Deploy!");
    });

    it("validates invocation methods, triggers and approvals strictly", async () => {
      const post = (patch: object) => call("POST", "/v1/actions", { ...deployAction, ...patch });
      const extraKafka = await post({ invocationMethod: { type: "KAFKA", topic: "x" } });
      assert.equal(extraKafka.status, 422);
      assert.match(extraKafka.body.message, /invocationMethod.*topic/);
      assert.equal((await post({ invocationMethod: { type: "WEBHOOK" } })).status, 422);
      assert.equal((await post({ identifier: "a1", invocationMethod: { type: "WEBHOOK", url: "https://x", agent: true, synchronized: "{{ true }}" } })).status, 201);
      assert.equal((await post({ identifier: "a2", requiredApproval: { type: "SOME" } })).status, 422);
      assert.equal((await post({ identifier: "a3", requiredApproval: { type: "ALL" } })).status, 201);
      const create = { ...deployAction.trigger, operation: "CREATE", condition: { type: "SEARCH", combinator: "and", rules: [] } };
      assert.equal((await post({ identifier: "a4", trigger: create })).status, 422);
      assert.equal((await post({ identifier: "a5", trigger: { ...deployAction.trigger, userInputs: { properties: {}, orders: [] } } })).status, 422);
      assert.equal((await post({ identifier: "a6", blueprint: "image" })).status, 422);
      const ghost = await post({ identifier: "a7", trigger: { ...deployAction.trigger, blueprintIdentifier: "ghost" } });
      assert.equal(ghost.status, 404);
    });

    it("lists actions, filtered by blueprint_identifier, and deletes them", async () => {
      await call("POST", "/v1/actions", deployAction);
      await call("POST", "/v1/actions", { ...deployAction, identifier: "create_product", trigger: { ...deployAction.trigger, operation: "CREATE", blueprintIdentifier: "product" } });
      assert.equal((await call("GET", "/v1/actions")).body.actions.length, 2);
      const filtered = await call("GET", "/v1/actions?blueprint_identifier=image");
      assert.deepEqual(filtered.body.actions.map((a: { identifier: string }) => a.identifier), ["deploy_image"]);
      assert.deepEqual((await call("DELETE", "/v1/actions/deploy_image")).body, { ok: true });
      assert.equal((await call("GET", "/v1/actions/deploy_image")).status, 404);
    });
  });

  describe("entities", () => {
    beforeEach(() => port.seed({ blueprints: [product, image], entities: { product: [{ identifier: "billing", title: "Billing" }] } }));

    it("creates with 201, refuses a duplicate with 409, upserts and merges", async () => {
      const body = { identifier: "img-1", properties: { branch: "main", size: 1 }, relations: { product: "billing" } };
      const created = await call("POST", "/v1/blueprints/image/entities", body);
      assert.equal(created.status, 201);
      assert.equal(created.body.entity.blueprint, "image");
      assert.equal(created.body.entity.properties.build_url, null, "unset properties come back as null");
      assert.equal((await call("POST", "/v1/blueprints/image/entities", body)).status, 409);
      const upsert = await call("POST", "/v1/blueprints/image/entities?upsert=true", { ...body, properties: { branch: "dev" } });
      assert.equal(upsert.status, 201);
      assert.deepEqual(port.entity("image", "img-1")!.properties, { branch: "dev" });
      await call("POST", "/v1/blueprints/image/entities?upsert=true&merge=true", { identifier: "img-1", properties: { size: 7 } });
      assert.deepEqual(port.entity("image", "img-1")!.properties, { branch: "dev", size: 7 });
    });

    it("refuses unknown properties, wrong types, enum misses, missing required values and relations", async () => {
      const post = (body: object) => call("POST", "/v1/blueprints/image/entities", { identifier: "i", relations: { product: "billing" }, ...body });
      const unknown = await post({ properties: { branch: "main", colour: "red" } });
      assert.equal(unknown.status, 422);
      assert.match(unknown.body.message, /colour/);
      assert.equal((await post({ properties: { branch: 5 } })).status, 422);
      assert.equal((await post({ properties: { branch: "m", build_url: "not a url" } })).status, 422);
      assert.equal((await post({ properties: {} })).status, 422, "branch is required");
      assert.equal((await post({ properties: { branch: "m" }, relations: {} })).status, 422, "product relation is required");
      const ghost = await post({ properties: { branch: "m" }, relations: { product: "ghost" } });
      assert.equal(ghost.status, 404);
      assert.match(ghost.body.message, /ghost/);
      const tier = await call("POST", "/v1/blueprints/product/entities", { identifier: "p2", properties: { tier: "bronze" } });
      assert.equal(tier.status, 422);
      assert.equal((await call("POST", "/v1/blueprints/product/entities", { identifier: "a=b" })).status, 201);
      assert.equal((await call("POST", "/v1/blueprints/product/entities", { identifier: "." })).status, 422);
    });

    it("PUT replaces, PATCH merges (closed body), DELETE refuses while dependents exist", async () => {
      await call("POST", "/v1/blueprints/image/entities", { identifier: "i1", properties: { branch: "main", size: 3 }, relations: { product: "billing" } });
      const patched = await call("PATCH", "/v1/blueprints/image/entities/i1", { properties: { size: 4 } });
      assert.equal(patched.status, 200);
      assert.deepEqual(port.entity("image", "i1")!.properties, { branch: "main", size: 4 });
      assert.equal((await call("PATCH", "/v1/blueprints/image/entities/i1", { colour: "x" })).status, 422);
      const put = await call("PUT", "/v1/blueprints/image/entities/i1", { properties: { branch: "dev" }, relations: { product: "billing" } });
      assert.equal(put.status, 200);
      assert.deepEqual(port.entity("image", "i1")!.properties, { branch: "dev" });
      assert.equal((await call("PUT", "/v1/blueprints/image/entities/zz", { properties: { branch: "x" } })).status, 404);
      const del = await call("DELETE", "/v1/blueprints/product/entities/billing");
      assert.equal(del.status, 422);
      assert.equal(del.body.error, "has_dependents");
      assert.equal((await call("DELETE", "/v1/blueprints/product/entities/billing?delete_dependents=true")).status, 200);
      assert.equal(port.entity("image", "i1"), undefined);
    });

    it("bulk: at most 20 per request, 200 when all succeed, 207 with per-entity errors otherwise", async () => {
      const ok = (i: number) => ({ identifier: `p${i}`, properties: { tier: "gold" } });
      const tooMany = await call("POST", "/v1/blueprints/product/entities/bulk", { entities: Array.from({ length: 21 }, (_, i) => ok(i)) });
      assert.equal(tooMany.status, 422);
      const all = await call("POST", "/v1/blueprints/product/entities/bulk", { entities: [ok(1), ok(2)] });
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.entities, [
        { created: true, identifier: "p1", index: 0 },
        { created: true, identifier: "p2", index: 1 },
      ]);
      const partial = await call("POST", "/v1/blueprints/product/entities/bulk?upsert=true", {
        entities: [ok(1), { identifier: "p3", properties: { tier: "bronze" } }, ok(4)],
      });
      assert.equal(partial.status, 207);
      assert.deepEqual(partial.body.entities.map((e: { identifier: string; created: boolean }) => [e.identifier, e.created]), [["p1", false], ["p4", true]]);
      assert.equal(partial.body.errors.length, 1);
      assert.deepEqual(Object.keys(partial.body.errors[0]).sort(), ["error", "identifier", "index", "message", "statusCode"]);
      assert.equal(partial.body.errors[0].index, 1);
      assert.equal(partial.body.errors[0].statusCode, 422);
      assert.equal(port.entity("product", "p3"), undefined);
    });

    it("search paginates 2,500 entities with a cursor and filters with rules", async () => {
      const products = Array.from({ length: 2500 }, (_, i) => ({ identifier: `svc-${String(i).padStart(4, "0")}`, properties: { tier: i % 2 ? "gold" : "silver" } }));
      port.seed({ entities: { product: products } });
      const seen = new Set<string>();
      let from: string | undefined;
      let pages = 0;
      do {
        const res: Answer = await call("POST", "/v1/blueprints/product/entities/search", {
          query: { combinator: "and", rules: [{ property: "$identifier", operator: "!=", value: "billing" }] },
          limit: 1000,
          ...(from && { from }),
        });
        assert.equal(res.status, 200);
        for (const e of res.body.entities) seen.add(e.identifier);
        from = res.body.next;
        pages++;
      } while (from);
      assert.equal(pages, 3);
      assert.equal(seen.size, 2500);

      const gold = await call("POST", "/v1/blueprints/product/entities/search", {
        query: { combinator: "and", rules: [{ property: "tier", operator: "=", value: "gold" }, { property: "$blueprint", operator: "=", value: "product" }] },
        include: ["$identifier", "tier"],
      });
      assert.equal(gold.body.entities.length, 200, "default limit is 200");
      assert.deepEqual(Object.keys(gold.body.entities[0]).sort(), ["identifier", "properties"]);
      const picked = await call("POST", "/v1/blueprints/product/entities/search", {
        query: { combinator: "or", rules: [{ property: "$identifier", operator: "in", value: ["svc-0001", "billing"] }] },
      });
      assert.deepEqual(picked.body.entities.map((e: { identifier: string }) => e.identifier), ["billing", "svc-0001"]);
      assert.equal(picked.body.next, undefined);
      const empty = await call("POST", "/v1/blueprints/product/entities/search", { query: { combinator: "and", rules: [] }, limit: 5 });
      assert.equal(empty.body.entities.length, 5);
      assert.ok(empty.body.next);
      assert.equal((await call("POST", "/v1/blueprints/product/entities/search", { limit: 1001 })).status, 422);
    });
  });

  describe("runs", () => {
    beforeEach(() =>
      port.seed({
        blueprints: [product, image],
        actions: [deployAction],
        entities: { product: [{ identifier: "billing" }], image: [{ identifier: "img-1", properties: { branch: "main" }, relations: { product: "billing" } }] },
      }),
    );

    it("createRun makes an IN_PROGRESS run readable through the API", async () => {
      const id = port.createRun({ action: "deploy_image", entity: "img-1", properties: { environment: "dev" } });
      assert.match(id, /^r_[A-Za-z0-9]{16}$/);
      const res = await call("GET", `/v1/actions/runs/${id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.run.status, "IN_PROGRESS");
      assert.equal(res.body.run.action.identifier, "deploy_image");
      assert.equal(res.body.run.entity.identifier, "img-1");
      assert.equal((await call("GET", "/v1/actions/runs/r_missing")).status, 404);
    });

    it("PATCH reports progress, closes once, and refuses changes after the end", async () => {
      const id = port.createRun({ action: "deploy_image", properties: { environment: "dev" } });
      const label = await call("PATCH", `/v1/actions/runs/${id}`, { statusLabel: "Building", link: "https://ci/1", externalRunId: "build-1" });
      assert.equal(label.body.run.status, "IN_PROGRESS");
      await call("PATCH", `/v1/actions/runs/${id}`, { link: ["https://ci/2"] });
      assert.deepEqual(port.run(id)!.run.link, ["https://ci/2"], "each patch overrides the link");
      assert.equal((await call("PATCH", `/v1/actions/runs/${id}`, { status: "RUNNING" })).status, 422);
      assert.equal((await call("PATCH", `/v1/actions/runs/${id}`, { id })).status, 422);
      const done = await call("PATCH", `/v1/actions/runs/${id}`, { status: "SUCCESS", summary: "deployed" });
      assert.equal(done.status, 200);
      assert.ok(done.body.run.endedAt);
      const again = await call("PATCH", `/v1/actions/runs/${id}`, { status: "FAILURE" });
      assert.equal(again.status, 422);
      assert.equal(port.run(id)!.run.status, "SUCCESS");
      assert.equal(port.run(id)!.patches.length, 3);

      const byExternal = await call("GET", "/v1/actions/runs?external_run_id=build-1");
      assert.deepEqual(byExternal.body.runs.map((r: { id: string }) => r.id), [id]);
      assert.equal((await call("GET", "/v1/actions/runs?active=true")).body.runs.length, 0);
    });

    it("logs answer 201 and terminationStatus is accepted only once", async () => {
      const id = port.createRun({ action: "deploy_image" });
      const log = await call("POST", `/v1/actions/runs/${id}/logs`, { message: "starting" });
      assert.equal(log.status, 201);
      assert.equal(log.body.runLog.runId, id);
      const end = await call("POST", `/v1/actions/runs/${id}/logs`, { message: "failed", terminationStatus: "FAILURE", statusLabel: "Failed" });
      assert.equal(end.status, 201);
      assert.equal(port.run(id)!.run.status, "FAILURE");
      assert.equal((await call("POST", `/v1/actions/runs/${id}/logs`, { message: "again", terminationStatus: "SUCCESS" })).status, 422);
      assert.equal((await call("POST", `/v1/actions/runs/${id}/logs`, { msg: "x" })).status, 422);
      const logs = await call("GET", `/v1/actions/runs/${id}/logs`);
      assert.deepEqual(logs.body.runLogs.map((l: { message: string }) => l.message), ["starting", "failed"]);
    });

    it("POST /v1/actions/{id}/runs answers 202 and validates the inputs", async () => {
      const res = await call("POST", "/v1/actions/deploy_image/runs", { properties: { environment: "prod" }, entity: "img-1" });
      assert.equal(res.status, 202);
      assert.equal(res.body.run.source, "API");
      assert.equal((await call("POST", "/v1/actions/deploy_image/runs", { properties: {} })).status, 422);
      assert.equal((await call("POST", "/v1/actions/ghost/runs", { properties: {} })).status, 404);
    });

    it("records entities written with ?run_id= as affected by the run", async () => {
      const id = port.createRun({ action: "deploy_image" });
      await call("PATCH", `/v1/blueprints/image/entities/img-1?run_id=${id}`, { properties: { size: 1 } });
      await call("POST", `/v1/blueprints/product/entities?run_id=${id}`, { identifier: "portal" });
      assert.equal((await call("POST", `/v1/blueprints/product/entities?run_id=r_nope`, { identifier: "x" })).status, 404);
      assert.deepEqual(
        port.run(id)!.affectedEntities.map((a) => [a.blueprint, a.identifier, a.operation, a.whileInProgress]),
        [["image", "img-1", "update", true], ["product", "portal", "create", true]],
      );
    });
  });

  describe("pages and folders", () => {
    beforeEach(() => port.seed({ blueprints: [product] }));

    it("stores pages in folders with their widgets, and guards placement", async () => {
      const folder = await call("POST", "/v1/sidebars/catalog/folders", { identifier: "platform", title: "Platform" });
      assert.equal(folder.status, 201);
      assert.deepEqual(folder.body, { ok: true, identifier: "platform" }, "folder create answers the identifier only");
      const widgets = [{ id: "w1", type: "markdown", markdown: "# Hi" }];
      const created = await call("POST", "/v1/pages", { identifier: "products", type: "blueprint-entities", blueprint: "product", parent: "platform", widgets });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, { ok: true, identifier: "products" }, "page create answers the identifier only");
      const page = await call("GET", "/v1/pages/products");
      assert.deepEqual(page.body.page.widgets, widgets);
      assert.ok(page.body.page.createdAt);
      assert.equal((await call("POST", "/v1/pages", { identifier: "x", type: "dashboard", parent: "nowhere" })).status, 404);
      assert.equal((await call("POST", "/v1/pages", { identifier: "y", type: "dashboard", widgets: ['{"id":"w"}'] })).status, 422);
      assert.equal((await call("POST", "/v1/pages", { identifier: "z" })).status, 422);
      const sidebar = await call("GET", "/v1/sidebars/catalog");
      assert.deepEqual(sidebar.body.sidebar.items.map((i: { identifier: string; sidebarType: string }) => [i.identifier, i.sidebarType]), [["platform", "folder"], ["products", "page"]]);
      assert.equal((await call("DELETE", "/v1/sidebars/catalog/folders/platform")).status, 422);
      const put = await call("PUT", "/v1/pages/products", { type: "dashboard", title: "Products", widgets: [] });
      assert.equal(put.status, 200);
      assert.deepEqual(put.body, { ok: true, identifier: "products" }, "page PUT answers the identifier only");
      assert.equal((await call("GET", "/v1/pages/products")).body.page.createdAt, page.body.page.createdAt);
      assert.equal((await call("DELETE", "/v1/pages/products")).status, 200);
      assert.equal((await call("DELETE", "/v1/sidebars/catalog/folders/platform")).status, 200);
    });
  });

  describe("transport", () => {
    it("answers unknown routes with a 404 envelope and bodies over 1 MiB with 413", async () => {
      const missing = await call("GET", "/v1/nothing-here");
      assert.equal(missing.status, 404);
      assert.equal(missing.body.ok, false);
      const big = await call("POST", "/v1/blueprints", { ...product, description: "x".repeat(1024 * 1024) });
      assert.equal(big.status, 413);
      assert.equal(big.body.ok, false);
    });

    it("injects status faults, dropped connections and latency", async () => {
      port.inject({ method: "GET", path: "/v1/blueprints", times: 2, status: 503 });
      const first = await call("GET", "/v1/blueprints");
      assert.equal(first.status, 503);
      assert.equal(first.body.ok, false);
      assert.equal((await call("GET", "/v1/blueprints")).status, 503);
      assert.equal((await call("GET", "/v1/blueprints")).status, 200);
      port.inject({ path: "/v1/blueprints", times: 1, status: "network" });
      await assert.rejects(call("GET", "/v1/blueprints"));
      assert.equal(port.requestsTo("GET", "/v1/blueprints").length, 4);

      port.latencyMs = 150;
      const started = Date.now();
      await call("GET", "/v1/blueprints");
      assert.ok(Date.now() - started >= 140);
      port.latencyMs = 0;
    });

    it("sends x-ratelimit-* headers on every answer", async () => {
      for (const res of [await call("GET", "/v1/blueprints"), await call("GET", "/v1/nothing"), await call("GET", "/v1/blueprints", undefined, false)]) {
        for (const h of ["limit", "remaining", "reset", "period"]) assert.ok(res.headers.get(`x-ratelimit-${h}`), `x-ratelimit-${h} on ${res.status}`);
      }
      const a = Number((await call("GET", "/v1/blueprints")).headers.get("x-ratelimit-remaining"));
      const b = Number((await call("GET", "/v1/blueprints")).headers.get("x-ratelimit-remaining"));
      assert.equal(b, a - 1);
    });

    it("answers 429 once the budget is spent, until the window resets", async () => {
      const limited = await PortEmulator.start({ rateLimit: { limit: 3, periodSeconds: 1 } });
      try {
        const token = limited.issueToken();
        const get = () => fetch(`${limited.url}/v1/blueprints`, { headers: { authorization: `Bearer ${token}` } });
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await get()).status);
        assert.deepEqual(statuses, [200, 200, 200, 429]);
        const refused = await get();
        assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
        assert.equal(refused.headers.get("x-ratelimit-limit"), "3");
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal((await get()).status, 200);
      } finally {
        await limited.stop();
      }
    });
  });
});

describe("Port emulator: reads shaped by apispec.json's 200 response schemas", () => {
  let port: PortEmulator;
  let sets: PortEmulator;
  const { call, forgetToken } = client(() => port);
  const setsClient = client(() => sets);

  before(async () => {
    port = await PortEmulator.start();
    sets = await PortEmulator.start({ reorderSets: true });
  });
  after(async () => {
    await port.stop();
    await sets.stop();
  });
  beforeEach(() => {
    port.reset();
    sets.reset();
    forgetToken();
    setsClient.forgetToken();
  });

  it("drops a field the schema does not declare where it says additionalProperties: false, keeps the declared ones", async () => {
    port.seed({ blueprints: [product] });
    (port.state.blueprints.get("product")!.schema as unknown as Record<string, unknown>).undeclared = "dropped by the serializer";
    const bp = (await call("GET", "/v1/blueprints/product")).body.blueprint;
    assert.equal("undeclared" in bp.schema, false);
    assert.deepEqual(bp.schema.required, []);
    // a property object declares no additionalProperties: JSON-Schema keywords such as enum come back
    assert.deepEqual(bp.schema.properties.tier.enum, ["gold", "silver"]);
    const list = (await call("GET", "/v1/blueprints")).body.blueprints;
    assert.equal("undeclared" in list[0].schema, false);
  });

  it("answers an entity read with the declared fields only (no blueprint, no audit fields)", async () => {
    port.seed({ blueprints: [product], entities: { product: [{ identifier: "billing", title: "Billing", properties: { tier: "gold" } }] } });
    assert.ok(port.presentEntity("product", "billing")!.createdAt, "stored with audit fields");
    const entity = (await call("GET", "/v1/blueprints/product/entities/billing")).body.entity;
    assert.deepEqual(Object.keys(entity).sort(), ["icon", "identifier", "properties", "relations", "team", "title"].filter((k) => k in entity).sort());
    assert.equal(entity.blueprint, undefined);
    assert.equal(entity.createdAt, undefined);
    assert.equal(entity.properties.tier, "gold");
  });

  it("the shaper picks the anyOf branch that validates (ownership Direct keeps its title)", async () => {
    port.seed({ blueprints: [{ ...product, ownership: { type: "Direct", title: "Owners" } }] });
    const bp = (await call("GET", "/v1/blueprints/product")).body.blueprint;
    assert.deepEqual(bp.ownership, { type: "Direct", title: "Owners" });
  });

  it("with reorderSets, string sets come back in another order than stored", async () => {
    sets.seed({ blueprints: [{ ...product, schema: { ...product.schema, required: ["description", "tier"] } }] });
    const bp = (await setsClient.call("GET", "/v1/blueprints/product")).body.blueprint;
    assert.deepEqual(bp.schema.required, ["tier", "description"]);
    assert.deepEqual(sets.blueprint("product")!.schema.required, ["description", "tier"]);
  });
});
