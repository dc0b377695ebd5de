// Relation migrations that keep every entity's links, through the blueprint provider against the
// Port emulator: a rename declared in renamedFrom and a single ↔ many change (allowPropertyTypeChange)
// for 1,000 entities in bulk, blocked values named at preview, and interrupted runs that leave
// every link readable and complete on re-run.
import * as assert from "node:assert/strict";
import { PortClient } from "../clients/port";
import { blueprintProvider } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { parkedName } from "../infra/port/property-migration";
import { migrateRelations } from "../infra/port/relation-migration";
import { blueprintDrift, markMigrations } from "../tools/drift/compare";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";
import { usePortEmulator } from "./support/port-hooks";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** The release blueprint as Port holds it now (what migrateRelations judges from). */
const liveRelease = async (client: PortClient) => (await client.getBlueprint("release")) as JsonObject | undefined;

const ARTIFACT = { identifier: "artifact", title: "Artifact", schema: { properties: { name: { type: "string", title: "Name" } }, required: [] }, relations: {} };
const STAGE = { identifier: "stage", title: "Stage", schema: { properties: { tier: { type: "string", title: "Tier" } }, required: [] }, relations: {} };
const rel = (target: string, many = false) => ({ title: target, target, required: false, many });

/** The blueprint under migration: releases link one artifact and one stage (a mirror reads the stage's tier). */
function release(relations: Record<string, object>, mirrors: Record<string, object> = { stage_tier: { title: "Stage tier", path: "stage.tier" } }): JsonObject {
  return clone({ identifier: "release", title: "Release", schema: { properties: { note: { type: "string", title: "Note" } }, required: [] }, relations, mirrorProperties: mirrors, calculationProperties: {}, aggregationProperties: {} }) as JsonObject;
}
const BEFORE = release({ artifact: rel("artifact"), stage: rel("stage") });

