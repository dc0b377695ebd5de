// Port's search query language, evaluated over stored entities: rule groups
// `{combinator, rules}` of property rules (`$identifier`, `$title`, `$blueprint`, `$team`, meta
// dates or a property), relation rules and nested groups. Operators outside the common set answer
// 501 so a test never silently gets a wrong match.
import { z } from "zod";
import { PortError, invalid } from "./envelope";
import { Entity } from "./state";

export const searchQuery = z.looseObject({ combinator: z.enum(["and", "or"]), rules: z.array(z.record(z.string(), z.unknown())) });
export type SearchQuery = z.infer<typeof searchQuery>;

export function matches(entity: Entity, query: SearchQuery): boolean {
  const results = query.rules.map((rule) => matchRule(entity, rule));
  if (results.length === 0) return true;
  return query.combinator === "and" ? results.every(Boolean) : results.some(Boolean);
}

function matchRule(entity: Entity, rule: Record<string, unknown>): boolean {
  if ("combinator" in rule && Array.isArray(rule.rules)) {
    return matches(entity, searchQuery.parse(rule));
  }
  const operator = String(rule.operator);
  let actual: unknown;
  if (typeof rule.relation === "string") {
    actual = entity.relations[rule.relation] ?? null;
    if (rule.targetProperty !== undefined && rule.targetProperty !== "$identifier") {
      throw notEmulated(`relation rules on targetProperty ${String(rule.targetProperty)}`);
    }
  } else if (typeof rule.property === "string") {
    actual = field(entity, rule.property);
  } else {
    throw invalid(`Search rule ${JSON.stringify(rule)} has neither "property" nor "relation"`);
  }
  return compare(operator, actual, rule.value);
}

function field(entity: Entity, property: string): unknown {
  switch (property) {
    case "$identifier":
      return entity.identifier;
    case "$title":
      return entity.title;
    case "$blueprint":
      return entity.blueprint;
    case "$team":
      return entity.team;
    case "$createdAt":
      return entity.createdAt;
    case "$updatedAt":
      return entity.updatedAt;
    default:
      return entity.properties[property] ?? null;
  }
}

function compare(operator: string, actual: unknown, value: unknown): boolean {
  const list = Array.isArray(actual) ? actual : [actual];
  const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  switch (operator) {
    case "=":
      return Array.isArray(actual) ? list.includes(value) : actual === value;
    case "!=":
      return Array.isArray(actual) ? !list.includes(value) : actual !== value;
    case "in":
      return asArray(value).some((v) => list.includes(v));
    case "notIn":
      return !asArray(value).some((v) => list.includes(v));
    case "containsAny":
      return asArray(value).some((v) => list.some((a) => str(a).includes(str(v))));
    case "contains":
      return list.some((a) => str(a).includes(str(value)));
    case "doesNotContains":
      return !list.some((a) => str(a).includes(str(value)));
    case "beginsWith":
      return str(actual).startsWith(str(value));
    case "doesNotBeginsWith":
      return !str(actual).startsWith(str(value));
    case "endsWith":
      return str(actual).endsWith(str(value));
    case "doesNotEndsWith":
      return !str(actual).endsWith(str(value));
    case "isEmpty":
      return actual === null || actual === undefined || actual === "" || (Array.isArray(actual) && actual.length === 0);
    case "isNotEmpty":
      return !compare("isEmpty", actual, value);
    case ">":
    case ">=":
    case "<":
    case "<=": {
      if (actual === null || actual === undefined) return false;
      const [a, b] = typeof value === "number" ? [Number(actual), value] : [Date.parse(String(actual)), Date.parse(String(value))];
      return operator === ">" ? a > b : operator === ">=" ? a >= b : operator === "<" ? a < b : a <= b;
    }
    default:
      throw notEmulated(`the "${operator}" operator`);
  }
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw invalid(`The value of an "in"/"notIn"/"containsAny" rule must be an array`);
  return value;
}

export function notEmulated(what: string): PortError {
  return new PortError(501, "not_emulated", `The Port emulator does not implement ${what}`);
}

/** Apply `include` / `exclude` (meta fields prefixed with `$`, others are properties/relations). */
export function project(entity: Record<string, unknown>, include?: string[], exclude?: string[]): Record<string, unknown> {
  if (!include?.length && !exclude?.length) return entity;
  const out: Record<string, unknown> = {};
  const props = entity.properties as Record<string, unknown>;
  const rels = entity.relations as Record<string, unknown>;
  const keep = (name: string) => (!include?.length || include.includes(name)) && !exclude?.includes(name);
  for (const [k, v] of Object.entries(entity)) {
    if (k === "properties" || k === "relations") continue;
    if (keep(`$${k}`)) out[k] = v;
  }
  const p = Object.fromEntries(Object.entries(props).filter(([k]) => keep(k)));
  const r = Object.fromEntries(Object.entries(rels).filter(([k]) => keep(k)));
  if (Object.keys(p).length > 0 || !include?.length) out.properties = p;
  if (Object.keys(r).length > 0 || !include?.length) out.relations = r;
  return out;
}
