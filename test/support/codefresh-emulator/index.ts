// A local Codefresh API (classic pipelines) for tests: real HTTP on 127.0.0.1, routes under /api,
// Codefresh's auth, envelopes and status codes. See reference/notes/codefresh.md for the source
// of each behaviour; errors.ts says which error codes are documented and which are assumed.
import { EmulatorServer, type EmulatedResponse, type Fault, type RecordedRequest } from "../emulator-server";
import { registerBuildRoutes, setBuildStatus } from "./builds";
import type { CfHandler, RouteContext } from "./context";
import { errors } from "./errors";
import { createPipeline, registerPipelineRoutes } from "./pipelines";
import { createProject, registerProjectRoutes } from "./projects";
import { registerRunRoutes, startBuild } from "./runs";
import type { RunInput } from "./schemas";
import { CodefreshState, type Build, type BuildStatus, type PipelineDoc, type Project, type StoredPipeline } from "./state";

export { BUILD_STATUSES, TERMINAL_STATUSES, OBJECT_ID } from "./state";
export type { Build, BuildStatus, PipelineDoc, Project, StoredPipeline, Variable, Annotation } from "./state";
export { MASK } from "./context";
export type { CodefreshErrorBody } from "./errors";

export const DEFAULT_CODEFRESH_API_KEY = "test-codefresh-key";

export interface CodefreshEmulatorOptions {
  /** The only key accepted in `Authorization` (raw, no "Bearer "). */
  apiKey?: string;
  /** Milliseconds added before every answer. */
  latencyMs?: number;
  /** New builds start "running" (with `started` set) instead of "pending". */
  autoAdvance?: boolean;
  /** DELETE /api/progress/{id} leaves the build "terminating" this long before "terminated". */
  terminateAfterMs?: number;
  /** Clock for every timestamp and id (tests that need fixed dates). */
  now?: () => Date;
}

/** Which requests a Codefresh-shaped injected error applies to (same matching as Fault). */
export interface FaultMatch {
  method?: string;
  path?: string | RegExp;
  times?: number;
}

export class CodefreshEmulator {
  readonly state: CodefreshState;
  /** Accept the key but answer 403, as Codefresh does for a key restricted for unusual activity. */
  restricted = false;
  /**
   * The key may read pipelines but not decrypt: `decryptVariables=true` still answers "*****" for
   * encrypted values (how Codefresh answers a key without that permission, TF issue #177).
   */
  decryptDenied = false;
  autoAdvance: boolean;
  terminateAfterMs: number;
  /** Most builds one page of GET /api/workflow holds (Codefresh's own cap is not published; ≤ 100). */
  workflowPageMax = 100;
  private readonly server: EmulatorServer;
  private readonly ctx: RouteContext;

  private constructor(readonly apiKey: string, opts: CodefreshEmulatorOptions) {
    this.state = new CodefreshState(opts.now);
    this.autoAdvance = opts.autoAdvance ?? false;
    this.terminateAfterMs = opts.terminateAfterMs ?? 0;
    this.server = new EmulatorServer(
      (req) => this.authFailure(req.headers.authorization) ?? errors.routeNotFound(req.method, req.path),
      1024 * 1024,
      errors.payloadTooLarge(),
      () => ({ "x-powered-by": "codefresh-emulator" }),
    );
    this.server.latencyMs = opts.latencyMs ?? 0;
    this.ctx = {
      state: this.state,
      route: (method, path, handler) => this.server.route(method, path, this.guard(handler)),
      autoAdvance: () => this.autoAdvance,
      terminateAfterMs: () => this.terminateAfterMs,
      canDecrypt: () => !this.decryptDenied,
      workflowPageMax: () => this.workflowPageMax,
      timers: new Set(),
    };
    registerProjectRoutes(this.ctx);
    registerRunRoutes(this.ctx);
    registerPipelineRoutes(this.ctx);
    registerBuildRoutes(this.ctx);
  }

  static async start(opts: CodefreshEmulatorOptions = {}): Promise<CodefreshEmulator> {
    const emulator = new CodefreshEmulator(opts.apiKey ?? DEFAULT_CODEFRESH_API_KEY, opts);
    await emulator.server.listen(0);
    return emulator;
  }

  /** Base URL without `/api` (clients append it, like `https://g.codefresh.io`). */
  get url(): string {
    return this.server.url;
  }

