// The run ledger: one DynamoDB item per Port run id, written with conditional expressions so
// that a redelivered record starts no second build and two reapers never close one run twice.
//
// Life of an item:   claimed ──build started──▶ started ──run closed──▶ closed
//                       │                          ▲
//                       ├──refused/failed──▶ done  │ (reaper adopts a build found by annotation)
//                       └──────────────────────────┘
// "closing" is a reaper's short lock (token + time) so a second reaper backs off, and a reaper
// that died holding it is replaced once the lock is stale.
//
// Every call has a deadline (a DynamoDB that accepts connections and never answers must not hold
// a batch until the function times out), and after a call timed out the ledger answers
// "unavailable" at once for a short while instead of making every record wait again.
import { randomUUID } from "node:crypto";
import { LEDGER_PARTITION_KEY, LEDGER_TTL_ATTRIBUTE } from "./contract";
import { AttributeValue, BatchWriteItemCommand, ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";

export const LEDGER_STATES = ["claimed", "started", "refused", "failed", "closing", "closed"] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

function entrySchema() {
  return z.object({
    runId: z.string(),
    state: z.enum(LEDGER_STATES),
    pipeline: z.string(),
    environment: z.string(),
    claimedAt: z.number(),
    updatedAt: z.number(),
    expiresAt: z.number(),
    buildId: z.string().optional(),
    buildUrl: z.string().optional(),
    lockToken: z.string().optional(),
    lockedAt: z.number().optional(),
    reason: z.string().optional(),
    /** Random token of the claim's writer: a retried PutItem meeting its own item is still a claim. */
    owner: z.string().optional(),
  });
}
export type LedgerEntry = z.output<ReturnType<typeof entrySchema>>;

/** The table's key and TTL attribute (agent/contract.ts; infra/aws/ledger.ts creates the table) are entry fields. */
export const LEDGER_TABLE_ATTRIBUTES = [LEDGER_PARTITION_KEY, LEDGER_TTL_ATTRIBUTE] as const satisfies readonly (keyof LedgerEntry)[];

export interface LedgerOptions {
  readonly table: string;
  readonly ttlDays: number;
  /** Injected for tests; by default one client per container (honours AWS_ENDPOINT_URL_DYNAMODB). */
  readonly client?: DynamoDBClient;
  readonly now?: () => number;
  /** Deadline of one ledger call, SDK retries included (default LEDGER_CALL_TIMEOUT_MS). */
  readonly callTimeoutMs?: number;
}

/** Read by prepare(): not a Port run id (those start with "r_"), so never an entry. */
const WARM_UP_KEY = "agent-init-warm-up";
/** One ledger call, retries included, gives up after this long. */
export const LEDGER_CALL_TIMEOUT_MS = 5_000;
/** After a call timed out or could not connect, calls fail at once for this long. */
const UNAVAILABLE_FOR_MS = 15_000;
/**
 * A claim this young is this container's alone: the reaper takes over a claim only after the
 * claim lease (at least 60 s, settings.ts), and no other writer touches a claimed item. Half the
 * minimum lease leaves room for the write's own deadline.
 */
const EXCLUSIVE_CLAIM_MS = 30_000;
/** DynamoDB's limit of items in one BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;
/**
 * While other claims of this container still wait for their build, a started mark waits up to
 * this long for theirs to share one BatchWriteItem; with none waiting it is written at once.
 */
const START_WINDOW_MS = 25;
/** Rounds of re-sending the items DynamoDB left unprocessed (throttling) before giving up on them. */
const UNPROCESSED_ROUNDS = 3;
/** DynamoDB's limit of items in one TransactWriteItems. */
const TRANSACTION_LIMIT = 100;
/** Transactions for a batch's claims (each for the items the previous one left) before the rest go one by one. */
const TRANSACTION_ROUNDS = 3;

/** A batch's claims made ahead of its workers (RunLedger.claimBatch). */
interface ClaimPlan {
  /** In the order the workers are expected to draw on them. */
  readonly entries: readonly LedgerEntry[];
  readonly byRun: ReadonlyMap<string, LedgerEntry>;
  /** The answer of every run sent so far. */
  readonly results: Map<string, Promise<ClaimResult>>;
  /** At most this many runs sent and not yet drawn on by a worker. */
  readonly size: number;
  /** Entries before it were sent (or passed over, sent out of order). */
  cursor: number;
  /** Runs sent and not yet drawn on. */
  waiting: number;
}

/** The same promise, marked handled: its rejection is for whoever awaits it, never an unhandled one meanwhile. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The ledger did not answer in time (or recently did not): nothing is known about the write. */
export class LedgerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerUnavailableError";
  }
}

