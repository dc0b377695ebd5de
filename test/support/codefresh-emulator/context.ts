// What each route module is given: the state and a `route` that already checks the API key
// and turns thrown errors into Codefresh's 500 envelope.
import type { EmulatedRequest, EmulatedResponse } from "../emulator-server";
import type { CodefreshState, Variable } from "./state";

export type CfHandler = (req: EmulatedRequest) => EmulatedResponse | Promise<EmulatedResponse>;

export interface RouteContext {
  readonly state: CodefreshState;
  readonly route: (method: string, path: string, handler: CfHandler) => void;
  /** Builds start "running" instead of "pending". */
  readonly autoAdvance: () => boolean;
  /** Delay before a terminated build goes from "terminating" to "terminated" (0 = at once). */
  readonly terminateAfterMs: () => number;
  /**
   * false: `decryptVariables=true` is ignored and encrypted values stay masked, as for an API key
   * that may read pipelines but not decrypt their variables (TF issue #177).
   */
  readonly canDecrypt: () => boolean;
  /** Most builds one page of GET /api/workflow holds, whatever `limit` asks. */
  readonly workflowPageMax: () => number;
  /** Timers the emulator must clear on stop/reset. */
  readonly timers: Set<NodeJS.Timeout>;
}

/** What GET answers for an encrypted value unless `decryptVariables=true` (TF issue #97). */
export const MASK = "*****";

export function maskVariables(vars: Variable[], decrypt: boolean): Variable[] {
  return vars.map((v) => (v.encrypted && !decrypt ? { ...v, value: MASK } : { ...v }));
}

export function queryFlag(query: URLSearchParams, name: string): boolean {
  return query.get(name) === "true";
}

/** Non-negative integer query parameter, or the fallback when absent or malformed. */
export function queryInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return Number(raw);
}
