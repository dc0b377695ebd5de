// synth: evaluate the program for one stack under Pulumi mocks and write what `pulumi up` would
// send — Port JSON, pipeline YAML, the resource list (secrets masked), the agent bundle and a
// catalog overview — so people and CI can review a change without credentials or the CLI.
import * as fs from "node:fs";
import * as path from "node:path";
import { pipelineBody } from "../../infra/codefresh/provider";
import { PROJECT, SECRET_KEYS } from "../../stacks/config";
import { readStackFile } from "../../stacks/stack-file";
import { installMocks, maskSecrets, RecordedResource } from "./mock-runtime";
import { renderCatalogMarkdown } from "./catalog-markdown";
import { writeResourceFiles } from "./writers";

export interface SynthOptions {
  /** Stack name: reads Pulumi.<stack>.yaml. */
  readonly stack: string;
  /** Output directory (created; replaced when it holds an earlier synth). */
  readonly out: string;
  /** Directory holding Pulumi.yaml (default: the current directory). */
  readonly projectDir?: string;
}

export interface SynthResult {
  readonly outDir: string;
  /** Files written per kind (blueprints, actions, entities, pages, pipelines, agent). */
  readonly counts: Record<string, number>;
  readonly files: number;
  readonly resources: number;
}

const MANIFEST = ".synth-manifest.json";

/** Config values of a stack file as Pulumi's runtime expects them (JSON text per key). */
export function pulumiConfigOf(projectDir: string, stack: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const entry of readStackFile(projectDir, stack)) {
    if (entry.secure) {
      // Encrypted values cannot be read offline; synth shows them as masked placeholders.
      config[entry.key] = "[secret]";
      secretKeys.push(entry.key);
    } else {
      config[entry.key] = typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value);
    }
  }
  return { config, secretKeys };
}

/** Offline, unset secrets are stand-ins: synth shows the shape `pulumi up` would send, masked. */
function withSecretPlaceholders(stack: { config: Record<string, string>; secretKeys: string[] }) {
  const config = { ...stack.config };
  const secretKeys = [...stack.secretKeys];
  for (const name of SECRET_KEYS) {
    const key = `${PROJECT}:${name}`;
    if (config[key] !== undefined) continue;
    config[key] = "[unset secret]";
    secretKeys.push(key);
  }
  return { config, secretKeys };
}

function prepareOutDir(outDir: string): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(MANIFEST)) {
      throw new Error(`refusing to write into ${outDir}: it is not empty and holds no earlier synth output`);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
}

/**
 * The request body a provider builds from its inputs, where it is not simply one input: a
 * pipeline's body is assembled from its YAML (steps in YAML order, as Codefresh receives them).
 * Built from the inputs as the engine delivered them (keys sorted), so it shows what really goes out.
 */
function sends(r: RecordedResource): { sends?: unknown } {
  if (r.type !== "pulumi-nodejs:dynamic/codefresh:Pipeline") return {};
  const inputs = r.inputs as { yaml?: unknown; document?: unknown };
  return { sends: maskSecrets(pipelineBody({ yaml: String(inputs.yaml ?? ""), document: (inputs.document ?? {}) as Record<string, unknown> })) };
}

export async function synth(opts: SynthOptions): Promise<SynthResult> {
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  const outDir = path.resolve(opts.out);
  const { config, secretKeys } = withSecretPlaceholders(pulumiConfigOf(projectDir, opts.stack));

  const run = await installMocks({ project: PROJECT, stack: opts.stack, config, secretKeys });
  // Loaded after the mocks so the program's module-level Pulumi calls see them.
  const { runProgram, loadConfig } = await import("../../stacks/program");
  await run.run(() => ({ ...runProgram(loadConfig()) }));

  prepareOutDir(outDir);
  const counts = await writeResourceFiles(outDir, run.resources, projectDir);
  const resourceList = run.resources.map((r: RecordedResource) => ({ type: r.type, name: r.name, parent: r.parent ?? null, dependsOn: r.dependsOn ?? [], inputs: maskSecrets(r.inputs), ...sends(r) }));
  fs.writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(resourceList, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, "catalog.md"), renderCatalogMarkdown(run.resources, opts.stack));
  const files = Object.values(counts).reduce((a, b) => a + b, 0) + 2;
  fs.writeFileSync(path.join(outDir, MANIFEST), `${JSON.stringify({ stack: opts.stack, counts, resources: run.resources.length }, null, 2)}\n`);
  return { outDir, counts, files, resources: run.resources.length };
}