/**
 * What a claim found: `claimed` the run is this delivery's; `duplicate` another delivery has it;
 * `maybe-started` this delivery may proceed, but an earlier one may have started a build that is
 * not linked yet (look it up by annotation before starting one).
 */
export type ClaimResult = "claimed" | "duplicate" | "maybe-started";

/**
 * What the record path (deploy-record.ts) needs of a run ledger: the first sighting of a run
 * claims it, and the claim's outcome is recorded. RunLedger (DynamoDB, conditional writes) is
 * the strong one; PortRunLedger (port-ledger.ts) serves a cluster without DynamoDB.
 */
export interface RunClaims {
  /** The first delivery of a run claims it; a redelivery finds it claimed. */
  claim(runId: string, what: { pipeline: string; environment: string }): Promise<ClaimResult>;
  /**
   * Optional: claim a batch's runs in few requests, in the order they are expected, at most
   * `aheadLimit` ahead of the workers; a later claim() of one of them answers from it (once: a
   * second claim of the same run in the batch takes the single path).
   */
  claimBatch?(runs: readonly { runId: string; pipeline: string; environment: string }[], aheadLimit?: number): void;
  markStarted(runId: string, build: { buildId: string; buildUrl: string }): Promise<boolean>;
  markDone(runId: string, state: "refused" | "failed", reason: string): Promise<boolean>;
}

export class RunLedger implements RunClaims {
  private readonly doc: DynamoDBDocumentClient;
  /** The plain client, for the per-record writes: the document layer's marshalling middleware costs CPU on every call. */
  private readonly raw: DynamoDBClient;
  private readonly table: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly schema = entrySchema();
  private readonly callTimeoutMs: number;
  private unavailableUntil = 0;
  /** Claims this container won and has not settled yet: the started mark rewrites them whole. */
  private readonly ownClaims = new Map<string, LedgerEntry>();
  private startQueue: { entry: LedgerEntry; resolve: (ok: boolean) => void; reject: (err: unknown) => void }[] = [];
  private startTimer: NodeJS.Timeout | undefined;
  /** Runs of a batch claimed (or to be claimed) ahead by claimBatch, each handed to the first claim() of its run. */
  private readonly batchClaims = new Map<string, ClaimPlan>();

  constructor(opts: LedgerOptions) {
    this.callTimeoutMs = opts.callTimeoutMs ?? LEDGER_CALL_TIMEOUT_MS;
    // Per-attempt timeouts so the SDK's own retries fit in the call's deadline.
    const attempt = Math.max(200, Math.floor(this.callTimeoutMs / 3));
    const client = opts.client ?? new DynamoDBClient({ maxAttempts: 3, requestHandler: { connectionTimeout: attempt, requestTimeout: attempt, throwOnRequestTimeout: true } });
    this.raw = client;
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = opts.table;
    this.ttlSeconds = opts.ttlDays * 86_400;
    this.now = opts.now ?? Date.now;
  }

