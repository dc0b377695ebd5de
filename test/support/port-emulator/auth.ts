// POST /v1/auth/access_token and the bearer check every other route makes.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { EmulatedRequest } from "../emulator-server";
import { PortError } from "./envelope";
import { PortState } from "./state";
import { parseBody } from "./validation";

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

const tokenRequest = z.strictObject({ clientId: z.string(), clientSecret: z.string() });

export class TokenIssuer {
  constructor(
    private readonly state: PortState,
    private readonly credentials: Credentials,
    private readonly ttlSeconds: number,
  ) {}

  /** Port hands back the same token while it is valid ("one active token per credentials"). */
  issue(body: unknown): { accessToken: string; expiresIn: number; tokenType: "Bearer" } {
    const { clientId, clientSecret } = parseBody(tokenRequest, body);
    if (clientId !== this.credentials.clientId || clientSecret !== this.credentials.clientSecret) {
      throw new PortError(401, "unauthorized", "Invalid client credentials");
    }
    const now = Date.now();
    for (const t of this.state.tokens.values()) {
      if (t.clientId === clientId && !t.revoked && t.expiresAt > now) {
        return { accessToken: t.token, expiresIn: Math.floor((t.expiresAt - now) / 1000), tokenType: "Bearer" };
      }
    }
    const token = `emulated.${randomBytes(24).toString("base64url")}`;
    this.state.tokens.set(token, { token, clientId, expiresAt: now + this.ttlSeconds * 1000, revoked: false });
    this.state.tokensIssued++;
    return { accessToken: token, expiresIn: this.ttlSeconds, tokenType: "Bearer" };
  }

  /** Throws Port's 401 unless the request carries a live bearer token. */
  check(req: EmulatedRequest): void {
    const header = req.headers.authorization;
    if (!header) throw new PortError(401, "unauthorized", "Missing Authorization header");
    const match = /^Bearer (.+)$/i.exec(header);
    const token = match ? this.state.tokens.get(match[1].trim()) : undefined;
    if (!token) throw new PortError(401, "unauthorized", "Invalid token");
    if (token.revoked || token.expiresAt <= Date.now()) throw new PortError(401, "token_expired", "The access token has expired");
  }

  /** Every token issued so far starts answering 401 (as after its 3 hours). */
  expireAll(): void {
    for (const t of this.state.tokens.values()) t.revoked = true;
  }
}
