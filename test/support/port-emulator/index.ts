// A local Port API for tests: real HTTP on 127.0.0.1, Port's routes, envelopes, status codes and
// body validation, with test controls (state inspection, token expiry, faults, latency, rate
// limits, seeding, run creation as if a user clicked an action).
import { randomUUID } from "node:crypto";
import { EmulatedRequest, EmulatorServer, Fault, RecordedRequest } from "../emulator-server";
import { createAction, registerActionRoutes } from "./actions";
import { Credentials, TokenIssuer } from "./auth";
import { createBlueprint, registerBlueprintRoutes } from "./blueprints";
import { PortError, ok } from "./envelope";
import { present, registerEntityRoutes, writeEntity } from "./entities";
import { createPage, registerPageRoutes } from "./pages";
import { RateLimitOptions, RateLimiter } from "./rate-limit";
import { PortHandler, PortRouter } from "./router";
import { CreateRunInput, createRun, registerRunRoutes } from "./runs";
import { Action, Blueprint, Entity, PortState, StoredRun } from "./state";

export type { Credentials } from "./auth";
export type { RateLimitOptions } from "./rate-limit";
export type { CreateRunInput } from "./runs";
export * from "./state";

export const TEST_CREDENTIALS: Credentials = { clientId: "test-client-id", clientSecret: "test-client-secret" };

export interface PortEmulatorOptions {
  /** Accepted credentials (default test-client-id / test-client-secret). */
  credentials?: Credentials;
  /** Lifetime of issued tokens (default 10,800 s, Port's 3 hours). */
  tokenTtlSeconds?: number;
  /** Delay before every answer. */
  latencyMs?: number;
  /** x-ratelimit-* headers are always sent; 429 only when enforced. */
  rateLimit?: RateLimitOptions;
  /** Store and answer string sets (schema.required, userInputs.required) reversed, as Port may. */
  reorderStringSets?: boolean;
}

/** A fault answered instead of the route; a numeric status gets Port's error envelope by default. */
export type PortFault = Omit<Fault, "body"> & { body?: unknown };

export interface SeedData {
  /** Blueprint bodies, created in order (as POST /v1/blueprints would). */
  blueprints?: unknown[];
  /** Action bodies (as POST /v1/actions). */
  actions?: unknown[];
  /** Entity bodies by blueprint identifier, upserted. */
  entities?: Record<string, unknown[]>;
  /** Page bodies (as POST /v1/pages). */
  pages?: unknown[];
}

export class PortEmulator {
  readonly state: PortState;
  readonly credentials: Credentials;
  readonly rateLimiter: RateLimiter;
  private readonly server: EmulatorServer;
  private readonly tokens: TokenIssuer;

  private constructor(opts: PortEmulatorOptions) {
    this.credentials = opts.credentials ?? TEST_CREDENTIALS;
    this.state = new PortState(this.credentials.clientId);
    this.state.reorderStringSets = opts.reorderStringSets ?? false;
    this.tokens = new TokenIssuer(this.state, this.credentials, opts.tokenTtlSeconds ?? 10_800);
    this.rateLimiter = new RateLimiter(opts.rateLimit);
    this.server = new EmulatorServer(
      (req) => ({ status: 404, body: { ok: false, error: "not_found", message: `Route ${req.method}:${req.path} not found` } }),
      1024 * 1024,
      { status: 413, body: { ok: false, error: "payload_too_large", message: "Request body is too large (limit is 1MiB)" } },
      () => ({ ...this.rateLimiter.headers(), "x-trace-id": randomUUID() }),
    );
    this.server.latencyMs = opts.latencyMs ?? 0;
    this.server.gate = () => this.rateLimiter.take();
    this.registerRoutes();
  }

  static async start(opts: PortEmulatorOptions = {}): Promise<PortEmulator> {
    const emulator = new PortEmulator(opts);
    await emulator.server.listen(0);
    return emulator;
  }