  /**
   * First sighting of a run id wins. A conditional failure is read back (consistently): when the
   * item carries this claim's owner token, the SDK retried a PutItem whose answer was lost and
   * met its own write — still this delivery's claim, not a duplicate.
   */
  claim(runId: string, what: { pipeline: string; environment: string }): Promise<ClaimResult> {
    const plan = this.batchClaims.get(runId);
    if (!plan) return this.putClaim(this.claimEntry(runId, what, this.now()));
    this.batchClaims.delete(runId);
    let result = plan.results.get(runId);
    if (result) plan.waiting--;
    else {
      // Asked for before its turn: sent now, with the next expected runs that fit under the bound.
      this.sendClaims(plan, [plan.byRun.get(runId)!, ...this.unsent(plan, plan.size - plan.waiting - 1)]);
      plan.waiting--;
      result = plan.results.get(runId)!;
    }
    // Half the claims ahead drawn on: the next ones go, so no worker waits for a transaction.
    if (plan.waiting <= plan.size / 2) this.sendClaims(plan, this.unsent(plan, plan.size - plan.waiting));
    return result;
  }

  /**
   * Claims a batch's runs in TransactWriteItems instead of one PutItem each, ahead of the workers
   * but never far ahead: at most `aheadLimit` runs (the worker count) claimed and not yet drawn on
   * by a worker, topped up when half of them are (and a run asked for out of the expected order is
   * sent at once, with what fits). So a container that dies mid-batch leaves at most that many runs
   * claimed and not started beside those in flight (a redelivery finds them claimed and the reaper
   * closes them), where a claim per record left only the runs in flight. Every item is conditional
   * on the run being new. A cancelled transaction says per item why (CancellationReasons): a run
   * already in the ledger is read back like a single claim's conditional failure (duplicate, or
   * this claim's own item); items that merely shared the transaction go in the next one; a conflict
   * or any other reason, or an error that is not a cancellation, sends the items to the single
   * PutItem claim, with the same owner token (so an item a transaction did write is recognised as
   * this claim's). A transaction retried by the SDK after a lost answer carries the same
   * ClientRequestToken (DynamoDB then answers it as the first time, for 10 minutes); the owner
   * token covers a stand-in or a later retry that does not.
   */
  claimBatch(runs: readonly { runId: string; pipeline: string; environment: string }[], aheadLimit = TRANSACTION_LIMIT): void {
    const now = this.now();
    const seen = new Set<string>();
    // A run twice in the batch (the same item twice is refused in one transaction): the second claim() goes single.
    const entries = runs.filter((r) => !this.batchClaims.has(r.runId) && !seen.has(r.runId) && seen.add(r.runId)).map((r) => this.claimEntry(r.runId, { pipeline: r.pipeline, environment: r.environment }, now));
    // A lone claim is cheaper as a PutItem (a transactional write costs twice the capacity).
    if (entries.length < 2) return;
    if (this.batchClaims.size >= 10_000) this.batchClaims.clear(); // never drawn on (should not happen): bounded anyway
    const plan: ClaimPlan = { entries, byRun: new Map(entries.map((e) => [e.runId, e])), results: new Map(), size: Math.max(2, Math.min(aheadLimit, TRANSACTION_LIMIT)), cursor: 0, waiting: 0 };
    for (const entry of entries) this.batchClaims.set(entry.runId, plan);
    this.sendClaims(plan, this.unsent(plan, plan.size));
  }

  /** The next `n` runs in the expected order that were not sent yet. */
  private unsent(plan: ClaimPlan, n: number): LedgerEntry[] {
    const out: LedgerEntry[] = [];
    while (out.length < n && plan.cursor < plan.entries.length) {
      const entry = plan.entries[plan.cursor++];
      if (!plan.results.has(entry.runId)) out.push(entry);
    }
    return out;
  }

  /** One transaction for `entries` (a lone one: the single PutItem); each run's answer goes in the plan. */
  private sendClaims(plan: ClaimPlan, entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return;
    // Claimed now, not when the batch began: the lease counts from here.
    const now = this.now();
    const stamped = entries.map((e) => ({ ...e, claimedAt: now, updatedAt: now, expiresAt: Math.floor(now / 1000) + this.ttlSeconds }));
    const settled = stamped.length > 1 ? this.transactClaims(stamped) : Promise.resolve(new Map<string, Promise<ClaimResult>>());
    for (const entry of stamped) plan.results.set(entry.runId, quiet(settled.then((m) => m.get(entry.runId) ?? this.putClaim(entry))));
    plan.waiting += stamped.length;
  }

