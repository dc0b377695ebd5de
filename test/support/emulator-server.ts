// A tiny HTTP server for API emulators: a route table, JSON bodies, a request log, and the
// latency and fault injection every emulator needs. node:http on purpose: the emulators must
// answer exactly like the real APIs (status codes, headers, envelopes), which a framework's
// conventions would only get in the way of.
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface EmulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  /** Raw body text (what the client sent, byte for byte). */
  readonly rawBody: string;
  /** Path parameters captured by the route pattern. */
  readonly params: Record<string, string>;
}

export interface EmulatedResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type RouteHandler = (req: EmulatedRequest) => EmulatedResponse | Promise<EmulatedResponse>;

/** A fault answered instead of the real route, for the next `times` requests that match. */
export interface Fault {
  /** Method to match, or "*". */
  readonly method?: string;
  /** Matches when the request path contains this string, or matches this regex. Omit for all. */
  readonly path?: string | RegExp;
  /** How many matching requests get the fault. */
  readonly times: number;
  /** HTTP status to answer, or "network" to destroy the socket without answering. */
  readonly status: number | "network";
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Run the real route first (its side effect happens), then answer the fault instead: a lost answer. */
  readonly afterEffect?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number | "network";
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
  readonly at: number;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: RouteHandler;
}

export class EmulatorServer {
  private readonly routes: Route[] = [];
  private readonly faults: { fault: Fault; left: number }[] = [];
  private server?: http.Server;
  /** Every request answered (or dropped), in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Milliseconds added before every answer. */
  latencyMs = 0;
  /**
   * Optional check run before routing (after faults): answering here short-circuits the route,
   * e.g. a rate limiter's 429. Returning undefined lets the request through.
   */
  gate?: (req: EmulatedRequest) => EmulatedResponse | undefined;

  /** Maximum body size accepted; larger bodies get `tooLarge`'s answer. */
  constructor(
    private readonly notFound: (req: EmulatedRequest) => EmulatedResponse,
    private readonly maxBodyBytes = 1024 * 1024,
    private readonly tooLarge: EmulatedResponse = { status: 413, body: { message: "payload too large" } },
    private readonly commonHeaders: () => Record<string, string> = () => ({}),
  ) {}

  /** Register a route; `:name` segments become params (matched up to the next `/`). */
  route(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .split("/")
      .map((seg) => {
        if (seg.startsWith(":")) {
          names.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** Answer the next `fault.times` matching requests with the fault instead of the route. */
  inject(fault: Fault): void {
    this.faults.push({ fault, left: fault.times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Requests matching a method and a path fragment (or regex). */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && matches(path, r.path));
  }

  get url(): string {
    if (!this.server) throw new Error("emulator not started");
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async listen(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // Keep-alive sockets would hold `stop()` open; the clients under test reuse connections.
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      chunks.push(chunk as Buffer);
    }
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = (req.method ?? "GET").toUpperCase();
    let body: unknown;
    let badJson = false;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        badJson = true;
      }
    }
    const record = (status: number | "network") =>
      this.requests.push({ method, path: url.pathname, query: url.search, status, body, headers: req.headers, at: Date.now() });

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const fault = this.faults.find(
      (f) => f.left > 0 && (!f.fault.method || f.fault.method === "*" || f.fault.method.toUpperCase() === method) &&
        (f.fault.path === undefined || matches(f.fault.path, url.pathname)),
    );
    if (fault) {
      fault.left--;
      if (fault.fault.afterEffect) await this.dispatch({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody, params: {} });
      record(fault.fault.status);
      if (fault.fault.status === "network") {
        req.socket.destroy();
        return;
      }
      return this.send(res, { status: fault.fault.status, body: fault.fault.body, headers: fault.fault.headers });
    }

    const base = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body, rawBody };
    let answer: EmulatedResponse | undefined = this.gate?.({ ...base, params: {} });
    if (answer) {
      // answered by the gate
    } else if (size > this.maxBodyBytes) {
      answer = this.tooLarge;
    } else if (badJson) {
      answer = { status: 400, body: { ok: false, error: "invalid_json", message: "Body is not valid JSON" } };
    } else {
      answer = await this.dispatch({ ...base, params: {} });
    }
    record(answer.status);
    this.send(res, answer);
  }

  private async dispatch(req: EmulatedRequest): Promise<EmulatedResponse> {
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(req.path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      try {
        return await route.handler({ ...req, params });
      } catch (err) {
        return { status: 500, body: { ok: false, error: "internal_error", message: String(err) } };
      }
    }
    return this.notFound(req);
  }

  private send(res: http.ServerResponse, answer: EmulatedResponse): void {
    const headers: Record<string, string> = { ...this.commonHeaders(), ...(answer.headers ?? {}) };
    let payload = "";
    if (answer.body !== undefined) {
      payload = JSON.stringify(answer.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    res.writeHead(answer.status, headers);
    res.end(payload);
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === "string" ? path.includes(pattern) : pattern.test(path);
}
