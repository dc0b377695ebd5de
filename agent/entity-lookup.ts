// Port look-ups for a whole batch: the runs themselves (prefetchRuns, below) and
// image and environment look-ups: one Port search per blueprint (a page holds
// up to 1,000 entities) instead of two GETs per record, sent as soon as the batch arrives so the
// records' ledger claims overlap with it. A batch of 100 thus costs 2 reads, not 200; a batch of
// a few records uses GETs by identifier, which Port answers fastest.
import { z } from "zod";
import { BLUEPRINTS } from "../blueprints/vocabulary";
import type { PortClient } from "../clients/port";
import type { EntityView } from "./decision";
import { RunView, runView } from "./run-link";

export type EntityLookup = (blueprint: string, identifier: string) => Promise<EntityView | undefined>;

/** Identifiers per search request (keeps the `in` rule and the answer small). */
const IDS_PER_SEARCH = 200;
/** Up to this many identifiers, parallel GETs by identifier (Port's cheapest read) beat a search. */
const MAX_DIRECT_GETS = 4;

export function prefetchEntities(port: PortClient, wanted: { images: readonly string[]; environments: readonly string[] }): EntityLookup {
  const fetchAll = async (blueprint: string, ids: readonly string[]): Promise<Map<string, EntityView>> => {
    const unique = [...new Set(ids)];
    if (unique.length <= MAX_DIRECT_GETS) {
      const found = await Promise.all(unique.map((id) => port.getEntity(blueprint, id)));
      return new Map(found.flatMap((e) => {
        const view = entityView(e);
        return view ? [[view.identifier, view] as const] : [];
      }));
    }
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += IDS_PER_SEARCH) chunks.push(unique.slice(i, i + IDS_PER_SEARCH));
    const pages = await Promise.all(chunks.map((chunk) => port.searchEntities(blueprint, [{ property: "$identifier", operator: "in", value: chunk }])));
    const out = new Map<string, EntityView>();
    for (const entity of pages.flat()) {
      const view = entityView(entity);
      if (view) out.set(view.identifier, view);
    }
    return out;
  };
  const byBlueprint = new Map<string, Promise<Map<string, EntityView>>>([
    [BLUEPRINTS.image, fetchAll(BLUEPRINTS.image, wanted.images)],
    [BLUEPRINTS.environment, fetchAll(BLUEPRINTS.environment, wanted.environments)],
  ]);
  // Failures surface when a record awaits its look-up, not as an unhandled rejection.
  for (const p of byBlueprint.values()) p.catch(() => undefined);
  return async (blueprint, identifier) => {
    const found = byBlueprint.get(blueprint);
    if (!found) throw new Error(`no look-up prepared for blueprint ${blueprint}`);
    return (await found).get(identifier);
  };
}

function entitySchema() {
  const record = z.record(z.string(), z.unknown());
  return z.object({ identifier: z.string(), properties: record.nullish(), relations: record.nullish() });
}
let cachedEntitySchema: ReturnType<typeof entitySchema> | undefined;

export function entityView(entity: unknown): EntityView | undefined {
  const parsed = (cachedEntitySchema ??= entitySchema()).safeParse(entity);
  if (!parsed.success) return undefined;
  return { identifier: parsed.data.identifier, properties: parsed.data.properties ?? {}, relations: parsed.data.relations ?? {} };
}

// ---- run states (a build starts only while Port still shows its run IN_PROGRESS) -------------

/** A run as Port shows it now; undefined when Port does not know it (404). */
export type RunLookup = (runId: string) => Promise<RunView | undefined>;

/** Port's largest page of GET /v1/actions/runs (it has no offset: one page per action). */
const RUNS_LIST_LIMIT = 1000;

/**
 * The batch's runs, read once in the look-up phase: a few runs by GET; more through one listing
 * of the active runs per action named in the batch, and a GET for each run the listing did not
 * show (ended, or beyond the listing's single page).
 */
export function prefetchRuns(port: Pick<PortClient, "getRun" | "call">, wanted: readonly { runId: string; action: string }[]): RunLookup {
  const ids = [...new Set(wanted.map((w) => w.runId))];
  const byId = async (runId: string): Promise<RunView | undefined> => {
    const raw = await port.getRun(runId);
    if (raw === undefined) return undefined;
    const view = runView(raw);
    if (!view) throw new Error(`Port answered run ${runId} without a status`);
    return view;
  };
  if (ids.length <= MAX_DIRECT_GETS) {
    const reads = new Map(ids.map((id) => [id, byId(id)] as const));
    for (const p of reads.values()) p.catch(() => undefined);
    return (runId) => reads.get(runId) ?? byId(runId);
  }
  const listed = (async () => {
    const actions = [...new Set(wanted.map((w) => w.action))];
    const wantedIds = new Set(ids);
    const out = new Map<string, RunView>();
    const listing = z.object({ runs: z.array(z.unknown()) });
    await Promise.all(actions.map(async (action) => {
      const body = await port.call("GET", "/v1/actions/runs", undefined, { active: "true", action, limit: String(RUNS_LIST_LIMIT), version: "v2" });
      const parsed = listing.safeParse(body);
      if (!parsed.success) throw new Error(`Port listed the runs of ${action} without a "runs" array`);
      // The listing holds every active run of the action (up to 1,000): only the batch's are read.
      for (const run of parsed.data.runs) {
        const id = typeof run === "object" && run !== null ? (run as { id?: unknown }).id : undefined;
        if (typeof id !== "string" || !wantedIds.has(id)) continue;
        const view = runView(run);
        if (view) out.set(id, view);
      }
    }));
    return out;
  })();
  // A failed listing costs a GET per run, not the batch.
  const safeList = listed.catch(() => new Map<string, RunView>());
  return async (runId) => (await safeList).get(runId) ?? byId(runId);
}
