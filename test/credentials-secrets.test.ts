// A Port credentials secret in Secrets Manager that is not the JSON the agent expects is still a
// secret: neither the error the credential provider throws nor any log line of the built agent
// may carry its text. Secrets Manager is a local server speaking its JSON protocol, reached by the
// AWS SDK through AWS_ENDPOINT_URL_SECRETS_MANAGER exactly as in production.
import assert from "node:assert/strict";
import { credentialProviders } from "../agent/credentials";
import { AgentWorld, captureOutput, useBundleWorld } from "./support/agent-world";
import { DEFAULT_CODEFRESH_API_KEY } from "./support/codefresh-emulator";
import { startSilentDynamo } from "./support/dynamodb";
import { LocalSecretsManager, startSecretsManager } from "./support/secrets-manager";

const PORT_ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:port";
const CF_ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:cf";
/** Not JSON, and marked so a leak of any part of it is found. */
const MALFORMED = "clientId=leak-marker-id;clientSecret=leak-marker-secret";
const MARKERS = ["leak-marker-id", "leak-marker-secret", MALFORMED];



function assertNoMarker(text: string, where: string): void {
  for (const marker of MARKERS) assert.ok(!text.includes(marker), `${where} carries the secret's text: ${text}`);
}

describe("Port credentials secret that is not JSON", function () {
  this.timeout(60_000);

  describe("the credential provider", () => {
    const keys = ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
    let saved: Record<string, string | undefined>;
    let sm: LocalSecretsManager;

    before(async () => {
      sm = await startSecretsManager({ [PORT_ARN]: MALFORMED, [CF_ARN]: DEFAULT_CODEFRESH_API_KEY });
      saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
      Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
    });
    after(async () => {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await sm.stop();
    });

    it("rejects with a message naming the expected shape and none of the secret's text", async () => {
      const providers = credentialProviders({ kind: "secrets-manager", portSecretArn: PORT_ARN, codefreshSecretArn: CF_ARN });
      await assert.rejects(providers.port(), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /Port credentials secret is not JSON/);
        assertNoMarker(err.message, "the error message");
        assertNoMarker(String(err.stack), "the error stack");
        assertNoMarker(JSON.stringify(err, Object.getOwnPropertyNames(err)), "the error's fields");
        return true;
      });
      assert.deepEqual(sm.calls, [`secretsmanager.GetSecretValue ${PORT_ARN}`], "the value really came from Secrets Manager");
    });

    it("gives up on a Secrets Manager that accepts the connection and never answers, within seconds", async () => {
      const silent = await startSilentDynamo();
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = silent.endpoint;
      try {
        const providers = credentialProviders({ kind: "secrets-manager", portSecretArn: PORT_ARN, codefreshSecretArn: CF_ARN });
        const started = Date.now();
        const outcome = await Promise.race([
          providers.codefreshApiKey().then(() => "answered", () => "rejected"),
          new Promise((r) => setTimeout(() => r("still waiting"), 15_000)),
        ]);
        assert.equal(outcome, "rejected");
        assert.ok(Date.now() - started < 15_000);
      } finally {
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.url;
        await silent.stop();
      }
    });

    it("rejects JSON without clientId/clientSecret without echoing it either", async () => {
      const other = await startSecretsManager({ [PORT_ARN]: JSON.stringify({ client: "leak-marker-id", secret: "leak-marker-secret" }), [CF_ARN]: DEFAULT_CODEFRESH_API_KEY });
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = other.url;
      try {
        const providers = credentialProviders({ kind: "secrets-manager", portSecretArn: PORT_ARN, codefreshSecretArn: CF_ARN });
        await assert.rejects(providers.port(), (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.match(err.message, /lacks clientId\/clientSecret/);
          assertNoMarker(err.message, "the error message");
          return true;
        });
      } finally {
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.url;
        await other.stop();
      }
    });
  });

  describe("the built agent", () => {
    let world: AgentWorld;
    useBundleWorld((w) => (world = w));

    it("handles the record without starting a build and logs the failure without the secret's text", async () => {
      world.addImage("img-1", "billing");
      world.addEnvironment("env-1", "billing");
      const sm = await startSecretsManager({ [PORT_ARN]: MALFORMED, [CF_ARN]: DEFAULT_CODEFRESH_API_KEY });
      const capture = captureOutput();
      let lines: string[];
      let outcomes: Record<string, number>;
      try {
        const agent = world.loadBundle({
          PORT_CLIENT_ID: "", PORT_CLIENT_SECRET: "", CODEFRESH_API_KEY: "",
          PORT_CREDENTIALS_SECRET_ARN: PORT_ARN,
          CODEFRESH_API_KEY_SECRET_ARN: CF_ARN,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
          POWERTOOLS_LOG_LEVEL: "DEBUG",
        });
        const runId = world.createRun("env-1");
        ({ outcomes } = await agent.handler(world.kafkaEvent([{ value: world.request(runId, "img-1", "env-1") }])));
      } finally {
        capture.restore();
        lines = capture.lines();
        await sm.stop();
      }
      assert.ok(sm.calls.includes(`secretsmanager.GetSecretValue ${PORT_ARN}`), "the agent read the Port secret");
      assert.equal(world.cf.builds().length, 0, "no build without Port credentials");
      assert.ok(!("started" in outcomes), JSON.stringify(outcomes));
      // The init phase may log the same failure first (a WARN: retried by the batch), depending on timing.
      const failures = lines.filter((l) => l.includes("Port credentials secret is not JSON"));
      assert.ok(failures.length > 0, `the failure is logged: ${lines.join("\n")}`);
      assert.ok(failures.some((l) => (JSON.parse(l) as { level: string }).level === "ERROR"), `logged at ERROR: ${failures.join("\n")}`);
      assertNoMarker(lines.join("\n"), "the agent's output");
    });
  });
});
