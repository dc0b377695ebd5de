// Everything the emulated Port organisation holds. Tests read it directly (what was really
// stored, not what a client believes it sent); route modules are the only writers.
import { randomBytes } from "node:crypto";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

/** Server-managed fields Port adds to blueprints, actions, entities and pages. */
export interface Meta {
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface BlueprintProperty {
  type: "string" | "number" | "boolean" | "object" | "array";
  format?: string;
  enum?: unknown[];
  [key: string]: unknown;
}

export interface BlueprintRelation {
  title?: string;
  target: string;
  required: boolean;
  many: boolean;
  description?: string;
  [key: string]: unknown;
}

export interface Blueprint extends Meta {
  identifier: string;
  title: string;
  description?: string;
  icon?: string;
  schema: { properties: Record<string, BlueprintProperty>; required: string[] };
  relations: Record<string, BlueprintRelation>;
  mirrorProperties: Record<string, JsonObject>;
  calculationProperties: Record<string, JsonObject>;
  aggregationProperties: Record<string, JsonObject>;
  [key: string]: unknown;
}

export interface Entity extends Meta {
  identifier: string;
  title: string | null;
  icon?: string | null;
  blueprint: string;
  team: string[];
  properties: Record<string, unknown>;
  relations: Record<string, string | string[] | null>;
}

export interface Action extends Meta {
  id: string;
  identifier: string;
  trigger: JsonObject;
  invocationMethod: JsonObject;
  [key: string]: unknown;
}

export type RunStatus = "IN_PROGRESS" | "SUCCESS" | "FAILURE" | "WAITING_FOR_APPROVAL" | "DECLINED";

export interface RunRef {
  identifier: string;
  title: string | null;
  icon: string | null;
  deleted: boolean;
}

/** A run as GET /v1/actions/runs/{id} shows it. */
export interface Run {
  id: string;
  action: RunRef;
  blueprint?: RunRef;
  entity?: RunRef;
  properties: Record<string, unknown>;
  status: RunStatus;
  statusLabel?: string;
  link?: string | string[];
  summary?: string;
  externalRunId?: string;
  requiredApproval: boolean | { type: "ANY" | "ALL" };
  source: "UI" | "API" | "AUTOMATION";
  endedAt?: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface RunLog {
  id: string;
  runId: string;
  message: string;
  terminationStatus?: "SUCCESS" | "FAILURE";
  statusLabel?: string;
  createdBy: string;
  createdAt: string;
}

/** An entity write made with `?run_id=`. */
export interface AffectedEntity {
  blueprint: string;
  identifier: string;
  operation: "create" | "update" | "delete";
  /** False when the run had already ended (Port only ties writes to IN_PROGRESS runs). */
  whileInProgress: boolean;
  at: string;
}

/** A run plus what the emulator saw happen to it (not part of Port's answer). */
export interface StoredRun {
  run: Run;
  /** Every accepted PATCH body, in order. */
  patches: JsonObject[];
  logs: RunLog[];
  affectedEntities: AffectedEntity[];
}

export interface Page extends Meta {
  identifier: string;
  type: string;
  [key: string]: unknown;
}

export interface Folder extends Meta {
  identifier: string;
  sidebar: string;
  title?: string;
  after?: string;
  parent?: string;
}

export interface IssuedToken {
  token: string;
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

export class PortState {
  readonly blueprints = new Map<string, Blueprint>();
  readonly actions = new Map<string, Action>();
  /** Entities by blueprint identifier, then entity identifier. */
  readonly entities = new Map<string, Map<string, Entity>>();
  readonly runs = new Map<string, StoredRun>();
  readonly pages = new Map<string, Page>();
  readonly folders = new Map<string, Folder>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Completed migrations (delete all entities), by id. */
  readonly migrations = new Map<string, JsonObject>();
  tokensIssued = 0;
  /**
   * Port does not promise to keep the order of string sets (schema.required,
   * userInputs.required): when set, they are stored, and so answered, reversed.
   */
  reorderStringSets = false;

  /** Who server fields say did the write (Port shows the machine user of the credentials). */
  constructor(public actor: string) {}

  /** A string set as this organisation stores it (see reorderStringSets). */
  stringSet(values: readonly string[]): string[] {
    return this.reorderStringSets ? [...values].reverse() : [...values];
  }

  entitiesOf(blueprint: string): Map<string, Entity> {
    let map = this.entities.get(blueprint);
    if (!map) {
      map = new Map();
      this.entities.set(blueprint, map);
    }
    return map;
  }

  entityCount(blueprint: string): number {
    return this.entities.get(blueprint)?.size ?? 0;
  }

  meta(): Meta {
    const now = new Date().toISOString();
    return { createdAt: now, createdBy: this.actor, updatedAt: now, updatedBy: this.actor };
  }

  touched<T extends Meta>(previous: Meta, next: Omit<T, keyof Meta>): T {
    return { ...next, createdAt: previous.createdAt, createdBy: previous.createdBy, updatedAt: new Date().toISOString(), updatedBy: this.actor } as T;
  }

  clear(): void {
    this.blueprints.clear();
    this.actions.clear();
    this.entities.clear();
    this.runs.clear();
    this.pages.clear();
    this.folders.clear();
    this.tokens.clear();
    this.migrations.clear();
    this.tokensIssued = 0;
  }
}

/** Random id in Port's style: a prefix and 16 url-safe characters (`r_q2mGf9ZYkFRnZJjB`). */
export function portId(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(16);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}

export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
