// The Codefresh emulator answers like the real API (reference/notes/codefresh.md): driven over
// real HTTP with global fetch, exactly as the clients under test will call it.
import assert from "node:assert/strict";
import { CodefreshEmulator, MASK, OBJECT_ID, type PipelineDoc } from "./support/codefresh-emulator";

const KEY = "test-codefresh-key";

describe("Codefresh emulator", () => {
  let cf: CodefreshEmulator;

  before(async () => {
    cf = await CodefreshEmulator.start();
  });
  after(async () => {
    await cf.stop();
  });
  beforeEach(() => cf.reset());

  async function call(method: string, path: string, body?: unknown, auth: string | null = KEY) {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${cf.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
  }

  function deployPipeline(name = "portal/deploy"): Record<string, unknown> {
    return {
      version: "1.0",
      kind: "pipeline",
      metadata: { name, labels: { tags: ["portal"] }, description: "deploys an image" },
      spec: {
        stages: ["deploy"],
        steps: { deploy: { image: "alpine:3.20", stage: "deploy", commands: ["echo deploy"] } },
        variables: [
          { key: "PORT_CLIENT_ID", value: "test-port-client", encrypted: false },
          { key: "PORT_CLIENT_SECRET", value: "test-port-secret", encrypted: true },
        ],
        concurrency: 1,
      },
    };
  }

  async function createDeployPipeline(): Promise<PipelineDoc> {
    cf.seedProject("portal");
    const res = await call("POST", "/pipelines", deployPipeline());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as PipelineDoc;
  }

  describe("auth", () => {
    it("accepts the raw key in Authorization", async () => {
      const res = await call("GET", "/pipelines");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { docs: [], count: 0 });
    });

    it("rejects Bearer, a wrong key and no key with 401 in Codefresh's envelope", async () => {
      for (const auth of [`Bearer ${KEY}`, "wrong-key", null]) {
        const res = await call("GET", "/pipelines", undefined, auth);
        assert.equal(res.status, 401, String(auth));
        assert.equal(res.body.status, 401);
        assert.match(res.body.code, /^\d{4}$/);
        assert.equal(typeof res.body.name, "string");
        assert.equal(typeof res.body.message, "string");
      }
      // Unknown routes check the key first too, so a bad key is never mistaken for a 404.
      assert.equal((await call("GET", "/nope", undefined, "Bearer x")).status, 401);
    });

    it("answers 403 while the key is restricted", async () => {
      cf.restricted = true;
      const res = await call("GET", "/pipelines");
      assert.equal(res.status, 403);
      assert.equal(res.body.status, 403);
      cf.restricted = false;
      assert.equal((await call("GET", "/pipelines")).status, 200);
    });
  });

  describe("projects", () => {
    it("creates, finds by name and id, patches and deletes", async () => {
      const created = await call("POST", "/projects", { projectName: "portal", tags: ["team-a"] });
      assert.equal(created.status, 200);
      assert.match(created.body.id, OBJECT_ID);
      assert.equal(created.body.projectName, "portal");

      const byName = await call("GET", "/projects/name/portal");
      assert.equal(byName.status, 200);
      assert.equal(byName.body.id, created.body.id);
      assert.equal((await call("GET", `/projects/${created.body.id}`)).body.projectName, "portal");

      const dup = await call("POST", "/projects", { projectName: "portal" });
      assert.equal(dup.status, 409);

      const patched = await call("PATCH", `/projects/${created.body.id}`, { tags: ["team-b"] });
      assert.deepEqual(patched.body.tags, ["team-b"]);

      assert.equal((await call("DELETE", `/projects/${created.body.id}`)).status, 200);
      const gone = await call("GET", "/projects/name/portal");
      assert.equal(gone.status, 404);
      assert.match(gone.body.code, /^\d{4}$/);
    });

    it("rejects a project without projectName", async () => {
      const res = await call("POST", "/projects", { tags: [] });
      assert.equal(res.status, 400);
      assert.equal(res.body.status, 400);
    });
  });

  describe("pipelines", () => {
    it("creates a pipeline with server fields and reads it by id and by URL-encoded full name", async () => {
      const created = await createDeployPipeline();
      assert.match(created.metadata.id, OBJECT_ID);
      assert.equal(created.metadata.revision, 0);
      assert.equal(created.metadata.project, "portal");
      assert.equal(created.metadata.projectId, cf.project("portal")!.id);
      assert.ok(!Number.isNaN(Date.parse(created.metadata.created_at)));
      assert.ok(!Number.isNaN(Date.parse(created.metadata.updated_at)));

      const byName = await call("GET", `/pipelines/${encodeURIComponent("portal/deploy")}`);
      assert.equal(byName.status, 200);
      assert.equal(byName.body.metadata.id, created.metadata.id);
      const byId = await call("GET", `/pipelines/${created.metadata.id}`);
      assert.equal(byId.body.metadata.name, "portal/deploy");
      // Step order is the key order of spec.steps.
      assert.deepEqual(Object.keys(byId.body.spec.steps), ["deploy"]);
    });

    it("requires the project, a name, an object spec.steps, and refuses a duplicate", async () => {
      const noProject = await call("POST", "/pipelines", deployPipeline("ghost/deploy"));
      assert.equal(noProject.status, 404);

      cf.seedProject("portal");
      const noName = await call("POST", "/pipelines", { metadata: {}, spec: {} });
      assert.equal(noName.status, 400);
      assert.equal(noName.body.status, 400);

      const badSteps = await call("POST", "/pipelines", { metadata: { name: "portal/x" }, spec: { steps: [{ deploy: {} }] } });
      assert.equal(badSteps.status, 400);
      assert.match(badSteps.body.message, /steps/);

      assert.equal((await call("POST", "/pipelines", deployPipeline())).status, 200);
      assert.equal((await call("POST", "/pipelines", deployPipeline())).status, 409);
    });

    it("answers 404 PIPELINE_NOT_FOUND_ERROR 4201 for an unknown pipeline", async () => {
      const res = await call("GET", `/pipelines/${encodeURIComponent("portal/missing")}`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        status: 404, code: "4201", name: "PIPELINE_NOT_FOUND_ERROR", message: "Could not find pipeline: portal/missing", context: {},
      });
      assert.equal((await call("DELETE", `/pipelines/${encodeURIComponent("portal/missing")}`)).status, 404);
    });

    it("masks encrypted variables unless decryptVariables=true", async () => {
      const created = await createDeployPipeline();
      const path = `/pipelines/${created.metadata.id}`;
      const masked = (await call("GET", path)).body as PipelineDoc;
      assert.deepEqual(masked.spec.variables, [
        { key: "PORT_CLIENT_ID", value: "test-port-client", encrypted: false },
        { key: "PORT_CLIENT_SECRET", value: MASK, encrypted: true },
      ]);
      assert.equal(created.spec.variables[1].value, MASK, "the create answer is masked too");
      const plain = (await call("GET", `${path}?decryptVariables=true`)).body as PipelineDoc;
      assert.equal(plain.spec.variables[1].value, "test-port-secret");
    });

    it("writing back a masked GET overwrites the secret with ***** (the TF #97 trap, kept on purpose)", async () => {
      const created = await createDeployPipeline();
      const got = (await call("GET", `/pipelines/${created.metadata.id}`)).body as PipelineDoc;
      assert.equal((await call("PUT", `/pipelines/${created.metadata.id}`, got)).status, 200);
      assert.equal(cf.pipeline("portal/deploy")!.current.spec.variables[1].value, MASK);
    });

    it("checks the revision on PUT: stale → 400 PIPELINE_OUTDATED_ERROR 4204; disableRevisionCheck skips it", async () => {
      const created = await createDeployPipeline();
      const path = `/pipelines/${encodeURIComponent("portal/deploy")}`;
      const doc = structuredClone(deployPipeline()) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };

      doc.metadata.revision = created.metadata.revision;
      doc.spec.concurrency = 2;
      const first = await call("PUT", path, doc);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.metadata.revision, 1);
      assert.equal(first.body.metadata.id, created.metadata.id);
      assert.equal(first.body.metadata.created_at, created.metadata.created_at);

      const stale = await call("PUT", path, doc); // still sends revision 0
      assert.equal(stale.status, 400);
      assert.equal(stale.body.code, "4204");
      assert.equal(stale.body.name, "PIPELINE_OUTDATED_ERROR");

      delete doc.metadata.revision;
      const forced = await call("PUT", `${path}?disableRevisionCheck=true`, doc);
      assert.equal(forced.status, 200);
      assert.equal(forced.body.metadata.revision, 2);

      const history = cf.pipeline(created.metadata.id)!.history;
      assert.deepEqual(history.map((h) => h.metadata.revision), [0, 1, 2]);
      assert.deepEqual(history.map((h) => h.spec.concurrency), [1, 2, 2]);
    });

    it("PUT replaces the whole document (fields left out are gone)", async () => {
      const created = await createDeployPipeline();
      const res = await call("PUT", `/pipelines/${created.metadata.id}?disableRevisionCheck=true`, {
        version: "1.0", kind: "pipeline", metadata: { name: "portal/deploy" }, spec: { steps: { only: { image: "alpine", commands: ["true"] } } },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.spec.variables, []);
      assert.equal(res.body.metadata.description, undefined);
      assert.deepEqual(Object.keys(res.body.spec.steps), ["only"]);
    });

    it("lists with id, projectId, limit and offset", async () => {
      cf.seedProject("portal");
      cf.seedProject("other");
      for (const n of ["a", "b", "c"]) cf.seedPipeline({ metadata: { name: `portal/${n}` }, spec: {} });
      cf.seedPipeline({ metadata: { name: "other/z" }, spec: {} });

      const all = await call("GET", "/pipelines");
      assert.equal(all.body.count, 4);
      const page = await call("GET", `/pipelines?projectId=${cf.project("portal")!.id}&limit=2&offset=1`);
      assert.equal(page.body.count, 3);
      assert.deepEqual(page.body.docs.map((d: PipelineDoc) => d.metadata.name), ["portal/b", "portal/c"]);
      const one = await call("GET", `/pipelines?id=${encodeURIComponent("other/z")}`);
      assert.deepEqual(one.body.docs.map((d: PipelineDoc) => d.metadata.name), ["other/z"]);
    });

    it("fills trigger ids and rejects malformed triggers, cron triggers and spec templates", async () => {
      cf.seedProject("portal");
      const ok = await call("POST", "/pipelines", {
        metadata: { name: "portal/ci" },
        spec: {
          triggers: [{ type: "git", name: "push-main", repo: "acme/svc", events: ["push.heads"] }],
          cronTriggers: [{ type: "cron", name: "nightly", message: "nightly drift check", expression: "0 3 * * *" }],
        },
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.match(ok.body.spec.triggers[0].id, OBJECT_ID);
      assert.match(ok.body.spec.cronTriggers[0].id, OBJECT_ID);

      const bad = [
        { triggers: [{ name: "has space" }] },
        { cronTriggers: [{ message: "x", expression: "0 3 * * *" }] },
        { cronTriggers: [{ message: "nightly", expression: "0 3 * * *", branch: "main" }] },
        { specTemplate: { location: "git", repo: "acme/svc" } },
        { variables: [{ value: "no key" }] },
        { concurrency: -1 },
      ];
      for (const spec of bad) {
        const res = await call("POST", "/pipelines", { metadata: { name: "portal/bad" }, spec });
        assert.equal(res.status, 400, JSON.stringify(spec));
      }
      const badYaml = await call("POST", "/pipelines", { metadata: { name: "portal/bad", originalYamlString: "a: [" }, spec: {} });
      assert.equal(badYaml.status, 400);
    });

    it("deletes by URL-encoded name", async () => {
      await createDeployPipeline();
      assert.equal((await call("DELETE", `/pipelines/${encodeURIComponent("portal/deploy")}`)).status, 200);
      assert.equal(cf.pipeline("portal/deploy"), undefined);
    });
  });

  describe("runs and builds", () => {
    it("runs by URL-encoded name and answers a JSON string holding a 24-hex build id", async () => {
      const pipe = await createDeployPipeline();
      const res = await fetch(`${cf.apiUrl}/pipelines/run/${encodeURIComponent("portal/deploy")}`, {
        method: "POST",
        headers: { authorization: KEY, "content-type": "application/json" },
        body: JSON.stringify({ branch: "main", variables: { IMAGE: "svc:1.2.3" }, annotations: { port_run_id: "r_1" } }),
      });
      assert.equal(res.status, 200);
      const raw = await res.text();
      assert.match(raw, /^"[0-9a-f]{24}"$/, "the body is a JSON string, quotes included");
      const id = JSON.parse(raw) as string;
      assert.equal(res.headers.get("location"), `/api/builds/${id}`);

      const build = cf.build(id)!;
      assert.equal(build.pipelineName, "portal/deploy");
      assert.equal(build.serviceId, pipe.metadata.id);
      assert.equal(build.branchName, "main");
      assert.deepEqual(build.variables, { IMAGE: "svc:1.2.3" });
      assert.deepEqual(build.annotations, { port_run_id: "r_1" });
      assert.deepEqual(cf.buildsFor("r_1").map((b) => b.id), [id]);
      assert.deepEqual(cf.buildsFor("r_other"), []);
    });

    it("accepts variables as an array of {key,value,encrypted} and runs by id", async () => {
      const pipe = await createDeployPipeline();
      const res = await call("POST", `/pipelines/run/${pipe.metadata.id}`, {
        variables: [{ key: "PORT_RUN_ID", value: "r_2" }, { key: "TOKEN", value: "test-token", encrypted: true }, { key: "N", value: 3 }],
      });
      assert.equal(res.status, 200);
      const build = cf.build(res.body as string)!;
      assert.deepEqual(build.variables, { PORT_RUN_ID: "r_2", TOKEN: "test-token", N: "3" });
      assert.deepEqual(build.encryptedVariables, ["TOKEN"]);
    });

    it("answers 404 4201 for an unknown pipeline and 400 for bad annotations or variables", async () => {
      const unknown = await call("POST", `/pipelines/run/${encodeURIComponent("portal/ghost")}`, {});
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, "4201");
      assert.equal(unknown.body.name, "PIPELINE_NOT_FOUND_ERROR");

      await createDeployPipeline();
      const run = `/pipelines/run/${encodeURIComponent("portal/deploy")}`;
      assert.equal((await call("POST", run, { annotations: { "port-run-id": "x" } })).status, 400);
      assert.equal((await call("POST", run, { variables: "A=1" })).status, 400);
      assert.equal((await call("POST", run, { variables: [{ value: "no key" }] })).status, 400);
      assert.equal(cf.builds().length, 0);
    });

    it("follows the lifecycle tests drive, with started/finished stamps", async () => {
      await createDeployPipeline();
      const id = (await call("POST", `/pipelines/run/${encodeURIComponent("portal/deploy")}`, {})).body as string;
      assert.equal((await call("GET", `/builds/${id}`)).status, 400, "noAccount is required by the API document");
      let b = (await call("GET", `/builds/${id}?noAccount=false`)).body;
      assert.equal(b.status, "pending");
      assert.equal(b.started, null);
      assert.equal(b.finished, null);
      assert.match(b.progress, OBJECT_ID);
      assert.equal(b.pipelineName, "portal/deploy");

      cf.setBuildStatus(id, "running");
      b = (await call("GET", `/builds/${id}?noAccount=false`)).body;
      assert.equal(b.status, "running");
      assert.ok(b.started);
      assert.equal(b.finished, null);

      cf.setBuildStatus(id, "success");
      b = (await call("GET", `/builds/${id}?noAccount=false`)).body;
      assert.equal(b.status, "success");
      assert.ok(b.finished);

      assert.equal((await call("GET", "/builds/0123456789abcdef01234567?noAccount=false")).status, 404);
    });

    it("terminates through DELETE /progress/{id}", async () => {
      await createDeployPipeline();
      const id = (await call("POST", `/pipelines/run/${encodeURIComponent("portal/deploy")}`, {})).body as string;
      cf.setBuildStatus(id, "running");
      const { progress } = (await call("GET", `/builds/${id}?noAccount=false`)).body;
      assert.equal((await call("DELETE", `/progress/${progress}`)).status, 200);
      const b = (await call("GET", `/builds/${id}?noAccount=false`)).body;
      assert.equal(b.status, "terminated");
      assert.ok(b.finished);
      assert.equal((await call("DELETE", "/progress/0123456789abcdef01234567")).status, 404);
    });

    it("passes through terminating when terminateAfterMs is set", async () => {
      await createDeployPipeline();
      cf.terminateAfterMs = 50;
      try {
        const id = (await call("POST", `/pipelines/run/${encodeURIComponent("portal/deploy")}`, {})).body as string;
        await call("DELETE", `/progress/${cf.build(id)!.progress}`);
        assert.equal(cf.build(id)!.status, "terminating");
        await new Promise((r) => setTimeout(r, 120));
        assert.equal(cf.build(id)!.status, "terminated");
      } finally {
        cf.terminateAfterMs = 0;
      }
    });

    it("starts builds running with autoAdvance", async () => {
      await createDeployPipeline();
      cf.autoAdvance = true;
      try {
        const id = (await call("POST", `/pipelines/run/${encodeURIComponent("portal/deploy")}`, {})).body as string;
        assert.equal(cf.build(id)!.status, "running");
        assert.ok(cf.build(id)!.started);
      } finally {
        cf.autoAdvance = false;
      }
    });

    it("lists builds with pipeline/status/startDate filters and reads annotations back", async () => {
      const pipe = await createDeployPipeline();
      cf.seedPipeline({ metadata: { name: "portal/other" }, spec: {} });
      const run = (name: string, runId: string) =>
        call("POST", `/pipelines/run/${encodeURIComponent(name)}`, { annotations: { port_run_id: runId } }).then((r) => r.body as string);
      const a = await run("portal/deploy", "r_a");
      const b = await run("portal/deploy", "r_b");
      await run("portal/other", "r_c");
      cf.setBuildStatus(a, "success");

      const byPipe = await call("GET", `/workflow?pipeline=${pipe.metadata.id}&limit=10&page=1`);
      assert.deepEqual(new Set(byPipe.body.workflows.docs.map((d: { id: string }) => d.id)), new Set([a, b]));
      assert.equal(byPipe.body.workflows.total, undefined, "no total: clients page until a short page");

      const pending = await call("GET", `/workflow?pipeline=${pipe.metadata.id}&status=pending`);
      assert.deepEqual(pending.body.workflows.docs.map((d: { id: string }) => d.id), [b]);

      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      assert.equal((await call("GET", `/workflow?startDate=${tomorrow}`)).body.workflows.docs.length, 0);
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await call("GET", `/workflow?startDate=${today}`)).body.workflows.docs.length, 3);

      const paged = await call("GET", "/workflow?limit=2&page=2");
      assert.equal(paged.body.workflows.docs.length, 1);

      const ann = await call("GET", `/annotations?entityType=workflow&entityId=${b}`);
      assert.equal(ann.status, 200);
      assert.deepEqual(ann.body.map((x: { key: string; value: string }) => [x.key, x.value]), [["port_run_id", "r_b"]]);
    });

    it("takes startDate as the CLI sends it (a date) and refuses a full timestamp", async () => {
      const full = await call("GET", `/workflow?startDate=${encodeURIComponent(new Date().toISOString())}`);
      assert.equal(full.status, 400);
      assert.match(full.body.message, /YYYY-MM-DD/);
      assert.equal((await call("GET", "/workflow?startDate=2026-01-31")).status, 200);
    });

    it("holds at most workflowPageMax builds per page, whatever limit asks", async () => {
      await createDeployPipeline();
      for (let i = 0; i < 130; i++) cf.seedBuild("portal/deploy");
      const big = await call("GET", "/workflow?limit=500&page=1");
      assert.equal(big.body.workflows.docs.length, 100);
      cf.workflowPageMax = 25;
      const capped = await call("GET", "/workflow?limit=100&page=2");
      assert.equal(capped.body.workflows.docs.length, 25);
      assert.equal(capped.body.workflows.limit, 25);
    });
  });

  describe("faults and latency", () => {
    it("injects 429 and 500 in Codefresh's envelope for a number of matching requests", async () => {
      await createDeployPipeline();
      const run = `/pipelines/run/${encodeURIComponent("portal/deploy")}`;
      cf.injectError(429, { method: "POST", path: "/api/pipelines/run/", times: 1 });
      cf.injectError(500, { method: "POST", path: "/api/pipelines/run/", times: 1 });
      const first = await call("POST", run, {});
      assert.equal(first.status, 429);
      assert.equal(first.body.status, 429);
      const second = await call("POST", run, {});
      assert.deepEqual(second.body, { status: 500, code: "1001", name: "INTERNAL_SERVER_ERROR", message: "Internal server error", context: {} });
      assert.equal((await call("POST", run, {})).status, 200);
      assert.equal(cf.builds().length, 1, "faulted requests start no build");
      assert.deepEqual(cf.requestsTo("POST", "/api/pipelines/run/").map((r) => r.status), [429, 500, 200]);
    });

    it("drops the connection for a network fault", async () => {
      cf.inject({ method: "GET", path: "/api/builds/", times: 1, status: "network" });
      await assert.rejects(fetch(`${cf.apiUrl}/builds/0123456789abcdef01234567`, { headers: { authorization: KEY } }));
      assert.equal((await call("GET", "/builds/0123456789abcdef01234567?noAccount=false")).status, 404);
    });

    it("adds latency", async () => {
      cf.latencyMs = 80;
      try {
        const t0 = Date.now();
        await call("GET", "/pipelines");
        assert.ok(Date.now() - t0 >= 75, `took ${Date.now() - t0} ms`);
      } finally {
        cf.latencyMs = 0;
      }
    });

    it("records requests and forgets everything on reset", async () => {
      await createDeployPipeline();
      assert.equal(cf.requestsTo("POST", "/api/pipelines").length, 1);
      assert.equal(cf.requests[0].headers.authorization, KEY);
      cf.reset();
      assert.equal(cf.requests.length, 0);
      assert.equal(cf.pipeline("portal/deploy"), undefined);
      assert.equal(cf.project("portal"), undefined);
    });
  });

  it("starts with options: another key, latency", async () => {
    const other = await CodefreshEmulator.start({ apiKey: "test-other-key", latencyMs: 5 });
    try {
      assert.equal(other.latencyMs, 5);
      assert.match(other.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(other.apiUrl, `${other.url}/api`);
      const ok = await fetch(`${other.apiUrl}/pipelines`, { headers: { authorization: "test-other-key" } });
      assert.equal(ok.status, 200);
      const bad = await fetch(`${other.apiUrl}/pipelines`, { headers: { authorization: KEY } });
      assert.equal(bad.status, 401);
    } finally {
      await other.stop();
    }
  });
});
