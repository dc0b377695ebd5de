// Codefresh's error envelope: {status, code:"<4 digits>", name, message, context}.
// Codes marked "documented" come from reference/notes/codefresh.md; the others are not
// published anywhere, so clients under test must branch on the HTTP status, never on them.
import type { EmulatedResponse } from "../emulator-server";

export interface CodefreshErrorBody {
  status: number;
  code: string;
  name: string;
  message: string;
  context: Record<string, unknown>;
}

export function cfError(
  status: number,
  code: string,
  name: string,
  message: string,
  context: Record<string, unknown> = {},
): EmulatedResponse {
  const body: CodefreshErrorBody = { status, code, name, message, context };
  return { status, body };
}

export const errors = {
  // documented (TF issue #49)
  pipelineNotFound: (name: string) => cfError(404, "4201", "PIPELINE_NOT_FOUND_ERROR", `Could not find pipeline: ${name}`),
  // documented (TF issue #10)
  pipelineOutdated: (name: string, sent: number, current: number) =>
    cfError(400, "4204", "PIPELINE_OUTDATED_ERROR",
      `Pipeline ${name} is outdated: revision ${sent} was sent but the current revision is ${current}`,
      { revision: sent, currentRevision: current }),
  // documented (TF issue #121, CLI issue #334)
  internal: (context: Record<string, unknown> = {}) => cfError(500, "1001", "INTERNAL_SERVER_ERROR", "Internal server error", context),
  // assumed codes below
  unauthorized: () => cfError(401, "2401", "UNAUTHORIZED_ERROR", "Unauthorized: the API key is missing or invalid"),
  forbidden: () => cfError(403, "2403", "FORBIDDEN_ERROR", "Forbidden: this API key has been restricted"),
  rateLimited: () => cfError(429, "1429", "TOO_MANY_REQUESTS_ERROR", "Too many requests"),
  badRequest: (message: string, context: Record<string, unknown> = {}) => cfError(400, "1002", "BAD_REQUEST_ERROR", message, context),
  routeNotFound: (method: string, path: string) => cfError(404, "1404", "NOT_FOUND_ERROR", `Cannot ${method} ${path}`),
  pipelineExists: (name: string) => cfError(409, "4202", "PIPELINE_ALREADY_EXISTS_ERROR", `Pipeline ${name} already exists`),
  projectNotFound: (nameOrId: string) => cfError(404, "4101", "PROJECT_NOT_FOUND_ERROR", `Could not find project: ${nameOrId}`),
  projectExists: (name: string) => cfError(409, "4102", "PROJECT_ALREADY_EXISTS_ERROR", `Project ${name} already exists`),
  buildNotFound: (id: string) => cfError(404, "4301", "BUILD_NOT_FOUND_ERROR", `Could not find build: ${id}`),
  progressNotFound: (id: string) => cfError(404, "4302", "PROGRESS_NOT_FOUND_ERROR", `Could not find progress: ${id}`),
  payloadTooLarge: () => cfError(413, "1413", "PAYLOAD_TOO_LARGE_ERROR", "request entity too large"),
};
