// A dynamic provider for one Port object addressed by identifier (blueprint, action, page):
// create/read/update/delete over the REST API, diff on the canonical form, delete-before-replace
// when the identifier changes, 404 on read = gone. Kinds differ only in routes, canonical form
// and optional checks, which an ObjectKind supplies.
import type * as pulumi from "@pulumi/pulumi";
import { PortApiError, type PortClient } from "../../clients/port";
import { deepEqual, JsonObject } from "./canonical";
import { ConfigureRequest, PortConnection } from "./connection";

/** Inputs (and outputs) of every single-object Port resource. */
export interface PortObjectInputs {
  /** Port API base URL, e.g. https://api.port.io. */
  readonly baseUrl: string;
  readonly identifier: string;
  /** Exactly the JSON body sent to Port. */
  readonly body: JsonObject;
  /** Kind-specific switches (e.g. allowPropertyTypeChange for blueprints). */
  readonly options?: Record<string, boolean>;
  /** Blueprints: value maps for a property type change, by property (not kept in state). */
  readonly converters?: JsonObject;
  /** Blueprints: new property → old property (`renamedFrom`), not kept in state. */
  readonly renames?: JsonObject;
}

export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

export interface ObjectKind {
  /** Human name used in messages ("blueprint"). */
  readonly kind: string;
  get(client: PortClient, identifier: string): Promise<JsonObject | undefined>;
  /** The stored object, or undefined when Port answers the identifier only (then it is read back). */
  create(client: PortClient, body: JsonObject): Promise<JsonObject | undefined>;
  replace(client: PortClient, identifier: string, body: JsonObject): Promise<JsonObject | undefined>;
  /**
   * The switches `remove` reads from state (e.g. deleteEntitiesWithBlueprint): a change of one of
   * them is an update. Every other switch only instructs the update that carries a body change
   * (allowPropertyTypeChange), so turning it on or off alone is no change. Default: every switch.
   */
  readonly stateOptions?: readonly string[];
  /** `props` are the resource's state (its options decide, e.g., whether entities go too). */
  remove(client: PortClient, identifier: string, props: PortObjectInputs): Promise<void>;
  canonical(body: unknown): JsonObject;
  /** Extra validation of a change, run at preview time. */
  checkChange?(olds: PortObjectInputs | undefined, news: PortObjectInputs): CheckFailure[];
  /** Preview-time check of a change against the live data (e.g. values a type change must convert). */
  checkChangeLive?(client: PortClient, olds: PortObjectInputs | undefined, news: PortObjectInputs): Promise<CheckFailure[]>;
  /** Preview-time check of a replacement (delete-before-replace) against the live object. */
  checkReplace?(client: PortClient, olds: PortObjectInputs, news: PortObjectInputs): Promise<CheckFailure[]>;
  /** Replaces `replace` for updates that need more than one call. */
  update?(client: PortClient, olds: PortObjectInputs, news: PortObjectInputs): Promise<JsonObject | undefined>;
}

export class PortObjectProvider implements pulumi.dynamic.ResourceProvider {
  private readonly connection = new PortConnection();

  constructor(private readonly kind: ObjectKind) {}

  async configure(req: ConfigureRequest): Promise<void> {
    this.connection.configure(req);
  }

  async check(olds: Partial<PortObjectInputs>, news: PortObjectInputs): Promise<pulumi.dynamic.CheckResult> {
    const failures: CheckFailure[] = [];
    if (news.body?.identifier !== news.identifier) {
      failures.push({ property: "body", reason: `${this.kind.kind} body identifier ${JSON.stringify(news.body?.identifier)} differs from resource identifier ${JSON.stringify(news.identifier)}` });
    }
    const previous = olds && olds.identifier ? (olds as PortObjectInputs) : undefined;
    failures.push(...(this.kind.checkChange?.(previous, news) ?? []));
    const replacing = previous && (previous.identifier !== news.identifier || previous.baseUrl !== news.baseUrl);
    if (previous && !replacing && failures.length === 0 && this.kind.checkChangeLive) failures.push(...(await this.kind.checkChangeLive(this.connection.client(news.baseUrl), previous, news)));
    if (replacing && this.kind.checkReplace) failures.push(...(await this.kind.checkReplace(this.connection.client(previous.baseUrl), previous, news)));
    return failures.length > 0 ? { failures } : { inputs: news };
  }

