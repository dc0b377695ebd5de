// POST /api/pipelines/run/{name}: starts a build and answers 200 with the build id as a JSON
// string ("64ed0bc7c64d3336272d6c51", quotes included), exactly like Codefresh.
import type { RouteContext } from "./context";
import { errors } from "./errors";
import { firstIssue, issues, runSchema, type RunInput } from "./schemas";
import { ACCOUNT_ID, type Build, type StoredPipeline } from "./state";

/** Both request shapes end up as one map; array items may also mark keys as encrypted. */
export function normalizeVariables(input: RunInput["variables"]): { variables: Record<string, string>; encrypted: string[] } {
  const variables: Record<string, string> = {};
  const encrypted: string[] = [];
  if (Array.isArray(input)) {
    for (const v of input) {
      variables[v.key] = String(v.value);
      if (v.encrypted) encrypted.push(v.key);
    }
  } else if (input) {
    for (const [k, v] of Object.entries(input)) variables[k] = String(v);
  }
  return { variables, encrypted };
}

export function registerRunRoutes(ctx: RouteContext): void {
  const { state, route } = ctx;

  route("POST", "/api/pipelines/run/:name", (req) => {
    const stored = state.pipeline(req.params.name);
    if (!stored) return errors.pipelineNotFound(req.params.name);
    const parsed = runSchema.safeParse(req.body ?? {});
    if (!parsed.success) return errors.badRequest(firstIssue(parsed.error), issues(parsed.error));
    const build = startBuild(ctx, stored, parsed.data, { reqId: req.query.get("reqId"), requestBody: req.body });
    // Undocumented de-duplication by reqId is deliberately not emulated (notes §6: do not rely on it).
    return { status: 200, body: build.id, headers: { location: `/api/builds/${build.id}` } };
  });
}

/** A new build of a stored pipeline, as POST /api/pipelines/run creates it (annotations included). */
export function startBuild(ctx: RouteContext, stored: StoredPipeline, run: RunInput, extra: { reqId?: string | null; requestBody?: unknown } = {}): Build {
  const { state } = ctx;
  const pipeline = stored.current.metadata;
  const { variables, encrypted } = normalizeVariables(run.variables);
  const now = state.isoNow();
  const running = ctx.autoAdvance();
  const build: Build = {
    id: state.newId(),
    status: running ? "running" : "pending",
    created: now,
    updated: now,
    started: running ? now : null,
    finished: null,
    progress: state.newId(),
    pipelineName: pipeline.name,
    serviceId: pipeline.id,
    projectId: pipeline.projectId,
    branchName: run.branch ?? null,
    revision: run.sha ?? null,
    trigger: run.trigger ?? null,
    variables,
    encryptedVariables: encrypted,
    annotations: { ...(run.annotations ?? {}) },
    options: { ...(run.options ?? {}) },
    contexts: [...(run.contexts ?? [])],
    userYamlDescriptor: run.userYamlDescriptor ?? null,
    reqId: extra.reqId ?? null,
    requestBody: extra.requestBody ?? run,
  };
  state.builds.set(build.id, build);
  for (const [key, value] of Object.entries(build.annotations)) {
    state.annotations.push({ _id: state.newId(), accountId: ACCOUNT_ID, entityId: build.id, entityType: "workflow", key, value });
  }
  return build;
}
