// /api/pipelines CRUD. A pipeline is named `<project>/<name>` and addressed by its id or that
// full name URL-encoded; PUT replaces the whole document and bumps `metadata.revision`.
import type { EmulatedResponse } from "../emulator-server";
import type { RouteContext } from "./context";
import { maskVariables, queryFlag, queryInt } from "./context";
import { errors } from "./errors";
import { firstIssue, issues, pipelineSchema, type PipelineInput } from "./schemas";
import { ACCOUNT_ID, type PipelineDoc, type Project, type StoredPipeline, type Variable } from "./state";

/** The document as the API returns it: a copy, encrypted values masked unless asked otherwise. */
export function pipelineView(doc: PipelineDoc, decrypt: boolean): PipelineDoc {
  const copy = structuredClone(doc);
  copy.spec.variables = maskVariables(copy.spec.variables, decrypt);
  for (const key of ["triggers", "cronTriggers"] as const) {
    const list = copy.spec[key];
    if (!Array.isArray(list)) continue;
    for (const t of list as { variables?: Variable[] }[]) if (t.variables) t.variables = maskVariables(t.variables, decrypt);
  }
  return copy;
}

type Resolved = { project: Project; fullName: string } | { error: EmulatedResponse };

/** The project is the part of the name before the first `/`, and it must already exist. */
function resolveProject(ctx: RouteContext, input: PipelineInput, fullName: string): Resolved {
  const slash = fullName.indexOf("/");
  if (slash <= 0 || slash === fullName.length - 1) {
    return { error: errors.badRequest(`"metadata.name" must be <project>/<pipeline>, got "${fullName}"`) };
  }
  const projectName = fullName.slice(0, slash);
  const project = ctx.state.projectByName(projectName);
  if (!project) return { error: errors.projectNotFound(projectName) };
  const { project: p, projectId } = input.metadata;
  if (p !== undefined && p !== projectName) return { error: errors.badRequest(`"metadata.project" (${p}) does not match the name's project (${projectName})`) };
  if (projectId !== undefined && projectId !== project.id) return { error: errors.badRequest(`"metadata.projectId" (${projectId}) is not the id of project ${projectName}`) };
  return { project, fullName };
}

/** Server-filled fields: trigger ids, isPublic, labels (the real API adds these too). */
function storedDoc(
  ctx: RouteContext,
  input: PipelineInput,
  fixed: { id: string; fullName: string; project: Project; revision: number; createdAt: string },
): PipelineDoc {
  const spec = structuredClone(input.spec) as PipelineDoc["spec"];
  for (const key of ["triggers", "cronTriggers"] as const) {
    const list = spec[key] as { id?: string }[];
    for (const t of list) t.id ??= ctx.state.newId();
  }
  return {
    version: "1.0",
    kind: "pipeline",
    metadata: {
      isPublic: false,
      labels: { tags: [] },
      ...structuredClone(input.metadata),
      id: fixed.id,
      name: fixed.fullName,
      project: fixed.project.projectName,
      projectId: fixed.project.id,
      revision: fixed.revision,
      accountId: ACCOUNT_ID,
      created_at: fixed.createdAt,
      updated_at: ctx.state.isoNow(),
    },
    spec,
  };
}

/** Create without HTTP (used by the route and by tests seeding state). */
export function createPipeline(ctx: RouteContext, body: unknown): { status: 200; doc: PipelineDoc } | { error: EmulatedResponse } {
  const parsed = pipelineSchema.safeParse(body ?? {});
  if (!parsed.success) return { error: errors.badRequest(firstIssue(parsed.error), issues(parsed.error)) };
  const name = parsed.data.metadata.name;
  if (!name) return { error: errors.badRequest(`"metadata.name" is required`) };
  const resolved = resolveProject(ctx, parsed.data, name);
  if ("error" in resolved) return resolved;
  if (ctx.state.pipeline(name)) return { error: errors.pipelineExists(name) };
  const doc = storedDoc(ctx, parsed.data, { id: ctx.state.newId(), fullName: name, project: resolved.project, revision: 0, createdAt: ctx.state.isoNow() });
  ctx.state.pipelines.set(doc.metadata.id, { current: doc, history: [structuredClone(doc)] });
  return { status: 200, doc };
}

