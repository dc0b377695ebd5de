// One HTTP policy for every remote API this project calls (Port, Codefresh): a timeout on every
// attempt, bounded retries with exponential backoff and full jitter on 429/5xx/network errors,
// and the server's own pacing (Retry-After, x-ratelimit-*) honoured.
//
// Hand-written rather than a retry library because the rules are API-specific (which methods
// may be replayed, Port's x-ratelimit-reset being epoch seconds or a delta) and because this
// module is inlined into the serialized Pulumi dynamic provider: it must be small, capture no
// module-level state, and depend only on the global fetch.

export interface RetryPolicy {
  /** Milliseconds one attempt may take before it is aborted. */
  readonly timeoutMs: number;
  /** Further attempts after the first one. */
  readonly retries: number;
  /** First backoff step in milliseconds (doubled per attempt, full jitter). */
  readonly baseDelayMs: number;
  /** Upper bound of one backoff wait, including waits the server asks for. */
  readonly maxDelayMs: number;
  /**
   * Longest wait for an exhausted rate-limit window (x-ratelimit-remaining 0) before a call;
   * a longer one fails the call at once instead of sending into certain 429s.
   */
  readonly maxRateLimitWaitMs?: number;
}

export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = { timeoutMs: 15_000, retries: 4, baseDelayMs: 250, maxDelayMs: 20_000, maxRateLimitWaitMs: 60_000 };

/**
 * When a failed attempt may be sent again. "always" for idempotent calls; "unsent" for calls
 * that must not run twice (starting a build): only when the request surely never reached the
 * server (connection refused before an answer) or the server refused it up front (429). A 502/503
 * may come from a gateway after the server acted on the request, so it is never replayed.
 */
export type ReplaySafety = "always" | "unsent";

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly replay?: ReplaySafety;
}

/** Response headers by (case-insensitive) name, as `Headers.get` reads them. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
}

/** An answer the caller must handle (4xx other than 429) or a retry budget spent. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: unknown,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface HttpClientOptions {
  readonly policy?: Partial<RetryPolicy>;
  /** Injected for tests and benchmarks; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /**
   * "node": node:http(s) with one keep-alive agent per client instead of fetch. The agent's
   * choice (runtime.ts): fetch's WHATWG streams and per-call abort signals cost it about twice
   * the CPU per request; deploy-time code keeps the global fetch. Ignored when `fetch` is given.
   */
  readonly transport?: "fetch" | "node";
  /** Called once per attempt, for request counting in tests, drift and benchmarks. */
  readonly onAttempt?: (method: string, url: string) => void;
  /** Sleep function (tests replace it to avoid real waits). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Transport with the retry policy and a rate gate shared by all calls through one instance. */
