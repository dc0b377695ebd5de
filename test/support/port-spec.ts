// Port's OpenAPI request and response schemas, compiled with ajv at run time (never re-typed):
// the emulator validates governance bodies with them and the tests check synthesized bodies.
// The document is the committed copy of Port's reference apispec.json that the emulator's response
// shaping reads too (port-emulator/apispec.json); PORT_APISPEC points at another copy.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

const SPEC = path.join(__dirname, "port-emulator", "apispec.json");

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: object }> }; responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
  components?: { schemas?: Record<string, object> };
}

let cached: { spec: OpenApi; ajv: Ajv; compiled: Map<string, ValidateFunction> } | undefined;

function load() {
  if (cached) return cached;
  const file = specSource();
  const spec = JSON.parse(fs.readFileSync(file, "utf8")) as OpenApi;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormats(ajv);
  // Component schemas are referenced as "#/components/schemas/x": register the document's
  // components under a root id so those refs resolve.
  ajv.addSchema({ $id: "port", components: spec.components ?? {} } as object);
  cached = { spec, ajv, compiled: new Map() };
  return cached;
}

/** Rewrite local refs to the registered root document. */
function rooted(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rooted);
  if (schema !== null && typeof schema === "object") {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `port${v}` : rooted(v)]));
  }
  return schema;
}

function compile(key: string, schema: object | undefined): ValidateFunction {
  const { ajv, compiled } = load();
  const hit = compiled.get(key);
  if (hit) return hit;
  if (!schema) throw new Error(`Port's OpenAPI document has no schema for ${key}`);
  const fn = ajv.compile(rooted(schema) as object);
  compiled.set(key, fn);
  return fn;
}

/** The JSON request-body schema of a route ("PATCH", "/v1/teams/{name}"). */
export function requestValidator(method: string, route: string): ValidateFunction {
  const op = load().spec.paths[route]?.[method.toLowerCase()];
  return compile(`${method} ${route} request`, op?.requestBody?.content?.["application/json"]?.schema);
}

/** The response schema of a route for a status, if the document declares one. */
export function responseValidator(method: string, route: string, status: number): ValidateFunction | undefined {
  const op = load().spec.paths[route]?.[method.toLowerCase()];
  const schema = op?.responses?.[String(status)]?.content?.["application/json"]?.schema;
  return schema ? compile(`${method} ${route} ${status}`, schema) : undefined;
}

/** Problems of `body` against a route's request schema ("" path = the body itself); empty = valid. */
export function requestProblems(method: string, route: string, body: unknown): string[] {
  const validate = requestValidator(method, route);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `body${e.instancePath}: ${e.message ?? "invalid"}`);
}

/** Which document the schemas came from (the tests say so). */
export function specSource(): string {
  return process.env.PORT_APISPEC ?? SPEC;
}