  private async transactClaims(entries: LedgerEntry[]): Promise<Map<string, Promise<ClaimResult>>> {
    const out = new Map<string, Promise<ClaimResult>>();
    let pending = entries;
    for (let round = 0; round < TRANSACTION_ROUNDS && pending.length > 1; round++) {
      const items = pending;
      try {
        const token = randomUUID();
        await this.call((o) => this.raw.send(new TransactWriteItemsCommand({
          ClientRequestToken: token,
          TransactItems: items.map((e) => ({ Put: { TableName: this.table, Item: attributes(e), ConditionExpression: "attribute_not_exists(runId)" } })),
        }), o));
        for (const e of items) {
          this.remember(e);
          out.set(e.runId, Promise.resolve("claimed"));
        }
        return out;
      } catch (err) {
        // The ledger unreachable: every claim left fails as a single one would.
        if (err instanceof LedgerUnavailableError) {
          for (const e of items) out.set(e.runId, quiet(Promise.reject(err)));
          return out;
        }
        const reasons = cancellationCodes(err);
        if (!reasons || reasons.length !== items.length) return out; // the rest go single (the caller's fallback)
        pending = [];
        items.forEach((e, i) => {
          if (reasons[i] === "None") pending.push(e);
          // Started now, drawn on only when the transaction rounds are done: never left unhandled meanwhile.
          else if (reasons[i] === "ConditionalCheckFailed") out.set(e.runId, quiet(this.readBack(e)));
          else out.set(e.runId, quiet(this.putClaim(e)));
        });
      }
    }
    return out; // what is left (one item, or rounds used up) goes single
  }

  private claimEntry(runId: string, what: { pipeline: string; environment: string }, now: number): LedgerEntry {
    return { runId, state: "claimed", ...what, claimedAt: now, updatedAt: now, expiresAt: Math.floor(now / 1000) + this.ttlSeconds, owner: randomUUID() };
  }

  private async putClaim(item: LedgerEntry): Promise<ClaimResult> {
    const won = await this.conditional(() => this.call((o) => this.raw.send(new PutItemCommand({ TableName: this.table, Item: attributes(item), ConditionExpression: "attribute_not_exists(runId)" }), o)));
    if (won) {
      this.remember(item);
      return "claimed";
    }
    return this.readBack(item);
  }

  /** The run is in the ledger: this claim's own item (a retried write met it) or another delivery's. */
  private async readBack(item: LedgerEntry): Promise<ClaimResult> {
    const existing = await this.get(item.runId);
    if (existing && existing.owner === item.owner && existing.state === "claimed") {
      this.remember(existing);
      return "claimed";
    }
    return "duplicate";
  }

  /**
   * One read of a key no run has, at init: the SDK resolves credentials, region and endpoint,
   * loads its lazy modules and opens a connection before the first batch needs them.
   */
  async prepare(): Promise<void> {
    // Not through call(): a slow answer at init must not mark the ledger unavailable for the first batch.
    await this.doc.send(new GetCommand({ TableName: this.table, Key: { runId: WARM_UP_KEY } }), { abortSignal: AbortSignal.timeout(this.callTimeoutMs) });
  }

  async get(runId: string): Promise<LedgerEntry | undefined> {
    const out = await this.call((o) => this.doc.send(new GetCommand({ TableName: this.table, Key: { runId }, ConsistentRead: true }), o));
    return out.Item ? this.schema.parse(out.Item) : undefined;
  }

  /**
   * claimed → started; false when the item was not in the expected state. A claim this container
   * made moments ago is exclusively its own (EXCLUSIVE_CLAIM_MS), so its started mark needs no
   * condition: it is written whole, with the marks of other records started at the same time, in
   * one BatchWriteItem (which cannot be conditional) instead of one UpdateItem each. An older or
   * unknown claim gets the conditional update.
   */
  markStarted(runId: string, build: { buildId: string; buildUrl: string }): Promise<boolean> {
    const own = this.ownClaims.get(runId);
    this.ownClaims.delete(runId);
    const now = this.now();
    if (!own || now - own.claimedAt > EXCLUSIVE_CLAIM_MS) return this.transition(runId, "claimed", "started", { buildId: build.buildId, buildUrl: build.buildUrl });
    const entry: LedgerEntry = { ...own, state: "started", buildId: build.buildId, buildUrl: build.buildUrl, updatedAt: now };
    return new Promise<boolean>((resolve, reject) => {
      this.startQueue.push({ entry, resolve, reject });
      if (this.startQueue.length >= BATCH_WRITE_LIMIT || !this.claimsAwaitingBuild(now)) this.flushStarts();
      else this.startTimer ??= setTimeout(() => this.flushStarts(), START_WINDOW_MS);
    });
  }

