// /api/projects: a project must exist before pipelines named `<project>/<pipeline>`.
import type { RouteContext } from "./context";
import { maskVariables, queryInt } from "./context";
import { errors } from "./errors";
import { firstIssue, issues, projectCreateSchema, projectPatchSchema } from "./schemas";
import { ACCOUNT_ID, type Project } from "./state";

export function projectView(p: Project): Project {
  return { ...p, tags: [...p.tags], variables: maskVariables(p.variables, false) };
}

export function createProject(ctx: RouteContext, input: { projectName: string; tags?: string[]; variables?: Project["variables"] }): Project {
  const now = ctx.state.isoNow();
  const project: Project = {
    id: ctx.state.newId(),
    projectName: input.projectName,
    tags: input.tags ?? [],
    variables: input.variables ?? [],
    accountId: ACCOUNT_ID,
    createdAt: now,
    updatedAt: now,
  };
  ctx.state.projects.set(project.id, project);
  return project;
}

export function registerProjectRoutes(ctx: RouteContext): void {
  const { state, route } = ctx;

  route("POST", "/api/projects", (req) => {
    const parsed = projectCreateSchema.safeParse(req.body ?? {});
    if (!parsed.success) return errors.badRequest(firstIssue(parsed.error), issues(parsed.error));
    if (state.projectByName(parsed.data.projectName)) return errors.projectExists(parsed.data.projectName);
    return { status: 200, body: projectView(createProject(ctx, parsed.data)) };
  });

  route("GET", "/api/projects", (req) => {
    const name = req.query.get("name");
    const tags = req.query.get("tags")?.split(",").filter(Boolean) ?? [];
    const all = [...state.projects.values()].filter(
      (p) => (!name || p.projectName.includes(name)) && tags.every((t) => p.tags.includes(t)),
    );
    const limit = queryInt(req.query, "limit", 25);
    const offset = queryInt(req.query, "offset", 0);
    return { status: 200, body: { projects: all.slice(offset, offset + limit).map(projectView), total: all.length, limit, offset } };
  });

  route("GET", "/api/projects/name/:name", (req) => {
    const p = state.projectByName(req.params.name);
    return p ? { status: 200, body: projectView(p) } : errors.projectNotFound(req.params.name);
  });

  route("GET", "/api/projects/:id", (req) => {
    const p = state.projects.get(req.params.id);
    return p ? { status: 200, body: projectView(p) } : errors.projectNotFound(req.params.id);
  });

  route("PATCH", "/api/projects/:id", (req) => {
    const p = state.projects.get(req.params.id);
    if (!p) return errors.projectNotFound(req.params.id);
    const parsed = projectPatchSchema.safeParse(req.body ?? {});
    if (!parsed.success) return errors.badRequest(firstIssue(parsed.error), issues(parsed.error));
    const { projectName, tags, variables } = parsed.data;
    if (projectName !== undefined && projectName !== p.projectName) {
      if (state.projectByName(projectName)) return errors.projectExists(projectName);
      renamePipelines(ctx, p, projectName);
      p.projectName = projectName;
    }
    if (tags !== undefined) p.tags = tags;
    if (variables !== undefined) p.variables = variables;
    p.updatedAt = state.isoNow();
    return { status: 200, body: projectView(p) };
  });

  // Assumption: deleting a project also deletes its pipelines (as the UI does), rather than refusing.
  route("DELETE", "/api/projects/:id", (req) => {
    const p = state.projects.get(req.params.id);
    if (!p) return errors.projectNotFound(req.params.id);
    state.projects.delete(p.id);
    for (const [id, pipe] of state.pipelines) if (pipe.current.metadata.projectId === p.id) state.pipelines.delete(id);
    return { status: 200, body: projectView(p) };
  });
}

/** A pipeline's full name carries its project's name, so a rename moves them along. */
function renamePipelines(ctx: RouteContext, project: Project, newName: string): void {
  for (const pipe of ctx.state.pipelines.values()) {
    const m = pipe.current.metadata;
    if (m.projectId !== project.id) continue;
    m.name = `${newName}/${m.name.slice(project.projectName.length + 1)}`;
    m.project = newName;
  }
}
