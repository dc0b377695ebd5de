// THE shared Pulumi mocks (awsx style): every registered resource is recorded by type, inputs
// are echoed back as state, and AWS / Kubernetes / dynamic resources get the ids, ARNs and
// names a real provider would return, so components can be constructed directly in a test and
// their inputs asserted.
//
//   const mocks = new ResourceRecorder();
//   before(() => installMocks(mocks));
//   beforeEach(() => mocks.reset());
//   const fn = mocks.one("aws:lambda/function:Function");
//   assert.equal(await promiseOf(component.functionName), fn.state.name);
//
// `setMocks` is process-wide and mocha runs every file in one process, so install the mocks in
// a `before` hook of each suite (not at module level) to be sure yours are the active ones.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { defaultId, defaultState, MOCK_ACCOUNT, MOCK_REGION } from "../../tools/synth/mock-state";

export { MOCK_ACCOUNT, MOCK_REGION } from "../../tools/synth/mock-state";
export const MOCK_PROJECT = "developer-portal";
export const MOCK_STACK = "test";

/** One `registerResource` as the mocks saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine received them (secrets unwrapped, Outputs resolved). */
  readonly inputs: Record<string, any>;
  readonly id: string;
  /** What the mock returned as the resource's outputs. */
  readonly state: Record<string, any>;
  /** false for ComponentResources. */
  readonly custom: boolean;
}

/** Returns extra state for a type; merged over the default state. */
export type StateOverride = (args: pulumi.runtime.MockResourceArgs) => Record<string, any>;

export class ResourceRecorder implements pulumi.runtime.Mocks {
  private recorded: RecordedResource[] = [];
  private readonly overrides = new Map<string, StateOverride>();
  /** Results of `call` (invokes) by token; unknown tokens echo their inputs. */
  private readonly callResults = new Map<string, (inputs: Record<string, any>) => Record<string, any>>([
    ["aws:index/getCallerIdentity:getCallerIdentity", () => ({ accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/test`, userId: "AIDATEST", id: MOCK_ACCOUNT })],
    ["aws:index/getRegion:getRegion", () => ({ name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION })],
    ["aws:index/getPartition:getPartition", () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" })],
  ]);

  /** Every resource registered since the last reset, in registration order. */
  get resources(): readonly RecordedResource[] {
    return this.recorded;
  }

  reset(): void {
    this.recorded = [];
  }

  /** Replace or extend the state returned for one type token. */
  override(type: string, fn: StateOverride): void {
    this.overrides.set(type, fn);
  }

  /** Answer an invoke token with a fixed function of its inputs. */
  onCall(token: string, fn: (inputs: Record<string, any>) => Record<string, any>): void {
    this.callResults.set(token, fn);
  }

  byType(type: string): RecordedResource[] {
    return this.recorded.filter((r) => r.type === type);
  }

  /** Exactly one resource of this type (optionally with this logical name); throws otherwise. */
  one(type: string, name?: string): RecordedResource {
    const found = this.byType(type).filter((r) => name === undefined || r.name === name);
    if (found.length !== 1) {
      const seen = this.recorded.map((r) => `${r.type}::${r.name}`).join("\n  ");
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}; registered:\n  ${seen}`);
    }
    return found[0];
  }

  /** Type tokens of all recorded custom resources (sorted, with duplicates). */
  types(): string[] {
    return this.recorded.filter((r) => r.custom).map((r) => r.type).sort();
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    // args.id is "" for a new resource and the real id for a read (`.get()`).
    const id = args.id ? args.id : defaultId(args);
    const state = { ...args.inputs, ...defaultState(args, id), ...(this.overrides.get(args.type)?.(args) ?? {}) };
    this.recorded.push({ type: args.type, name: args.name, inputs: args.inputs, id, state, custom: args.custom ?? true });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    const fn = this.callResults.get(args.token);
    return fn ? fn(args.inputs) : args.inputs;
  }
}

/** A stand-in agent bundle directory (what `npm run build` writes), for component tests. */
export function fakeAgentBundleDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-bundle-"));
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => ({}); exports.reaper = async () => ({});\n");
  fs.writeFileSync(path.join(dir, "consumer.js"), "// kubernetes entry, not for Lambda\n");
  return dir;
}

/** Make `mocks` the active Pulumi mocks (not a preview, so every output resolves). */
export async function installMocks(mocks: ResourceRecorder): Promise<void> {
  await pulumi.runtime.setMocks(mocks, MOCK_PROJECT, MOCK_STACK, false);
}

/** Resolve an Output's value (awsx's `promiseOf`). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise<T>((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** Give resources the chance to finish registering (the SDK registers asynchronously). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 10));
}

/** The engine's marker for a secret value in recorded inputs (`{[SECRET_SIG]: …, value}`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** True when a recorded input value arrived as a Pulumi secret. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG in value;
}

/** A recorded input with secret markers removed (for asserting on the plain shape). */
export function reveal(value: any): any {
  if (isSecretInput(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}
