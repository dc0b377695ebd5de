// The Codefresh REST client shared by the pipeline provider (deploy time), the agent (run time)
// and the drift tool. Plain fetch: the official SDK cannot be installed from the npm registry
// (git dependency), downloads the OpenAPI document on every cold start and cannot be bundled
// (reference/notes/codefresh.md §7).
//
// Serialization note: inlined into the dynamic provider's state, so no module-level schemas.
import { z } from "zod";
import { HttpClient, HttpClientOptions, HttpResponse } from "./http";

export const CODEFRESH_DEFAULT_URL = "https://g.codefresh.io";

/** Build statuses after which a build never changes again (`denied` = approval refused). */
export const CODEFRESH_TERMINAL_STATUSES = ["success", "error", "terminated", "denied"] as const;
export type CodefreshTerminalStatus = (typeof CODEFRESH_TERMINAL_STATUSES)[number];

export function isTerminalBuildStatus(status: string): status is CodefreshTerminalStatus {
  return (CODEFRESH_TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface CodefreshClientOptions extends HttpClientOptions {
  /** Web/API host without /api, e.g. https://g.codefresh.io. */
  readonly baseUrl?: string;
  readonly apiKey: string | (() => Promise<string>);
}

/** A Codefresh error answer, carrying Codefresh's own message for the Port run summary. */
export class CodefreshApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly errorName: string | undefined,
    readonly codefreshMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`Codefresh ${method} ${path} failed: HTTP ${status}${errorName ? ` ${errorName}` : ""}: ${codefreshMessage}`);
    this.name = "CodefreshApiError";
  }
}

export interface RunPipelineRequest {
  readonly variables: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly branch?: string;
}

export interface Build {
  readonly id: string;
  readonly status: string;
  readonly pipelineName?: string;
  readonly created?: string | null;
  readonly started?: string | null;
  readonly finished?: string | null;
}

/** Builds asked per page of GET /api/workflow (the server may answer fewer). */
export const WORKFLOW_PAGE = 100;
/** Pages of builds read in one listing at most: 20,000 builds, far beyond a reaper's window. */
const WORKFLOW_MAX_PAGES = 200;

export type Json = Record<string, unknown>;

export class CodefreshClient {
  private readonly http: HttpClient;
  private buildIdSchema?: z.ZodString;

  constructor(private readonly options: CodefreshClientOptions) {
    this.http = new HttpClient(options);
  }

  /** Resolve the API key now (a secret read, in a Lambda's init phase); a failure is not remembered. */
  async prepare(): Promise<void> {
    if (typeof this.options.apiKey === "function") await this.options.apiKey();
  }

  /** Web URL of a build, as shown to developers in Port. */
  buildUrl(buildId: string): string {
    return `${this.base()}/build/${encodeURIComponent(buildId)}`;
  }

  /**
   * Start a pipeline; resolves with the new build id. Never replayed once it may have reached
   * Codefresh: a duplicate build is worse than a reported failure (the caller's ledger decides).
   */
  async runPipeline(pipeline: string, req: RunPipelineRequest): Promise<string> {
    const body: Json = { variables: req.variables };
    if (req.annotations) body.annotations = req.annotations;
    if (req.branch) body.branch = req.branch;
    const res = await this.call("POST", `/api/pipelines/run/${encodeURIComponent(pipeline)}`, body, undefined, "unsent");
    // Built once per client, not per start (a zod schema's construction costs more than its parse).
    const id = (this.buildIdSchema ??= z.string().regex(/^[0-9a-f]{24}$/)).safeParse(res);
    if (!id.success) throw new CodefreshApiError(200, undefined, "UNEXPECTED_RESPONSE", `run answered ${JSON.stringify(res)?.slice(0, 120)} instead of a build id`, "POST", "/api/pipelines/run");
    return id.data;
  }

