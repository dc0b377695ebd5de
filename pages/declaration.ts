// What the stack declares for Port's sidebar: pages and the folder they live in, each as the
// exact JSON body Port receives (POST/PUT /v1/pages, POST/PATCH /v1/sidebars/catalog/folders).
// Widgets are JSON objects here; the official provider carries them as JSON strings, but Port's
// API takes objects.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Page types Port knows ("home" and "entity" pages exist per org/blueprint and are not declared here). */
export type PageType = "blueprint-entities" | "dashboard";

/** Body of POST/PUT /v1/pages, as the official provider sends it. */
export interface PortPageBody {
  identifier: string;
  type: PageType;
  title: string;
  icon?: string;
  description?: string;
  /** Folder the page sits in. */
  parent?: string;
  /** Sidebar item this page follows; absent for the first item of its folder. */
  after?: string;
  /** The blueprint of a "blueprint-entities" page. */
  blueprint?: string;
  locked?: boolean;
  widgets: JsonObject[];
}

/** Body of POST /v1/sidebars/catalog/folders. */
export interface PortFolderBody {
  identifier: string;
  title: string;
  parent?: string;
  after?: string;
}

export type PageDeclaration =
  | { readonly kind: "folder"; readonly identifier: string; readonly body: PortFolderBody }
  | { readonly kind: "page"; readonly identifier: string; readonly body: PortPageBody };
