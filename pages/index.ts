export type { JsonObject, JsonValue, PageDeclaration, PageType, PortFolderBody, PortPageBody } from "./declaration";
export { declarePages, FAILED_BUILD_STATUSES, PORTAL_PAGES, type PagesConfig } from "./portal-pages";
export { assertValidPages, PageReferenceError, validatePages } from "./validate";
export { describePages } from "./describe";