function replacePipeline(ctx: RouteContext, stored: StoredPipeline, body: unknown, disableRevisionCheck: boolean): EmulatedResponse {
  const parsed = pipelineSchema.safeParse(body ?? {});
  if (!parsed.success) return errors.badRequest(firstIssue(parsed.error), issues(parsed.error));
  const current = stored.current.metadata;
  if (!disableRevisionCheck) {
    // An absent revision counts as 0: that is how the TF provider hit 4204 (its issue #10).
    const sent = parsed.data.metadata.revision ?? 0;
    if (sent !== current.revision) return errors.pipelineOutdated(current.name, sent, current.revision);
  }
  const name = parsed.data.metadata.name ?? current.name;
  const resolved = resolveProject(ctx, parsed.data, name);
  if ("error" in resolved) return resolved.error;
  const clash = ctx.state.pipeline(name);
  if (clash && clash !== stored) return errors.pipelineExists(name);
  const doc = storedDoc(ctx, parsed.data, {
    id: current.id, fullName: name, project: resolved.project, revision: current.revision + 1, createdAt: current.created_at,
  });
  stored.current = doc;
  stored.history.push(structuredClone(doc));
  return { status: 200, body: pipelineView(doc, false) };
}

export function registerPipelineRoutes(ctx: RouteContext): void {
  const { state, route } = ctx;

  route("POST", "/api/pipelines", (req) => {
    const created = createPipeline(ctx, req.body);
    return "error" in created ? created.error : { status: 200, body: pipelineView(created.doc, false) };
  });

  route("GET", "/api/pipelines", (req) => {
    const id = req.query.get("id");
    const projectId = req.query.get("projectId");
    const tags = parseLabelTags(req.query.get("labels"));
    const all = [...state.pipelines.values()]
      .map((p) => p.current)
      .filter((d) => !id || d.metadata.id === id || d.metadata.name === id)
      .filter((d) => !projectId || d.metadata.projectId === projectId)
      .filter((d) => tags.every((t) => ((d.metadata.labels as { tags?: string[] } | undefined)?.tags ?? []).includes(t)));
    const limit = queryInt(req.query, "limit", 100);
    const offset = queryInt(req.query, "offset", 0);
    const decrypt = queryFlag(req.query, "decryptVariables") && ctx.canDecrypt();
    return { status: 200, body: { docs: all.slice(offset, offset + limit).map((d) => pipelineView(d, decrypt)), count: all.length } };
  });

  route("GET", "/api/pipelines/:name", (req) => {
    const stored = state.pipeline(req.params.name);
    if (!stored) return errors.pipelineNotFound(req.params.name);
    return { status: 200, body: pipelineView(stored.current, queryFlag(req.query, "decryptVariables") && ctx.canDecrypt()) };
  });

  route("PUT", "/api/pipelines/:name", (req) => {
    const stored = state.pipeline(req.params.name);
    if (!stored) return errors.pipelineNotFound(req.params.name);
    return replacePipeline(ctx, stored, req.body, queryFlag(req.query, "disableRevisionCheck"));
  });

  route("DELETE", "/api/pipelines/:name", (req) => {
    const stored = state.pipeline(req.params.name);
    if (!stored) return errors.pipelineNotFound(req.params.name);
    state.pipelines.delete(stored.current.metadata.id);
    return { status: 200, body: {} };
  });
}

/** `labels=tags=a,b` or `labels=a,b`: the exact syntax is undocumented, both are accepted. */
function parseLabelTags(raw: string | null): string[] {
  if (!raw) return [];
  return raw.replace(/^tags[=:]/, "").split(",").map((s) => s.trim()).filter(Boolean);
}
