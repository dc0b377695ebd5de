// Shared validation: Port's identifier patterns (from apispec.json), turning zod issues into
// Port's 422 answer, and checking entity values against their blueprint.
import { z } from "zod";
import { PortError, invalid } from "./envelope";
import { Blueprint, BlueprintProperty } from "./state";

/** Blueprint identifiers: Unicode letters, digits, `@_.+:\/-`; not "." or ".."; ≤ 100. */
export const BLUEPRINT_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u;
/** Entity identifiers additionally allow `=`; ≤ 1000. */
export const ENTITY_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
/** Action identifiers: no slashes, `=` allowed; no documented length limit. */
export const ACTION_ID = /^(?!\.{1,2}$)[\p{L}0-9@_.+:=-]+$/u;
/** Keys of properties, relations, user inputs. */
export const KEY = /^[A-Za-z0-9@_=\\-]+$/;

export const PROPERTY_TYPES = ["string", "number", "boolean", "object", "array"] as const;
export const PROPERTY_FORMATS = [
  "date-time", "url", "email", "idn-email", "ipv4", "ipv6", "markdown", "yaml", "user", "blueprints",
  "team", "timer", "proto", "labeled-url",
] as const;

export const blueprintIdentifier = z.string().max(100).regex(BLUEPRINT_ID);
export const entityIdentifier = z.string().max(1000).regex(ENTITY_ID);
export const key = z.string().max(100).regex(KEY);
export const jsonObject = z.record(z.string(), z.unknown());
export const objectOrArray = z.union([z.array(z.unknown()), jsonObject]);

/** Parse a request body like Port's schema validation does: 422 naming every offending path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new PortError(422, "invalid_request", `body does not match the route's schema: ${describeIssues(result.error.issues)}`);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = ["body", ...issue.path.map(String)].join("/");
      if (issue.code === "invalid_union" && issue.errors.length > 0) {
        // Report the alternative that got furthest instead of "Invalid input".
        const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
        return describeIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
      }
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

// An alternative whose `type` discriminator already failed is the wrong one to report.
function depth(issues: readonly z.core.$ZodIssue[]): number {
  const wrongType = issues.some((i) => i.path[i.path.length - 1] === "type" && i.code === "invalid_value");
  return (wrongType ? -10_000 : 0) + Math.max(0, ...issues.map((i) => i.path.length)) * 100 - issues.length;
}

/** Values of an entity checked against its blueprint's schema (only the keys given). */
export function checkPropertyValues(blueprint: Blueprint, properties: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(properties)) {
    const schema = blueprint.schema.properties[name];
    if (!schema) {
      throw invalid(`Property "${name}" is not defined in blueprint "${blueprint.identifier}"`);
    }
    if (value === null) continue;
    const problem = valueProblem(schema, value);
    if (problem) throw invalid(`Property "${name}" of blueprint "${blueprint.identifier}" ${problem}`);
  }
}

function valueProblem(schema: BlueprintProperty, value: unknown): string | undefined {
  switch (schema.type) {
    case "string": {
      if (typeof value !== "string") return `must be a string, got ${typeOf(value)}`;
      const fmt = formatProblem(schema.format, value);
      if (fmt) return fmt;
      if (typeof schema.minLength === "number" && value.length < schema.minLength) return `must be at least ${schema.minLength} characters`;
      if (typeof schema.maxLength === "number" && value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
      if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) return `must match pattern ${schema.pattern}`;
      break;
    }
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return `must be a number, got ${typeOf(value)}`;
      if (typeof schema.minimum === "number" && value < schema.minimum) return `must be >= ${schema.minimum}`;
      if (typeof schema.maximum === "number" && value > schema.maximum) return `must be <= ${schema.maximum}`;
      break;
    case "boolean":
      if (typeof value !== "boolean") return `must be a boolean, got ${typeOf(value)}`;
      break;
    case "object":
      if (typeOf(value) !== "object") return `must be an object, got ${typeOf(value)}`;
      break;
    case "array": {
      if (!Array.isArray(value)) return `must be an array, got ${typeOf(value)}`;
      if (typeof schema.minItems === "number" && value.length < schema.minItems) return `must have at least ${schema.minItems} items`;
      if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return `must have at most ${schema.maxItems} items`;
      const items = schema.items as BlueprintProperty | undefined;
      if (items?.type) {
        for (const [i, item] of value.entries()) {
          const p = valueProblem(items, item);
          if (p) return `item ${i} ${p}`;
        }
      }
      break;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

function formatProblem(format: string | undefined, value: string): string | undefined {
  switch (format) {
    case "date-time":
      return Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value) ? `must be a date-time, got ${JSON.stringify(value)}` : undefined;
    case "url":
      try {
        new URL(value);
        return undefined;
      } catch {
        return `must be a url, got ${JSON.stringify(value)}`;
      }
    case "email":
      return /^[^\s@]+@[^\s@]+$/.test(value) ? undefined : `must be an email, got ${JSON.stringify(value)}`;
    default:
      return undefined;
  }
}

export function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function isTrue(query: URLSearchParams, name: string): boolean {
  return query.get(name) === "true";
}
