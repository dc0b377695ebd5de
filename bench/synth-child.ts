// One synth in its own process (Pulumi's runtime is process-global), reporting its wall time
// and peak resident memory as JSON on stdout.
import { synth } from "../tools/synth";

async function main(): Promise<void> {
  const [projectDir, stack, out] = process.argv.slice(2);
  const start = process.hrtime.bigint();
  const result = await synth({ stack, out, projectDir });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, resources: result.resources, files: result.files }));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
