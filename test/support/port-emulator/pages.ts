// Portal pages (/v1/pages) and catalog sidebar folders (/v1/sidebars/catalog/folders), with the
// bodies TF's page/folder resources send. Only GET/DELETE pages are in apispec.json ("beta, lacks
// certain validations"); POST/PUT pages and the folder routes are those TF uses. Widgets are
// stored as given, but must be objects (the provider's JSON strings are decoded client-side).
// Page POST/PUT and folder POST answer `{ok, identifier}` without the object, as Port does today
// (its Terraform provider reads the object back with a GET after each of them).
import { z } from "zod";
import { PortError, blueprintNotFound, invalid, notFound, ok } from "./envelope";
import { PortRouter } from "./router";
import { Folder, JsonObject, Meta, Page, PortState, clone } from "./state";
import { BLUEPRINT_ID, jsonObject, parseBody } from "./validation";

export const PAGE_TYPES = ["blueprint-entities", "dashboard", "home", "entity"] as const;
const SIDEBAR = "catalog";
const SERVER_FIELDS = ["id", "createdAt", "createdBy", "updatedAt", "updatedBy"];

const pageBody = z.looseObject({
  identifier: z.string().max(100).regex(BLUEPRINT_ID),
  type: z.enum(PAGE_TYPES),
  title: z.string().optional(),
  icon: z.string().optional(),
  description: z.string().optional(),
  parent: z.string().optional(),
  after: z.string().optional(),
  blueprint: z.string().optional(),
  locked: z.boolean().optional(),
  widgets: z.array(jsonObject).optional(),
  pageFilters: z.array(jsonObject).optional(),
});

const folderBody = z.looseObject({
  identifier: z.string().max(100).regex(BLUEPRINT_ID),
  sidebar: z.literal(SIDEBAR).optional(),
  title: z.string().optional(),
  after: z.string().optional(),
  parent: z.string().optional(),
});
const folderPatch = z.looseObject({
  identifier: z.string().optional(),
  sidebar: z.literal(SIDEBAR).optional(),
  title: z.string().optional(),
  after: z.string().optional(),
  parent: z.string().optional(),
});

/**
 * What Port's own normalization may do to widget JSON when it stores a page (its Terraform
 * provider had to normalize for it): object keys in another order, a dashboard's widgets and
 * string sets (`shown`, `hidden`, `hiddenBlueprints`) in another order. Which arrays Port really
 * reorders is not documented; this does it to every id-keyed list and those sets, the most it
 * plausibly does, while lists whose order means something (layout, `order`, sort rules) stay.
 */
export function normalizeWidgets(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const list = value.map((v) => normalizeWidgets(v));
    // Pessimistic about the scorecard-level column, whose key Port does not document: dropped.
    if (key !== undefined && ["shown", "order"].includes(key)) {
      const kept = list.filter((v) => typeof v !== "string" || !v.startsWith("scorecard#"));
      return key === "shown" ? [...kept].sort().reverse() : kept;
    }
    if (key !== undefined && ["hidden", "hiddenBlueprints"].includes(key)) return [...list].sort().reverse();
    const idKeyed = list.length > 1 && list.every((v) => v !== null && typeof v === "object" && typeof (v as JsonObject).id === "string");
    return idKeyed ? [...list].reverse() : list;
  }
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as JsonObject).reverse().map(([k, v]) => [k, normalizeWidgets(v, k)]));
}

function stored(state: PortState, body: JsonObject): JsonObject {
  if (!state.normalizePages) return body;
  const out = { ...body };
  for (const key of ["widgets", "pageFilters"]) if (Array.isArray(out[key])) out[key] = normalizeWidgets(out[key], key);
  return out;
}

export function getPage(state: PortState, identifier: string): Page {
  const page = state.pages.get(identifier);
  if (!page) throw notFound(`Page with identifier "${identifier}" was not found`);
  return page;
}

export function createPage(state: PortState, body: unknown): Page {
  const parsed = parseBody(pageBody, body);
  if (state.pages.has(parsed.identifier) || state.folders.has(parsed.identifier)) {
    throw new PortError(409, "identifier_taken", `A page or folder with identifier "${parsed.identifier}" already exists`);
  }
  checkPlacement(state, parsed);
  const page = { ...stored(state, withoutServerFields(parsed)), ...state.meta() } as Page;
  state.pages.set(page.identifier, page);
  return page;
}

export function replacePage(state: PortState, identifier: string, body: unknown): Page {
  const previous = getPage(state, identifier);
  const parsed = parseBody(pageBody.extend({ identifier: pageBody.shape.identifier.optional() }), body);
  if (parsed.identifier !== undefined && parsed.identifier !== identifier) {
    throw invalid(`body/identifier "${parsed.identifier}" does not match the page "${identifier}" in the path`);
  }
  checkPlacement(state, { ...parsed, identifier });
  const page = state.touched<Page>(previous, { ...stored(state, withoutServerFields(parsed)), identifier } as Omit<Page, keyof Meta>);
  state.pages.set(identifier, page);
  return page;
}

