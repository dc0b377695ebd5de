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

/** Recursively drop server fields and "nothing" defaults from widget JSON; arrays keep their order. */
function pruneWidget(value: JsonValue): JsonValue | undefined {
  if (Array.isArray(value)) return value.map((v) => pruneWidget(v) ?? null);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (["createdAt", "createdBy", "updatedAt", "updatedBy"].includes(key)) continue;
    // Judged before pruning too: pruning empties {combinator: "and", rules: []} to {combinator: "and"}.
    if (isEmptyDefault(v)) continue;
    const pruned = pruneWidget(v);
    if (pruned === undefined || pruned === null || isEmptyDefault(pruned)) continue;
    out[key] = pruned;
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
      const list = Array.isArray(v) ? v.map((w) => pruneWidget(w) ?? {}) : [];
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
