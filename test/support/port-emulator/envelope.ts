// Port's response envelope: `{ok:true, <resource>}` on success, `{ok:false, error, message}` on
// failure. Handlers throw PortError; the router turns it into the envelope.
import { EmulatedResponse } from "../emulator-server";

export class PortError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }

  toResponse(): EmulatedResponse {
    return { status: this.status, body: { ok: false, error: this.error, message: this.message } };
  }
}

export function ok(status: number, fields: Record<string, unknown> = {}): EmulatedResponse {
  return { status, body: { ok: true, ...fields } };
}

export const notFound = (message: string): PortError => new PortError(404, "not_found", message);

export const blueprintNotFound = (identifier: string): PortError =>
  notFound(`Blueprint with identifier "${identifier}" was not found`);

export const invalid = (message: string): PortError => new PortError(422, "invalid_request", message);
