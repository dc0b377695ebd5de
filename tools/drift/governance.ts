// Governance drift: teams, action permissions and scorecards edited or deleted in Port, read
// with two lists (all teams, all scorecards) and one GET per declared action's permissions.
// Members of a team are not the stack's and never drift.
import { PortApiError, type PortClient } from "../../clients/port";
import { canonicalActionPermissions } from "../../infra/port/action-permissions";
import { deepEqual, type JsonObject, type JsonValue } from "../../infra/port/canonical";
import { canonicalScorecard } from "../../infra/port/scorecard";
import { canonicalTeam } from "../../infra/port/team";
import type { GovernanceDeclaration } from "../../stacks/governance-declaration";
import { changedPaths } from "../diff/compare";
import { permissionChanges } from "../diff/governance";
import type { Finding } from "./compare";

function list(answer: unknown, key: string): JsonObject[] {
  const value = answer !== null && typeof answer === "object" ? (answer as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(value)) throw new PortApiError(200, "unexpected_response", `response has no "${key}" array`, "GET", key);
  return value.filter((v): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v));
}

function show(value: JsonValue | undefined): string {
  const text = value === undefined ? "unset" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function at(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let cur = value;
  for (const seg of path.split(".")) cur = cur !== null && typeof cur === "object" && !Array.isArray(cur) ? cur[seg] : undefined;
  return cur;
}

export async function governanceDrift(port: PortClient, declared: GovernanceDeclaration): Promise<Finding[]> {
  const out: Finding[] = [];
  if (declared.teams.length > 0) {
    const live = new Map(list(await port.call("GET", "/v1/teams"), "teams").map((t) => [String(t.name), t]));
    for (const t of declared.teams) {
      const current = live.get(t.name);
      if (!current) {
        out.push({ kind: "team", object: t.name, change: "deleted in Port", detail: "declared but missing in Port" });
        continue;
      }
      const want = canonicalTeam(t);
      const have = canonicalTeam(current);
      if (!deepEqual(want, have)) out.push({ kind: "team", object: t.name, change: "changed in Port", detail: `description: ${show(want.description)} → ${show(have.description)}` });
    }
  }
  for (const p of declared.actionPermissions) {
    let live: JsonObject | undefined;
    try {
      const answer = (await port.call("GET", `/v1/actions/${encodeURIComponent(p.action)}/permissions`)) as Record<string, unknown>;
      live = answer.permissions as JsonObject | undefined;
    } catch (err) {
      if (!(err instanceof PortApiError && err.status === 404)) throw err;
    }
    if (!live) continue; // the action itself is missing: actionDrift reports it
    const body = p.body as unknown as JsonObject;
    const have = canonicalActionPermissions(live, body);
    const changes = permissionChanges(p.action, body, have);
    // Seen from the declaration: an approver "removed" was removed in Port.
    for (const c of changes) out.push({ kind: "permissions", object: p.action, change: "changed in Port", detail: c.detail });
  }
  if (declared.scorecards.length > 0) {
    const live = new Map(list(await port.call("GET", "/v1/scorecards"), "scorecards").map((s) => [`${String(s.blueprint)}/${String(s.identifier)}`, s]));
    for (const s of declared.scorecards) {
      const id = `${s.blueprint}/${s.identifier}`;
      const current = live.get(id);
      if (!current) {
        out.push({ kind: "scorecard", object: id, change: "deleted in Port", detail: "declared but missing in Port" });
        continue;
      }
      const want = canonicalScorecard(s.body);
      const have = canonicalScorecard(current);
      if (deepEqual(want, have)) continue;
      out.push({ kind: "scorecard", object: id, change: "changed in Port", detail: changedPaths(want, have, 2).map((p) => `${p}: ${show(at(want, p))} → ${show(at(have, p))}`).join("; ") });
    }
  }
  return out;
}