  /** A build by id; undefined when Codefresh does not know it (404). */
  async getBuild(buildId: string): Promise<Build | undefined> {
    try {
      // `noAccount` is required by Codefresh's API document; the CLI sends false.
      const body = await this.call("GET", `/api/builds/${encodeURIComponent(buildId)}`, undefined, { noAccount: "false" });
      return buildSchema().parse(body);
    } catch (err) {
      if (err instanceof CodefreshApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The build id of a build URL made by buildUrl() (a Port run's link); undefined for any other URL. */
  buildIdFromUrl(url: string): string | undefined {
    const prefix = `${this.base()}/build/`;
    if (!url.startsWith(prefix)) return undefined;
    // No decoding: a build id is 24 hex digits, and a malformed escape in a link must not throw.
    const id = url.slice(prefix.length).split(/[/?#]/)[0];
    return /^[0-9a-f]{24}$/.test(id) ? id : undefined;
  }

  /**
   * Every build of one pipeline created since `since` (epoch ms), through all pages of
   * GET /api/workflow. `startDate` goes as the CLI sends it, a date (YYYY-MM-DD), one day early so
   * no server time zone cuts the window; the exact bound is applied to `created`. Paging ends at
   * an empty page or one shorter than the longest seen (a server may cap `limit` below what was
   * asked), never at the first page; a build shifted onto a later page by a new one is kept once.
   */
  async listBuildsSince(query: { pipelineId: string; since: number; status?: string }): Promise<Build[]> {
    const startDate = new Date(query.since - 86_400_000).toISOString().slice(0, 10);
    const found = new Map<string, Build>();
    const pageSchema = z.object({ workflows: z.object({ docs: z.array(buildSchema()) }).loose() });
    let longest = 0;
    for (let page = 1; page <= WORKFLOW_MAX_PAGES; page++) {
      const q: Record<string, string> = { pipeline: query.pipelineId, startDate, limit: String(WORKFLOW_PAGE), page: String(page), paginationReset: String(page === 1) };
      if (query.status) q.status = query.status;
      const docs = pageSchema.parse(await this.call("GET", "/api/workflow", undefined, q)).workflows.docs;
      for (const b of docs) {
        const created = b.created ? Date.parse(b.created) : NaN;
        if (Number.isNaN(created) || created >= query.since) found.set(b.id, b);
      }
      longest = Math.max(longest, docs.length);
      if (docs.length === 0 || docs.length < longest) return [...found.values()];
    }
    throw new CodefreshApiError(200, undefined, "TOO_MANY_PAGES", `more than ${WORKFLOW_MAX_PAGES} pages of builds since ${startDate}`, "GET", "/api/workflow");
  }

  /** Annotations of one build, as key → value (the agent marks builds with its run id). */
  async buildAnnotations(buildId: string): Promise<Record<string, string>> {
    const body = await this.call("GET", "/api/annotations", undefined, { entityType: "workflow", entityId: buildId });
    const list = z.array(z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }).loose()).parse(body);
    return Object.fromEntries(list.map((a) => [a.key, String(a.value)]));
  }

  // ---- projects ---------------------------------------------------------------------------

  async getProjectByName(name: string): Promise<Json | undefined> {
    return this.getOrUndefined(`/api/projects/name/${encodeURIComponent(name)}`);
  }

  async createProject(body: Json): Promise<Json> {
    return asObject(await this.call("POST", "/api/projects", body));
  }

  async deleteProject(id: string): Promise<void> {
    await this.deleteTolerant(`/api/projects/${encodeURIComponent(id)}`);
  }

  // ---- pipelines --------------------------------------------------------------------------

  /** By id or full name ("project/pipeline"), URL-encoded as Codefresh expects. */
  async getPipeline(name: string, opts: { decryptVariables?: boolean } = {}): Promise<Json | undefined> {
    return this.getOrUndefined(`/api/pipelines/${encodeURIComponent(name)}`, opts.decryptVariables ? { decryptVariables: "true" } : undefined);
  }

  async createPipeline(body: Json): Promise<Json> {
    return asObject(await this.call("POST", "/api/pipelines", body));
  }

  /** Full replace. The stack owns the pipeline, so the server's revision check is skipped. */
  async replacePipeline(name: string, body: Json): Promise<Json> {
    return asObject(await this.call("PUT", `/api/pipelines/${encodeURIComponent(name)}`, body, { disableRevisionCheck: "true" }));
  }

  async deletePipeline(name: string): Promise<void> {
    await this.deleteTolerant(`/api/pipelines/${encodeURIComponent(name)}`);
  }

  async listPipelines(query: Record<string, string> = {}): Promise<Json[]> {
    const body = await this.call("GET", "/api/pipelines", undefined, { limit: "1000", ...query });
    return z.object({ docs: z.array(z.record(z.string(), z.unknown())) }).parse(body).docs as Json[];
  }

  // ---- transport --------------------------------------------------------------------------

  async call(method: string, path: string, body?: unknown, query?: Record<string, string>, replay: "always" | "unsent" = "always"): Promise<unknown> {
    const key = typeof this.options.apiKey === "function" ? await this.options.apiKey() : this.options.apiKey;
    const qs = query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : "";
    // Codefresh takes the raw key in Authorization, without "Bearer".
    const res = await this.http.send({ method, url: `${this.base()}${path}${qs}`, body, headers: { authorization: key }, replay });
    if (res.status >= 200 && res.status < 300) return res.body;
    throw toCodefreshError(res, method, path);
  }

  private async getOrUndefined(path: string, query?: Record<string, string>): Promise<Json | undefined> {
    try {
      return asObject(await this.call("GET", path, undefined, query));
    } catch (err) {
      if (err instanceof CodefreshApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async deleteTolerant(path: string): Promise<void> {
    try {
      await this.call("DELETE", path);
    } catch (err) {
      if (err instanceof CodefreshApiError && err.status === 404) return;
      throw err;
    }
  }

  private base(): string {
    return (this.options.baseUrl ?? CODEFRESH_DEFAULT_URL).replace(/\/+$/, "").replace(/\/api$/, "");
  }
}

function buildSchema() {
  return z.object({ id: z.string(), status: z.string(), pipelineName: z.string().optional(), created: z.string().nullish(), started: z.string().nullish(), finished: z.string().nullish() }).loose();
}

function asObject(body: unknown): Json {
  return z.record(z.string(), z.unknown()).parse(body) as Json;
}

function toCodefreshError(res: HttpResponse, method: string, path: string): CodefreshApiError {
  const parsed = z.object({ code: z.union([z.string(), z.number()]).optional(), name: z.string().optional(), message: z.string().optional(), error: z.string().optional() }).safeParse(res.body);
  const message = parsed.success
    ? parsed.data.message ?? parsed.data.error ?? `HTTP ${res.status}`
    : typeof res.body === "string" && res.body.length > 0 ? res.body.slice(0, 300) : `HTTP ${res.status}`;
  return new CodefreshApiError(res.status, parsed.success && parsed.data.code !== undefined ? String(parsed.data.code) : undefined, parsed.success ? parsed.data.name : undefined, message, method, path);
}
