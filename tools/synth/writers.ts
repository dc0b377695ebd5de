// Where each recorded resource's payload goes in the synth output: the exact bodies the
// providers send, one file per object, named by identifier so a PR diff reads like the portal.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { maskSecrets, RecordedResource } from "./mock-runtime";

const PORT = "pulumi-nodejs:dynamic/port:";
const CODEFRESH = "pulumi-nodejs:dynamic/codefresh:";

/** File-name-safe form of an identifier (Port allows "/" and ":" in identifiers). */
function fileName(identifier: string): string {
  return identifier.replace(/[/\\:]/g, "_");
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(maskSecrets(value), null, 2)}\n`);
}

export async function writeResourceFiles(outDir: string, resources: readonly RecordedResource[], projectDir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = { blueprints: 0, actions: 0, entities: 0, pages: 0, folders: 0, teams: 0, actionPermissions: 0, scorecards: 0, pipelines: 0, agent: 0 };
  for (const r of resources) {
    const inputs = r.inputs as Record<string, unknown>;
    switch (r.type) {
      case `${PORT}Blueprint`:
        writeJson(path.join(outDir, "port", "blueprints", `${fileName(String(inputs.identifier))}.json`), inputs.body);
        writeMigration(outDir, inputs);
        counts.blueprints++;
        break;
      case `${PORT}Action`:
        writeJson(path.join(outDir, "port", "actions", `${fileName(String(inputs.identifier))}.json`), inputs.body);
        counts.actions++;
        break;
      case `${PORT}Page`:
        writeJson(path.join(outDir, "port", "pages", `${fileName(String(inputs.identifier))}.json`), inputs.body);
        counts.pages++;
        break;
      case `${PORT}Folder`:
        writeJson(path.join(outDir, "port", "folders", `${fileName(String(inputs.identifier))}.json`), inputs.body);
        counts.folders++;
        break;
      case `${PORT}Team`:
        writeJson(path.join(outDir, "port", "teams", `${fileName(String(inputs.key))}.json`), inputs.body);
        counts.teams++;
        break;
      case `${PORT}ActionPermissions`:
        writeJson(path.join(outDir, "port", "action-permissions", `${fileName(String(inputs.key))}.json`), inputs.body);
        counts.actionPermissions++;
        break;
      case `${PORT}Scorecard`:
        writeJson(path.join(outDir, "port", "scorecards", fileName(String(inputs.scope)), `${fileName(String(inputs.key))}.json`), inputs.body);
        counts.scorecards++;
        break;
      case `${PORT}EntitySet`: {
        const entities = (inputs.entities ?? []) as { identifier: string }[];
        for (const e of entities) writeJson(path.join(outDir, "port", "entities", String(inputs.blueprint), `${fileName(e.identifier)}.json`), e);
        counts.entities += entities.length;
        break;
      }
      case `${CODEFRESH}Pipeline`: {
        const [project, ...rest] = String(inputs.name).split("/");
        const file = path.join(outDir, "codefresh", "pipelines", fileName(project), `${fileName(rest.join("/") || project)}.yml`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, String(inputs.yaml));
        counts.pipelines++;
        break;
      }
      case "aws:lambda/function:Function":
        counts.agent += await copyArchive(inputs.code, path.join(outDir, "agent", fileName(r.name)), projectDir);
        break;
      default:
        break;
    }
  }
  return counts;
}

/** A blueprint's migration switches, for `diff` (a conversion keeps the data, a declared rename is no removal); only when set. */
function writeMigration(outDir: string, inputs: Record<string, unknown>): void {
  const allow = (inputs.options as { allowPropertyTypeChange?: unknown } | undefined)?.allowPropertyTypeChange === true;
  const renamedFrom = (inputs.renames ?? {}) as Record<string, unknown>;
  if (!allow && Object.keys(renamedFrom).length === 0) return;
  writeJson(path.join(outDir, "port", "migrations", `${fileName(String(inputs.identifier))}.json`), { allowPropertyTypeChange: allow, renamedFrom });
}

/** Copy the files of a Lambda code archive, i.e. the agent bundle `pulumi up` would upload. */
async function copyArchive(code: unknown, dest: string, projectDir: string): Promise<number> {
  let copied = 0;
  const copyFile = async (asset: pulumi.asset.FileAsset, name: string) => {
    const source = path.resolve(projectDir, await asset.path);
    if (!fs.existsSync(source)) return;
    fs.mkdirSync(path.dirname(path.join(dest, name)), { recursive: true });
    fs.copyFileSync(source, path.join(dest, name));
    copied++;
  };
  if (code instanceof pulumi.asset.AssetArchive) {
    const assets = (await code.assets) as Record<string, unknown>;
    for (const [name, asset] of Object.entries(assets)) if (asset instanceof pulumi.asset.FileAsset) await copyFile(asset, name);
  } else if (code instanceof pulumi.asset.FileArchive) {
    const dir = path.resolve(projectDir, await code.path);
    if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) {
      fs.cpSync(dir, dest, { recursive: true });
      copied += fs.readdirSync(dir).length;
    }
  }
  return copied;
}