  /** claimed → refused/failed (the run was reported FAILURE, nothing was started). */
  markDone(runId: string, state: "refused" | "failed", reason: string): Promise<boolean> {
    this.ownClaims.delete(runId);
    return this.transition(runId, "claimed", state, { reason: reason.slice(0, 500) });
  }

  /** Whether another claim of this container may still be marked started soon (stale ones forgotten). */
  private claimsAwaitingBuild(now: number): boolean {
    for (const [runId, claim] of this.ownClaims) {
      if (now - claim.claimedAt <= EXCLUSIVE_CLAIM_MS) return true;
      this.ownClaims.delete(runId);
    }
    return false;
  }

  private remember(entry: LedgerEntry): void {
    // Claims never settled (a start left uncertain) must not pile up in a long-lived container.
    if (this.ownClaims.size >= 10_000) this.ownClaims.clear();
    this.ownClaims.set(entry.runId, entry);
  }

  /** One BatchWriteItem for the queued started marks; items DynamoDB leaves unprocessed are sent again. */
  private flushStarts(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = undefined;
    const queued = this.startQueue.splice(0, BATCH_WRITE_LIMIT);
    if (this.startQueue.length > 0) this.startTimer = setTimeout(() => this.flushStarts(), 0);
    if (queued.length === 0) return;
    void (async () => {
      let pending = queued;
      for (let round = 0; round <= UNPROCESSED_ROUNDS && pending.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
        const out = await this.call((o) => this.raw.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending.map((q) => ({ PutRequest: { Item: attributes(q.entry) } })) } }), o));
        const left = new Set((out.UnprocessedItems?.[this.table] ?? []).map((r) => r.PutRequest?.Item?.runId?.S));
        for (const q of pending) if (!left.has(q.entry.runId)) q.resolve(true);
        pending = pending.filter((q) => left.has(q.entry.runId));
      }
      if (pending.length > 0) throw new Error(`DynamoDB left ${pending.length} started marks unprocessed`);
    })().catch((err: unknown) => {
      for (const q of queued) q.reject(err); // a settled promise ignores a second settlement
    });
  }

  /**
   * Take the reaper's lock on an entry in `from` state, or on one whose previous reaper's lock
   * went stale. Resolves with the lock token, or undefined when another reaper holds it.
   */
  async lock(runId: string, from: "claimed" | "started", staleBefore: number): Promise<string | undefined> {
    const token = `${this.now()}-${Math.random().toString(36).slice(2, 10)}`;
    const won = await this.conditional(() =>
      this.call((o) => this.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: { runId },
        UpdateExpression: "SET #s = :closing, lockToken = :t, lockedAt = :now, updatedAt = :now",
        ConditionExpression: "#s = :from OR (#s = :closing AND lockedAt < :stale)",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":closing": "closing", ":t": token, ":now": this.now(), ":from": from, ":stale": staleBefore },
      }), o)),
    );
    return won ? token : undefined;
  }

  /** Release a reaper lock into a new state (started after adopting a build, closed when done). */
  release(runId: string, token: string, to: "started" | "closed", fields: { buildId?: string; buildUrl?: string; reason?: string } = {}): Promise<boolean> {
    const sets = Object.entries(fields).filter(([, v]) => v !== undefined);
    return this.conditional(() =>
      this.call((o) => this.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: { runId },
        UpdateExpression: `SET #s = :to, updatedAt = :now${sets.map(([k]) => `, ${k} = :${k}`).join("")} REMOVE lockToken, lockedAt`,
        ConditionExpression: "#s = :closing AND lockToken = :t",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":to": to, ":now": this.now(), ":closing": "closing", ":t": token, ...Object.fromEntries(sets.map(([k, v]) => [`:${k}`, v])) },
      }), o)),
    );
  }

  /** started (or a dead reaper's closing) → closed, when the pipeline already closed the run itself. */
  markClosed(runId: string, staleBefore: number): Promise<boolean> {
    return this.conditional(() =>
      this.call((o) => this.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: { runId },
        UpdateExpression: "SET #s = :closed, updatedAt = :now REMOVE lockToken, lockedAt",
        ConditionExpression: "#s = :started OR (#s = :closing AND lockedAt < :stale)",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":closed": "closed", ":now": this.now(), ":started": "started", ":closing": "closing", ":stale": staleBefore },
      }), o)),
    );
  }

  /** Entries the reaper may have to act on. A scan: the ledger only holds TTL-bounded recent runs. */
  async listOpen(): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call((o) => this.doc.send(new ScanCommand({
        TableName: this.table,
        FilterExpression: "#s IN (:c, :s, :x)",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":c": "claimed", ":s": "started", ":x": "closing" },
        ExclusiveStartKey: start,
      }), o));
      for (const item of page.Items ?? []) {
        const parsed = this.schema.safeParse(item);
        if (parsed.success) out.push(parsed.data);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  private transition(runId: string, from: LedgerState, to: LedgerState, fields: Record<string, string>): Promise<boolean> {
    const keys = Object.keys(fields);
    return this.conditional(() =>
      this.call((o) => this.doc.send(new UpdateCommand({
        TableName: this.table,
        Key: { runId },
        UpdateExpression: `SET #s = :to, updatedAt = :now${keys.map((k) => `, ${k} = :${k}`).join("")}`,
        ConditionExpression: "#s = :from",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":to": to, ":from": from, ":now": this.now(), ...Object.fromEntries(keys.map((k) => [`:${k}`, fields[k]])) },
      }), o)),
    );
  }

  /** One call within the deadline; a timeout makes the ledger "unavailable" for a short while. */
  private async call<T>(send: (opts: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    if (this.now() < this.unavailableUntil) throw new LedgerUnavailableError("run ledger unavailable: an earlier call timed out moments ago");
    try {
      return await send({ abortSignal: AbortSignal.timeout(this.callTimeoutMs) });
    } catch (err) {
      if (isUnreachable(err)) {
        this.unavailableUntil = this.now() + UNAVAILABLE_FOR_MS;
        throw new LedgerUnavailableError(`run ledger unavailable: ${(err as Error).name}: ${(err as Error).message}`.slice(0, 300));
      }
      throw err;
    }
  }

  /** Run a conditional write: true when it applied, false when its condition did not hold. */
  private async conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }
}

/** An entry as DynamoDB attribute values (its fields are strings and numbers; undefined ones left out). */
function attributes(entry: LedgerEntry): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value === "string") out[key] = { S: value };
    else if (typeof value === "number") out[key] = { N: String(value) };
  }
  return out;
}

/** What the SDK's TransactionCanceledException carries: one reason per item, in order. */
const cancelledTransaction = z.object({
  name: z.literal("TransactionCanceledException"),
  CancellationReasons: z.array(z.object({ Code: z.string().optional() })),
});

/** The per-item codes of a cancelled transaction ("None", "ConditionalCheckFailed", …), or undefined for any other error. */
function cancellationCodes(err: unknown): string[] | undefined {
  const parsed = cancelledTransaction.safeParse(err);
  return parsed.success ? parsed.data.CancellationReasons.map((r) => r.Code ?? "") : undefined;
}

/** A timeout or a connection failure: the ledger may be down (as opposed to an answer). */
function isUnreachable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e || e.$metadata?.httpStatusCode) return false;
  return ["AbortError", "TimeoutError", "RequestTimeout", "TimeoutError"].includes(e.name ?? "") ||
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(e.code ?? "");
}
