// The Port REST client shared by the resource providers (deploy time), the agent (run time) and
// the drift tool: one place that knows Port's routes, envelopes, auth and pacing. Callers never
// build URLs.
//
// Serialization note: the Pulumi dynamic provider inlines this module into state. It therefore
// keeps no module-level schemas or caches (zod schemas are built inside functions) and reads no
// environment at import time.
import { z } from "zod";
import { HttpClient, HttpClientOptions, HttpError, HttpResponse } from "./http";

export type PortRegion = "eu" | "us";

/** Port's API hosts per region (DESIGN.md §7; api.getport.io is the legacy EU alias). */
export const PORT_API_URLS: Readonly<Record<PortRegion, string>> = {
  eu: "https://api.port.io",
  us: "https://api.us.port.io",
};

/** Port allows at most this many entities in one bulk request. */
export const PORT_BULK_LIMIT = 20;
/** Port allows at most this many identifiers in one bulk delete. */
export const PORT_BULK_DELETE_LIMIT = 100;
/** Port's largest search page. */
export const PORT_SEARCH_PAGE = 1000;

export interface PortCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface PortClientOptions extends HttpClientOptions {
  /** API base URL without /v1, e.g. https://api.port.io. */
  readonly baseUrl: string;
  readonly credentials: PortCredentials | (() => Promise<PortCredentials>);
  /** Told every access token as it is issued (the agent redacts it from any relayed text). */
  readonly onToken?: (token: string) => void;
}

