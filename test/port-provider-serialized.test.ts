// What Pulumi stores in state is not our module but the serialized provider closure, which the
// dynamic-provider host revives with require-from-string in another process on every refresh and
// destroy. Serialize each Port provider the way @pulumi/pulumi does, revive it in a fresh Node
// process that has no Port credentials in its environment, and drive it against the emulator.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { actionProvider } from "../infra/port/action";
import { blueprintProvider } from "../infra/port/blueprint";
import { entitySetProvider } from "../infra/port/entity-set";
import { product } from "../blueprints";
import { PortEmulator, TEST_CREDENTIALS } from "./support/port-emulator";

const run = promisify(execFile);

/** The host's own loader: require-from-string as @pulumi/pulumi resolves it. */
const requireFromString = require.resolve("require-from-string", { paths: [path.dirname(require.resolve("@pulumi/pulumi"))] });

// Runs in the child: revive the provider, configure it from "stack config", run a scenario.
const DRIVER = `
const fs = require("fs");
const [providerFile, scenario, baseUrl, clientId, clientSecret] = process.argv.slice(2);
const provider = require(${JSON.stringify(requireFromString)})(fs.readFileSync(providerFile, "utf8")).handler();
const config = { get: (k) => ({ portClientId: clientId, portClientSecret: clientSecret })[k] };
(async () => {
  await provider.configure({ config });
  const steps = JSON.parse(scenario);
  const results = [];
  for (const step of steps) {
    const args = step.args.map((a) => (a === "$baseUrl" ? baseUrl : a && typeof a === "object" && "baseUrl" in a ? { ...a, baseUrl } : a));
    results.push(await provider[step.method](...args));
  }
  process.stdout.write(JSON.stringify(results));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

describe("serialized Port providers in a fresh process", function () {
  this.timeout(60_000);
  let port: PortEmulator;
  let dir: string;

  before(async () => {
    port = await PortEmulator.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "portal-provider-"));
    fs.writeFileSync(path.join(dir, "driver.js"), DRIVER);
  });
  after(async () => {
    await port.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function serialize(name: string, provider: object): Promise<string> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const file = path.join(dir, `${name}.js`);
    fs.writeFileSync(file, sf.text);
    return file;
  }

  async function drive(file: string, steps: { method: string; args: unknown[] }[]): Promise<unknown[]> {
    const env = { ...process.env };
    delete env.PORT_CLIENT_ID;
    delete env.PORT_CLIENT_SECRET;
    const { stdout } = await run(process.execPath, [path.join(dir, "driver.js"), file, JSON.stringify(steps), port.url, TEST_CREDENTIALS.clientId, TEST_CREDENTIALS.clientSecret], {
      cwd: path.resolve(__dirname, ".."),
      env,
    });
    return JSON.parse(stdout) as unknown[];
  }

  it("serializes every provider without capturing credentials or module state, even after use in this process", async () => {
    // Configure and use the providers here first: their credentials and token caches must stay
    // out of what Pulumi would store in state.
    for (const provider of [blueprintProvider, actionProvider, entitySetProvider]) {
      await provider.configure({ config: { get: (k: string) => ({ portClientId: TEST_CREDENTIALS.clientId, portClientSecret: TEST_CREDENTIALS.clientSecret })[k] } } as never);
    }
    await blueprintProvider.read("product", { baseUrl: port.url, identifier: "product", body: product.body as never });
    for (const [name, provider] of Object.entries({ blueprintProvider, actionProvider, entitySetProvider })) {
      const text = fs.readFileSync(await serialize(name, provider), "utf8");
      assert.doesNotMatch(text, /test-client-secret/, `${name} carries no secret`);
      assert.match(text, /require\("zod"\)/, `${name} loads zod at run time instead of capturing a schema`);
      assert.ok(text.length < 200_000, `${name} stays small in state (${text.length} chars)`);
    }
  });

  it("creates, reads, diffs and deletes a blueprint with credentials from configure", async () => {
    const file = await serialize("blueprint", blueprintProvider);
    const inputs = { baseUrl: "$baseUrl", identifier: "product", body: product.body, options: { allowPropertyTypeChange: false } };
    const [created, read, diff] = (await drive(file, [
      { method: "create", args: [inputs] },
      { method: "read", args: ["product", inputs] },
      { method: "diff", args: ["product", inputs, inputs] },
    ])) as [{ id: string }, { id: string; props: { body: { title: string } } }, { changes: boolean }];
    assert.equal(created.id, "product");
    assert.equal(read.props.body.title, "Product");
    assert.equal(diff.changes, false);
    assert.ok(port.blueprint("product"));

    await drive(file, [{ method: "delete", args: ["product", inputs] }]);
    assert.equal(port.blueprint("product"), undefined);
  });

  it("writes and reads an entity set in bulk", async () => {
    await drive(await serialize("blueprint", blueprintProvider), [{ method: "create", args: [{ baseUrl: "$baseUrl", identifier: "product", body: product.body }] }]);
    const file = await serialize("entities", entitySetProvider);
    const inputs = { baseUrl: "$baseUrl", blueprint: "product", entities: [{ identifier: "billing", title: "Billing", properties: {}, relations: {} }] };
    const [, read] = (await drive(file, [
      { method: "create", args: [inputs] },
      { method: "read", args: ["product/entities", inputs] },
    ])) as [unknown, { props: { entities: { identifier: string }[] } }];
    assert.deepEqual(read.props.entities.map((e) => e.identifier), ["billing"]);
  });
});