  private stateOptions(inputs: PortObjectInputs): Record<string, boolean> {
    const options = inputs.options ?? {};
    const kept = this.kind.stateOptions ?? Object.keys(options);
    return Object.fromEntries(Object.entries(options).filter(([k]) => kept.includes(k)));
  }

  async diff(_id: string, olds: PortObjectInputs, news: PortObjectInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.identifier !== news.identifier) replaces.push("identifier");
    if (olds.baseUrl !== news.baseUrl) replaces.push("baseUrl");
    const bodyChanged = !deepEqual(this.kind.canonical(olds.body), this.kind.canonical(news.body));
    const optionsChanged = !deepEqual(this.stateOptions(olds), this.stateOptions(news));
    return {
      changes: replaces.length > 0 || bodyChanged || optionsChanged,
      replaces,
      // Port identifiers are unique: the new object cannot exist beside the old one.
      deleteBeforeReplace: replaces.length > 0,
    };
  }

  /**
   * Create, or adopt: an object that already exists with this identifier (a portal built from
   * the original sample, or a create whose first attempt reached Port before a retry) is taken
   * over with the declared body instead of failing with 409, since dynamic providers cannot
   * `pulumi import`.
   */
  async create(inputs: PortObjectInputs): Promise<pulumi.dynamic.CreateResult> {
    const client = this.connection.client(inputs.baseUrl);
    let stored: JsonObject | undefined;
    try {
      stored = await this.kind.create(client, inputs.body);
    } catch (err) {
      if (!(err instanceof PortApiError && err.status === 409)) throw err;
      const existing = await this.kind.get(client, inputs.identifier);
      if (!existing) throw err;
      const adopted: PortObjectInputs = { ...inputs, body: existing };
      // Adopting must not slip past the preview-time checks (a property type change loses data).
      const failures = this.kind.checkChange?.(adopted, inputs) ?? [];
      if (failures.length > 0) throw new Error(`cannot adopt the existing ${this.kind.kind} "${inputs.identifier}": ${failures.map((f) => f.reason).join(" ")}`);
      stored = this.kind.update ? await this.kind.update(client, adopted, inputs) : await this.kind.replace(client, inputs.identifier, inputs.body);
    }
    return { id: inputs.identifier, outs: this.outputs(inputs, await this.orReadBack(client, inputs.identifier, stored)) };
  }

  async read(id: string, props: PortObjectInputs): Promise<pulumi.dynamic.ReadResult> {
    const live = await this.kind.get(this.connection.client(props.baseUrl), id);
    if (!live) return {}; // gone: Pulumi drops it from state and plans a create
    const outs = this.outputs({ ...props, identifier: id }, live);
    return { id, props: outs, inputs: outs };
  }

  async update(id: string, olds: PortObjectInputs, news: PortObjectInputs): Promise<pulumi.dynamic.UpdateResult> {
    const client = this.connection.client(news.baseUrl);
    // Only a switch changed (options live in state, e.g. for destroy): nothing to send to Port.
    const bodyChanged = !deepEqual(this.kind.canonical(olds.body), this.kind.canonical(news.body));
    const stored = !bodyChanged ? undefined : this.kind.update ? await this.kind.update(client, olds, news) : await this.kind.replace(client, id, news.body);
    return { outs: this.outputs(news, await this.orReadBack(client, id, stored)) };
  }

  async delete(id: string, props: PortObjectInputs): Promise<void> {
    await this.kind.remove(this.connection.client(props.baseUrl), id, props);
  }

  /**
   * Port answers some writes (page and folder create, page PUT) with `{ok, identifier}` only: the
   * write happened, so never repeat it; read the object back as Port's Terraform provider does.
   */
  private async orReadBack(client: PortClient, identifier: string, stored: JsonObject | undefined): Promise<JsonObject> {
    if (stored) return stored;
    const live = await this.kind.get(client, identifier);
    if (!live) throw new Error(`Port accepted the ${this.kind.kind} "${identifier}" but a read right after finds no such ${this.kind.kind}; run \`pulumi refresh\` and retry`);
    return live;
  }

  /** Outputs carry Port's stored object in canonical form, so refresh and diff compare like with like. */
  private outputs(inputs: PortObjectInputs, stored: JsonObject): PortObjectInputs {
    return { baseUrl: inputs.baseUrl, identifier: inputs.identifier, body: this.kind.canonical(stored), ...(inputs.options ? { options: inputs.options } : {}) };
  }
}
