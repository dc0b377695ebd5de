// The live portal → the stack's catalog config, and what the model cannot say about it. Pure (no
// I/O): index.ts reads Port and writes the file. Identifiers are kept verbatim, so the providers
// adopt every existing object (they take over on 409) instead of replacing it.
import { z } from "zod";
import { parkedName, splitMigrationKey } from "../../infra/port/property-migration";
import { environmentIdentifier, isEntityIdentifier } from "../../blueprints/identifiers";
import { BLUEPRINT_TEMPLATE, BLUEPRINTS, ENVIRONMENT, ENVIRONMENT_KINDS, PRODUCT, TEMPLATE_STATUSES } from "../../blueprints/vocabulary";

/** One line of the report: what, where, and why. */
export interface ImportNote {
  /** blueprint | property | relation | action | page | entity */
  readonly kind: string;
  /** e.g. "environment", "environment.cf_deployment_build_status", "product/billing". */
  readonly object: string;
  readonly detail: string;
}

const entitySchema = z
  .object({
    identifier: z.string(),
    title: z.string().nullish(),
    properties: z.record(z.string(), z.unknown()).nullish(),
    relations: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
export type LiveEntity = z.output<typeof entitySchema>;

export function parseEntities(list: readonly unknown[]): LiveEntity[] {
  return list.map((e) => entitySchema.parse(e));
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const isUrl = (v: string) => URL.canParse(v);

/** A single relation target (Port returns a string, or an array for many-relations). */
function target(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === "string") return v[0];
  return undefined;
}

export interface MappedCatalog {
  readonly products: Record<string, unknown>[];
  readonly blueprintTemplates: Record<string, unknown>[];
  /** Live entities or values left out of the config (and so left alone by `pulumi up`). */
  readonly notExpressible: ImportNote[];
  /** What the config sets that the live entity lacks. */
  readonly willAdd: ImportNote[];
}

/** Identifiers in the order the existing stack file lists them: a re-import keeps that order (a small diff). */
export type KnownOrder = ReadonlyMap<string, number>;

function ordered(list: readonly LiveEntity[], order: KnownOrder): LiveEntity[] {
  const rank = (e: LiveEntity) => order.get(e.identifier) ?? Number.MAX_SAFE_INTEGER;
  return [...list].sort((a, b) => rank(a) - rank(b) || a.identifier.localeCompare(b.identifier));
}

/** Products with their environments, and blueprint templates, from the live entities. */
export function mapEntities(live: { products: LiveEntity[]; environments: LiveEntity[]; templates: LiveEntity[] }, order: KnownOrder = new Map()): MappedCatalog {
  const notExpressible: ImportNote[] = [];
  const willAdd: ImportNote[] = [];
  const skip = (blueprint: string, id: string, why: string) => notExpressible.push({ kind: "entity", object: `${blueprint}/${id}`, detail: `not imported: ${why}` });

  const products = new Map<string, Record<string, unknown> & { environments: Record<string, unknown>[] }>();
  for (const p of ordered(live.products, order)) {
    const props = p.properties ?? {};
    const title = text(p.title);
    if (!title) willAdd.push({ kind: "entity", object: `product/${p.identifier}`, detail: `title set to its identifier (none live)` });
    const repository = text(props[PRODUCT.repository]);
    if (repository !== undefined && !isUrl(repository)) notExpressible.push({ kind: "entity", object: `product/${p.identifier}`, detail: `${PRODUCT.repository} "${repository}" is not a URL: left out (the live value is kept)` });
    const entry = {
      identifier: p.identifier,
      title: title ?? p.identifier,
      ...(text(props[PRODUCT.description]) ? { description: text(props[PRODUCT.description]) } : {}),
      ...(repository !== undefined && isUrl(repository) ? { repository } : {}),
      ...(text(props[PRODUCT.owningTeam]) ? { owningTeam: text(props[PRODUCT.owningTeam]) } : {}),
      ...(text(props[PRODUCT.bambooKey]) ? { bambooKey: text(props[PRODUCT.bambooKey]) } : {}),
      ...(text(props[PRODUCT.bambooPlanKey]) ? { bambooPlanKey: text(props[PRODUCT.bambooPlanKey]) } : {}),
      environments: [] as Record<string, unknown>[],
    };
    products.set(p.identifier, entry);
  }

  for (const e of ordered(live.environments, order)) {
    const productId = target(e.relations?.[ENVIRONMENT.product]);
    const product = productId !== undefined ? products.get(productId) : undefined;
    if (!product || productId === undefined) {
      skip(BLUEPRINTS.environment, e.identifier, productId === undefined ? "no product relation" : `its product "${productId}" is not a product entity`);
      continue;
    }
    const kind = e.properties?.[ENVIRONMENT.kind];
    if (!(ENVIRONMENT_KINDS as readonly unknown[]).includes(kind)) {
      skip(BLUEPRINTS.environment, e.identifier, `kind ${JSON.stringify(kind ?? null)} is not one of ${ENVIRONMENT_KINDS.join(", ")}`);
      continue;
    }
    // The shortest form that resolves to the same identifier: "<product>-<name>" needs no explicit one.
    const prefix = `${productId}-`;
    const short = e.identifier.startsWith(prefix) ? e.identifier.slice(prefix.length) : "";
    const name = short !== "" && short.length <= 100 && environmentIdentifier(productId, short) === e.identifier ? short : e.identifier.slice(0, 100);
    const title = text(e.title);
    const defaultTitle = `${String(product.title)} ${name}`;
    if (!title) willAdd.push({ kind: "entity", object: `environment/${e.identifier}`, detail: `title "${defaultTitle}" (none live)` });
    product.environments.push({
      name,
      kind,
      ...(environmentIdentifier(productId, name) === e.identifier ? {} : { identifier: e.identifier }),
      ...(title && title !== defaultTitle ? { title } : {}),
    });
  }

  const blueprintTemplates: Record<string, unknown>[] = [];
  for (const t of ordered(live.templates, order)) {
    const props = t.properties ?? {};
    const modulePath = text(props[BLUEPRINT_TEMPLATE.modulePath]);
    if (!modulePath) {
      skip(BLUEPRINTS.blueprintTemplate, t.identifier, `no ${BLUEPRINT_TEMPLATE.modulePath}`);
      continue;
    }
    const repoUrl = text(props[BLUEPRINT_TEMPLATE.repoUrl]);
    const inputs = props[BLUEPRINT_TEMPLATE.inputsRequired];
    const status = props[BLUEPRINT_TEMPLATE.status];
    if (status !== undefined && status !== null && !(TEMPLATE_STATUSES as readonly unknown[]).includes(status)) {
      notExpressible.push({ kind: "entity", object: `${BLUEPRINTS.blueprintTemplate}/${t.identifier}`, detail: `status ${JSON.stringify(status)} is not one of ${TEMPLATE_STATUSES.join(", ")}: the stack will set "approved"` });
    } else if (status === undefined || status === null) {
      willAdd.push({ kind: "entity", object: `${BLUEPRINTS.blueprintTemplate}/${t.identifier}`, detail: `status "approved" (none live)` });
    }
    blueprintTemplates.push({
      identifier: t.identifier,
      title: text(t.title) ?? t.identifier,
      modulePath,
      ...(repoUrl && isUrl(repoUrl) ? { repoUrl } : {}),
      ...(Array.isArray(inputs) && inputs.every((i) => typeof i === "string" && i !== "") ? { inputsRequired: inputs } : {}),
      ...(text(props[BLUEPRINT_TEMPLATE.owner]) ? { owner: text(props[BLUEPRINT_TEMPLATE.owner]) } : {}),
      ...((TEMPLATE_STATUSES as readonly unknown[]).includes(status) ? { status } : {}),
      ...(text(props[BLUEPRINT_TEMPLATE.version]) ? { version: text(props[BLUEPRINT_TEMPLATE.version]) } : {}),
    });
  }

  // Identifiers the config schema refuses would make the whole file unusable: leave them out.
  const valid = [...products.values()].filter((p) => {
    if (isEntityIdentifier(String(p.identifier))) return true;
    skip(BLUEPRINTS.product, String(p.identifier), "identifier not accepted by Port's pattern");
    return false;
  });
  return { products: valid, blueprintTemplates, notExpressible, willAdd };
}

const blueprintSchema = z
  .object({
    identifier: z.string(),
    schema: z.object({ properties: z.record(z.string(), z.record(z.string(), z.unknown())).default({}) }).loose().default({ properties: {} }),
    relations: z.record(z.string(), z.record(z.string(), z.unknown())).nullish(),
    mirrorProperties: z.record(z.string(), z.unknown()).nullish(),
    calculationProperties: z.record(z.string(), z.unknown()).nullish(),
    aggregationProperties: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();

/** Port's own objects (system blueprints _user, _team, _rule…): every org has them, no stack declares them. */
export function isPortOwned(identifier: string): boolean {
  return identifier.startsWith("_") || identifier.startsWith("$");
}

const SECTIONS = [
  ["mirrorProperties", "mirror property"],
  ["calculationProperties", "calculation property"],
  ["aggregationProperties", "aggregation property"],
] as const;

/**
 * Blueprints, their properties and relations: live ones the model lacks cannot be expressed
 * (`pulumi up` would drop a property the model does not declare), model ones not live are added.
 * A type, format or relation-target difference, or an enum value the model lacks, cannot be
 * expressed either: applying the model would change or drop live values.
 */
export function compareBlueprints(
  model: readonly unknown[],
  liveList: readonly unknown[],
  declaredAggregations: ReadonlyMap<string, readonly string[]>,
  renamedFrom: Readonly<Record<string, string>> = {},
): { notExpressible: ImportNote[]; willAdd: ImportNote[]; migrating: ImportNote[]; portOwned: string[] } {
  // "<blueprint>.<old>" → new property or relation, for renames the stack declares (values are copied, not lost).
  const renamedTo = new Map(Object.entries(renamedFrom).map(([key, old]) => {
    const [blueprint, next] = splitMigrationKey(key);
    return [`${blueprint}.${old}`, next];
  }));
  const notExpressible: ImportNote[] = [];
  const willAdd: ImportNote[] = [];
  // A migration `pulumi up` was interrupted in (infra/port): parked copies, and what differs beside them.
  const migrating: ImportNote[] = [];
  const inProgress = (kind: string, object: string, what: string) => migrating.push({ kind, object, detail: `${what}: migration in progress — run \`pulumi up\` to finish` });
  const PARKED = parkedName("");
  const modelBps = new Map(model.map((b) => blueprintSchema.parse(b)).map((b) => [b.identifier, b]));
  const parsed = liveList.map((b) => blueprintSchema.parse(b));
  const portOwned = parsed.filter((b) => isPortOwned(b.identifier)).map((b) => b.identifier).sort();
  const live = new Map(parsed.filter((b) => !isPortOwned(b.identifier)).map((b) => [b.identifier, b]));
  for (const [id, lb] of [...live].sort(([a], [b]) => a.localeCompare(b))) {
    const mb = modelBps.get(id);
    if (!mb) {
      notExpressible.push({ kind: "blueprint", object: id, detail: "not in the stack's model (left alone by `pulumi up`)" });
      continue;
    }
    for (const [pid, lp] of Object.entries(lb.schema.properties)) {
      const mp = mb.schema.properties[pid];
      const where = `${id}.${pid}`;
      if (!mp && pid.endsWith(PARKED) && mb.schema.properties[pid.slice(0, -PARKED.length)]) {
        inProgress("property", where, `parked values of ${pid.slice(0, -PARKED.length)} (an interrupted type change)`);
        continue;
      }
      const next = renamedTo.get(where);
      if (!mp && next && mb.schema.properties[next]) {
        willAdd.push({ kind: "property", object: where, detail: `renamed to ${next} (renamedFrom): values copied, then removed` });
        continue;
      }
      if (!mp) {
        notExpressible.push({ kind: "property", object: where, detail: `type ${String(lp.type)}: not in the model (\`pulumi up\` would remove it and its values)` });
        continue;
      }
      for (const field of ["type", "format"] as const) {
        if ((lp[field] ?? null) === (mp[field] ?? null)) continue;
        const detail = `${field} live ${String(lp[field] ?? "none")}, model ${String(mp[field] ?? "none")}`;
        if (parkedName(pid) in lb.schema.properties) inProgress("property", where, detail);
        else notExpressible.push({ kind: "property", object: where, detail });
      }
      const lEnum = Array.isArray(lp.enum) ? lp.enum : undefined;
      const mEnum = Array.isArray(mp.enum) ? mp.enum : undefined;
      if (lEnum && mEnum) {
        const dropped = lEnum.filter((v) => !mEnum.includes(v));
        const added = mEnum.filter((v) => !lEnum.includes(v));
        if (dropped.length > 0) notExpressible.push({ kind: "property", object: where, detail: `enum values not in the model: ${dropped.map(String).join(", ")}` });
        if (added.length > 0) willAdd.push({ kind: "property", object: where, detail: `enum values ${added.map(String).join(", ")}` });
      } else if (lEnum && !mEnum) notExpressible.push({ kind: "property", object: where, detail: "live is an enum, the model is not" });
      else if (!lEnum && mEnum) willAdd.push({ kind: "property", object: where, detail: `restricted to the enum ${mEnum.map(String).join(", ")}` });
    }
    for (const pid of Object.keys(mb.schema.properties)) if (!(pid in lb.schema.properties)) willAdd.push({ kind: "property", object: `${id}.${pid}`, detail: `type ${String(mb.schema.properties[pid].type)}` });

    const lRel = lb.relations ?? {};
    const mRel = mb.relations ?? {};
    for (const [rid, lr] of Object.entries(lRel)) {
      const mr = mRel[rid];
      const where = `${id}.${rid}`;
      const next = renamedTo.get(where);
      const shape = (r: Record<string, unknown>) => `${String(r.target)}${r.many ? " (many)" : ""}`;
      if (!mr && rid.endsWith(PARKED) && mRel[rid.slice(0, -PARKED.length)]) inProgress("relation", where, `parked links of ${rid.slice(0, -PARKED.length)} (an interrupted single ↔ many change)`);
      else if (!mr && next && mRel[next]) willAdd.push({ kind: "relation", object: where, detail: `renamed to ${next} (renamedFrom): links copied, then removed` });
      else if (!mr) notExpressible.push({ kind: "relation", object: where, detail: `to ${String(lr.target)}: not in the model` });
      else if (lr.target !== mr.target || Boolean(lr.many) !== Boolean(mr.many)) {
        if (lr.target === mr.target && parkedName(rid) in lRel) inProgress("relation", where, `live ${shape(lr)}, model ${shape(mr)}`);
        else notExpressible.push({ kind: "relation", object: where, detail: `live ${shape(lr)}, model ${shape(mr)}` });
      }
    }
    for (const [rid, mr] of Object.entries(mRel)) if (!(rid in lRel)) willAdd.push({ kind: "relation", object: `${id}.${rid}`, detail: `to ${String(mr.target)}` });

    for (const [section, label] of SECTIONS) {
      const lSec = lb[section] ?? {};
      const mKeys = new Set(section === "aggregationProperties" ? (declaredAggregations.get(id) ?? []) : Object.keys(mb[section] ?? {}));
      for (const k of Object.keys(lSec)) if (!mKeys.has(k)) notExpressible.push({ kind: "property", object: `${id}.${k}`, detail: `${label}: not in the model` });
      for (const k of mKeys) if (!(k in lSec)) willAdd.push({ kind: "property", object: `${id}.${k}`, detail: label });
    }
  }
  for (const id of [...modelBps.keys()].sort()) if (!live.has(id)) willAdd.push({ kind: "blueprint", object: id, detail: "created by `pulumi up`" });
  return { notExpressible, willAdd, migrating, portOwned };
}

/** Actions and pages by identifier: live ones the stack does not declare, declared ones not live. */
export function compareByIdentifier(kind: "action" | "page", declared: readonly string[], liveList: readonly unknown[]): { notExpressible: ImportNote[]; willAdd: ImportNote[]; adopted: string[] } {
  const live = liveList.map((x) => z.object({ identifier: z.string() }).loose().parse(x).identifier).filter((id) => !isPortOwned(id)).sort();
  const mine = new Set(declared);
  return {
    notExpressible: live.filter((id) => !mine.has(id)).map((id) => ({ kind, object: id, detail: "not in the stack's model (left alone by `pulumi up`)" })),
    willAdd: [...mine].filter((id) => !live.includes(id)).sort().map((id) => ({ kind, object: id, detail: "created by `pulumi up`" })),
    adopted: live.filter((id) => mine.has(id)),
  };
}
