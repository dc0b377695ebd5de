// A stack's config read from Pulumi.<stack>.yaml without the Pulumi CLI — for synth (all keys,
// secrets as masked stand-ins) and drift (plain values only). Encrypted (`secure:`) values are
// never decrypted here; a secret key written in plain text is refused.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { parseStackConfig, PROJECT, SECRET_KEYS, StackConfig } from "./config";

export interface StackFileEntry {
  /** Full key, e.g. "developer-portal:products" or "aws:region". */
  readonly key: string;
  /** The plain value, or undefined for an encrypted one. */
  readonly value: unknown;
  readonly secure: boolean;
}

export function stackFilePath(projectDir: string, stack: string): string {
  return join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(projectDir: string, stack: string): StackFileEntry[] {
  const file = stackFilePath(projectDir, stack);
  if (!existsSync(file)) throw new Error(`stack "${stack}": ${file} does not exist (is "${stack}" the stack name?)`);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid YAML (${(err as Error).message})`);
  }
  const parsed = z.object({ config: z.record(z.string(), z.unknown()).default({}) }).loose().safeParse(doc ?? {});
  if (!parsed.success) throw new Error(`${file}: "config" must be a mapping of keys to values`);
  return Object.entries(parsed.data.config).map(([rawKey, value]) => {
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    const secure = z.object({ secure: z.string() }).safeParse(value).success;
    if (!secure && (SECRET_KEYS as readonly string[]).includes(key.slice(PROJECT.length + 1)) && key.startsWith(`${PROJECT}:`)) {
      throw new Error(`${file}: ${key} must be set with "pulumi config set --secret", not in plain text`);
    }
    return { key, value: secure ? undefined : value, secure };
  });
}

/** The stack's validated config (this project's plain keys). */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const raw: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  for (const entry of readStackFile(projectDir, stack)) {
    if (entry.secure || !entry.key.startsWith(prefix)) continue;
    raw[entry.key.slice(prefix.length)] = entry.value;
  }
  return parseStackConfig(raw);
}
