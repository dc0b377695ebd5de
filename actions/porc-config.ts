// Stack config section `porc`: where PORC serves its runs and which Port secret holds its token.
// The schema lives beside the PORC actions it configures; stacks/config.ts composes it.
import { z } from "zod";
import { DEFAULT_PORC_RUN_PATH, DEFAULT_PORC_TOKEN_SECRET } from "./porc";

/** Port organization secret names (POST /v1/organization/secrets `secretName`). */
const PORT_SECRET_NAME = /^[A-Za-z0-9_-]{1,100}$/;
/** A URL path with exactly one whole `{run_id}` segment, e.g. /runs/{run_id} or /run/{run_id}. */
const PORC_RUN_PATH = /^(\/[A-Za-z0-9._~-]+)*\/\{run_id\}(\/[A-Za-z0-9._~-]+)*$/;

function isPorcBaseUrl(text: string): boolean {
  if (!URL.canParse(text) || text.includes("?") || text.includes("#")) return false;
  return ["https:", "http:"].includes(new URL(text).protocol);
}

export function porcConfigSchema() {
  return z
    .object({
      /** PORC API base URL, called by Port's webhooks; run paths are appended to it. */
      url: z.string().refine(isPorcBaseUrl, "an http(s) base URL without query or fragment, e.g. https://porc.example.internal"),
      /** Port organization secret holding PORC's bearer token (create it in Port; see README). */
      tokenSecret: z.string().regex(PORT_SECRET_NAME, "a Port secret name: 1-100 letters, digits, _ or -").default(DEFAULT_PORC_TOKEN_SECRET),
      /** Where PORC serves a run; PORC's API document shows both /run/{run_id} and /runs/{run_id}. */
      runPath: z.string().regex(PORC_RUN_PATH, 'a path like "/runs/{run_id}": leading slash, exactly one whole {run_id} segment, no trailing slash or query').default(DEFAULT_PORC_RUN_PATH),
    })
    .strict();
}

export type PorcConfig = z.output<ReturnType<typeof porcConfigSchema>>;
