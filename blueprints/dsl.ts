// A small typed vocabulary for writing blueprints as tables. Each helper returns exactly the
// JSON Port expects, so what a blueprint file declares is what the provider sends (and what
// synth writes). No I/O here.

export type PortPropertyType = "string" | "number" | "boolean" | "object" | "array";

/** One property of a blueprint schema, as Port stores it. `required` is folded into schema.required. */
export interface PropertySpec {
  readonly type: PortPropertyType;
  readonly title: string;
  readonly description?: string;
  readonly icon?: string;
  readonly format?: string;
  readonly enum?: readonly (string | number)[];
  readonly enumColors?: Readonly<Record<string, string>>;
  readonly default?: unknown;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly items?: { readonly type: PortPropertyType; readonly format?: string; readonly enum?: readonly string[] };
  readonly required?: boolean;
}

export interface RelationSpec {
  readonly title: string;
  readonly target: string;
  readonly required: boolean;
  readonly many: boolean;
  readonly description?: string;
}

export interface MirrorSpec {
  readonly title: string;
  readonly path: string;
}

/** A value Port computes from the entity's own JSON with a jq expression (never a relation). */
export interface CalculationSpec {
  readonly title: string;
  readonly description?: string;
  readonly icon?: string;
  readonly type: "string";
  readonly format?: "url";
  /** jq over the entity (`.identifier`, `.properties.x`, …). */
  readonly calculation: string;
}

/** A count (or other function) over related entities, computed by Port. */
export interface AggregationSpec {
  readonly title: string;
  readonly icon?: string;
  readonly type: "number";
  /** Blueprint whose entities are aggregated (those relating to this one). */
  readonly target: string;
  readonly calculationSpec: { readonly func: "count"; readonly calculationBy: "entities" };
}

export interface BlueprintSpec {
  readonly identifier: string;
  readonly title: string;
  readonly description?: string;
  readonly icon?: string;
  /** Who owns entities: the entity's own teams, or the teams of a related entity. */
  readonly ownership: { readonly type: "Direct" } | { readonly type: "Inherited"; readonly path: string };
  readonly properties: Readonly<Record<string, PropertySpec>>;
  readonly relations?: Readonly<Record<string, RelationSpec>>;
  readonly mirrorProperties?: Readonly<Record<string, MirrorSpec>>;
  readonly calculationProperties?: Readonly<Record<string, CalculationSpec>>;
  readonly aggregationProperties?: Readonly<Record<string, AggregationSpec>>;
}

/** A blueprint as declared: its spec plus the exact body Port receives. */
export interface Blueprint {
  readonly identifier: string;
  readonly spec: BlueprintSpec;
  /** Body of POST/PUT /v1/blueprints (aggregations apart: they are written in a second pass). */
  readonly body: PortBlueprintBody;
  /** Aggregation properties, set once the blueprints they count exist. */
  readonly aggregations: Readonly<Record<string, AggregationSpec>>;
  /** Blueprints that must exist before this one (relation targets, other than itself). */
  readonly dependsOn: readonly string[];
}

export interface PortBlueprintBody {
  identifier: string;
  title: string;
  description?: string;
  icon?: string;
  ownership: BlueprintSpec["ownership"];
  schema: { properties: Record<string, Omit<PropertySpec, "required">>; required: string[] };
  relations: Record<string, RelationSpec>;
  mirrorProperties: Record<string, MirrorSpec>;
  calculationProperties: Record<string, CalculationSpec>;
  /** Always empty here; see Blueprint.aggregations. */
  aggregationProperties: Record<string, never>;
}

export function blueprint(spec: BlueprintSpec): Blueprint {
  const properties: Record<string, Omit<PropertySpec, "required">> = {};
  const required: string[] = [];
  for (const [key, prop] of Object.entries(spec.properties)) {
    const { required: isRequired, ...rest } = prop;
    properties[key] = rest;
    if (isRequired) required.push(key);
  }
  const relations = { ...(spec.relations ?? {}) };
  for (const [key, rel] of Object.entries(relations)) {
    // Port refuses a relation that is both many and required.
    if (rel.many && rel.required) throw new Error(`blueprint ${spec.identifier}: relation ${key} cannot be both many and required`);
  }
  const body: PortBlueprintBody = {
    identifier: spec.identifier,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.icon ? { icon: spec.icon } : {}),
    ownership: spec.ownership,
    schema: { properties, required: required.sort() },
    relations,
    mirrorProperties: { ...(spec.mirrorProperties ?? {}) },
    calculationProperties: { ...(spec.calculationProperties ?? {}) },
    aggregationProperties: {},
  };
  const dependsOn = [...new Set(Object.values(relations).map((r) => r.target))].filter((t) => t !== spec.identifier).sort();
  return { identifier: spec.identifier, spec, body, aggregations: { ...(spec.aggregationProperties ?? {}) }, dependsOn };
}

type Common = Partial<Pick<PropertySpec, "description" | "icon" | "required">>;

export function stringProp(title: string, opts: Common & Partial<Pick<PropertySpec, "minLength" | "maxLength" | "pattern" | "default" | "format">> = {}): PropertySpec {
  return { type: "string", title, ...opts };
}

export function urlProp(title: string, opts: Common = {}): PropertySpec {
  return { type: "string", format: "url", title, ...opts };
}

export function dateTimeProp(title: string, opts: Common = {}): PropertySpec {
  return { type: "string", format: "date-time", title, ...opts };
}

export function userProp(title: string, opts: Common = {}): PropertySpec {
  return { type: "string", format: "user", title, ...opts };
}

export function stringArrayProp(title: string, opts: Common = {}): PropertySpec {
  return { type: "array", items: { type: "string" }, title, ...opts };
}

/** Enum of strings; colours are optional but make Port tables readable. */
export function enumProp<T extends string>(
  title: string,
  values: readonly T[],
  opts: Common & { default?: T; colors?: Partial<Record<T, string>> } = {},
): PropertySpec {
  const { colors, ...rest } = opts;
  return { type: "string", title, enum: [...values], ...(colors ? { enumColors: colors as Record<string, string> } : {}), ...rest };
}

export function relation(target: Blueprint | string, title: string, opts: { required?: boolean; many?: boolean; description?: string } = {}): RelationSpec {
  return {
    title,
    target: typeof target === "string" ? target : target.identifier,
    required: opts.required ?? false,
    many: opts.many ?? false,
    ...(opts.description ? { description: opts.description } : {}),
  };
}

export function calculatedUrl(title: string, calculation: string, opts: { description?: string; icon?: string } = {}): CalculationSpec {
  return { title, ...opts, type: "string", format: "url", calculation };
}

export function mirror(title: string, path: string): MirrorSpec {
  return { title, path };
}

/** Number of `target` entities related to this entity. */
export function countOf(target: string, title: string, opts: { icon?: string } = {}): AggregationSpec {
  return { title, ...(opts.icon ? { icon: opts.icon } : {}), type: "number", target, calculationSpec: { func: "count", calculationBy: "entities" } };
}
