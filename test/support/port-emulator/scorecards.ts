// /v1/blueprints/{bp}/scorecards and /v1/scorecards. The spec gives no success-answer schema:
// creation answers {ok} only (read it back), reads add server fields and return the rules in
// another order (as the official provider found). Rules naming a property or relation the
// blueprint lacks, or a level the scorecard lacks, are refused (422).
import { PortError, blueprintNotFound, invalid, notFound, ok } from "./envelope";
import { governanceOf, StoredScorecard, validateRequest } from "./governance";
import type { PortRouter } from "./router";
import { Blueprint, JsonObject, PortState, clone } from "./state";

const META = ["$identifier", "$title", "$team", "$createdAt", "$updatedAt", "$icon"];
const DEFAULT_LEVELS = ["Basic", "Bronze", "Silver", "Gold"];

function blueprintOf(state: PortState, id: string): Blueprint {
  const bp = state.blueprints.get(id);
  if (!bp) throw blueprintNotFound(id);
  return bp;
}

function live(state: PortState, bp: Blueprint): StoredScorecard[] {
  const store = governanceOf(state).scorecards;
  const out: StoredScorecard[] = [];
  for (const [key, s] of store) {
    if (s.blueprint !== bp.identifier) continue;
    if (s.blueprintCreatedAt !== bp.createdAt) store.delete(key); // the blueprint was deleted and recreated
    else out.push(s);
  }
  return out;
}

function checkReferences(bp: Blueprint, body: JsonObject): void {
  const properties = new Set([...Object.keys(bp.schema.properties), ...Object.keys(bp.mirrorProperties), ...Object.keys(bp.calculationProperties), ...Object.keys(bp.aggregationProperties ?? {}), ...META]);
  const levels = new Set(Array.isArray(body.levels) && body.levels.length > 0 ? (body.levels as { title: string }[]).map((l) => l.title) : DEFAULT_LEVELS);
  const conditions = (q: unknown) => ((q as { conditions?: JsonObject[] } | undefined)?.conditions ?? []);
  const check = (c: JsonObject) => {
    if (typeof c.property === "string" && !properties.has(c.property)) throw invalid(`Property "${c.property}" is not defined in blueprint "${bp.identifier}"`);
    if (typeof c.relation === "string" && !(c.relation in bp.relations)) throw invalid(`Relation "${c.relation}" is not defined in blueprint "${bp.identifier}"`);
  };
  conditions(body.filter).forEach(check);
  for (const rule of (body.rules as JsonObject[]) ?? []) {
    conditions(rule.query).forEach(check);
    if (typeof rule.level === "string" && !levels.has(rule.level)) throw invalid(`Rule "${String(rule.identifier)}" has level "${rule.level}", which the scorecard does not define`);
  }
}

function present(s: StoredScorecard): JsonObject {
  const { blueprintCreatedAt: _created, ...rest } = clone(s);
  return { ...rest, rules: [...((rest.rules as unknown[]) ?? [])].reverse() };
}

function store(state: PortState, bp: Blueprint, body: JsonObject, previous?: StoredScorecard): StoredScorecard {
  checkReferences(bp, body);
  const now = new Date().toISOString();
  const s: StoredScorecard = {
    ...(clone(body) as JsonObject),
    identifier: String(body.identifier),
    blueprint: bp.identifier,
    blueprintCreatedAt: bp.createdAt,
    id: previous?.id ?? `scorecard_${Math.random().toString(36).slice(2, 12)}`,
    createdAt: (previous?.createdAt as string | undefined) ?? now,
    createdBy: state.actor,
    updatedAt: now,
    updatedBy: state.actor,
  };
  governanceOf(state).scorecards.set(`${bp.identifier}/${s.identifier}`, s);
  return s;
}

function getScorecard(state: PortState, bpId: string, id: string): StoredScorecard {
  const bp = blueprintOf(state, bpId);
  const s = live(state, bp).find((x) => x.identifier === id);
  if (!s) throw notFound(`Scorecard with identifier "${id}" was not found on blueprint "${bpId}"`);
  return s;
}

export function registerScorecardRoutes(router: PortRouter, state: PortState): void {
  const base = "/v1/blueprints/{blueprint_identifier}/scorecards";
  router.authed("POST", "/v1/blueprints/:bp/scorecards", (req) => {
    validateRequest("POST", base, req.body);
    const bp = blueprintOf(state, req.params.bp);
    const body = req.body as JsonObject;
    if (live(state, bp).some((s) => s.identifier === body.identifier)) throw new PortError(409, "scorecard_already_exists", `Scorecard "${String(body.identifier)}" already exists on blueprint "${bp.identifier}"`);
    store(state, bp, body);
    return ok(200);
  });
  router.authed("GET", "/v1/blueprints/:bp/scorecards", (req) => ok(200, { scorecards: live(state, blueprintOf(state, req.params.bp)).map(present) }));
  router.authed("GET", "/v1/blueprints/:bp/scorecards/:id", (req) => ok(200, { scorecard: present(getScorecard(state, req.params.bp, req.params.id)) }));
  router.authed("PUT", "/v1/blueprints/:bp/scorecards/:id", (req) => {
    validateRequest("PUT", `${base}/{scorecard_identifier}`, req.body);
    const previous = getScorecard(state, req.params.bp, req.params.id);
    const body = req.body as JsonObject;
    if (body.identifier !== req.params.id) throw invalid(`body/identifier "${String(body.identifier)}" does not match the scorecard "${req.params.id}" in the path`);
    return ok(200, { scorecard: present(store(state, blueprintOf(state, req.params.bp), body, previous)) });
  });
  router.authed("DELETE", "/v1/blueprints/:bp/scorecards/:id", (req) => {
    getScorecard(state, req.params.bp, req.params.id);
    governanceOf(state).scorecards.delete(`${req.params.bp}/${req.params.id}`);
    return ok(200);
  });
  router.authed("GET", "/v1/scorecards", () => {
    const all = [...state.blueprints.values()].flatMap((bp) => live(state, bp));
    return ok(200, { scorecards: all.map(present) });
  });
}
