// `npm run build`: bundle the agent with esbuild.
// - dist/agent/index.js: the Lambda (exports `handler` and `reaper`), one CommonJS file; the AWS
//   SDK v3 stays external because the Node.js Lambda runtime provides it.
// - dist/agent/consumer.js: the Kubernetes consumer, fully self-contained (a plain node image
//   has no AWS SDK), started with `node consumer.js`.
import { build } from "esbuild";
import { statSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "dist", "agent");

export interface BuiltBundle {
  readonly file: string;
  readonly bytes: number;
}

export async function buildAgent(): Promise<BuiltBundle[]> {
  const common = {
    bundle: true,
    platform: "node" as const,
    target: "node20",
    format: "cjs" as const,
    minify: true,
    sourcemap: false,
    legalComments: "none" as const,
    logLevel: "warning" as const,
  };
  const lambda = path.join(outDir, "index.js");
  const consumer = path.join(outDir, "consumer.js");
  await Promise.all([
    build({ ...common, entryPoints: [path.join(root, "agent", "index.ts")], outfile: lambda, external: ["@aws-sdk/*"] }),
    build({ ...common, entryPoints: [path.join(root, "agent", "consumer.ts")], outfile: consumer }),
  ]);
  return [lambda, consumer].map((file) => ({ file: path.relative(root, file), bytes: statSync(file).size }));
}

if (require.main === module) {
  buildAgent().then(
    (bundles) => {
      for (const b of bundles) console.log(`${b.file}  ${(b.bytes / 1024).toFixed(1)} KiB`);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
