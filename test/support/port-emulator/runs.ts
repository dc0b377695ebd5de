// Action runs: created when someone clicks an action (test helper `createRun`, or the real
// POST /v1/actions/{id}/runs), then reported on by backends: PATCH (status once, links, summary,
// externalRunId) and log lines (terminationStatus once). A finished run can't be modified.
import { z } from "zod";
import { EmulatedRequest } from "../emulator-server";
import { getAction } from "./actions";
import { PortError, invalid, notFound, ok } from "./envelope";
import { PortRouter } from "./router";
import { Action, JsonObject, PortState, Run, RunLog, RunStatus, StoredRun, clone, portId } from "./state";
import { jsonObject, parseBody, typeOf } from "./validation";

export interface CreateRunInput {
  /** Action identifier. */
  action: string;
  /** User inputs. */
  properties?: Record<string, unknown>;
  /** Identifier of the entity the action runs on (DAY-2/DELETE). */
  entity?: string;
  /** Starting status (default IN_PROGRESS, or WAITING_FOR_APPROVAL when the action requires approval). */
  status?: RunStatus;
  source?: Run["source"];
}

const TERMINAL: RunStatus[] = ["SUCCESS", "FAILURE", "DECLINED"];

export function getRun(state: PortState, id: string): StoredRun {
  const stored = state.runs.get(id);
  if (!stored) throw notFound(`Run with id "${id}" was not found`);
  return stored;
}

export function createRun(state: PortState, input: CreateRunInput): StoredRun {
  const action = getAction(state, input.action);
  const blueprintId = typeof action.trigger.blueprintIdentifier === "string" ? action.trigger.blueprintIdentifier : undefined;
  const blueprint = blueprintId ? state.blueprints.get(blueprintId) : undefined;
  let entityRef: Run["entity"];
  if (input.entity !== undefined) {
    const entity = blueprintId ? state.entitiesOf(blueprintId).get(input.entity) : undefined;
    if (!entity) throw notFound(`Entity with identifier "${input.entity}" was not found in blueprint "${blueprintId ?? "(none)"}"`);
    entityRef = { identifier: entity.identifier, title: entity.title, icon: entity.icon ?? null, deleted: false };
  }
  const requiredApproval = (action.requiredApproval as Run["requiredApproval"] | undefined) ?? false;
  const now = new Date().toISOString();
  const run: Run = {
    id: portId("r"),
    action: { identifier: action.identifier, title: (action.title as string | undefined) ?? null, icon: (action.icon as string | undefined) ?? null, deleted: false },
    ...(blueprint && { blueprint: { identifier: blueprint.identifier, title: blueprint.title, icon: blueprint.icon ?? null, deleted: false } }),
    ...(entityRef && { entity: entityRef }),
    properties: clone(input.properties ?? {}),
    status: input.status ?? (requiredApproval ? "WAITING_FOR_APPROVAL" : "IN_PROGRESS"),
    requiredApproval,
    source: input.source ?? "UI",
    createdAt: now,
    updatedAt: now,
    createdBy: state.actor,
    updatedBy: state.actor,
  };
  if (TERMINAL.includes(run.status)) run.endedAt = now;
  const stored: StoredRun = { run, patches: [], logs: [], affectedEntities: [] };
  state.runs.set(run.id, stored);
  return stored;
}

const patchBody = z.strictObject({
  status: z.enum(["SUCCESS", "FAILURE"]).optional(),
  statusLabel: z.string().optional(),
  link: z.union([z.string(), z.array(z.string())]).optional(),
  summary: z.string().optional(),
  externalRunId: z.string().optional(),
  /** Deprecated, still accepted. */
  message: jsonObject.optional(),
});

const logBody = z.strictObject({
  message: z.string(),
  terminationStatus: z.enum(["SUCCESS", "FAILURE"]).optional(),
  statusLabel: z.string().optional(),
});

function refuseIfEnded(stored: StoredRun): void {
  if (TERMINAL.includes(stored.run.status)) {
    throw new PortError(422, "run_already_finished", `Run "${stored.run.id}" has already finished with status ${stored.run.status} and can no longer be modified`);
  }
}

export function patchRun(state: PortState, id: string, body: unknown): Run {
  const stored = getRun(state, id);
  const patch = parseBody(patchBody, body);
  refuseIfEnded(stored);
  const run = stored.run;
  const now = new Date().toISOString();
  // "Every patch request will override the previous information" (link included).
  if (patch.statusLabel !== undefined) run.statusLabel = patch.statusLabel;
  if (patch.link !== undefined) run.link = clone(patch.link);
  if (patch.summary !== undefined) run.summary = patch.summary;
  if (patch.externalRunId !== undefined) run.externalRunId = patch.externalRunId;
  if (patch.status !== undefined) {
    run.status = patch.status;
    run.endedAt = now;
  }
  run.updatedAt = now;
  run.updatedBy = state.actor;
  stored.patches.push(clone(patch) as JsonObject);
  return run;
}

