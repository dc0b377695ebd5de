// Port and Codefresh credentials. Deployed agents read them from Secrets Manager through
// Powertools Parameters (cached per container for five minutes, so a rotated secret is picked up
// without a redeploy and a warm container makes no Secrets Manager call per record); local runs
// read plain variables, and the Kubernetes pod files of its mounted Secret named by `<NAME>_FILE`
// (secretVariable, used by settings.ts). Values never leave these modules except into the
// clients' auth headers and the Kafka client's SASL settings.
import { readFileSync } from "node:fs";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { z } from "zod";
import type { PortCredentials } from "../clients/port";
import { registerSecret } from "./redact";

/** Where the Port and Codefresh credentials come from (settings.ts resolves it from the environment). */
export type CredentialSource =
  | { readonly kind: "secrets-manager"; readonly portSecretArn: string; readonly codefreshSecretArn: string }
  | { readonly kind: "environment"; readonly portClientId: string; readonly portClientSecret: string; readonly codefreshApiKey: string };

/** Seconds a fetched secret is reused before Secrets Manager is asked again. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret setting: the variable `<name>` when set, else the content of the file named by
 * `<name>_FILE` (a mounted Kubernetes Secret), trailing newline removed. null when neither is
 * set; undefined when the file cannot be used, with the reason (never the content) in `problems`.
 */
export function secretVariable(env: Record<string, string | undefined>, name: string, problems: string[]): string | null | undefined {
  const direct = env[name]?.trim();
  if (direct) return direct;
  const file = env[`${name}_FILE`]?.trim();
  if (!file) return null;
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push(`${name}_FILE ${file} cannot be read (${code})`);
    return undefined;
  }
  const value = content.replace(/(\r?\n)+$/, "");
  if (value.trim() === "") {
    problems.push(`${name}_FILE ${file} is empty`);
    return undefined;
  }
  return value;
}

export interface CredentialProviders {
  readonly port: () => Promise<PortCredentials>;
  readonly codefreshApiKey: () => Promise<string>;
}

export function credentialProviders(source: CredentialSource): CredentialProviders {
  if (source.kind === "environment") {
    const port = { clientId: source.portClientId, clientSecret: source.portClientSecret };
    registerSecret(source.portClientSecret);
    registerSecret(source.codefreshApiKey);
    return { port: async () => port, codefreshApiKey: async () => source.codefreshApiKey };
  }
  // One provider (and SDK client) per container; the SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER.
  // Bounded: a Secrets Manager that never answers must fail the invocation, not hang it.
  const secrets = new SecretsProvider({ clientConfig: { maxAttempts: 2, requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000, throwOnRequestTimeout: true } } });
  const read = async (arn: string, what: string): Promise<string> => {
    const value = await secrets.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
    if (typeof value !== "string" || value.length === 0) throw new Error(`secret for ${what} is empty or binary`);
    registerSecret(value);
    return value;
  };
  const portShape = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
  return {
    port: async () => {
      const raw = await read(source.portSecretArn, "Port credentials");
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        // Never echo the value: it is a secret even when malformed.
        throw new Error("Port credentials secret is not JSON {\"clientId\",\"clientSecret\"}");
      }
      const parsed = portShape.safeParse(json);
      if (!parsed.success) throw new Error("Port credentials secret lacks clientId/clientSecret");
      registerSecret(parsed.data.clientSecret);
      return parsed.data;
    },
    codefreshApiKey: async () => {
      const key = (await read(source.codefreshSecretArn, "Codefresh API key")).trim();
      registerSecret(key);
      return key;
    },
  };
}