/** A Port answer that is not a success, with Port's own error code and message. */
export class PortApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly portMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Port ${method} ${path} failed: HTTP ${status}${code ? ` ${code}` : ""}: ${portMessage}`);
    this.name = "PortApiError";
  }
}

export type RunStatus = "SUCCESS" | "FAILURE";

export interface RunPatch {
  readonly status?: RunStatus;
  readonly statusLabel?: string;
  readonly link?: string | string[];
  readonly summary?: string;
  readonly externalRunId?: string;
}

export type Json = Record<string, unknown>;

export interface SearchRule {
  readonly property: string;
  readonly operator: string;
  readonly value: unknown;
}

export interface BulkResult {
  readonly created: string[];
  readonly errors: { identifier: string; status: number; message: string }[];
}

export class PortClient {
  private readonly http: HttpClient;
  private token?: { value: string; expiresAt: number };
  private tokenRequest?: Promise<string>;
  /** Answer schemas by envelope key, built once per client (a zod schema per call cost ~3% of the agent's CPU). */
  private readonly fieldSchemas: Map<string, z.ZodType<Record<string, Json>>>;

  constructor(private readonly options: PortClientOptions) {
    this.http = new HttpClient(options);
    // Set here, not as a field initializer: Pulumi's closure serializer drops those (serialized providers).
    this.fieldSchemas = new Map();
  }

  /** Number of access tokens fetched so far (tests assert caching). */
  tokensFetched = 0;

  // ---- blueprints -------------------------------------------------------------------------

  getBlueprint(identifier: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/v1/blueprints/${enc(identifier)}`, "blueprint");
  }

  /** Without Port's automatic catalog page (its default): the stack declares its own pages. */
  async createBlueprint(body: Json): Promise<Json> {
    return this.field(await this.call("POST", "/v1/blueprints", body, { create_catalog_page: "false" }), "blueprint");
  }

  async replaceBlueprint(identifier: string, body: Json): Promise<Json> {
    return this.field(await this.call("PUT", `/v1/blueprints/${enc(identifier)}`, body), "blueprint");
  }

  async deleteBlueprint(identifier: string): Promise<void> {
    await this.deleteTolerant(`/v1/blueprints/${enc(identifier)}`);
  }

  /** Number of entities a blueprint holds; undefined when the blueprint does not exist. */
  async countEntities(blueprint: string): Promise<number | undefined> {
    try {
      const body = await this.call("GET", `/v1/blueprints/${enc(blueprint)}/entities-count`);
      const parsed = z.object({ count: z.number().int().nonnegative() }).safeParse(body);
      if (!parsed.success) throw new PortApiError(200, "unexpected_response", `response has no "count"`, "GET", "entities-count");
      return parsed.data.count;
    } catch (err) {
      if (err instanceof PortApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Start deleting every entity of a blueprint. Port runs it as a migration; its 200 answer is
   * declared as `{ok}` only, so callers wait with countEntities rather than on a migration id.
   */
  async deleteAllEntities(blueprint: string): Promise<void> {
    await this.call("DELETE", `/v1/blueprints/${enc(blueprint)}/all-entities`);
  }

  async listBlueprints(): Promise<Json[]> {
    return this.list(await this.call("GET", "/v1/blueprints"), "blueprints");
  }

  // ---- actions (v2 API; the blueprint-scoped routes are deprecated) ----------------------

  getAction(identifier: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/v1/actions/${enc(identifier)}`, "action");
  }

  async createAction(body: Json): Promise<Json> {
    return this.field(await this.call("POST", "/v1/actions", body), "action");
  }

  async replaceAction(identifier: string, body: Json): Promise<Json> {
    return this.field(await this.call("PUT", `/v1/actions/${enc(identifier)}`, body), "action");
  }

  async deleteAction(identifier: string): Promise<void> {
    await this.deleteTolerant(`/v1/actions/${enc(identifier)}`);
  }

  async listActions(): Promise<Json[]> {
    return this.list(await this.call("GET", "/v1/actions"), "actions");
  }

  // ---- entities ---------------------------------------------------------------------------

  getEntity(blueprint: string, identifier: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/v1/blueprints/${enc(blueprint)}/entities/${enc(identifier)}`, "entity", {
      exclude_calculated_properties: "true",
    });
  }

  /** Create or update one entity; `merge` keeps properties the body does not name. */
  async upsertEntity(blueprint: string, body: Json, opts: { merge?: boolean; runId?: string } = {}): Promise<Json> {
    const query: Record<string, string> = { upsert: "true", merge: String(opts.merge ?? false) };
    if (opts.runId) query.run_id = opts.runId;
    return this.field(await this.call("POST", `/v1/blueprints/${enc(blueprint)}/entities`, body, query), "entity");
  }

  async deleteEntity(blueprint: string, identifier: string, opts: { runId?: string } = {}): Promise<void> {
    const query: Record<string, string> = {};
    if (opts.runId) query.run_id = opts.runId;
    await this.deleteTolerant(`/v1/blueprints/${enc(blueprint)}/entities/${enc(identifier)}`, query);
  }

  /**
   * Upsert many entities, PORT_BULK_LIMIT per request; partial failures are returned, not thrown.
   * `merge` keeps properties and relations the bodies do not name (owned by someone else).
   */
  async bulkUpsertEntities(blueprint: string, entities: Json[], opts: { merge?: boolean } = {}): Promise<BulkResult> {
    const created: string[] = [];
    const errors: BulkResult["errors"] = [];
    for (let i = 0; i < entities.length; i += PORT_BULK_LIMIT) {
      const chunk = entities.slice(i, i + PORT_BULK_LIMIT);
      const body = await this.call("POST", `/v1/blueprints/${enc(blueprint)}/entities/bulk`, { entities: chunk }, { upsert: "true", merge: String(opts.merge ?? false) }, [200, 201, 207]);
      const parsed = bulkAnswer().parse(body);
      for (const e of parsed.entities ?? []) created.push(e.identifier);
      for (const e of parsed.errors ?? []) errors.push({ identifier: e.identifier, status: e.statusCode ?? 0, message: e.message ?? e.error ?? "rejected" });
    }
    return { created, errors };
  }

  /** Delete entities by identifier, PORT_BULK_DELETE_LIMIT per request; already-gone ones are fine. */
  async bulkDeleteEntities(blueprint: string, identifiers: string[]): Promise<void> {
    for (let i = 0; i < identifiers.length; i += PORT_BULK_DELETE_LIMIT) {
      const chunk = identifiers.slice(i, i + PORT_BULK_DELETE_LIMIT);
      await this.call("POST", `/v1/blueprints/${enc(blueprint)}/bulk/entities/delete`, { entities: chunk }, { delete_dependents: "false" }, [200, 201, 202, 207]);
    }
  }

  /** Every entity of a blueprint matching the rules, following search pages (≤1,000 per call). */
  async searchEntities(blueprint: string, rules: SearchRule[] = [], opts: { combinator?: "and" | "or"; include?: string[] } = {}): Promise<Json[]> {
    const out: Json[] = [];
    let from: string | undefined;
    do {
      const body: Json = { query: { combinator: opts.combinator ?? "and", rules }, limit: PORT_SEARCH_PAGE };
      if (opts.include) body.include = opts.include;
      if (from) body.from = from;
      const page = searchAnswer().parse(await this.call("POST", `/v1/blueprints/${enc(blueprint)}/entities/search`, body, { exclude_calculated_properties: "true" }));
      out.push(...page.entities);
      from = page.next ?? undefined;
    } while (from);
    return out;
  }

  // ---- action runs ------------------------------------------------------------------------

  getRun(runId: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/v1/actions/runs/${enc(runId)}`, "run", { version: "v2" });
  }

  async patchRun(runId: string, patch: RunPatch): Promise<void> {
    await this.call("PATCH", `/v1/actions/runs/${enc(runId)}`, patch);
  }

  async addRunLog(runId: string, message: string, opts: { terminationStatus?: RunStatus; statusLabel?: string } = {}): Promise<void> {
    await this.call("POST", `/v1/actions/runs/${enc(runId)}/logs`, { message, ...opts }, undefined, [200, 201]);
  }

  // ---- pages ------------------------------------------------------------------------------

  getPage(identifier: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/v1/pages/${enc(identifier)}`, "page");
  }

  /** The stored page, or undefined when Port answers `{ok, identifier}` only (read it back with getPage). */
  async createPage(body: Json): Promise<Json | undefined> {
    return this.fieldIfPresent(await this.call("POST", "/v1/pages", body), "page");
  }

  /** As createPage: Port may answer the identifier only. */
  async replacePage(identifier: string, body: Json): Promise<Json | undefined> {
    return this.fieldIfPresent(await this.call("PUT", `/v1/pages/${enc(identifier)}`, body), "page");
  }

  async deletePage(identifier: string): Promise<void> {
    await this.deleteTolerant(`/v1/pages/${enc(identifier)}`);
  }

  async listPages(): Promise<Json[]> {
    return this.list(await this.call("GET", "/v1/pages"), "pages");
  }

  // ---- catalog sidebar folders (routes as Port's Terraform provider uses them) -------------

  /** A folder of the catalog sidebar; Port has no GET per folder, so it is found in the sidebar. */
  async getFolder(identifier: string): Promise<Json | undefined> {
    const parsed = z
      .object({ sidebar: z.object({ items: z.array(z.object({ identifier: z.string(), sidebarType: z.string().optional() }).loose()) }) })
      .safeParse(await this.call("GET", "/v1/sidebars/catalog"));
    if (!parsed.success) throw new PortApiError(200, "unexpected_response", `response has no "sidebar.items" array`, "GET", "/v1/sidebars/catalog");
    const item = parsed.data.sidebar.items.find((i) => i.sidebarType === "folder" && i.identifier === identifier);
    if (!item) return undefined;
    const { sidebarType: _type, ...folder } = item;
    return folder as Json;
  }

  /** The stored folder, or undefined when Port answers `{ok, identifier}` only (read it back with getFolder). */
  async createFolder(body: Json): Promise<Json | undefined> {
    return this.fieldIfPresent(await this.call("POST", "/v1/sidebars/catalog/folders", body), "folder");
  }

  async updateFolder(identifier: string, body: Json): Promise<Json | undefined> {
    return this.fieldIfPresent(await this.call("PATCH", `/v1/sidebars/catalog/folders/${enc(identifier)}`, body), "folder");
  }

  async deleteFolder(identifier: string): Promise<void> {
    await this.deleteTolerant(`/v1/sidebars/catalog/folders/${enc(identifier)}`);
  }

  // ---- transport --------------------------------------------------------------------------

  /**
   * One authenticated call. Resolves with the parsed body of a success (2xx or `ok` statuses);
   * throws PortApiError otherwise. A 401 refreshes the token once and replays the call.
   */
  async call(method: string, path: string, body?: unknown, query?: Record<string, string>, ok: number[] = []): Promise<unknown> {
    const url = this.url(path, query);
    let res = await this.authorized(method, url, body, false);
    if (res.status === 401) res = await this.authorized(method, url, body, true);
    if ((res.status >= 200 && res.status < 300) || ok.includes(res.status)) return res.body;
    throw toPortError(res, method, path);
  }

  /**
   * Fetch the access token now (a Lambda's init phase) so that the first calls find it. A failure
   * is not remembered: the next call asks again.
   */
  async prepare(): Promise<void> {
    await this.accessToken(false);
  }

  private async authorized(method: string, url: string, body: unknown, refresh: boolean): Promise<HttpResponse> {
    const token = await this.accessToken(refresh);
    return this.http.send({ method, url, body, headers: { authorization: `Bearer ${token}` } });
  }

  /** Cached until shortly before expiry; concurrent callers share one token request. */
  private async accessToken(refresh: boolean): Promise<string> {
    if (refresh) this.token = undefined;
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.tokenRequest ??= this.fetchToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<string> {
    const creds = typeof this.options.credentials === "function" ? await this.options.credentials() : this.options.credentials;
    const res = await this.http.send({
      method: "POST",
      url: this.url("/v1/auth/access_token"),
      body: { clientId: creds.clientId, clientSecret: creds.clientSecret },
    });
    if (res.status !== 200) throw toPortError(res, "POST", "/v1/auth/access_token");
    const parsed = z.object({ accessToken: z.string().min(1), expiresIn: z.number().positive() }).safeParse(res.body);
    if (!parsed.success) throw new PortApiError(res.status, "bad_token_response", "token response lacks accessToken/expiresIn", "POST", "/v1/auth/access_token");
    this.tokensFetched++;
    this.options.onToken?.(parsed.data.accessToken);
    // Refresh a minute early so a token never expires between check and use.
    this.token = { value: parsed.data.accessToken, expiresAt: Date.now() + Math.max(parsed.data.expiresIn - 60, 1) * 1000 };
    return this.token.value;
  }

  private async getOrUndefined(path: string, key: string, query?: Record<string, string>): Promise<Json | undefined> {
    try {
      return this.field(await this.call("GET", path, undefined, query), key);
    } catch (err) {
      if (err instanceof PortApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** DELETE where "already gone" is success: deletes must converge, not fail on a retry. */
  private async deleteTolerant(path: string, query?: Record<string, string>): Promise<void> {
    try {
      await this.call("DELETE", path, undefined, query);
    } catch (err) {
      if (err instanceof PortApiError && err.status === 404) return;
      throw err;
    }
  }

  private field(body: unknown, key: string): Json {
    let schema = this.fieldSchemas.get(key);
    if (!schema) {
      schema = z.object({ [key]: z.record(z.string(), z.unknown()) }) as unknown as z.ZodType<Record<string, Json>>;
      this.fieldSchemas.set(key, schema);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new PortApiError(200, "unexpected_response", `response has no "${key}" object`, "-", key);
    return parsed.data[key] as Json;
  }

  /**
   * `key`'s object when the answer carries it; undefined for `{ok, identifier}` (the object was
   * stored, the caller reads it back). Anything else is an unexpected answer.
   */
  private fieldIfPresent(body: unknown, key: string): Json | undefined {
    const full = z.object({ [key]: z.record(z.string(), z.unknown()) }).safeParse(body);
    if (full.success) return full.data[key] as Json;
    if (z.object({ identifier: z.string() }).safeParse(body).success) return undefined;
    throw new PortApiError(200, "unexpected_response", `response has neither a "${key}" object nor an "identifier"`, "-", key);
  }

  private list(body: unknown, key: string): Json[] {
    const parsed = z.object({ [key]: z.array(z.record(z.string(), z.unknown())) }).safeParse(body);
    if (!parsed.success) throw new PortApiError(200, "unexpected_response", `response has no "${key}" array`, "-", key);
    return parsed.data[key] as Json[];
  }

  private url(path: string, query?: Record<string, string>): string {
    const base = this.options.baseUrl.replace(/\/+$/, "");
    const qs = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : "";
    return `${base}${path}${qs}`;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function toPortError(res: HttpResponse, method: string, path: string): PortApiError {
  const parsed = z.object({ error: z.string().optional(), message: z.string().optional() }).safeParse(res.body);
  const message = parsed.success ? parsed.data.message ?? parsed.data.error ?? "no message" : typeof res.body === "string" ? res.body.slice(0, 300) : "no message";
  return new PortApiError(res.status, parsed.success ? parsed.data.error : undefined, message, method, path);
}

function bulkAnswer() {
  return z.object({
    entities: z.array(z.object({ identifier: z.string() }).loose()).optional(),
    errors: z.array(z.object({ identifier: z.string(), statusCode: z.number().optional(), error: z.string().optional(), message: z.string().optional() }).loose()).optional(),
  });
}

function searchAnswer() {
  return z.object({ entities: z.array(z.record(z.string(), z.unknown())), next: z.string().nullish() });
}

export { HttpError };
