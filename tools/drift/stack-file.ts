// A stack's declared config read from Pulumi.<stack>.yaml without the Pulumi CLI: the plain
// values under the project namespace. Secrets (`secure:` values) are skipped: drift never needs
// them and must not decrypt them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { parseStackConfig, PROJECT, StackConfig } from "../../stacks/config";

export function stackFilePath(projectDir: string, stack: string): string {
  return join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const file = stackFilePath(projectDir, stack);
  if (!existsSync(file)) throw new Error(`stack "${stack}": ${file} does not exist`);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid YAML (${(err as Error).message})`);
  }
  const parsed = z.object({ config: z.record(z.string(), z.unknown()).default({}) }).loose().safeParse(doc ?? {});
  if (!parsed.success) throw new Error(`${file}: "config" must be a mapping of keys to values`);
  const raw: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  for (const [key, value] of Object.entries(parsed.data.config)) {
    if (!key.startsWith(prefix)) continue;
    if (z.object({ secure: z.string() }).safeParse(value).success) continue;
    raw[key.slice(prefix.length)] = value;
  }
  return parseStackConfig(raw);
}
