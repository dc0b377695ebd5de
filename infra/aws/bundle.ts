// The Lambda code archive: the agent bundle that `npm run build` writes (dist/agent/index.js,
// exporting `handler` and `reaper`).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const DEFAULT_BUNDLE_DIR = "dist/agent";
/** The Lambda entry file inside the bundle; handlers are `index.handler` and `index.reaper`. */
export const LAMBDA_ENTRY = "index.js";

/** An archive holding the bundle's Lambda entry (esbuild inlines every dependency into it). */
export function lambdaCodeArchive(bundleDir: string = DEFAULT_BUNDLE_DIR): pulumi.asset.AssetArchive {
  const entry = path.resolve(bundleDir, LAMBDA_ENTRY);
  if (!fs.existsSync(entry)) {
    throw new Error(`agent bundle not found: ${entry} is missing (run \`npm run build\` first)`);
  }
  return new pulumi.asset.AssetArchive({ [LAMBDA_ENTRY]: new pulumi.asset.FileAsset(entry) });
}
