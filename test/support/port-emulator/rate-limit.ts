// Port's x-ratelimit-* headers on every answer, and 429 once the window's budget is spent
// (enforcement is off unless a test asks for it, so ordinary suites never trip over it).
import { EmulatedResponse } from "../emulator-server";

export interface RateLimitOptions {
  /** Requests per window (default 15,000, Port's last published figure). */
  limit?: number;
  /** Window length in seconds (default 300). */
  periodSeconds?: number;
  /** Answer 429 when the budget is spent. Default: true when `limit` is given, else false. */
  enforce?: boolean;
  /** Port documents `x-ratelimit-reset` as epoch seconds; TF's client reads it as seconds left. */
  resetFormat?: "epoch" | "seconds";
}

export class RateLimiter {
  readonly limit: number;
  readonly periodSeconds: number;
  readonly enforce: boolean;
  private readonly resetFormat: "epoch" | "seconds";
  private windowStart = Date.now();
  private used = 0;

  constructor(opts: RateLimitOptions = {}) {
    this.limit = opts.limit ?? 15_000;
    this.periodSeconds = opts.periodSeconds ?? 300;
    this.enforce = opts.enforce ?? opts.limit !== undefined;
    this.resetFormat = opts.resetFormat ?? "epoch";
  }

  /** Counts one request; returns the 429 to answer instead, if any. */
  take(): EmulatedResponse | undefined {
    this.roll();
    if (this.enforce && this.used >= this.limit) {
      return { status: 429, body: { ok: false, error: "rate_limit_exceeded", message: "Too many requests, please try again later" } };
    }
    this.used++;
    return undefined;
  }

  headers(): Record<string, string> {
    this.roll();
    const resetAt = this.windowStart + this.periodSeconds * 1000;
    const reset = this.resetFormat === "epoch" ? Math.ceil(resetAt / 1000) : Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    return {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remaining": String(Math.max(0, this.limit - this.used)),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-period": String(this.periodSeconds),
    };
  }

  reset(): void {
    this.windowStart = Date.now();
    this.used = 0;
  }

  private roll(): void {
    if (Date.now() >= this.windowStart + this.periodSeconds * 1000) this.reset();
  }
}
