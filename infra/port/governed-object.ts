// A dynamic provider for the governance objects Port keys by something other than a body
// identifier (a team by name, an action's permissions by the action, a scorecard by blueprint
// and identifier): the same guarantees as PortObjectProvider — diff on a canonical form,
// delete-before-replace when the key changes, 404 on read = gone, read returns what create
// returns so refresh sees UI edits.
import type * as pulumi from "@pulumi/pulumi";
import { PortApiError, type PortClient } from "../../clients/port";
import { deepEqual, JsonObject } from "./canonical";
import { ConfigureRequest, PortConnection } from "./connection";

/** Inputs (and outputs) of a governance resource. */
export interface GovernedInputs {
  /** Port API base URL. */
  readonly baseUrl: string;
  /** What the object hangs on (the blueprint of a scorecard); empty when nothing. */
  readonly scope: string;
  /** The object's key within its scope: team name, action identifier, scorecard identifier. */
  readonly key: string;
  /** Exactly the JSON body sent to Port. */
  readonly body: JsonObject;
}

export interface GovernedKind {
  /** Human name used in messages ("team"). */
  readonly kind: string;
  /** The key the body itself names, if any (must equal inputs.key). */
  bodyKey?(body: JsonObject): unknown;
  get(client: PortClient, scope: string, key: string): Promise<JsonObject | undefined>;
  /** Create; may throw a 409 PortApiError when the object exists (then it is adopted with `update`). */
  create(client: PortClient, scope: string, key: string, body: JsonObject): Promise<JsonObject>;
  update(client: PortClient, scope: string, key: string, body: JsonObject): Promise<JsonObject>;
  remove(client: PortClient, scope: string, key: string): Promise<void>;
  /** Canonical form; `declared` (when given) limits a live object to the parts the stack manages. */
  canonical(body: unknown, declared?: JsonObject): JsonObject;
}

export function governedId(scope: string, key: string): string {
  return scope ? `${scope}/${key}` : key;
}

export class GovernedObjectProvider implements pulumi.dynamic.ResourceProvider {
  private readonly connection = new PortConnection();

  constructor(private readonly kind: GovernedKind) {}

  async configure(req: ConfigureRequest): Promise<void> {
    this.connection.configure(req);
  }

  async check(_olds: Partial<GovernedInputs>, news: GovernedInputs): Promise<pulumi.dynamic.CheckResult> {
    const named = this.kind.bodyKey?.(news.body);
    if (named !== undefined && named !== news.key) {
      return { failures: [{ property: "body", reason: `${this.kind.kind} body names ${JSON.stringify(named)}, the resource ${JSON.stringify(news.key)}` }] };
    }
    return { inputs: news };
  }

  async diff(_id: string, olds: GovernedInputs, news: GovernedInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["baseUrl", "scope", "key"] as const).filter((k) => (olds[k] ?? "") !== (news[k] ?? ""));
    // Olds are already limited to what was declared (read/create outputs), so no projection here:
    // a section dropped from the declaration still shows as a change.
    const bodyChanged = !deepEqual(this.kind.canonical(olds.body), this.kind.canonical(news.body));
    return { changes: replaces.length > 0 || bodyChanged, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 };
  }

  /** Create, or adopt an object that already exists under this key (dynamic providers cannot import). */
  async create(inputs: GovernedInputs): Promise<pulumi.dynamic.CreateResult> {
    const client = this.connection.client(inputs.baseUrl);
    let stored: JsonObject;
    try {
      stored = await this.kind.create(client, inputs.scope, inputs.key, inputs.body);
    } catch (err) {
      if (!(err instanceof PortApiError && err.status === 409)) throw err;
      stored = await this.kind.update(client, inputs.scope, inputs.key, inputs.body);
    }
    return { id: governedId(inputs.scope, inputs.key), outs: this.outputs(inputs, stored) };
  }

  async read(id: string, props: GovernedInputs): Promise<pulumi.dynamic.ReadResult> {
    const live = await this.kind.get(this.connection.client(props.baseUrl), props.scope, props.key);
    if (!live) return {}; // gone: Pulumi drops it from state and plans a create
    const outs = this.outputs(props, live);
    return { id, props: outs, inputs: outs };
  }

  async update(_id: string, _olds: GovernedInputs, news: GovernedInputs): Promise<pulumi.dynamic.UpdateResult> {
    const stored = await this.kind.update(this.connection.client(news.baseUrl), news.scope, news.key, news.body);
    return { outs: this.outputs(news, stored) };
  }

  async delete(_id: string, props: GovernedInputs): Promise<void> {
    await this.kind.remove(this.connection.client(props.baseUrl), props.scope, props.key);
  }

  /** Outputs carry Port's stored object, canonical and limited to what the stack declares. */
  private outputs(inputs: GovernedInputs, stored: JsonObject): GovernedInputs {
    return { baseUrl: inputs.baseUrl, scope: inputs.scope, key: inputs.key, body: this.kind.canonical(stored, inputs.body) };
  }
}

/** GET that answers undefined on 404 and the object under `field` otherwise. */
export async function getField(client: PortClient, path: string, field: string): Promise<JsonObject | undefined> {
  let answer: unknown;
  try {
    answer = await client.call("GET", path);
  } catch (err) {
    if (err instanceof PortApiError && err.status === 404) return undefined;
    throw err;
  }
  const value = answer !== null && typeof answer === "object" ? (answer as Record<string, unknown>)[field] : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PortApiError(200, "unexpected_response", `GET ${path}: response has no "${field}" object`, "GET", path);
  }
  return value as JsonObject;
}

/** DELETE where "already gone" is success. */
export async function deleteTolerant(client: PortClient, path: string): Promise<void> {
  try {
    await client.call("DELETE", path);
  } catch (err) {
    if (err instanceof PortApiError && err.status === 404) return;
    throw err;
  }
}

export const enc = (segment: string): string => encodeURIComponent(segment);
