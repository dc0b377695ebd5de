// Governance changes between two synth outputs (teams, action permissions, scorecards),
// classified like the rest of the diff: deleting a team or a scorecard drops what Port holds
// (members, score history) — destructive; fewer approvers, a requester who may approve again,
// or more people allowed to deploy — risky; the rest safe.
import { canonicalActionPermissions } from "../../infra/port/action-permissions";
import { deepEqual, type JsonObject, type JsonValue } from "../../infra/port/canonical";
import { canonicalScorecard } from "../../infra/port/scorecard";
import { canonicalTeam } from "../../infra/port/team";
import type { Change, ChangeClass } from "./compare";

export interface GovernanceSnapshot {
  readonly teams: Map<string, JsonObject>;
  /** Permission bodies by action identifier. */
  readonly actionPermissions: Map<string, JsonObject>;
  /** Scorecard bodies by "<blueprint>/<identifier>". */
  readonly scorecards: Map<string, JsonObject>;
}

function obj(v: JsonValue | undefined): JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : {};
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

const minus = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
const names = (xs: string[]) => xs.map((x) => `\`${x}\``).join(", ");

function keys<T>(base: Map<string, T>, head: Map<string, T>) {
  return {
    removed: [...base.keys()].filter((k) => !head.has(k)).sort(),
    added: [...head.keys()].filter((k) => !base.has(k)).sort(),
    common: [...base.keys()].filter((k) => head.has(k)).sort(),
  };
}

/** What changes in who may run or approve one action. */
export function permissionChanges(action: string, before: JsonObject, after: JsonObject): Change[] {
  const b = canonicalActionPermissions(before);
  const h = canonicalActionPermissions(after);
  if (deepEqual(b, h)) return [];
  const parts: { cls: ChangeClass; text: string }[] = [];
  const be = obj(b.execute);
  const he = obj(h.execute);
  for (const field of ["roles", "teams", "users"]) {
    const added = minus(strings(he[field]), strings(be[field]));
    const removed = minus(strings(be[field]), strings(he[field]));
    if (added.length > 0) parts.push({ cls: "risky", text: `may now run it: ${field} ${names(added)}` });
    if (removed.length > 0) parts.push({ cls: "safe", text: `may no longer run it: ${field} ${names(removed)}` });
  }
  if (be.ownedByTeam !== true && he.ownedByTeam === true) parts.push({ cls: "risky", text: "members of the owning team may now run it" });
  if (be.ownedByTeam === true && he.ownedByTeam !== true) parts.push({ cls: "safe", text: "members of the owning team may no longer run it" });
  const ba = b.approve === undefined ? undefined : obj(b.approve);
  const ha = h.approve === undefined ? undefined : obj(h.approve);
  if (ba && !ha) parts.push({ cls: "risky", text: "approvers no longer declared: Port's own approve settings apply" });
  if (ba && ha) {
    for (const field of ["teams", "users", "roles"]) {
      const removed = minus(strings(ba[field]), strings(ha[field]));
      const added = minus(strings(ha[field]), strings(ba[field]));
      if (removed.length > 0) parts.push({ cls: "risky", text: `approver ${field} removed: ${names(removed)} (fewer people can approve)` });
      if (added.length > 0) parts.push({ cls: "safe", text: `approver ${field} added: ${names(added)}` });
    }
    if (ba.policy !== undefined && ha.policy === undefined) parts.push({ cls: "risky", text: "approval policy removed: the requester may approve their own run" });
    else if (!deepEqual(ba.policy, ha.policy)) parts.push({ cls: "risky", text: "approval policy changed (who may approve is decided there)" });
  }
  if (!ba && ha) parts.push({ cls: "safe", text: `approvers declared: teams ${names(strings(ha.teams)) || "none"}, users ${names(strings(ha.users)) || "none"}` });
  if (parts.length === 0) parts.push({ cls: "safe", text: "changed" });
  const cls: ChangeClass = parts.some((p) => p.cls === "risky") ? "risky" : "safe";
  return [{ class: cls, kind: "permissions", object: action, change: "changed", detail: parts.map((p) => p.text).join("; ") }];
}

function scorecardChanges(id: string, before: JsonObject, after: JsonObject): Change[] {
  const b = canonicalScorecard(before);
  const h = canonicalScorecard(after);
  if (deepEqual(b, h)) return [];
  const rules = (s: JsonObject) => new Map((Array.isArray(s.rules) ? s.rules : []).map((r) => [String(obj(r).identifier), obj(r)]));
  const br = rules(b);
  const hr = rules(h);
  const d = keys(br, hr);
  const parts: string[] = [];
  if (d.removed.length > 0) parts.push(`rules removed: ${names(d.removed)}`);
  if (d.added.length > 0) parts.push(`rules added: ${names(d.added)}`);
  const changed = d.common.filter((k) => !deepEqual(br.get(k), hr.get(k)));
  if (changed.length > 0) parts.push(`rules changed: ${names(changed)}`);
  const levels = (s: JsonObject) => (Array.isArray(s.levels) ? s.levels.map((l) => String(obj(l).title)) : []);
  if (!deepEqual(levels(b), levels(h))) parts.push(`levels ${levels(b).join(" → ")} ⇒ ${levels(h).join(" → ")}`);
  for (const k of ["title", "filter"]) if (!deepEqual(b[k], h[k])) parts.push(`${k} changed`);
  // Entities are re-scored from the new rules: nothing stored is lost.
  return [{ class: "safe", kind: "scorecard", object: id, change: "changed", detail: parts.join("; ") || "changed" }];
}

export function compareGovernance(base: GovernanceSnapshot, head: GovernanceSnapshot, out: Change[]): void {
  const teams = keys(base.teams, head.teams);
  for (const k of teams.removed) out.push({ class: "destructive", kind: "team", object: k, change: "removed", detail: "deleted from Port with its membership; entities it owns lose their owner and permissions naming it stop applying" });
  for (const k of teams.added) out.push({ class: "safe", kind: "team", object: k, change: "added", detail: String(head.teams.get(k)?.description ?? "") });
  for (const k of teams.common) {
    const b = canonicalTeam(base.teams.get(k));
    const h = canonicalTeam(head.teams.get(k));
    if (!deepEqual(b, h)) out.push({ class: "safe", kind: "team", object: k, change: "changed", detail: `description: ${JSON.stringify(b.description ?? null)} → ${JSON.stringify(h.description ?? null)}` });
  }
  const perms = keys(base.actionPermissions, head.actionPermissions);
  for (const k of perms.removed) out.push({ class: "risky", kind: "permissions", object: k, change: "removed", detail: "no longer declared: whatever Port holds stays and is no longer corrected (approvers included)" });
  for (const k of perms.added) out.push({ class: "safe", kind: "permissions", object: k, change: "added", detail: "declared" });
  for (const k of perms.common) out.push(...permissionChanges(k, base.actionPermissions.get(k) ?? {}, head.actionPermissions.get(k) ?? {}));
  const cards = keys(base.scorecards, head.scorecards);
  for (const k of cards.removed) out.push({ class: "destructive", kind: "scorecard", object: k, change: "removed", detail: "deleted from Port with every entity's level and its history" });
  for (const k of cards.added) out.push({ class: "safe", kind: "scorecard", object: k, change: "added", detail: String(head.scorecards.get(k)?.title ?? "") });
  for (const k of cards.common) out.push(...scorecardChanges(k, base.scorecards.get(k) ?? {}, head.scorecards.get(k) ?? {}));
}