export function addRunLog(state: PortState, id: string, body: unknown): RunLog {
  const stored = getRun(state, id);
  const input = parseBody(logBody, body);
  if (input.terminationStatus !== undefined) refuseIfEnded(stored);
  const now = new Date().toISOString();
  const log: RunLog = { id: portId("log"), runId: id, message: input.message, createdBy: state.actor, createdAt: now };
  if (input.terminationStatus) {
    log.terminationStatus = input.terminationStatus;
    stored.run.status = input.terminationStatus;
    stored.run.endedAt = now;
  }
  if (input.statusLabel !== undefined) {
    log.statusLabel = input.statusLabel;
    stored.run.statusLabel = input.statusLabel;
  }
  stored.logs.push(log);
  return log;
}

/** Run as the API shows it: `?version=v1` has the action as a plain identifier. */
function view(run: Run, req: EmulatedRequest): JsonObject {
  const out = clone(run) as unknown as JsonObject;
  // Not in the 200 response schemas: Port (Fastify) drops it from every answer.
  delete out.externalRunId;
  if (req.query.get("version") === "v1") out.action = run.action.identifier;
  return out;
}

function checkInputs(action: Action, properties: Record<string, unknown>): void {
  const inputs = ((action.trigger.userInputs as JsonObject | undefined)?.properties ?? {}) as Record<string, { type?: string }>;
  const required = (action.trigger.userInputs as JsonObject | undefined)?.required;
  for (const [name, value] of Object.entries(properties)) {
    const input = inputs[name];
    if (!input) throw invalid(`Input "${name}" is not defined in action "${action.identifier}"`);
    if (value === null || value === undefined) continue;
    const actual = typeOf(value);
    if (input.type && actual !== input.type) throw invalid(`Input "${name}" must be of type ${input.type}, got ${actual}`);
  }
  if (Array.isArray(required)) {
    for (const name of required as string[]) {
      if (properties[name] === undefined || properties[name] === null) throw invalid(`Input "${name}" is required by action "${action.identifier}"`);
    }
  }
}

export function registerRunRoutes(router: PortRouter, state: PortState): void {
  router.authed("GET", "/v1/actions/runs", (req) => {
    const q = req.query;
    const limit = q.has("limit") ? Number(q.get("limit")) : 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid(`querystring/limit must be between 1 and 1000`);
    const active = q.get("active");
    const runs = [...state.runs.values()]
      .map((s) => s.run)
      .filter(
        (r) =>
          (active === null || (active === "true") === !TERMINAL.includes(r.status)) &&
          (!q.get("external_run_id") || r.externalRunId === q.get("external_run_id")) &&
          (!q.get("action") || r.action.identifier === q.get("action")) &&
          (!q.get("entity") || r.entity?.identifier === q.get("entity")) &&
          (!q.get("blueprint") || r.blueprint?.identifier === q.get("blueprint")),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      // No `offset` in Port's spec: an unknown query parameter is stripped, so it changes nothing.
      .slice(0, limit);
    return ok(200, { runs: runs.map((r) => view(r, req)) });
  });
  router.authed("GET", "/v1/actions/runs/:id", (req) => ok(200, { run: view(getRun(state, req.params.id).run, req) }));
  router.authed("PATCH", "/v1/actions/runs/:id", (req) => ok(200, { run: view(patchRun(state, req.params.id, req.body), req) }));
  router.authed("POST", "/v1/actions/runs/:id/logs", (req) => {
    const log = addRunLog(state, req.params.id, req.body);
    return ok(201, { runLog: { id: log.id, runId: log.runId, message: log.message, createdBy: log.createdBy, createdAt: log.createdAt } });
  });
  router.authed("GET", "/v1/actions/runs/:id/logs", (req) => {
    const stored = getRun(state, req.params.id);
    const limit = req.query.has("limit") ? Number(req.query.get("limit")) : 50;
    const offset = req.query.has("offset") ? Number(req.query.get("offset")) : 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw invalid(`querystring/limit must be between 1 and 50`);
    const runLogs = stored.logs.slice(offset, offset + limit).map(({ id, runId, message, createdBy, createdAt }) => ({ id, runId, message, createdBy, createdAt }));
    return ok(200, { runLogs });
  });
  router.authed("PATCH", "/v1/actions/runs/:id/approval", (req) => {
    const stored = getRun(state, req.params.id);
    const { status, description } = parseBody(z.strictObject({ status: z.enum(["APPROVE", "DECLINE"]), description: z.string().optional() }), req.body);
    if (stored.run.status !== "WAITING_FOR_APPROVAL") throw invalid(`Run "${stored.run.id}" is not waiting for approval`);
    stored.run.status = status === "APPROVE" ? "IN_PROGRESS" : "DECLINED";
    if (status === "DECLINE") stored.run.endedAt = new Date().toISOString();
    (stored.run as unknown as JsonObject).approval = { description: description ?? "", userId: null, state: status === "APPROVE" ? "APPROVED" : "DECLINED" };
    return ok(201, { run: view(stored.run, req) });
  });
  router.authed("POST", "/v1/actions/:id/runs", (req) => {
    const action = getAction(state, req.params.id);
    const body = parseBody(z.strictObject({ properties: jsonObject, entity: z.string().optional() }), req.body);
    checkInputs(action, body.properties);
    const stored = createRun(state, { action: action.identifier, properties: body.properties, entity: body.entity, source: "API" });
    return ok(202, { run: view(stored.run, req) });
  });
}