describe("relation migrations keeping the links", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  usePortEmulator((p) => (port = p));

  const inputs = (body: JsonObject, allow = false, renames?: JsonObject): PortObjectInputs => ({ baseUrl: port.url, identifier: "release", body: clone(body), options: { allowPropertyTypeChange: allow }, ...(renames && { renames }) });
  const calls = () => port.requests.map((r) => `${r.method} ${r.path}`).filter((c) => !c.includes("access_token"));
  const count = (call: string) => calls().filter((c) => c === call).length;
  const links = (name: string) => new Map(port.entities("release").map((e) => [e.identifier, (e.relations as Record<string, unknown>)[name]]));

  /** The release blueprint as `pulumi up` left it, with `n` releases linking artifacts a0–a9 and stages s0–s4. */
  async function seeded(n: number, artifact: (i: number) => string | string[] = (i) => `a${i % 10}`, body: JsonObject = BEFORE): Promise<PortObjectInputs> {
    port.seed({ blueprints: [ARTIFACT, STAGE] });
    port.seed({ entities: { artifact: Array.from({ length: 10 }, (_, i) => ({ identifier: `a${i}`, properties: { name: `A${i}` } })), stage: Array.from({ length: 5 }, (_, i) => ({ identifier: `s${i}`, properties: { tier: `T${i}` } })) } });
    const out = (await blueprintProvider.create(inputs(body))).outs as PortObjectInputs;
    port.seed({ entities: { release: Array.from({ length: n }, (_, i) => ({ identifier: `r${String(i).padStart(4, "0")}`, relations: { artifact: artifact(i), stage: `s${i % 5}` } })) } });
    port.requests.length = 0;
    return out;
  }

  describe("renamedFrom", () => {
    const RENAMED = release({ artifact: rel("artifact"), target_stage: rel("stage") }, { stage_tier: { title: "Stage tier", path: "target_stage.tier" } });

    it("renames a relation for 1,000 entities: the new relation beside the old, links copied in bulk (50 writes), the old one removed last", async () => {
      const olds = await seeded(1000);
      const news = inputs(RENAMED, false, { target_stage: "stage" });
      assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
      await blueprintProvider.update("release", olds, news);
      for (const e of port.entities("release")) {
        const relations = e.relations as Record<string, unknown>;
        assert.equal(relations.target_stage, `s${Number(e.identifier.slice(1)) % 5}`, e.identifier);
        assert.equal(relations.stage, undefined, e.identifier);
      }
      const puts = port.requestsTo("PUT", "/v1/blueprints/release").map((r) => Object.keys((r.body as { relations: object }).relations).sort());
      assert.deepEqual(puts, [["artifact", "stage", "target_stage"], ["artifact", "target_stage"]], "old kept beside the new one until the copy is done");
      assert.equal(count("POST /v1/blueprints/release/entities/search"), 2, "one read at preview, one at update");
      assert.equal(count("POST /v1/blueprints/release/entities/bulk"), 50, "1,000 links, 20 per call");
      assert.ok(calls().every((c) => !/\/entities\/r\d+$/.test(c)), "no call per entity");
      assert.equal((port.blueprint("release")!.mirrorProperties as Record<string, { path: string }>).stage_tier.path, "target_stage.tier");
    });

    it("an interrupted copy leaves the old links in place, and a re-run completes the rename", async () => {
      const olds = await seeded(100);
      const news = inputs(RENAMED, false, { target_stage: "stage" });
      let bulk = 0;
      const failing = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 3) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
      await assert.rejects(migrateRelations(failing, "release", news.body, news.renames, false, await liveRelease(failing)));
      assert.ok([...links("stage").values()].every((v) => typeof v === "string"), "every old link still readable");
      assert.ok([...links("target_stage").values()].some((v) => v === undefined), "interrupted before every link was copied");
      await blueprintProvider.update("release", olds, news);
      for (const [id, v] of links("target_stage")) assert.equal(v, `s${Number(id.slice(1)) % 5}`, id);
      assert.ok([...links("stage").values()].every((v) => v === undefined));
    });

    it("a rename to a relation with a different target is refused at preview, naming both targets, and changes nothing", async () => {
      const olds = await seeded(10);
      const retargeted = release({ artifact: rel("artifact"), target_stage: rel("artifact") }, {});
      const news = inputs(retargeted, true, { target_stage: "stage" });
      const check = await blueprintProvider.check(olds, news);
      assert.equal(check.failures?.length, 1, JSON.stringify(check));
      assert.equal(check.failures![0].reason.split("\n").length, 1);
      assert.match(check.failures![0].reason, /relation "target_stage" is renamedFrom "stage", but targets artifact while "stage" targets stage/);
      await assert.rejects(blueprintProvider.update("release", olds, news), /targets artifact while "stage" targets stage/);
      assert.equal(port.requestsTo("PUT", "/v1/blueprints/release").length, 0);
      assert.equal(port.requestsTo("POST", "/v1/blueprints/release/entities/bulk").length, 0);
      for (const [id, v] of links("stage")) assert.equal(v, `s${Number(id.slice(1)) % 5}`, id);
    });
  });

  describe("single ↔ many (allowPropertyTypeChange)", () => {
    const MANY = release({ artifact: rel("artifact", true), stage: rel("stage") });

    it("is refused at preview without allowPropertyTypeChange, and the emulated Port refuses it in place", async () => {
      const olds = await seeded(3);
      const check = await blueprintProvider.check(olds, inputs(MANY));
      assert.equal(check.failures?.length, 1, JSON.stringify(check));
      assert.match(check.failures![0].reason, /blueprint "release": relation "artifact" would change from single to many.*allowPropertyTypeChange/);
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
      await assert.rejects(client.replaceBlueprint("release", MANY), /many/);
    });

    it("keeps 1,000 entities' links (\"a1\" → [\"a1\"]) in bulk: a parked relation, 100 bulk writes, no call per entity", async () => {
      const olds = await seeded(1000);
      const news = inputs(MANY, true);
      assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
      await blueprintProvider.update("release", olds, news);
      assert.equal(port.blueprint("release")!.relations.artifact.many, true);
      assert.equal(port.blueprint("release")!.relations[parkedName("artifact")], undefined);
      for (const [id, v] of links("artifact")) assert.deepEqual(v, [`a${Number(id.slice(1)) % 10}`], id);
      assert.equal(count("POST /v1/blueprints/release/entities/search"), 2, "one read at preview, one at update");
      assert.equal(count("POST /v1/blueprints/release/entities/bulk"), 100, "1,000 parked + 1,000 written back, 20 per call");
      assert.ok(calls().every((c) => !/\/entities\/r\d+$/.test(c)), "no call per entity");
      for (const e of port.entities("release")) assert.equal((e.relations as Record<string, unknown>)[parkedName("artifact")], undefined, e.identifier);
    });

    it("many → single is blocked at preview naming every entity with more than one target, and changes nothing", async () => {
      const manyBefore = release({ artifact: rel("artifact", true), stage: rel("stage") });
      const olds = await seeded(30, (i) => (i === 7 ? ["a1", "a2"] : i === 9 ? ["a3", "a4", "a5"] : [`a${i % 10}`]), manyBefore);
      const check = await blueprintProvider.check(olds, inputs(BEFORE, true));
      assert.equal(check.failures?.length, 1);
      assert.match(check.failures![0].reason, /2 values cannot be converted.*release\/r0007: artifact \["a1","a2"\] has 2 targets, cannot become a single relation; release\/r0009: artifact \["a3","a4","a5"\] has 3 targets/);
      assert.equal(port.requestsTo("PUT", "/v1/blueprints/release").length, 0);
      assert.equal(port.requestsTo("POST", "/v1/blueprints/release/entities/bulk").length, 0);
    });

    it("many → single goes through when every entity has at most one target", async () => {
      const manyBefore = release({ artifact: rel("artifact", true), stage: rel("stage") });
      const olds = await seeded(30, (i) => (i === 4 ? [] : [`a${i % 10}`]), manyBefore);
      const news = inputs(BEFORE, true);
      assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
      await blueprintProvider.update("release", olds, news);
      assert.equal(port.blueprint("release")!.relations.artifact.many, false);
      for (const [id, v] of links("artifact")) assert.equal(v, id === "r0004" ? undefined : `a${Number(id.slice(1)) % 10}`, id);
    });

    it("a change interrupted after the relation was dropped keeps every link readable (parked), and a re-run completes it", async () => {
      const olds = await seeded(200);
      let bulk = 0;
      // 10 bulk writes park the links; the 13th (3rd of the write-back) is refused.
      const failing = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 13) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
      await assert.rejects(migrateRelations(failing, "release", MANY, undefined, true, await liveRelease(failing)));
      const parked = links(parkedName("artifact"));
      assert.equal([...parked.values()].filter((v) => Array.isArray(v) && v.length === 1).length, 200, "the parked copy holds every link");
      assert.ok([...links("artifact").values()].some((v) => v === undefined || (Array.isArray(v) && v.length === 0)), "interrupted before every link was written back");
      await blueprintProvider.update("release", olds, inputs(MANY, true));
      for (const [id, v] of links("artifact")) assert.deepEqual(v, [`a${Number(id.slice(1)) % 10}`], id);
      assert.equal(port.blueprint("release")!.relations[parkedName("artifact")], undefined);
    });

    it("a change interrupted while parking (the relation still single, the parked copy partial) keeps every link on re-run", async () => {
      const olds = await seeded(200);
      let bulk = 0;
      // The 3rd of the 10 parking writes is refused: 40 links parked, the relation untouched.
      const failing = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 3) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
      await assert.rejects(migrateRelations(failing, "release", MANY, undefined, true, await liveRelease(failing)));
      assert.equal(port.blueprint("release")!.relations.artifact.many, false, "still the old shape");
      const parked = [...links(parkedName("artifact")).values()].filter((v) => v !== undefined).length;
      assert.ok(parked > 0 && parked < 200, `the parked copy is partial (${parked})`);
      const news = inputs(MANY, true);
      assert.equal((await blueprintProvider.check(olds, news)).failures, undefined);
      await blueprintProvider.update("release", olds, news);
      for (const [id, v] of links("artifact")) assert.deepEqual(v, [`a${Number(id.slice(1)) % 10}`], id);
      assert.equal(port.blueprint("release")!.relations[parkedName("artifact")], undefined);
    });

    it("is blocked at preview for a relation the blueprint's inherited ownership goes through (Port refuses to drop it)", async () => {
      const owned = (body: JsonObject) => ({ ...body, ownership: { type: "Inherited", path: "stage" } }) as JsonObject;
      const olds = await seeded(5, undefined, owned(BEFORE));
      const check = await blueprintProvider.check(olds, inputs(owned(release({ artifact: rel("artifact"), stage: rel("stage", true) })), true));
      assert.match(check.failures?.[0]?.reason ?? "", /relation "stage" carries the blueprint's inherited ownership/);
      assert.equal(port.requestsTo("PUT", "/v1/blueprints/release").length, 0);
    });

    it("drift names the intermediate states as a migration in progress, not a hand edit", async () => {
      await seeded(50);
      let bulk = 0;
      const failing = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS, onAttempt: (m, u) => { if (m === "POST" && u.includes("/entities/bulk") && ++bulk === 2) port.inject({ method: "POST", path: "/entities/bulk", times: 1, status: 422 }); } });
      await assert.rejects(migrateRelations(failing, "release", MANY, undefined, true, await liveRelease(failing)));
      const client = new PortClient({ baseUrl: port.url, credentials: TEST_CREDENTIALS });
      const live = (await client.listBlueprints()).filter((b) => b.identifier === "release");
      const marked = markMigrations(blueprintDrift([MANY], live), {});
      const relations = marked.filter((f) => f.kind === "relation");
      assert.ok(relations.length >= 2, JSON.stringify(marked));
      for (const f of relations) assert.equal(f.change, "migration in progress", JSON.stringify(f));
      const renamed = markMigrations([{ kind: "relation", object: "release.stage", change: "added in Port", detail: "to stage" }], { "release.target_stage": "stage" });
      assert.equal(renamed[0].change, "migration in progress");
      assert.match(renamed[0].detail, /renamedFrom release\.target_stage/);
    });
  });

  it("a change of a relation's target blueprint stays refused at preview, even with allowPropertyTypeChange", async () => {
    const olds = await seeded(3);
    const check = await blueprintProvider.check(olds, inputs(release({ artifact: rel("stage"), stage: rel("stage") }), true));
    assert.equal(check.failures?.length, 1, JSON.stringify(check));
    assert.match(check.failures![0].reason, /relation "artifact" would change target artifact → stage/);
  });
});
