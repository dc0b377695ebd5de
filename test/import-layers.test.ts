// The layering rule, checked over every .ts module of the repository (type-only imports count: a
// type import still ties a lower layer to a higher one's shape). Parsed with the TypeScript
// compiler API, so `import type`, `export … from`, `import("…")` types and `require("…")` are all
// seen; only relative specifiers name the repo's own modules.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const SKIP_DIRS = new Set(["node_modules", "dist", "out", ".git", ".bench", ".stryker-tmp", "reports"]);

/** Layers that are used by stacks/ and tools/ and must never use them. */
const LOWER_LAYERS = ["agent", "clients", "blueprints", "actions", "pipelines", "pages", "infra"];
const TOP_LAYERS = ["stacks", "tools"];

/**
 * Cycles that existed before the layering rule and are outside its scope, each with why it is
 * tolerated. A cycle found must lie within one of these module sets; anything else fails.
 */
const KNOWN_CYCLES: { readonly modules: readonly string[]; readonly why: string }[] = [
  {
    modules: ["test/support/port-emulator/governance.ts", "test/support/port-emulator/permissions.ts", "test/support/port-emulator/scorecards.ts", "test/support/port-emulator/teams.ts"],
    why: "test support: governance.ts registers the three route modules, which take its shared validator and state helpers; no module-level code runs on import",
  },
  {
    modules: ["tools/diff/compare.ts", "tools/diff/governance.ts", "tools/diff/snapshot.ts"],
    why: "top layer: the governance diff and the snapshot reader import compare's and governance's types only (erased at run time)",
  },
];

function repoModules(dir = ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...repoModules(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function resolveModule(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    if (candidate.endsWith(".ts") && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every module specifier a file names: static, type-only, re-exports, import() and require(). */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface ImportGraph {
  /** Repo-relative module → repo-relative modules it imports. */
  readonly local: Map<string, string[]>;
  /** Repo-relative module → package specifiers it imports. */
  readonly packages: Map<string, string[]>;
}

function importGraph(): ImportGraph {
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of repoModules()) {
    const rel = path.relative(ROOT, file).split(path.sep).join("/");
    const mine: string[] = [];
    const theirs: string[] = [];
    for (const spec of specifiersOf(file)) {
      if (spec.startsWith(".")) {
        const target = resolveModule(file, spec);
        if (target) mine.push(path.relative(ROOT, target).split(path.sep).join("/"));
      } else theirs.push(spec);
    }
    local.set(rel, mine);
    packages.set(rel, theirs);
  }
  return { local, packages };
}

/** Strongly connected components with more than one module (or a self-import): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

const layerOf = (module: string) => module.split("/")[0];

describe("import layering", () => {
  const graph = importGraph();

  it("sees the repository's modules and their imports (the check is not vacuous)", () => {
    assert.ok(graph.local.size > 100, `only ${graph.local.size} modules found`);
    assert.ok(graph.local.get("stacks/portal-stack.ts")?.includes("infra/agent.ts"), "stacks/portal-stack.ts → infra/agent.ts seen");
    assert.ok(graph.local.get("agent/runtime.ts")?.includes("agent/settings.ts"), "a type-only import (agent/runtime.ts → agent/settings.ts) seen");
    assert.ok(graph.packages.get("infra/agent.ts")?.includes("@pulumi/pulumi"), "package imports seen");
  });

  it("no module under agent/, clients/, blueprints/, actions/, pipelines/, pages/ or infra/ imports stacks/ or tools/ (type-only imports included)", () => {
    const upward: string[] = [];
    for (const [module, imports] of graph.local) {
      if (!LOWER_LAYERS.includes(layerOf(module))) continue;
      for (const target of imports) if (TOP_LAYERS.includes(layerOf(target))) upward.push(`${module} → ${target}`);
    }
    assert.deepEqual(upward, [], `lower layers take their own typed args instead:\n  ${upward.join("\n  ")}`);
  });

  it("agent/ imports no @pulumi/* package (run-time code is bundled without the engine)", () => {
    const offenders: string[] = [];
    for (const [module, specs] of graph.packages) {
      if (layerOf(module) !== "agent") continue;
      for (const spec of specs) if (spec === "@pulumi" || spec.startsWith("@pulumi/")) offenders.push(`${module} → ${spec}`);
    }
    assert.deepEqual(offenders, []);
  });

  it("the repository's modules import each other without cycles (besides the known ones listed here, with why)", () => {
    const unexpected = cycles(graph.local).filter((cycle) => !KNOWN_CYCLES.some((known) => cycle.every((m) => known.modules.includes(m))));
    assert.deepEqual(unexpected.map((c) => c.join(" ↔ ")), []);
  });

  it("the cycle check finds a cycle, and a type-only one, when there is one", () => {
    const graphWithCycle = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    assert.deepEqual(cycles(graphWithCycle), [["a.ts", "b.ts", "c.ts"]]);
    assert.deepEqual(specifiersOf(path.join(ROOT, "agent/runtime.ts")).filter((s) => s === "./settings"), ["./settings"]);
  });
});
