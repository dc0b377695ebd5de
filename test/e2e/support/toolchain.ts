// The Pulumi toolchain the real-engine tests drive: PULUMI_TOOLCHAIN_BIN when set (CI builds it
// once beforehand), else `tools/toolchain/build.sh` (a cache hit in seconds after the first build).
// Anything missing is an error, never a skip: a suite that silently skips proves nothing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..", "..");

export interface Toolchain {
  /** Absolute directory holding `pulumi` and the plugins. */
  readonly bin: string;
  /** Its parent: what `PulumiCommand.get({ root })` expects (`<root>/bin/pulumi`). */
  readonly root: string;
}

export function pulumiToolchain(): Toolchain {
  let bin = process.env.PULUMI_TOOLCHAIN_BIN;
  if (!bin) {
    let stdout: string;
    try {
      stdout = execFileSync("bash", [join(ROOT, "tools", "toolchain", "build.sh")], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30 * 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`the Pulumi toolchain could not be built: ${(e.stderr ?? "").trim() || e.message}`);
    }
    bin = stdout.trim().split("\n").pop() ?? "";
  }
  if (!isAbsolute(bin)) throw new Error(`the toolchain bin dir must be an absolute path, got ${JSON.stringify(bin)}`);
  for (const tool of ["pulumi", "pulumi-resource-pulumi-nodejs"]) {
    if (!existsSync(join(bin, tool))) throw new Error(`${join(bin, tool)} is missing: rebuild with \`npm run -s toolchain\``);
  }
  return { bin, root: resolve(bin, "..") };
}
