// Every reference a page makes — page blueprint, widget blueprints, table columns, grouping,
// sorting, chart breakdowns, time axes, filter rules — checked against the catalog's blueprint
// bodies (what synth writes and the provider sends). A renamed or removed property fails here,
// at build time, instead of rendering an empty column in Port.
import type { Blueprint } from "../blueprints";
import type { JsonObject, JsonValue, PageDeclaration } from "./declaration";
import { SCORECARD_COLUMN_PREFIX } from "./widgets";

/** Fields every entity has, addressed with a `$` prefix. */
const META_FIELDS = ["$identifier", "$title", "$icon", "$blueprint", "$team", "$createdAt", "$updatedAt", "$createdBy", "$updatedBy"];
const META_TIMES = ["$createdAt", "$updatedAt"];
const WIDGET_TYPES = ["dashboard-widget", "table-entities-explorer", "entities-pie-chart", "entities-number-chart", "line-chart", "markdown"];
const BREAKDOWN_KINDS: Record<string, keyof Fields> = {
  property: "properties",
  "mirror-property": "mirrors",
  "calculation-property": "calculations",
  "aggregation-property": "aggregations",
};

interface Fields {
  properties: Map<string, { type?: unknown; format?: unknown }>;
  relations: Set<string>;
  mirrors: Set<string>;
  calculations: Set<string>;
  aggregations: Set<string>;
}

function keysOf(value: unknown): string[] {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
}