  /** Base URL (`http://127.0.0.1:<port>`); routes live under `/v1/...`. */
  get url(): string {
    return this.server.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  // ---- inspection -------------------------------------------------------------------------

  /** Every request answered (or dropped), in arrival order. */
  get requests(): RecordedRequest[] {
    return this.server.requests;
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.server.requestsTo(method, path);
  }

  /** New tokens issued (a repeated token request while one is valid returns the same token). */
  get tokensIssued(): number {
    return this.state.tokensIssued;
  }

  blueprint(identifier: string): Blueprint | undefined {
    return this.state.blueprints.get(identifier);
  }

  action(identifier: string): Action | undefined {
    return this.state.actions.get(identifier);
  }

  /** The entity as stored (what the client really wrote; GET answers add nulls for unset fields). */
  entity(blueprint: string, identifier: string): Entity | undefined {
    return this.state.entities.get(blueprint)?.get(identifier);
  }

  /** The entity as Port's API would answer it. */
  presentEntity(blueprint: string, identifier: string): Entity | undefined {
    const e = this.entity(blueprint, identifier);
    return e && present(this.state, e);
  }

  entities(blueprint: string): Entity[] {
    return [...(this.state.entities.get(blueprint)?.values() ?? [])];
  }

  /** A run with its patches, logs and affected entities. */
  run(id: string): StoredRun | undefined {
    return this.state.runs.get(id);
  }

  // ---- controls ---------------------------------------------------------------------------

  get latencyMs(): number {
    return this.server.latencyMs;
  }

  set latencyMs(ms: number) {
    this.server.latencyMs = ms;
  }

  /** Answer the next `times` matching requests with a status (Port envelope) or a dropped socket. */
  inject(fault: PortFault): void {
    const body =
      fault.body ?? (fault.status === "network" ? undefined : { ok: false, error: fault.status === 429 ? "rate_limit_exceeded" : "injected_fault", message: `Injected fault ${fault.status}` });
    this.server.inject({ ...fault, body });
  }

  clearFaults(): void {
    this.server.clearFaults();
  }

  /** All tokens issued so far answer 401 from now on (as when their 3 hours are up). */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  /** A valid bearer token without an HTTP round trip (counts as issued). */
  issueToken(): string {
    return this.tokens.issue({ clientId: this.credentials.clientId, clientSecret: this.credentials.clientSecret }).accessToken;
  }

  /** Create a run as Port does when a user clicks an action; returns the run id ("r_..."). */
  createRun(input: CreateRunInput): string {
    return createRun(this.state, input).run.id;
  }

  /** Put catalog data straight into state, validated as the HTTP routes would (throws PortError). */
  seed(data: SeedData): void {
    for (const bp of data.blueprints ?? []) createBlueprint(this.state, bp);
    for (const action of data.actions ?? []) createAction(this.state, action);
    for (const [bp, entities] of Object.entries(data.entities ?? {})) {
      for (const entity of entities) writeEntity(this.state, bp, entity, { mode: "upsert" });
    }
    for (const page of data.pages ?? []) createPage(this.state, page);
  }

  /** Forget everything: state, tokens, requests, faults, rate-limit window. */
  reset(): void {
    this.state.clear();
    this.server.requests.length = 0;
    this.server.clearFaults();
    this.rateLimiter.reset();
  }

  private registerRoutes(): void {
    const wrap = (handler: PortHandler, authed: boolean): PortHandler => async (req: EmulatedRequest) => {
      try {
        if (authed) this.tokens.check(req);
        return await handler(req);
      } catch (err) {
        if (err instanceof PortError) return err.toResponse();
        throw err;
      }
    };
    const router: PortRouter = {
      authed: (method, path, handler) => void this.server.route(method, path, wrap(handler, true)),
      open: (method, path, handler) => void this.server.route(method, path, wrap(handler, false)),
    };
    router.open("POST", "/v1/auth/access_token", (req) => ok(200, this.tokens.issue(req.body)));
    // Runs first: GET /v1/actions/runs must not be taken for an action called "runs".
    registerRunRoutes(router, this.state);
    registerActionRoutes(router, this.state);
    registerBlueprintRoutes(router, this.state);
    registerEntityRoutes(router, this.state);
    registerPageRoutes(router, this.state);
  }
}
