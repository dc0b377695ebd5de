// Canonical forms of Port pages and sidebar folders, for the providers' diff and read and for the
// drift tool. Only the fields this stack manages are kept (Port's page objects carry more
// server-side state — ids, audit fields, sidebar bookkeeping — that nobody declares), and values
// Port fills in when they are absent (empty descriptions, empty filters and lists) are dropped on
// both sides, so an echo never shows as a change while a hand edit of a widget always does.
//
// Pure functions over JSON, no module-level state: inlined into the serialized dynamic providers.
import { JsonObject, JsonValue, sortKeys } from "./canonical";

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Empty string, list or object, or an empty rule group: what Port fills for "nothing". */
function isEmptyDefault(v: JsonValue): boolean {
  if (v === "" || (Array.isArray(v) && v.length === 0)) return true;
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  if (keys.length === 0) return true;
  // {combinator: "and", rules: []} filters nothing.
  return keys.every((k) => k === "combinator" || k === "rules") && Array.isArray(v.rules) && v.rules.length === 0 && (v.combinator === undefined || v.combinator === "and");
}

/**
 * String lists that are sets: which columns a table shows (`shown`; the display order is in
 * `order`) and which are hidden. Port may store them in another order; the order means nothing.
 */
const STRING_SETS = ["shown", "hidden", "hiddenBlueprints"];

/**
 * Column lists of a table view. A scorecard-level column (`scorecard#<id>`, pages/widgets.ts
 * scorecardColumn) is left out of them: Port does not document that key, so it may store, rewrite
 * or drop it, and comparing it could show a change on every preview. The pages change their
 * description with it, so declaring or removing the column still reaches Port.
 */
const COLUMN_LISTS = ["shown", "hidden", "order"];
const UNCOMPARED_COLUMN = /^scorecard#/;

/** Every element an object with a string `id`: a collection whose placement lives elsewhere (`layout`). */
function isIdCollection(list: JsonValue[]): list is JsonObject[] {
  return list.length > 1 && list.every((v) => isObject(v) && typeof v.id === "string");
}

/**
 * Recursively drop server fields and "nothing" defaults from widget JSON, and undo what Port's
 * normalization may do to it when storing a page: object keys reordered (sortKeys, in
 * canonicalPage), widgets of a dashboard reordered (they are placed by `layout`, which keeps its
 * order, so they are compared sorted by id) and string sets reordered. Every other array keeps its
 * order: layout rows and columns, column `order`, sort and rule lists are meaningful as written.
 */
function pruneWidget(value: JsonValue, key?: string): JsonValue | undefined {
  if (Array.isArray(value)) {
    const columns = key !== undefined && COLUMN_LISTS.includes(key) ? value.filter((v) => typeof v !== "string" || !UNCOMPARED_COLUMN.test(v)) : value;
    const list = columns.map((v) => pruneWidget(v) ?? null);
    if (key !== undefined && STRING_SETS.includes(key) && list.every((v) => typeof v === "string")) return [...(list as string[])].sort();
    if (isIdCollection(list)) return [...list].sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
    return list;
  }
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (["createdAt", "createdBy", "updatedAt", "updatedBy"].includes(k)) continue;
    // Judged before pruning too: pruning empties {combinator: "and", rules: []} to {combinator: "and"}.
    if (isEmptyDefault(v)) continue;
    const pruned = pruneWidget(v, k);
    if (pruned === undefined || pruned === null || isEmptyDefault(pruned)) continue;
    out[k] = pruned;
  }
  return out;
}

/** Keys of a page body this stack manages (the official provider's page inputs). */
const PAGE_KEYS = ["identifier", "type", "title", "icon", "description", "parent", "after", "blueprint", "locked", "widgets", "pageFilters"];

export function canonicalPage(input: unknown): JsonObject {
  const page = isObject(input) ? input : {};
  const out: JsonObject = {};
  for (const key of PAGE_KEYS) {
    const v = page[key];
    if (v === undefined || v === null) continue;
    if (key === "widgets" || key === "pageFilters") {
      const list = Array.isArray(v) ? (pruneWidget(v, key) as JsonValue[]) : [];
      if (list.length > 0) out[key] = list;
      continue;
    }
    if (key === "locked" && v === false) continue; // Port's default
    if (v === "") continue;
    out[key] = v;
  }
  return sortKeys(out) as JsonObject;
}

/** Keys of a sidebar folder this stack manages; `sidebar` is always "catalog". */
const FOLDER_KEYS = ["identifier", "title", "parent", "after"];

export function canonicalFolder(input: unknown): JsonObject {
  const folder = isObject(input) ? input : {};
  const out: JsonObject = {};
  for (const key of FOLDER_KEYS) {
    const v = folder[key];
    if (v !== undefined && v !== null && v !== "") out[key] = v;
  }
  return sortKeys(out) as JsonObject;
}