export class HttpClient {
  private readonly policy: Required<RetryPolicy>;
  private readonly transport: Transport;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms before which no request is sent (set from x-ratelimit-* / Retry-After). */
  private notBefore = 0;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...(options.policy ?? {}) };
    this.transport = options.fetch || options.transport !== "node" ? fetchTransport(options.fetch ?? ((input, init) => fetch(input, init))) : nodeTransport();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Send with retries; resolves with any final answer (including 4xx), throws on exhausted retries. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const replay = req.replay ?? "always";
    const path = safePath(req.url);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.policy.retries; attempt++) {
      const gate = this.notBefore - Date.now();
      if (gate > this.policy.maxRateLimitWaitMs) {
        throw new HttpError(`${req.method} ${path}: rate limit exhausted for another ${Math.ceil(gate / 1000)} s (x-ratelimit-reset); not sent`, 429, undefined, req.method, path);
      }
      if (gate > 0) await this.sleep(gate);
      this.options.onAttempt?.(req.method, req.url);
      let res: RawResponse;
      try {
        res = await this.transport({
          method: req.method,
          url: req.url,
          headers: { accept: "application/json", ...(req.body !== undefined ? { "content-type": "application/json" } : {}), ...req.headers },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          timeoutMs: this.policy.timeoutMs,
          fresh: replay === "unsent",
        });
      } catch (err) {
        lastError = err;
        // A timeout may have reached the server; only connection-level refusals are surely unsent.
        if (replay === "unsent" && !isUnsent(err)) {
          throw new HttpError(`${req.method} ${path}: ${describe(err)} (not retried: the request may have been received)`, undefined, undefined, req.method, path);
        }
        await this.sleep(this.backoff(attempt));
        continue;
      }
      this.learnPacing(res.headers);
      const body = parseBody(res.text);
      const retryable = replay === "always" ? isRetryableStatus(res.status) : res.status === 429;
      if (!retryable || attempt === this.policy.retries) {
        if (retryable) {
          throw new HttpError(`${req.method} ${path}: HTTP ${res.status} after ${attempt + 1} attempts`, res.status, body, req.method, path);
        }
        return { status: res.status, headers: res.headers, body };
      }
      lastError = new HttpError(`HTTP ${res.status}`, res.status, body, req.method, path);
      await this.sleep(Math.max(this.backoff(attempt), this.serverDelay(res.headers)));
    }
    throw new HttpError(`${req.method} ${path}: ${describe(lastError)} after ${this.policy.retries + 1} attempts`, undefined, undefined, req.method, path);
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** attempt);
    return Math.round(Math.random() * ceiling);
  }

  /** Wait asked for by the server on a 429/503: Retry-After, else the rate-limit reset. */
  private serverDelay(headers: ResponseHeaders): number {
    const retryAfter = headers.get("retry-after");
    if (retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter)) return Math.min(Number(retryAfter) * 1000, this.policy.maxDelayMs);
    return Math.min(Math.max(this.notBefore - Date.now(), 0), this.policy.maxDelayMs);
  }

  /** Port documents x-ratelimit-reset as epoch seconds; some clients read it as a delta. Accept both. */
  private learnPacing(headers: ResponseHeaders): void {
    const remaining = headers.get("x-ratelimit-remaining");
    const reset = headers.get("x-ratelimit-reset");
    if (remaining === null || reset === null || Number(remaining) > 0) return;
    const value = Number(reset);
    if (!Number.isFinite(value)) return;
    const resetAt = value > 1e9 ? value * 1000 : Date.now() + value * 1000;
    this.notBefore = Math.max(this.notBefore, resetAt);
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function isUnsent(err: unknown): boolean {
  const code = errorCode(err);
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "UND_ERR_CONNECT_TIMEOUT";
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = errorCode(err);
    if (err.name === "TimeoutError") return "timed out";
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The URL's path only: query strings may carry identifiers but never belong in error text twice. */
function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

// ---- transports ---------------------------------------------------------------------------

interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly timeoutMs: number;
  /**
   * A call that must not be replayed: never written on a connection idle long enough for a
   * gateway to have dropped it (only one that answered moments ago: the `brief` agent below).
   */
  readonly fresh?: boolean;
}

interface RawResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly text: string;
}

type Transport = (req: RawRequest) => Promise<RawResponse>;

function fetchTransport(doFetch: typeof fetch): Transport {
  return async (req) => {
    const res = await doFetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(req.timeoutMs) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

/**
 * node:http(s) with keep-alive agents owned by this transport (so by one HttpClient). A timeout
 * destroys the request with a TimeoutError, as fetch's abort signal does; connection errors keep
 * their `code` (ECONNREFUSED …) for isUnsent.
 */
function nodeTransport(): Transport {
  // Required here, not at module level: this module is inlined into serialized Pulumi providers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require("node:http") as typeof import("node:http");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const https = require("node:https") as typeof import("node:https");
  // `timeout` closes a socket idle in the pool after 4 s, below gateways' idle timeouts (a Lambda
  // thawed after idling must not write on a connection the other side dropped).
  const pooled = { keepAlive: true, timeout: 4_000 };
  const agents = { http: new http.Agent(pooled), https: new https.Agent(pooled) };
  // Calls that must not be replayed (a build start) have a pool of their own whose sockets close
  // after 100 ms idle: a batch's successive starts share connections (a new socket per start cost
  // a connect, a TLS handshake and ~0.3 ms of CPU each), while a start is still never written on
  // a connection idle long enough for a gateway to drop it, which would make its answer "lost".
  const brief = { keepAlive: true, timeout: 100 };
  const once = { http: new http.Agent(brief), https: new https.Agent(brief) };
  return (req) =>
    new Promise<RawResponse>((resolve, reject) => {
      // Declared before use: Pulumi's closure serializer refuses a variable used before its declaration.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      const url = new URL(req.url);
      const secure = url.protocol === "https:";
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
      const request = (secure ? https : http).request(url, { method: req.method, headers, agent: req.fresh ? (secure ? once.https : once.http) : secure ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("end", () => {
          clearTimeout(timer);
          const raw = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            headers: { get: (name) => { const v = raw[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v; } },
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      timer = setTimeout(() => {
        const err = new Error(`request timed out after ${req.timeoutMs} ms`);
        err.name = "TimeoutError";
        request.destroy(err);
      }, req.timeoutMs);
      request.on("error", fail);
      request.end(req.body);
    });
}
