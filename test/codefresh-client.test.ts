// CodefreshClient's build queries against the emulator as pessimistic as Codefresh's own API
// document allows: GET build needs `noAccount`, GET /api/workflow takes `startDate` as a date
// and hands out pages no bigger than it likes, with no total.
import assert from "node:assert/strict";
import { CodefreshClient } from "../clients/codefresh";
import { findBuildForRun } from "../agent/build-search";
import { CodefreshEmulator } from "./support/codefresh-emulator";

const FAST = { retries: 0, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 5_000 };

describe("CodefreshClient build queries", () => {
  let cf: CodefreshEmulator;
  let pipelineId: string;
  beforeEach(async () => {
    cf = await CodefreshEmulator.start({ autoAdvance: true });
    cf.seedProject("deploy");
    pipelineId = cf.seedPipeline({ metadata: { name: "deploy/app" }, spec: {} }).metadata.id;
  });
  afterEach(() => cf.stop());
  const client = () => new CodefreshClient({ baseUrl: cf.url, apiKey: cf.apiKey, policy: FAST });

  it("reads a build with noAccount, as the API document requires", async () => {
    const b = cf.seedBuild("deploy/app");
    const got = await client().getBuild(b.id);
    assert.equal(got?.status, "running");
    const [req] = cf.requestsTo("GET", `/api/builds/${b.id}`);
    assert.equal(new URLSearchParams(req.query).get("noAccount"), "false");
    assert.equal(await client().getBuild("0123456789abcdef01234567"), undefined, "404 = no such build");
  });

  it("lists every build since a moment through all pages, with startDate as a date, when the server caps pages below what was asked", async () => {
    cf.workflowPageMax = 30;
    const old = cf.seedBuild("deploy/app");
    old.created = new Date(Date.now() - 3_600_000).toISOString();
    const ids = Array.from({ length: 250 }, () => cf.seedBuild("deploy/app").id);
    const builds = await client().listBuildsSince({ pipelineId, since: Date.now() - 60_000 });
    assert.deepEqual(new Set(builds.map((b) => b.id)), new Set(ids), "all 250, not the first page, and not the older build");
    const queries = cf.requestsTo("GET", "/api/workflow").map((r) => new URLSearchParams(r.query));
    assert.equal(queries.length, 9, "251 builds: 8 pages of 30 and a short one, no more, no fewer");
    for (const q of queries) {
      assert.match(q.get("startDate")!, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(q.get("pipeline"), pipelineId);
    }
    assert.deepEqual(queries.map((q) => q.get("page")), Array.from({ length: 9 }, (_, i) => String(i + 1)));
  });

  it("finds a build by annotation beyond the first page, reading each build's annotations once", async () => {
    const mine = cf.seedBuild("deploy/app", { annotations: { port_run_id: "r_mine" } });
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 120; i++) cf.seedBuild("deploy/app", { annotations: { port_run_id: `r_${i}` } });
    const found = await findBuildForRun(client(), { pipeline: "deploy/app", runId: "r_mine", since: Date.now() - 60_000 });
    assert.deepEqual(found, { kind: "found", buildId: mine.id });
    const reads = cf.requestsTo("GET", "/api/annotations").map((r) => new URLSearchParams(r.query).get("entityId"));
    assert.equal(new Set(reads).size, reads.length);
    assert.deepEqual(await findBuildForRun(client(), { pipeline: "deploy/app", runId: "r_none", since: Date.now() - 60_000 }), { kind: "none" });
  });

  it("names the build of a build URL it made, and nothing else", () => {
    const c = client();
    assert.equal(c.buildIdFromUrl(c.buildUrl("64ed0bc7c64d3336272d6c51")), "64ed0bc7c64d3336272d6c51");
    assert.equal(c.buildIdFromUrl("https://ci.example.com/build/64ed0bc7c64d3336272d6c51"), undefined);
    assert.equal(c.buildIdFromUrl(`${cf.url}/build/not-an-id`), undefined);
    assert.equal(c.buildIdFromUrl(`${cf.url}/build/%E0%A4%A`), undefined, "a malformed escape is no build, not a URIError");
  });
});