function fieldsOf(bp: Blueprint): Fields {
  const body = bp.body as unknown as Record<string, unknown>;
  const schema = (body.schema ?? {}) as { properties?: Record<string, { type?: unknown; format?: unknown }> };
  return {
    properties: new Map(Object.entries(schema.properties ?? {})),
    relations: new Set(keysOf(body.relations)),
    mirrors: new Set(keysOf(body.mirrorProperties)),
    calculations: new Set(keysOf(body.calculationProperties)),
    aggregations: new Set(Object.keys(bp.aggregations)),
  };
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

class Checker {
  readonly problems: string[] = [];
  private readonly catalog: Map<string, Fields>;

  constructor(blueprints: readonly Blueprint[], private readonly scorecards: readonly { readonly blueprint: string; readonly identifier: string }[] = []) {
    this.catalog = new Map(blueprints.map((b) => [b.identifier, fieldsOf(b)]));
  }

  /** A table column: any field, or a scorecard's level (`scorecard#<id>`) declared on that blueprint. */
  column(where: string, bpId: string, fields: Fields, name: string): void {
    if (!name.startsWith(SCORECARD_COLUMN_PREFIX)) return this.field(where, bpId, fields, name);
    const id = name.slice(SCORECARD_COLUMN_PREFIX.length);
    if (!this.scorecards.some((s) => s.blueprint === bpId && s.identifier === id)) this.fail(where, `scorecard "${id}" is not declared on blueprint "${bpId}"`);
  }

  private fail(where: string, message: string): void {
    this.problems.push(`${where}: ${message}`);
  }

  blueprint(where: string, id: JsonValue | undefined): Fields | undefined {
    if (typeof id !== "string") {
      this.fail(where, "has no blueprint");
      return undefined;
    }
    const fields = this.catalog.get(id);
    if (!fields) this.fail(where, `blueprint "${id}" is not in the catalog`);
    return fields;
  }

  /** Any field a column, group or rule may address: property, relation, mirror, calculation, aggregation or meta. */
  field(where: string, bpId: string, fields: Fields, name: string): void {
    if (META_FIELDS.includes(name)) return;
    if (fields.properties.has(name) || fields.relations.has(name) || fields.mirrors.has(name) || fields.calculations.has(name) || fields.aggregations.has(name)) return;
    this.fail(where, `"${name}" is not a property, relation, mirror, calculation or aggregation property of blueprint "${bpId}"`);
  }

  /** A date-time property (or $createdAt/$updatedAt) to measure time by. */
  time(where: string, bpId: string, fields: Fields, name: JsonValue | undefined): void {
    if (typeof name === "string" && META_TIMES.includes(name)) return;
    const prop = typeof name === "string" ? fields.properties.get(name) : undefined;
    if (!prop || prop.format !== "date-time") this.fail(where, `"${String(name)}" is not a date-time property of blueprint "${bpId}"`);
  }

  rules(where: string, bpId: string, fields: Fields, group: JsonValue | undefined): void {
    if (group === undefined) return;
    if (!isObject(group) || !Array.isArray(group.rules)) {
      this.fail(where, "is not a rule group {combinator, rules}");
      return;
    }
    group.rules.forEach((rule, i) => {
      const at = `${where}.rules[${i}]`;
      if (!isObject(rule)) return this.fail(at, "is not a rule");
      if (Array.isArray(rule.rules)) return this.rules(at, bpId, fields, rule);
      if (rule.operator === "relatedTo") {
        if (typeof rule.blueprint !== "string" || !this.catalog.has(rule.blueprint)) this.fail(at, `relatedTo blueprint "${String(rule.blueprint)}" is not in the catalog`);
        return;
      }
      if (typeof rule.property !== "string") return this.fail(at, "has no property");
      this.field(at, bpId, fields, rule.property);
    });
  }

  widget(where: string, widget: JsonValue, ids: Set<string>): void {
    if (!isObject(widget)) return this.fail(where, "is not an object");
    const id = widget.id;
    // Port fills a random id into a widget without one, which would show as a change forever.
    if (typeof id !== "string" || id === "") this.fail(where, "has no id");
    else if (ids.has(id)) this.fail(where, `widget id "${id}" is used twice on the page`);
    else ids.add(id);
    const at = `${where}(${String(id)})`;
    const type = widget.type;
    if (typeof type !== "string" || !WIDGET_TYPES.includes(type)) return this.fail(at, `widget type "${String(type)}" is not one this portal knows (${WIDGET_TYPES.join(", ")})`);
    if (type === "markdown") return;
    if (type === "dashboard-widget") return this.dashboard(at, widget, ids);

    const bpId = String(widget.blueprint);
    const fields = this.blueprint(at, widget.blueprint);
    if (!fields) return;
    this.rules(`${at}.dataset`, bpId, fields, widget.dataset);
    if (type === "table-entities-explorer") return this.table(at, widget);
    if (type === "entities-pie-chart") return this.breakdown(`${at}.property`, bpId, fields, widget.property);
    if (type === "entities-number-chart") {
      if (typeof widget.property === "string") this.field(`${at}.property`, bpId, fields, widget.property);
      if (widget.measureTimeBy !== undefined) this.time(`${at}.measureTimeBy`, bpId, fields, widget.measureTimeBy);
      return;
    }
    // line-chart
    this.time(`${at}.measureTimeBy`, bpId, fields, widget.measureTimeBy);
    for (const p of strings(widget.properties)) this.field(`${at}.properties`, bpId, fields, p.replace(/^properties\./, ""));
  }

  private breakdown(where: string, bpId: string, fields: Fields, value: JsonValue | undefined): void {
    const match = typeof value === "string" ? /^([a-z-]+)#(.+)$/.exec(value) : null;
    const kind = match ? BREAKDOWN_KINDS[match[1]] : undefined;
    if (!match || !kind) return this.fail(where, `"${String(value)}" is not "<property|mirror-property|calculation-property|aggregation-property>#<key>"`);
    const set = fields[kind];
    if (!set.has(match[2])) this.fail(where, `"${match[2]}" is not a ${match[1]} of blueprint "${bpId}"`);
  }

  private table(at: string, widget: JsonObject): void {
    const config = widget.blueprintConfig;
    if (config === undefined) return;
    if (!isObject(config)) return this.fail(`${at}.blueprintConfig`, "is not an object");
    for (const [bpId, view] of Object.entries(config)) {
      const where = `${at}.blueprintConfig.${bpId}`;
      const fields = this.blueprint(where, bpId);
      if (!fields || !isObject(view)) continue;
      const settings = (key: string): JsonObject => (isObject(view[key]) ? (view[key] as JsonObject) : {});
      for (const name of strings(settings("propertiesSettings").shown)) this.column(`${where}.shown`, bpId, fields, name);
      for (const name of strings(settings("propertiesSettings").order)) if (name !== "FROZEN_RIGHT_COLUMN") this.column(`${where}.order`, bpId, fields, name);
      for (const name of strings(settings("groupSettings").groupBy)) this.field(`${where}.groupBy`, bpId, fields, name);
      const sortBy = settings("sortSettings").sortBy;
      if (Array.isArray(sortBy)) for (const s of sortBy) if (isObject(s) && typeof s.property === "string") this.field(`${where}.sortBy`, bpId, fields, s.property);
      this.rules(`${where}.filterBy`, bpId, fields, settings("filterSettings").filterBy);
    }
  }

  private dashboard(at: string, widget: JsonObject, ids: Set<string>): void {
    const children = Array.isArray(widget.widgets) ? widget.widgets : [];
    children.forEach((child, i) => this.widget(`${at}.widgets[${i}]`, child, ids));
    const childIds = children.filter(isObject).map((c) => c.id);
    const placed = new Set<JsonValue>();
    const layout = Array.isArray(widget.layout) ? widget.layout : [];
    layout.forEach((row, r) => {
      const columns = isObject(row) && Array.isArray(row.columns) ? row.columns.filter(isObject) : [];
      const total = columns.reduce((sum, c) => sum + (typeof c.size === "number" ? c.size : 0), 0);
      if (total !== 12) this.fail(`${at}.layout[${r}]`, `column sizes add up to ${total}, not 12`);
      for (const c of columns) {
        if (!childIds.includes(c.id)) this.fail(`${at}.layout[${r}]`, `column "${String(c.id)}" is not a widget of the dashboard`);
        placed.add(c.id);
      }
    });
    for (const id of childIds) if (!placed.has(id)) this.fail(at, `widget "${String(id)}" has no place in the layout`);
  }
}

/** A scorecard the stack declares: a table may show its level as a column. */
export interface PageScorecard {
  readonly blueprint: string;
  readonly identifier: string;
}

/** Problems with the pages' references and sidebar placement; empty when all is well. */
export function validatePages(declarations: readonly PageDeclaration[], catalog: readonly Blueprint[], scorecards: readonly PageScorecard[] = []): string[] {
  const checker = new Checker(catalog, scorecards);
  const seen = new Set<string>();
  const folders = new Set(declarations.filter((d) => d.kind === "folder").map((d) => d.identifier));
  for (const decl of declarations) {
    const where = `${decl.kind} ${decl.identifier}`;
    if (decl.body.identifier !== decl.identifier) checker.problems.push(`${where}: body identifier "${decl.body.identifier}" differs`);
    if (seen.has(decl.identifier)) checker.problems.push(`${where}: identifier declared twice`);
    if (decl.body.parent !== undefined && !folders.has(decl.body.parent)) checker.problems.push(`${where}: parent folder "${decl.body.parent}" is not declared`);
    // `after` must point at an item declared earlier, so creation order can follow it.
    if (decl.body.after !== undefined && !seen.has(decl.body.after)) checker.problems.push(`${where}: after "${decl.body.after}" is not declared before it`);
    seen.add(decl.identifier);
    if (decl.kind === "folder") continue;
    if (decl.body.type === "blueprint-entities") checker.blueprint(where, decl.body.blueprint ?? null);
    const ids = new Set<string>();
    decl.body.widgets.forEach((w, i) => checker.widget(`${where} widgets[${i}]`, w, ids));
  }
  return checker.problems;
}

export class PageReferenceError extends Error {
  constructor(readonly problems: string[]) {
    super(`portal pages reference what the catalog does not declare:\n  - ${problems.join("\n  - ")}`);
    this.name = "PageReferenceError";
  }
}

export function assertValidPages(declarations: readonly PageDeclaration[], catalog: readonly Blueprint[], scorecards: readonly PageScorecard[] = []): void {
  const problems = validatePages(declarations, catalog, scorecards);
  if (problems.length > 0) throw new PageReferenceError(problems);
}
