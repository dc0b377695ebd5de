// Drift-check cost: API requests `drift` needs to read a live portal holding the catalogs of
// the synth benchmark (created first through the providers, as `pulumi up` would).
import { runDrift } from "../tools/drift";
import { parseStackConfig } from "../stacks/config";
import { PortEmulator, TEST_CREDENTIALS } from "../test/support/port-emulator";
import { benchConfig, CATALOG_SIZES, countProviderCalls } from "./catalog";

export interface DriftRow {
  readonly products: number;
  readonly entities: number;
  readonly portRequests: number;
  /** Differences found (0: the freshly created portal matches its declaration). */
  readonly findings: number;
}

export async function benchDrift(): Promise<DriftRow[]> {
  const port = await PortEmulator.start();
  const saved = { id: process.env.PORT_CLIENT_ID, secret: process.env.PORT_CLIENT_SECRET };
  process.env.PORT_CLIENT_ID = TEST_CREDENTIALS.clientId;
  process.env.PORT_CLIENT_SECRET = TEST_CREDENTIALS.clientSecret;
  try {
    const rows: DriftRow[] = [];
    for (const n of CATALOG_SIZES) {
      port.reset();
      const config = parseStackConfig(benchConfig(n));
      await countProviderCalls(config, port);
      const report = await runDrift({
        stack: "bench",
        config,
        env: { PORT_CLIENT_ID: TEST_CREDENTIALS.clientId, PORT_CLIENT_SECRET: TEST_CREDENTIALS.clientSecret, PORT_API_URL: port.url },
      });
      rows.push({ products: n, entities: n * 5, portRequests: report.requests.port, findings: report.findings.length });
    }
    return rows;
  } finally {
    process.env.PORT_CLIENT_ID = saved.id;
    process.env.PORT_CLIENT_SECRET = saved.secret;
    await port.stop();
  }
}
