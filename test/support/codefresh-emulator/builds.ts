// Builds (workflows): read, list, annotations, terminate, and the status changes tests drive.
import type { RouteContext } from "./context";
import { queryInt } from "./context";
import { errors } from "./errors";
import { ACCOUNT_ID, BUILD_STATUSES, TERMINAL_STATUSES, type Build, type BuildStatus, type CodefreshState } from "./state";

/** The fields clients read from GET /api/builds/{id} (CLI Workflow.fromResponse, go-sdk). */
export function buildView(b: Build): Record<string, unknown> {
  return {
    id: b.id,
    status: b.status,
    created: b.created,
    updated: b.updated,
    started: b.started,
    finished: b.finished,
    progress: b.progress,
    pipelineName: b.pipelineName,
    serviceName: b.pipelineName,
    serviceId: b.serviceId,
    projectId: b.projectId,
    account: ACCOUNT_ID,
    branchName: b.branchName,
    revision: b.revision,
    repoOwner: null,
    repoName: null,
    pipelineTriggerId: b.trigger,
    pipelineTriggerName: b.trigger,
    webhookTriggered: false,
    userYamlDescriptor: b.userYamlDescriptor,
  };
}

/** Timestamps follow the status: `started` once it runs, `finished` once it ends. */
export function setBuildStatus(state: CodefreshState, id: string, status: BuildStatus): Build {
  const b = state.builds.get(id);
  if (!b) throw new Error(`no build ${id}`);
  if (!BUILD_STATUSES.includes(status)) throw new Error(`unknown build status ${status}`);
  const now = state.isoNow();
  b.status = status;
  b.updated = now;
  const ran = status === "running" || status === "terminating" || status === "success" || status === "error" || status === "terminated";
  if (ran && !b.started) b.started = now;
  b.finished = TERMINAL_STATUSES.has(status) ? now : null;
  return b;
}

export function registerBuildRoutes(ctx: RouteContext): void {
  const { state, route } = ctx;

  // `noAccount` is required by the API document (the CLI sends noAccount=false); the docs' curl
  // examples omit it, but what a missing required parameter gets is unknown: refuse it.
  route("GET", "/api/builds/:id", (req) => {
    if (!req.query.has("noAccount")) return errors.badRequest('querystring must have required property "noAccount"');
    const b = state.builds.get(req.params.id);
    return b ? { status: 200, body: buildView(b) } : errors.buildNotFound(req.params.id);
  });

  // Paged (`limit`, `page`), newest first. `startDate`/`endDate` are dates as the CLI sends them
  // (YYYY-MM-DD, `--from`/`--to`); a full timestamp is refused. A page never holds more than
  // ctx.workflowPageMax() builds whatever `limit` asks, and the answer carries no total: a client
  // pages until a page comes back empty or short.
  route("GET", "/api/workflow", (req) => {
    const q = req.query;
    const multi = (name: string) => q.getAll(name).flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
    const pipelines = multi("pipeline");
    const statuses = multi("status");
    const startDay = dayStart(q.get("startDate"));
    const endDay = dayStart(q.get("endDate"));
    if (startDay === null) return errors.badRequest(`startDate must be a date YYYY-MM-DD, got "${q.get("startDate")}"`);
    if (endDay === null) return errors.badRequest(`endDate must be a date YYYY-MM-DD, got "${q.get("endDate")}"`);
    const eq = (name: string, value: string | null) => !q.get(name) || q.get(name) === value;
    const all = [...state.builds.values()]
      // `pipeline` takes pipeline ids, not names: the CLI resolves names to ids before listing.
      .filter((b) => pipelines.length === 0 || pipelines.includes(b.serviceId))
      .filter((b) => statuses.length === 0 || statuses.includes(b.status))
      .filter((b) => eq("branchName", b.branchName) && eq("revision", b.revision) && eq("pipelineTriggerId", b.trigger) && eq("trigger", b.trigger))
      .filter((b) => startDay === undefined || Date.parse(b.created) >= startDay)
      // The whole end day is included.
      .filter((b) => endDay === undefined || Date.parse(b.created) < endDay + 86_400_000)
      .sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
    const limit = Math.min(Math.max(1, queryInt(q, "limit", 10)), ctx.workflowPageMax());
    const page = Math.max(1, queryInt(q, "page", 1));
    const docs = all.slice((page - 1) * limit, page * limit).map(buildView);
    return { status: 200, body: { workflows: { docs, limit, page } } };
  });

  route("GET", "/api/annotations", (req) => {
    const q = req.query;
    const eq = (name: string, value: string) => !q.get(name) || q.get(name) === value;
    const found = state.annotations.filter(
      (a) => eq("entityType", a.entityType) && eq("entityId", a.entityId) && eq("key", a.key) && eq("id", a._id),
    );
    return { status: 200, body: found.map((a) => ({ ...a, __v: 0 })) };
  });

  route("GET", "/api/progress/:id", (req) => {
    const b = state.buildByProgress(req.params.id);
    return b ? { status: 200, body: progressView(b) } : errors.progressNotFound(req.params.id);
  });

  // Terminate is accepted at once; the build passes through "terminating" to "terminated".
  route("DELETE", "/api/progress/:id", (req) => {
    const b = state.buildByProgress(req.params.id);
    if (!b) return errors.progressNotFound(req.params.id);
    if (!TERMINAL_STATUSES.has(b.status)) {
      const delay = ctx.terminateAfterMs();
      if (delay <= 0) {
        setBuildStatus(state, b.id, "terminated");
      } else {
        setBuildStatus(state, b.id, "terminating");
        const timer = setTimeout(() => {
          ctx.timers.delete(timer);
          if (state.builds.get(b.id) === b && b.status === "terminating") setBuildStatus(state, b.id, "terminated");
        }, delay);
        ctx.timers.add(timer);
      }
    }
    return { status: 200, body: progressView(b) };
  });
}

/** Epoch ms of the UTC day a YYYY-MM-DD date names; undefined when absent, null when not such a date. */
function dayStart(value: string | null): number | undefined | null {
  if (value === null || value === "") return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? null : t;
}

function progressView(b: Build): Record<string, unknown> {
  return { id: b.progress, workflowId: b.id, status: b.status, accountId: ACCOUNT_ID };
}