  get apiUrl(): string {
    return `${this.server.url}/api`;
  }

  async stop(): Promise<void> {
    this.clearTimers();
    await this.server.stop();
  }

  /** Forget all state, the request log and pending faults; options and the key stay. */
  reset(): void {
    this.clearTimers();
    this.state.reset();
    this.server.requests.length = 0;
    this.server.clearFaults();
    this.restricted = false;
    this.decryptDenied = false;
    this.workflowPageMax = 100;
  }

  // ---- latency, faults, request log -------------------------------------------------------

  get latencyMs(): number {
    return this.server.latencyMs;
  }

  set latencyMs(ms: number) {
    this.server.latencyMs = ms;
  }

  /** Raw fault (any status/body, or "network" to drop the socket). */
  inject(fault: Fault): void {
    this.server.inject(fault);
  }

  /** The next `times` (default 1) matching requests get a Codefresh-shaped error of this status. */
  injectError(status: 429 | 500 | 502 | 503 | 504 | number, match: FaultMatch = {}): void {
    const body: EmulatedResponse =
      status === 429 ? errors.rateLimited()
        : status === 500 ? errors.internal()
          : { status, body: { status, code: String(1000 + (status % 1000)), name: "SERVICE_UNAVAILABLE_ERROR", message: `Injected ${status}`, context: {} } };
    this.server.inject({ method: match.method, path: match.path, times: match.times ?? 1, status, body: body.body });
  }

  clearFaults(): void {
    this.server.clearFaults();
  }

  get requests(): readonly RecordedRequest[] {
    return this.server.requests;
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.server.requestsTo(method, path);
  }

  // ---- state helpers for tests ------------------------------------------------------------

  /** Create a project without HTTP. */
  seedProject(projectName: string, extra: { tags?: string[]; variables?: Project["variables"] } = {}): Project {
    if (this.state.projectByName(projectName)) throw new Error(`project ${projectName} exists`);
    return createProject(this.ctx, { projectName, ...extra });
  }

  /** Create a pipeline without HTTP (its project must exist); same validation as POST. */
  seedPipeline(doc: unknown): PipelineDoc {
    const created = createPipeline(this.ctx, doc);
    if ("error" in created) throw new Error(`seedPipeline: ${JSON.stringify(created.error.body)}`);
    return created.doc;
  }

  /** The stored pipeline (plaintext variables, revision history) by id or full name. */
  pipeline(idOrName: string): StoredPipeline | undefined {
    return this.state.pipeline(idOrName);
  }

  project(name: string): Project | undefined {
    return this.state.projectByName(name);
  }

  build(id: string): Build | undefined {
    return this.state.builds.get(id);
  }

  /** All builds, oldest first. */
  builds(): Build[] {
    return [...this.state.builds.values()];
  }

  /** Builds started with annotation `<key>=<value>` (the agent marks builds with port_run_id). */
  buildsFor(runId: string, key = "port_run_id"): Build[] {
    return this.builds().filter((b) => b.annotations[key] === runId);
  }

  /** Start a build of a stored pipeline without HTTP, as POST /api/pipelines/run would (no validation). */
  seedBuild(pipeline: string, run: RunInput = {}): Build {
    const stored = this.state.pipeline(pipeline);
    if (!stored) throw new Error(`seedBuild: no pipeline ${pipeline}`);
    return startBuild(this.ctx, stored, run);
  }

  setBuildStatus(id: string, status: BuildStatus): Build {
    return setBuildStatus(this.state, id, status);
  }

  // ---- internals --------------------------------------------------------------------------

  /** 401 unless `Authorization` is exactly the key; 403 when the key is restricted. */
  private authFailure(header: string | string[] | undefined): EmulatedResponse | undefined {
    if (header !== this.apiKey) return errors.unauthorized();
    if (this.restricted) return errors.forbidden();
    return undefined;
  }

  private guard(handler: CfHandler): CfHandler {
    return async (req) => {
      const denied = this.authFailure(req.headers.authorization);
      if (denied) return denied;
      try {
        return await handler(req);
      } catch (err) {
        // Codefresh's own envelope, not the generic server's.
        return errors.internal({ error: String(err) });
      }
    };
  }

  private clearTimers(): void {
    for (const t of this.ctx.timers) clearTimeout(t);
    this.ctx.timers.clear();
  }
}
