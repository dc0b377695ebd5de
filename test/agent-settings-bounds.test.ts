// The agent's settings at their edges: every default, every bound (the last accepted value and the
// first refused one), trimming, and the exact one-line problems a misconfigured start prints.
import assert from "node:assert/strict";
import { loadAgentSettings, loadConsumerSettings, SettingsError } from "../agent/settings";

const base = { AWS_REGION: "eu-west-1", RUN_LEDGER_TABLE: "ledger", ALLOWED_PIPELINES: "deploy/app", PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "test-client-secret", CODEFRESH_API_KEY: "test-key" };
const kafka = { ...base, KAFKA_BROKERS: "b-1:9196", KAFKA_USERNAME: "u", KAFKA_PASSWORD: "test-password", PORT_ORG_ID: "org_1", KAFKA_CONSUMER_GROUP: "org_1.agent" };

/** The message of the SettingsError a load throws. */
function problem(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(err.name, "SettingsError");
    return err.message;
  }
  assert.fail("settings were accepted");
}

describe("agent settings at their edges", () => {
  it("fills every default and passes explicit values through, trimmed", () => {
    const d = loadAgentSettings(base);
    assert.deepEqual(
      { ...d },
      {
        credentials: { kind: "environment", portClientId: "id", portClientSecret: "test-client-secret", codefreshApiKey: "test-key" },
        portApiUrl: "https://api.port.io",
        portAppUrl: "https://app.port.io",
        codefreshApiUrl: "https://g.codefresh.io",
        ledgerTable: "ledger",
        allowedPipelines: ["deploy/app"],
        requireProductionApproval: true,
        concurrency: 32,
        ledgerTtlDays: 30,
        claimLeaseSeconds: 900,
        lockLeaseSeconds: 120,
      },
    );
    const s = loadAgentSettings({
      ...base,
      RUN_LEDGER_TABLE: "  ledger-2 ",
      PORT_API_URL: " https://api.us.port.io ",
      PORT_APP_URL: "https://app.us.port.io",
      CODEFRESH_API_URL: "https://cf.example.test",
      ALLOWED_PIPELINES: " deploy/app , ,ops/rollback,",
      AGENT_CONCURRENCY: " 8 ",
      LEDGER_TTL_DAYS: "7",
      REAPER_CLAIM_LEASE_SECONDS: "60",
      REAPER_LOCK_LEASE_SECONDS: "30",
      PORT_CLIENT_ID: " id2 ",
    });
    assert.equal(s.ledgerTable, "ledger-2");
    assert.equal(s.portApiUrl, "https://api.us.port.io");
    assert.equal(s.portAppUrl, "https://app.us.port.io");
    assert.equal(s.codefreshApiUrl, "https://cf.example.test");
    assert.deepEqual(s.allowedPipelines, ["deploy/app", "ops/rollback"]);
    assert.equal(s.concurrency, 8);
    assert.equal(s.ledgerTtlDays, 7);
    assert.equal(s.claimLeaseSeconds, 60);
    assert.equal(s.lockLeaseSeconds, 30);
    assert.equal(s.credentials.kind === "environment" && s.credentials.portClientId, "id2");
  });

  it("treats blank values as unset", () => {
    const s = loadAgentSettings({ ...base, PORT_API_URL: "  ", AGENT_CONCURRENCY: "", REQUIRE_PRODUCTION_APPROVAL: " " });
    assert.equal(s.portApiUrl, "https://api.port.io");
    assert.equal(s.concurrency, 32);
    assert.equal(s.requireProductionApproval, true);
    assert.equal(problem(() => loadAgentSettings({ ...base, RUN_LEDGER_TABLE: "   " })), "agent settings: RUN_LEDGER_TABLE is required");
  });

  for (const [name, ok, refused] of [
    ["AGENT_CONCURRENCY", ["1", "256"], ["0", "257", "1.5", "many"]],
    ["LEDGER_TTL_DAYS", ["1", "3650"], ["0", "3651", "2.5"]],
    ["REAPER_CLAIM_LEASE_SECONDS", ["60", "86400"], ["59", "-1", "60.5"]],
    ["REAPER_LOCK_LEASE_SECONDS", ["0", "600"], ["-1", "x"]],
  ] as const) {
    it(`${name}: accepts ${ok.join(" and ")}, refuses ${refused.join(", ")} naming only the setting`, () => {
      for (const value of ok) assert.doesNotThrow(() => loadAgentSettings({ ...base, [name]: value }), `${name}=${value}`);
      for (const value of refused) assert.match(problem(() => loadAgentSettings({ ...base, [name]: value })), new RegExp(`^agent settings: ${name} is invalid \\(.+\\)$`), `${name}=${value}`);
    });
  }

  it("says what REQUIRE_PRODUCTION_APPROVAL takes", () => {
    assert.equal(problem(() => loadAgentSettings({ ...base, REQUIRE_PRODUCTION_APPROVAL: "yes" })), 'agent settings: REQUIRE_PRODUCTION_APPROVAL is invalid (expected "true" or "false")');
  });

  it("refuses a URL that is not one", () => {
    for (const name of ["PORT_API_URL", "PORT_APP_URL", "CODEFRESH_API_URL"]) {
      assert.match(problem(() => loadAgentSettings({ ...base, [name]: "not a url" })), new RegExp(`^agent settings: ${name} is invalid`));
    }
  });

  it("wants every allowlist entry as project/pipeline, naming each bad one", () => {
    assert.equal(
      problem(() => loadAgentSettings({ ...base, ALLOWED_PIPELINES: "deploy/app,a/b/c,solo,with space/x" })),
      'agent settings: ALLOWED_PIPELINES entry "a/b/c" is not a full name "project/pipeline"; ALLOWED_PIPELINES entry "solo" is not a full name "project/pipeline"; ALLOWED_PIPELINES entry "with space/x" is not a full name "project/pipeline"',
    );
    assert.equal(problem(() => loadAgentSettings({ ...base, ALLOWED_PIPELINES: "" })), "agent settings: ALLOWED_PIPELINES is required");
    assert.equal(problem(() => loadAgentSettings({ ...base, ALLOWED_PIPELINES: " , " })), "agent settings: ALLOWED_PIPELINES names no pipeline", "a list of nothing allows nothing");
  });

  it("names exactly the credentials that are missing", () => {
    const { PORT_CLIENT_ID: _i, PORT_CLIENT_SECRET: _s, CODEFRESH_API_KEY: _k, ...none } = base;
    assert.equal(
      problem(() => loadAgentSettings({ ...none, PORT_CLIENT_SECRET: "test-client-secret" })),
      "agent settings: credentials: set PORT_CREDENTIALS_SECRET_ARN and CODEFRESH_API_KEY_SECRET_ARN (or PORT_CLIENT_ID, CODEFRESH_API_KEY, each directly or as a file named by <NAME>_FILE)",
    );
    assert.match(problem(() => loadAgentSettings({ ...base, CODEFRESH_API_KEY: "" })), /\(or CODEFRESH_API_KEY, each/);
    assert.match(problem(() => loadAgentSettings({ ...base, PORT_CLIENT_SECRET: "" })), /\(or PORT_CLIENT_SECRET, each/);
  });

  it("needs both Secrets Manager ARNs, whichever is set, and then ignores the plain variables", () => {
    assert.equal(problem(() => loadAgentSettings({ ...base, CODEFRESH_API_KEY_SECRET_ARN: "arn:cf" })), "agent settings: PORT_CREDENTIALS_SECRET_ARN is required when CODEFRESH_API_KEY_SECRET_ARN is set");
    assert.equal(problem(() => loadAgentSettings({ ...base, PORT_CREDENTIALS_SECRET_ARN: "arn:port" })), "agent settings: CODEFRESH_API_KEY_SECRET_ARN is required when PORT_CREDENTIALS_SECRET_ARN is set");
    const { PORT_CLIENT_ID: _i, PORT_CLIENT_SECRET: _s, CODEFRESH_API_KEY: _k, ...none } = base;
    assert.deepEqual(loadAgentSettings({ ...none, PORT_CREDENTIALS_SECRET_ARN: " arn:port ", CODEFRESH_API_KEY_SECRET_ARN: "arn:cf" }).credentials, {
      kind: "secrets-manager",
      portSecretArn: "arn:port",
      codefreshSecretArn: "arn:cf",
    });
  });

  describe("the Kubernetes consumer", () => {
    it("lists every Kafka problem at once, with the common ones, in one line", () => {
      const { RUN_LEDGER_TABLE: _t, ...common } = base;
      assert.equal(
        problem(() => loadConsumerSettings({ ...common, ALLOWED_PIPELINES: "" })),
        "agent settings: ALLOWED_PIPELINES is required; KAFKA_BROKERS is required; KAFKA_USERNAME (or KAFKA_USERNAME_FILE) is required; KAFKA_PASSWORD (or KAFKA_PASSWORD_FILE) is required; PORT_ORG_ID is required; KAFKA_CONSUMER_GROUP is required",
      );
    });

    it("wants brokers as host:port, trimmed, and names each bad one", () => {
      assert.deepEqual(loadConsumerSettings({ ...kafka, KAFKA_BROKERS: " b-1:9196 , b-2:9096," }).kafkaBrokers, ["b-1:9196", "b-2:9096"]);
      assert.equal(problem(() => loadConsumerSettings({ ...kafka, KAFKA_BROKERS: "b-1,b-2:port,b 3:1,b-4:9096x" })), 'agent settings: KAFKA_BROKERS entry "b-1" is not host:port; KAFKA_BROKERS entry "b-2:port" is not host:port; KAFKA_BROKERS entry "b 3:1" is not host:port; KAFKA_BROKERS entry "b-4:9096x" is not host:port');
    });

    it("needs the org id before it can check the group prefix", () => {
      assert.equal(problem(() => loadConsumerSettings({ ...kafka, PORT_ORG_ID: "" })), "agent settings: PORT_ORG_ID is required");
      assert.equal(problem(() => loadConsumerSettings({ ...kafka, KAFKA_CONSUMER_GROUP: "org_1" })), 'agent settings: KAFKA_CONSUMER_GROUP must start with "org_1."');
    });

    it("reaps every 10 s to every 86,400 s, nothing else", () => {
      for (const value of ["10", "86400", " 60 "]) assert.equal(loadConsumerSettings({ ...kafka, REAPER_INTERVAL_SECONDS: value }).reaperIntervalSeconds, Number(value));
      for (const value of ["9", "86401", "12.5", "0"]) {
        assert.equal(problem(() => loadConsumerSettings({ ...kafka, REAPER_INTERVAL_SECONDS: value })), "agent settings: REAPER_INTERVAL_SECONDS is invalid (an integer from 10 to 86400)", value);
      }
    });

    it("returns the Kafka settings it read, the topic derived from the org, and a trimmed health dir", () => {
      const s = loadConsumerSettings({ ...kafka, AGENT_HEALTH_DIR: " /tmp/health " });
      assert.equal(s.kafkaUsername, "u");
      assert.equal(s.kafkaPassword, "test-password");
      assert.equal(s.portOrgId, "org_1");
      assert.equal(s.consumerGroup, "org_1.agent");
      assert.equal(s.topic, "org_1.runs");
      assert.equal(s.healthDir, "/tmp/health");
      assert.equal(s.ledgerTable, "ledger");
    });
  });
});
