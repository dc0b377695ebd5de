// Evaluates the Pulumi program without the CLI: Pulumi's own mock monitor stands in for the
// engine, and every registered resource is recorded with its type, name, parent and inputs.
// This is what `synth` writes out and what the mock tests assert on.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { defaultId, defaultState } from "./mock-state";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Name of the parent resource, when it has one (the stack itself has none). */
  parent?: string;
  /** Names of the resources it explicitly waits for (`dependsOn`). */
  dependsOn?: string[];
  readonly custom: boolean;
  /** Inputs as the engine received them; Pulumi secrets still wrapped (see isSecretValue). */
  readonly inputs: Record<string, unknown>;
}

// Pulumi's wire marker for secret values (runtime/rpc: specialSigKey / specialSecretSig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret replaced by "[secret]" and the dynamic providers' code dropped. */
export function maskSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    if (value instanceof pulumi.asset.FileAsset || value instanceof pulumi.asset.StringAsset || value instanceof pulumi.asset.FileArchive || value instanceof pulumi.asset.AssetArchive) {
      return describeAsset(value);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "__provider") continue;
      out[k] = maskSecrets(v);
    }
    return out;
  }
  return value;
}

function describeAsset(value: unknown): unknown {
  const v = value as Record<string, unknown>;
  if (value instanceof pulumi.asset.FileAsset || value instanceof pulumi.asset.FileArchive) return { kind: value.constructor.name, path: "[path]" };
  if (value instanceof pulumi.asset.StringAsset) return { kind: "StringAsset" };
  return { kind: "AssetArchive", assets: Object.keys((v.assets as Record<string, unknown>) ?? {}).sort() };
}

export interface MockRun {
  readonly resources: RecordedResource[];
  /**
   * Run the program inside the root stack resource (as the Pulumi language host does), wait
   * until every registration has been answered, and return the stack outputs.
   */
  run(program: () => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<Record<string, unknown>>;
}

/**
 * Install Pulumi mocks for `project`/`stack` with the given config (plain values, secrets
 * listed in `secretKeys`), recording every resource. Once per process: Pulumi's runtime state
 * is global.
 */
export async function installMocks(opts: { project: string; stack: string; config: Record<string, string>; secretKeys: string[] }): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  const links: { type: string; name: string; parent?: pulumi.Resource; dependsOn: pulumi.Resource[] }[] = [];
  const names = new WeakMap<pulumi.Resource, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        resources.push({ type: args.type, name: args.name, custom: args.custom ?? false, inputs: args.inputs });
        const id = args.id ? args.id : defaultId(args);
        return { id, state: { ...args.inputs, ...defaultState(args, id) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    opts.project,
    opts.stack,
    false,
  );
  pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

  return {
    resources,
    async run(program) {
      let outputs: Record<string, unknown> = {};
      let failure: { err: unknown } | undefined;
      await pulumi.runtime.runInPulumiStack(async () => {
        // Legacy stack transformations still run under mocks; they are the one place a
        // resource's parent is visible, so names are collected here and matched afterwards.
        pulumi.runtime.registerStackTransformation((args) => {
          names.set(args.resource, args.name);
          const deps = args.opts.dependsOn;
          const dependsOn = (Array.isArray(deps) ? deps : deps ? [deps] : []).filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d));
          links.push({ type: args.type, name: args.name, parent: args.opts.parent, dependsOn });
          return undefined;
        });
        try {
          outputs = await program();
        } catch (err) {
          // Kept and rethrown below: a rejection inside the stack's init would also surface as an
          // uncaught error of Pulumi's runtime, after the caller had already reported it.
          failure = { err };
        }
        return outputs;
      });
      await waitForRegistrations();
      if (failure) throw failure.err;
      for (const link of links) {
        const target = resources.find((r) => r.type === link.type && r.name === link.name);
        if (!target) continue;
        const parentName = link.parent ? names.get(link.parent) : undefined;
        if (parentName) target.parent = parentName;
        const deps = link.dependsOn.map((d) => names.get(d)).filter((n): n is string => n !== undefined);
        if (deps.length > 0) target.dependsOn = deps.sort();
      }
      return outputs;
    },
  };
}

/** Pulumi's own "all RPCs answered" barrier (runtime/settings, not in its typings). */
async function waitForRegistrations(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings: unknown = require("@pulumi/pulumi/runtime/settings");
  const parsed = z.object({ waitForRPCs: z.function() }).loose().safeParse(settings);
  if (!parsed.success) throw new Error("this @pulumi/pulumi version does not expose runtime.settings.waitForRPCs");
  await (parsed.data.waitForRPCs as () => Promise<void>)();
}
