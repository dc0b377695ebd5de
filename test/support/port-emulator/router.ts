// How route modules register handlers: `authed` routes require a live bearer token; handlers
// throw PortError for error answers.
import { EmulatedRequest, EmulatedResponse } from "../emulator-server";

export type PortHandler = (req: EmulatedRequest) => EmulatedResponse | Promise<EmulatedResponse>;

export interface PortRouter {
  /** A route that needs `Authorization: Bearer <token>`. */
  authed(method: string, path: string, handler: PortHandler): void;
  /** A route open to anyone (only the token route). */
  open(method: string, path: string, handler: PortHandler): void;
}
