// Everything the emulator remembers, kept in plain maps so tests can inspect and seed it.
import { randomBytes } from "node:crypto";

/** A fake account id: Codefresh stamps every object with the caller's account. */
export const ACCOUNT_ID = "5f0c0ffee0c0ffee0c0ffee0";

export const BUILD_STATUSES = [
  "pending", "elected", "running", "error", "success", "terminating", "terminated",
  "pending-approval", "delayed", "denied",
] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** The SDK's END_STATUSES plus `denied` (approval refused ends the build too). */
export const TERMINAL_STATUSES: ReadonlySet<BuildStatus> = new Set(["error", "success", "terminated", "denied"]);

export interface Variable {
  key: string;
  value: string | number | boolean;
  encrypted: boolean;
}

export interface Project {
  id: string;
  projectName: string;
  tags: string[];
  variables: Variable[];
  accountId: string;
  createdAt: string;
  updatedAt: string;
}

/** The pipeline document as stored: plaintext encrypted values, server fields filled in. */
export interface PipelineDoc {
  version: string;
  kind: string;
  metadata: Record<string, unknown> & {
    id: string;
    name: string;
    project: string;
    projectId: string;
    revision: number;
    accountId: string;
    created_at: string;
    updated_at: string;
  };
  spec: Record<string, unknown> & { variables: Variable[] };
}

export interface StoredPipeline {
  current: PipelineDoc;
  /** Every stored revision, oldest first (history[i].metadata.revision === i). */
  history: PipelineDoc[];
}

export interface Build {
  id: string;
  status: BuildStatus;
  created: string;
  updated: string;
  started: string | null;
  finished: string | null;
  progress: string;
  pipelineName: string;
  serviceId: string;
  projectId: string;
  branchName: string | null;
  revision: string | null;
  trigger: string | null;
  /** Run-time variables, normalized from either request shape to a map. */
  variables: Record<string, string>;
  /** Keys sent with `encrypted: true` (array shape only). */
  encryptedVariables: string[];
  annotations: Record<string, string | number | boolean>;
  options: Record<string, unknown>;
  contexts: string[];
  userYamlDescriptor: string | null;
  /** The `reqId` query parameter the SDK adds to run calls, if any. */
  reqId: string | null;
  /** The run request body exactly as received. */
  requestBody: unknown;
}

export interface Annotation {
  _id: string;
  accountId: string;
  entityId: string;
  entityType: string;
  key: string;
  value: string | number | boolean;
}

/** A Mongo-style ObjectId: 8 hex of seconds + 16 random hex, like the ids Codefresh returns. */
export function objectId(now = Date.now()): string {
  return Math.floor(now / 1000).toString(16).padStart(8, "0") + randomBytes(8).toString("hex");
}

export const OBJECT_ID = /^[0-9a-f]{24}$/;

export class CodefreshState {
  readonly projects = new Map<string, Project>();
  readonly pipelines = new Map<string, StoredPipeline>();
  readonly builds = new Map<string, Build>();
  readonly annotations: Annotation[] = [];

  constructor(readonly now: () => Date = () => new Date()) {}

  isoNow(): string {
    return this.now().toISOString();
  }

  newId(): string {
    return objectId(this.now().getTime());
  }

  projectByName(name: string): Project | undefined {
    for (const p of this.projects.values()) if (p.projectName === name) return p;
    return undefined;
  }

  /** Codefresh accepts the pipeline id or its full `project/name` wherever a pipeline is named. */
  pipeline(idOrName: string): StoredPipeline | undefined {
    const byId = this.pipelines.get(idOrName);
    if (byId) return byId;
    for (const p of this.pipelines.values()) if (p.current.metadata.name === idOrName) return p;
    return undefined;
  }

  buildByProgress(progressId: string): Build | undefined {
    for (const b of this.builds.values()) if (b.progress === progressId) return b;
    return undefined;
  }

  reset(): void {
    this.projects.clear();
    this.pipelines.clear();
    this.builds.clear();
    this.annotations.length = 0;
  }
}
