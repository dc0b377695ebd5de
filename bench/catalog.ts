// Catalog benchmarks: synth time and peak memory for catalogs of 10, 100 and 1,000 products
// (4 environments each), and the Port API calls the providers make to create and to read each
// catalog against the local Port emulator.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { actionProvider } from "../infra/port/action";
import { blueprintProvider } from "../infra/port/blueprint";
import type { JsonObject } from "../infra/port/canonical";
import { entitySetProvider, PortEntitySetInputs } from "../infra/port/entity-set";
import type { PortObjectInputs } from "../infra/port/object-provider";
import { declareCatalog } from "../stacks/catalog-declaration";
import { parseStackConfig, StackConfig } from "../stacks/config";
import { PortEmulator, TEST_CREDENTIALS } from "../test/support/port-emulator";

const run = promisify(execFile);
export const CATALOG_SIZES = [10, 100, 1000] as const;

/** A stack config with `products` products of 4 environments each. */
export function benchConfig(products: number): Record<string, unknown> {
  const kinds = ["Dev", "Staging", "Staging", "Production"] as const;
  return {
    port: { orgId: "org_Bench01", region: "eu" },
    products: Array.from({ length: products }, (_, i) => ({
      identifier: `product-${i}`,
      title: `Product ${i}`,
      owningTeam: `team-${i % 25}`,
      bambooKey: `P${i}`,
      environments: ["dev", "test", "stage", "prod"].map((name, j) => ({ name, kind: kinds[j] })),
    })),
  };
}

export interface SynthRow {
  readonly products: number;
  readonly entities: number;
  readonly ms: number;
  readonly maxRssMb: number;
  readonly resources: number;
}

export async function benchSynth(): Promise<SynthRow[]> {
  const rows: SynthRow[] = [];
  const root = path.resolve(__dirname, "..");
  for (const n of CATALOG_SIZES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `synth-bench-${n}-`));
    try {
      const config = Object.fromEntries(Object.entries(benchConfig(n)).map(([k, v]) => [`developer-portal:${k}`, v]));
      fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), stringify({ config }));
      const { stdout } = await run(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "bench", "synth-child.ts"), dir, "bench", path.join(dir, "out")], {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      });
      const r = JSON.parse(stdout) as { ms: number; maxRssMb: number; resources: number };
      rows.push({ products: n, entities: n * 5, ms: Math.round(r.ms), maxRssMb: Math.round(r.maxRssMb), resources: r.resources });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export interface ApiCallRow {
  readonly products: number;
  readonly createCalls: number;
  readonly readCalls: number;
}

/** Drive the providers as `pulumi up` and `pulumi refresh` would, counting Port requests. */
export async function countProviderCalls(cfg: StackConfig, port: PortEmulator): Promise<{ createCalls: number; readCalls: number }> {
  const decl = declareCatalog(cfg);
  const before = port.requests.length;
  const objects: { provider: typeof blueprintProvider; inputs: PortObjectInputs }[] = [];
  for (const bp of decl.blueprints) {
    const inputs: PortObjectInputs = { baseUrl: port.url, identifier: bp.identifier, body: bp.body as unknown as JsonObject };
    await blueprintProvider.create(inputs);
    objects.push({ provider: blueprintProvider, inputs });
  }
  for (const action of decl.actions) {
    const inputs: PortObjectInputs = { baseUrl: port.url, identifier: action.identifier, body: action.body as unknown as JsonObject };
    await actionProvider.create(inputs);
    objects.push({ provider: actionProvider, inputs });
  }
  const sets: PortEntitySetInputs[] = [];
  for (const set of decl.entitySets) {
    const inputs: PortEntitySetInputs = { baseUrl: port.url, blueprint: set.blueprint, entities: set.entities };
    await entitySetProvider.create(inputs);
    sets.push(inputs);
  }
  const createCalls = port.requests.length - before;
  const mid = port.requests.length;
  for (const o of objects) await o.provider.read(o.inputs.identifier, o.inputs);
  for (const s of sets) await entitySetProvider.read(`${s.blueprint}/entities`, s);
  return { createCalls, readCalls: port.requests.length - mid };
}

export async function benchApiCalls(): Promise<ApiCallRow[]> {
  const port = await PortEmulator.start();
  const saved = { id: process.env.PORT_CLIENT_ID, secret: process.env.PORT_CLIENT_SECRET };
  process.env.PORT_CLIENT_ID = TEST_CREDENTIALS.clientId;
  process.env.PORT_CLIENT_SECRET = TEST_CREDENTIALS.clientSecret;
  try {
    const rows: ApiCallRow[] = [];
    for (const n of CATALOG_SIZES) {
      port.reset();
      const counts = await countProviderCalls(parseStackConfig(benchConfig(n)), port);
      rows.push({ products: n, ...counts });
    }
    return rows;
  } finally {
    process.env.PORT_CLIENT_ID = saved.id;
    process.env.PORT_CLIENT_SECRET = saved.secret;
    await port.stop();
  }
}
