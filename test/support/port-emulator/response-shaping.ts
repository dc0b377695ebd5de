// Port's reads as its server really serializes them: Port is a Fastify service, and a route's
// 200 response schema decides what leaves the server — a field the schema does not declare where
// it says `additionalProperties: false` is dropped (fast-json-stringify), whatever the handler
// returned. The schemas are Port's own OpenAPI document (apispec.json beside this file, a copy of
// reference/port/apispec.json), loaded with ajv at run time, never re-typed here.
//
// Semantics, and why:
// - undeclared keys are dropped only under `additionalProperties: false`; objects that leave it
//   out keep them. Port's reads do return keys its schemas leave undeclared that way (a blueprint
//   property's `enum`, `default`, `items`: Port's Terraform provider reads them back), so the
//   stricter Fastify default would make the emulator less true, not more pessimistic;
// - `anyOf`/`oneOf`: the first branch that validates (with ajv) shapes the value, as
//   fast-json-stringify picks it; ajv's own removeAdditional would strip keys while trying a
//   failing branch;
// - routes without a 200 schema in the spec (actions, pages) are answered as the handler built them.
//
// The vendored copy keeps the tests independent of a sibling checkout; refresh it from
// reference/port/apispec.json when Port's document changes (it is the same file).
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

type Schema = Record<string, unknown>;
type Json = Record<string, unknown>;

const SPEC_ID = "port-apispec";

/** Keys whose string arrays are sets: `reorderSets` answers them reversed. */
const SET_KEYS = ["required", "team"];

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function pointerFragment(tokens: readonly string[]): string {
  return tokens.map((t) => encodeURIComponent(t.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
}

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  /** Literal segments: the most specific template wins when several match. */
  readonly literals: number;
}

export interface ShapeOptions {
  /** Answer string sets (`required`, `team`) in reverse order, as a server free to reorder sets may. */
  readonly reorderSets?: boolean;
}

export class ResponseShaper {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly spec: Json) {
    this.ajv = new Ajv({ strict: false, logger: false, validateSchema: false, allErrors: false });
    addFormats(this.ajv);
    // Formats Port's document names that are not JSON Schema's: not checked, as Fastify's ajv.
    for (const f of ["url", "idn-format"]) this.ajv.addFormat(f, true);
    this.ajv.addSchema(spec, SPEC_ID);
    const paths = (spec.paths ?? {}) as Record<string, Json>;
    this.routes = Object.keys(paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.split("/").map((seg) => (/^\{.+\}$/.test(seg) ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}/?$`),
      literals: template.split("/").filter((seg) => seg !== "" && !/^\{.+\}$/.test(seg)).length,
    }));
  }

  /** Loaded from the copy beside this file. */
  static fromVendoredSpec(): ResponseShaper {
    return new ResponseShaper(JSON.parse(fs.readFileSync(path.join(__dirname, "apispec.json"), "utf8")) as Json);
  }

  /** The spec's path template for a concrete path, e.g. /v1/blueprints/{identifier}. */
  template(requestPath: string): string | undefined {
    const matches = this.routes.filter((r) => r.pattern.test(requestPath)).sort((a, b) => b.literals - a.literals);
    return matches[0]?.template;
  }

  /** The body as Port would serialize it for this method, path and status; unchanged without a schema. */
  shape(method: string, requestPath: string, status: number, body: unknown, opts: ShapeOptions = {}): unknown {
    const template = this.template(requestPath);
    let out = body;
    if (template) {
      const tokens = ["paths", template, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema"];
      const schema = this.at(tokens);
      if (schema) out = this.shapeValue(schema, body, tokens);
    }
    return opts.reorderSets ? reorderSets(out) : out;
  }

  private at(tokens: readonly string[]): Schema | undefined {
    let cur: unknown = this.spec;
    for (const t of tokens) cur = isObject(cur) ? cur[t] : undefined;
    return isObject(cur) ? cur : undefined;
  }

  /** Follow local $refs; returns the schema and where it lives. */
  private deref(schema: Schema, tokens: readonly string[]): [Schema, readonly string[]] {
    let cur = schema;
    let at = tokens;
    for (let i = 0; i < 20 && typeof cur.$ref === "string"; i++) {
      const ref = cur.$ref;
      if (!ref.startsWith("#/")) break;
      at = ref.slice(2).split("/").map((t) => decodeURIComponent(t).replace(/~1/g, "/").replace(/~0/g, "~"));
      const next = this.at(at);
      if (!next) break;
      cur = next;
    }
    return [cur, at];
  }

  private validates(tokens: readonly string[], value: unknown): boolean {
    const key = tokens.join("\u0000");
    let fn = this.validators.get(key);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `${SPEC_ID}#/${pointerFragment(tokens)}` });
      this.validators.set(key, fn);
    }
    return fn(value) === true;
  }

  private shapeValue(raw: Schema, value: unknown, rawTokens: readonly string[]): unknown {
    if (value === null || value === undefined) return value;
    const [schema, tokens] = this.deref(raw, rawTokens);
    for (const keyword of ["anyOf", "oneOf"] as const) {
      const branches = schema[keyword];
      if (!Array.isArray(branches)) continue;
      for (let i = 0; i < branches.length; i++) {
        const branchTokens = [...tokens, keyword, String(i)];
        if (this.validates(branchTokens, value)) return this.shapeValue(branches[i] as Schema, value, branchTokens);
      }
      return value; // no branch matches: the emulator's own data is off-spec; leave it visible
    }
    if (Array.isArray(value)) {
      return isObject(schema.items) ? value.map((v) => this.shapeValue(schema.items as Schema, v, [...tokens, "items"])) : value;
    }
    if (!isObject(value)) return value;
    const props = isObject(schema.properties) ? schema.properties : {};
    const patterns = isObject(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
    const additional = schema.additionalProperties;
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      if (isObject(props[key])) {
        out[key] = this.shapeValue(props[key] as Schema, v, [...tokens, "properties", key]);
        continue;
      }
      const pattern = patterns.find(([p]) => new RegExp(p, "u").test(key));
      if (pattern && isObject(pattern[1])) out[key] = this.shapeValue(pattern[1], v, [...tokens, "patternProperties", pattern[0]]);
      else if (additional === false) continue; // undeclared: the serializer drops it
      else if (isObject(additional)) out[key] = this.shapeValue(additional, v, [...tokens, "additionalProperties"]);
      else out[key] = v;
    }
    return out;
  }
}

/** String sets answered in reverse order (a different order than stored, deterministically). */
export function reorderSets(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const list = value.map((v) => reorderSets(v));
    return key !== undefined && SET_KEYS.includes(key) && list.length > 1 && list.every((v) => typeof v === "string") ? [...list].reverse() : list;
  }
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reorderSets(v, k)]));
}
