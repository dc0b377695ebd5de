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

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
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
  /** Called once per attempt, for request counting in tests, drift and benchmarks. */
  readonly onAttempt?: (method: string, url: string) => void;
  /** Sleep function (tests replace it to avoid real waits). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Transport with the retry policy and a rate gate shared by all calls through one instance. */
export class HttpClient {
  private readonly policy: Required<RetryPolicy>;
  private readonly doFetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms before which no request is sent (set from x-ratelimit-* / Retry-After). */
  private notBefore = 0;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...(options.policy ?? {}) };
    this.doFetch = options.fetch ?? ((input, init) => fetch(input, init));
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
      let res: Response;
      try {
        res = await this.doFetch(req.url, {
          method: req.method,
          headers: { accept: "application/json", ...(req.body !== undefined ? { "content-type": "application/json" } : {}), ...req.headers },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(this.policy.timeoutMs),
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
      const body = await readBody(res);
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
  private serverDelay(headers: Headers): number {
    const retryAfter = headers.get("retry-after");
    if (retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter)) return Math.min(Number(retryAfter) * 1000, this.policy.maxDelayMs);
    return Math.min(Math.max(this.notBefore - Date.now(), 0), this.policy.maxDelayMs);
  }

  /** Port documents x-ratelimit-reset as epoch seconds; some clients read it as a delta. Accept both. */
  private learnPacing(headers: Headers): void {
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

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
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