function checkPlacement(state: PortState, item: { identifier: string; type?: string; blueprint?: string; parent?: string; after?: string }): void {
  if (item.type === "blueprint-entities" && !item.blueprint) throw invalid(`A page of type "blueprint-entities" needs a blueprint`);
  if (item.blueprint !== undefined && !state.blueprints.has(item.blueprint)) throw blueprintNotFound(item.blueprint);
  if (item.parent !== undefined && !state.folders.has(item.parent)) throw notFound(`Folder with identifier "${item.parent}" was not found`);
  if (item.after !== undefined && item.after !== item.identifier && !state.pages.has(item.after) && !state.folders.has(item.after)) {
    throw notFound(`Sidebar item with identifier "${item.after}" was not found`);
  }
}

function withoutServerFields(body: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(clone(body)).filter(([k]) => !SERVER_FIELDS.includes(k)));
}

function sidebarParam(sidebar: string): void {
  if (sidebar !== SIDEBAR) throw notFound(`Sidebar with identifier "${sidebar}" was not found`);
}

function getFolder(state: PortState, identifier: string): Folder {
  const folder = state.folders.get(identifier);
  if (!folder) throw notFound(`Folder with identifier "${identifier}" was not found`);
  return folder;
}

export function registerPageRoutes(router: PortRouter, state: PortState): void {
  router.authed("POST", "/v1/pages", (req) => ok(201, { identifier: createPage(state, req.body).identifier }));
  router.authed("GET", "/v1/pages", () => ok(200, { pages: [...state.pages.values()].map(clone) }));
  router.authed("GET", "/v1/pages/:id", (req) => ok(200, { page: clone(getPage(state, req.params.id)) }));
  router.authed("PUT", "/v1/pages/:id", (req) => ok(200, { identifier: replacePage(state, req.params.id, req.body).identifier }));
  router.authed("DELETE", "/v1/pages/:id", (req) => {
    getPage(state, req.params.id);
    state.pages.delete(req.params.id);
    return ok(200);
  });

  router.authed("GET", "/v1/sidebars/:sidebar", (req) => {
    sidebarParam(req.params.sidebar);
    const items = [
      ...[...state.folders.values()].map((f) => ({ ...clone(f), sidebarType: "folder" })),
      ...[...state.pages.values()].map((p) => ({
        identifier: p.identifier,
        title: p.title,
        sidebar: SIDEBAR,
        ...(p.parent !== undefined && { parent: p.parent }),
        ...(p.after !== undefined && { after: p.after }),
        sidebarType: "page",
        createdAt: p.createdAt,
        createdBy: p.createdBy,
        updatedAt: p.updatedAt,
        updatedBy: p.updatedBy,
      })),
    ];
    return ok(200, { sidebar: { identifier: SIDEBAR, items } });
  });
  router.authed("POST", "/v1/sidebars/:sidebar/folders", (req) => {
    sidebarParam(req.params.sidebar);
    const parsed = parseBody(folderBody, req.body);
    if (state.folders.has(parsed.identifier) || state.pages.has(parsed.identifier)) {
      throw new PortError(409, "identifier_taken", `A page or folder with identifier "${parsed.identifier}" already exists`);
    }
    checkPlacement(state, parsed);
    const folder: Folder = {
      identifier: parsed.identifier,
      sidebar: SIDEBAR,
      ...(parsed.title !== undefined && { title: parsed.title }),
      ...(parsed.after !== undefined && { after: parsed.after }),
      ...(parsed.parent !== undefined && { parent: parsed.parent }),
      ...state.meta(),
    };
    state.folders.set(folder.identifier, folder);
    return ok(201, { identifier: folder.identifier });
  });
  router.authed("PATCH", "/v1/sidebars/:sidebar/folders/:id", (req) => {
    sidebarParam(req.params.sidebar);
    const previous = getFolder(state, req.params.id);
    const parsed = parseBody(folderPatch, req.body);
    if (parsed.identifier !== undefined && parsed.identifier !== req.params.id) {
      throw invalid(`body/identifier "${parsed.identifier}" does not match the folder "${req.params.id}" in the path`);
    }
    const next: Folder = {
      ...previous,
      ...(parsed.title !== undefined && { title: parsed.title }),
      ...(parsed.after !== undefined && { after: parsed.after }),
      ...(parsed.parent !== undefined && { parent: parsed.parent }),
      updatedAt: new Date().toISOString(),
      updatedBy: state.actor,
    };
    if (next.parent === next.identifier) throw invalid(`Folder "${next.identifier}" cannot be its own parent`);
    checkPlacement(state, next);
    state.folders.set(next.identifier, next);
    return ok(200, { folder: clone(next) });
  });
  router.authed("DELETE", "/v1/sidebars/:sidebar/folders/:id", (req) => {
    sidebarParam(req.params.sidebar);
    getFolder(state, req.params.id);
    const children = [...state.pages.values(), ...state.folders.values()].filter((i) => i.parent === req.params.id).map((i) => i.identifier);
    if (children.length > 0) {
      throw new PortError(422, "has_dependents", `Folder "${req.params.id}" still holds ${children.join(", ")} (has_dependents)`);
    }
    state.folders.delete(req.params.id);
    return ok(200);
  });
}
