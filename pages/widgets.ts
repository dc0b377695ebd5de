// Builders for the Port widget JSON this portal uses, shaped as Port's UI and Terraform
// examples write them (type identifiers from Port's "Data widgets" docs: table-entities-explorer,
// entities-pie-chart, entities-number-chart, line-chart). Pure functions, no I/O.
import type { JsonObject, JsonValue } from "./declaration";

/** One search rule (Port's search-and-query rules) or a nested group. */
export type Rule =
  | { readonly property: string; readonly operator: string; readonly value: JsonValue }
  | { readonly operator: "relatedTo"; readonly blueprint: string; readonly value: JsonValue }
  | RuleGroup;
export interface RuleGroup {
  readonly combinator: "and" | "or";
  readonly rules: readonly Rule[];
}

/** Port's date-range presets for the `between` operator. */
export type DatePreset = "today" | "yesterday" | "lastWeek" | "last2Weeks" | "lastMonth" | "last3Months" | "last6Months" | "last12Months";

export function all(...rules: Rule[]): RuleGroup {
  return { combinator: "and", rules };
}

export function any(...rules: Rule[]): RuleGroup {
  return { combinator: "or", rules };
}

export function equals(property: string, value: JsonValue): Rule {
  return { property, operator: "=", value };
}

export function within(property: string, preset: DatePreset): Rule {
  return { property, operator: "between", value: { preset } };
}

export function oneOf(property: string, values: readonly string[]): Rule {
  return { property, operator: "in", value: [...values] };
}

function json(value: unknown): JsonObject {
  // Rules and groups are plain data; a JSON round trip drops readonly-ness and undefined keys.
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

export interface TableOptions {
  readonly id: string;
  readonly title?: string;
  readonly blueprint: string;
  /** Columns shown, in order: property, relation, mirror/aggregation keys or meta fields ($title…). */
  readonly columns: readonly string[];
  readonly groupBy?: readonly string[];
  readonly sortBy?: readonly { readonly property: string; readonly order: "asc" | "desc" }[];
  /** Entities the table loads at all (Port's "initial filters"). */
  readonly dataset?: RuleGroup;
}

/**
 * The table column showing an entity's level in a scorecard. Port's catalog tables show one per
 * scorecard, but the key a saved view uses for it is not documented (the OpenAPI types `shown` and
 * `order` as plain strings); this is the `<kind>#<identifier>` form Port uses for non-property
 * fields of a widget (`mirror-property#…`, and `scorecard#…` in public page configs). The page's
 * canonical form does not compare it (infra/port/canonical-page.ts).
 */
export function scorecardColumn(scorecard: string): string {
  return `${SCORECARD_COLUMN_PREFIX}${scorecard}`;
}
export const SCORECARD_COLUMN_PREFIX = "scorecard#";

/** A table of one blueprint's entities, with its columns, grouping and sort saved in the view. */
export function table(opts: TableOptions): JsonObject {
  return json({
    id: opts.id,
    type: "table-entities-explorer",
    ...(opts.title ? { title: opts.title } : {}),
    blueprint: opts.blueprint,
    dataset: opts.dataset ?? all(),
    blueprintConfig: {
      [opts.blueprint]: {
        propertiesSettings: { shown: [...opts.columns], order: [...opts.columns] },
        ...(opts.groupBy?.length ? { groupSettings: { groupBy: [...opts.groupBy] } } : {}),
        ...(opts.sortBy?.length ? { sortSettings: { sortBy: opts.sortBy.map((s) => ({ property: s.property, order: s.order })) } } : {}),
      },
    },
  });
}

/** Which kind of blueprint field a pie/bar chart breaks down by (Port prefixes the key with it). */
export type BreakdownKind = "property" | "mirror-property" | "calculation-property" | "aggregation-property";

export function pieChart(opts: { id: string; title: string; icon?: string; description?: string; blueprint: string; breakdown: string; breakdownKind?: BreakdownKind; dataset?: RuleGroup }): JsonObject {
  return json({
    id: opts.id,
    type: "entities-pie-chart",
    title: opts.title,
    icon: opts.icon ?? "Pie",
    ...(opts.description ? { description: opts.description } : {}),
    blueprint: opts.blueprint,
    property: `${opts.breakdownKind ?? "property"}#${opts.breakdown}`,
    dataset: opts.dataset ?? all(),
  });
}

/** A number chart counting the entities that match `dataset`. */
export function countChart(opts: { id: string; title: string; icon?: string; description?: string; blueprint: string; unit: string; dataset?: RuleGroup }): JsonObject {
  return json({
    id: opts.id,
    type: "entities-number-chart",
    title: opts.title,
    icon: opts.icon ?? "Metric",
    ...(opts.description ? { description: opts.description } : {}),
    blueprint: opts.blueprint,
    chartType: "countEntities",
    calculationBy: "entities",
    func: "count",
    unit: "custom",
    unitCustom: opts.unit,
    dataset: opts.dataset ?? all(),
  });
}

/** A line chart counting entities per time interval, time taken from a date-time property. */
export function countLineChart(opts: {
  id: string;
  title: string;
  icon?: string;
  description?: string;
  blueprint: string;
  measureTimeBy: string;
  timeInterval: "hour" | "day" | "week" | "month";
  timeRange: DatePreset;
  yAxisTitle: string;
  dataset?: RuleGroup;
}): JsonObject {
  return json({
    id: opts.id,
    type: "line-chart",
    title: opts.title,
    icon: opts.icon ?? "LineChart",
    ...(opts.description ? { description: opts.description } : {}),
    blueprint: opts.blueprint,
    chartType: "countEntities",
    func: "count",
    measureTimeBy: opts.measureTimeBy,
    timeInterval: opts.timeInterval,
    timeRange: { preset: opts.timeRange },
    xAxisTitle: "Date",
    yAxisTitle: opts.yAxisTitle,
    dataset: opts.dataset ?? all(),
  });
}

export function markdown(opts: { id: string; title: string; markdown: string; icon?: string }): JsonObject {
  return json({ id: opts.id, type: "markdown", title: opts.title, icon: opts.icon ?? "BlankPage", markdown: opts.markdown });
}

/** The single container widget of a dashboard page: rows of widgets, column sizes summing to 12. */
export function dashboard(id: string, rows: readonly { height: number; widgets: readonly { widget: JsonObject; size: number }[] }[]): JsonObject {
  return json({
    id,
    type: "dashboard-widget",
    layout: rows.map((row) => ({ height: row.height, columns: row.widgets.map((w) => ({ id: w.widget.id, size: w.size })) })),
    widgets: rows.flatMap((row) => row.widgets.map((w) => w.widget)),
  });
}
