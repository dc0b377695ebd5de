// The agent on Kubernetes, evaluated under Pulumi mocks: the manifests `pulumi up` would apply.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AgentDeployment, AgentDeploymentArgs } from "../infra/agent";
import { PORT_KAFKA_BROKERS } from "../infra/agent-config";
import { HEALTH_DIR, SECRETS_DIR } from "../infra/kubernetes";
import { parseStackConfig } from "../stacks/config";
import { ResourceRecorder, installMocks, isSecretInput, promiseOf, reveal, settle } from "./support/mocks";

const ORG = "org_Test123";
const IMAGE = "registry.example.com/developer-portal/agent:1.4.2";
const T = {
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  configMap: "kubernetes:core/v1:ConfigMap",
  deployment: "kubernetes:apps/v1:Deployment",
};
const SECRETS: AgentDeploymentArgs["secrets"] = {
  portClientId: pulumi.secret("test-port-client-id"),
  portClientSecret: pulumi.secret("test-port-client-secret"),
  codefreshApiKey: pulumi.secret("test-codefresh-key"),
  kafkaUsername: pulumi.secret("test-kafka-user"),
  kafkaPassword: pulumi.secret("test-kafka-password"),
};

describe("agent on Kubernetes (Deployment)", () => {
  const mocks = new ResourceRecorder();
  before(() => installMocks(mocks));
  beforeEach(() => mocks.reset());

  async function deploy(kubernetes: Record<string, unknown> = {}, agent: Record<string, unknown> = {}): Promise<AgentDeployment> {
    const config = parseStackConfig({ port: { orgId: ORG }, agent: { runtime: "kubernetes", kubernetes: { image: IMAGE, ...kubernetes }, ...agent } });
    // No bundleDir: the image carries the bundle, so nothing is read from disk.
    const deployment = new AgentDeployment("agent", { config, portApiUrl: "https://api.port.io", allowedPipelines: ["developer-portal/deploy"], secrets: SECRETS, bundleDir: "/nonexistent" });
    await promiseOf(deployment.workloadName);
    await settle();
    return deployment;
  }

  const pod = () => mocks.one(T.deployment).inputs.spec.template.spec;
  const container = () => pod().containers[0];

  it("creates the configured namespace and puts everything in it", async () => {
    await deploy({ namespace: "portal-agent" });
    const ns = mocks.one(T.namespace);
    assert.equal(ns.inputs.metadata.name, "portal-agent");
    for (const type of [T.secret, T.configMap, T.deployment]) assert.equal(mocks.one(type).inputs.metadata.namespace, "portal-agent", type);
  });

  it("fills the Secret's stringData from the Pulumi secrets, as secret outputs", async () => {
    const agent = await deploy();
    const secret = mocks.one(T.secret).inputs;
    assert.ok(isSecretInput(secret.stringData), "stringData reaches the engine as a secret");
    assert.equal(secret.data, undefined);
    assert.deepEqual(reveal(secret.stringData), {
      PORT_CLIENT_ID: "test-port-client-id",
      PORT_CLIENT_SECRET: "test-port-client-secret",
      CODEFRESH_API_KEY: "test-codefresh-key",
      KAFKA_USERNAME: "test-kafka-user",
      KAFKA_PASSWORD: "test-kafka-password",
    });
    assert.equal(await pulumi.isSecret(agent.kubernetes!.secret.stringData), true);
  });

  it("puts the consumer's settings in a ConfigMap: brokers, org, org-prefixed group, URLs — no ledger, no secrets", async () => {
    await deploy({}, { name: "cf-agent", concurrency: 4 });
    const data = mocks.one(T.configMap).inputs.data as Record<string, string>;
    assert.deepEqual(data, {
      PORT_API_URL: "https://api.port.io",
      PORT_APP_URL: "https://app.port.io",
      CODEFRESH_API_URL: "https://g.codefresh.io",
      ALLOWED_PIPELINES: "developer-portal/deploy",
      AGENT_CONCURRENCY: "4",
      LEDGER_TTL_DAYS: "30",
      KAFKA_BROKERS: PORT_KAFKA_BROKERS.eu.join(","),
      PORT_ORG_ID: ORG,
      KAFKA_CONSUMER_GROUP: `${ORG}.cf-agent`,
      AGENT_HEALTH_DIR: HEALTH_DIR,
      REQUIRE_PRODUCTION_APPROVAL: "true",
      PORT_CLIENT_ID_FILE: "/var/run/secrets/portal/PORT_CLIENT_ID",
      PORT_CLIENT_SECRET_FILE: "/var/run/secrets/portal/PORT_CLIENT_SECRET",
      CODEFRESH_API_KEY_FILE: "/var/run/secrets/portal/CODEFRESH_API_KEY",
      KAFKA_USERNAME_FILE: "/var/run/secrets/portal/KAFKA_USERNAME",
      KAFKA_PASSWORD_FILE: "/var/run/secrets/portal/KAFKA_PASSWORD",
    });
  });

  it("passes approvals.production on as REQUIRE_PRODUCTION_APPROVAL", async () => {
    const config = parseStackConfig({ port: { orgId: ORG }, approvals: { production: false }, agent: { runtime: "kubernetes", kubernetes: { image: IMAGE } } });
    const deployment = new AgentDeployment("agent", { config, portApiUrl: "https://api.port.io", allowedPipelines: ["developer-portal/deploy"], secrets: SECRETS, bundleDir: "/nonexistent" });
    await promiseOf(deployment.workloadName);
    await settle();
    assert.equal((mocks.one(T.configMap).inputs.data as Record<string, string>).REQUIRE_PRODUCTION_APPROVAL, "false");
  });

  it("runs one `node consumer.js` pod from the configured image, recreated rather than rolled", async () => {
    await deploy({ workingDir: "/srv/agent" });
    const spec = mocks.one(T.deployment).inputs.spec;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, { type: "Recreate" });
    assert.deepEqual(spec.selector.matchLabels, spec.template.metadata.labels);
    assert.equal(container().image, IMAGE);
    assert.deepEqual(container().command, ["node", "consumer.js"]);
    assert.equal(container().workingDir, "/srv/agent");
  });

  it("takes its environment from this ConfigMap only, by its generated name: no secret in an environment variable", async () => {
    await deploy();
    assert.deepEqual(container().envFrom, [{ configMapRef: { name: mocks.one(T.configMap).state.metadata.name } }]);
    assert.equal(container().env, undefined, "no inline env values that could carry a secret");
    const environment = JSON.stringify(reveal({ env: container().env, envFrom: container().envFrom, data: mocks.one(T.configMap).inputs.data }));
    for (const value of ["test-port-client-id", "test-port-client-secret", "test-codefresh-key", "test-kafka-user", "test-kafka-password"]) {
      assert.ok(!environment.includes(value), `${value} reaches the environment`);
    }
    assert.doesNotMatch(environment, /secretKeyRef|secretRef/, "no variable is filled from a Secret");
  });

  it("mounts the credentials Secret read-only as files (0400) where the *_FILE settings point", async () => {
    await deploy();
    const mount = container().volumeMounts.find((m: { mountPath: string }) => m.mountPath === SECRETS_DIR);
    assert.deepEqual(mount, { name: "credentials", mountPath: "/var/run/secrets/portal", readOnly: true });
    const volume = pod().volumes.find((v: { name: string }) => v.name === mount.name);
    assert.deepEqual(volume, { name: "credentials", secret: { secretName: mocks.one(T.secret).state.metadata.name, defaultMode: 0o400 } });
    assert.equal(pod().securityContext.fsGroup, pod().securityContext.runAsGroup, "the kubelet gives the pod's group read access to the files");
    const data = mocks.one(T.configMap).inputs.data as Record<string, string>;
    const keys = Object.keys(reveal(mocks.one(T.secret).inputs.stringData) as Record<string, string>);
    for (const key of keys) assert.equal(data[`${key}_FILE`], `${SECRETS_DIR}/${key}`, key);
  });

  it("sets resource requests and limits, defaulted or from config", async () => {
    await deploy();
    assert.deepEqual(container().resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    mocks.reset();
    await deploy({ resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } } });
    assert.deepEqual(container().resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  });

  it("probes readiness and liveness through the consumer's health files", async () => {
    await deploy();
    const c = container();
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) assert.equal(probe.exec.command[0], "node");
    assert.match(c.readinessProbe.exec.command.join(" "), new RegExp(`${HEALTH_DIR}/ready`));
    assert.match(c.livenessProbe.exec.command.join(" "), new RegExp(`${HEALTH_DIR}/alive`));
    assert.ok(c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === "/tmp"), "a writable /tmp for the health files");
    assert.ok(pod().volumes.some((v: { name: string; emptyDir?: unknown }) => v.name === "tmp" && v.emptyDir));
  });

  it("runs non-root on a read-only root filesystem without a service account token", async () => {
    await deploy();
    const spec = pod();
    assert.equal(spec.automountServiceAccountToken, false);
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.equal(spec.securityContext.runAsUser, 1000);
    const sc = container().securityContext;
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.runAsNonRoot, true);
    assert.deepEqual(sc.capabilities.drop, ["ALL"]);
  });

  it("registers no AWS resources and exports the Deployment name, not secrets", async () => {
    const agent = await deploy();
    assert.deepEqual(mocks.types().filter((t) => t.startsWith("aws:")), []);
    const outputs = agent.outputs();
    assert.equal(await promiseOf(pulumi.output(outputs.workloadName)), mocks.one(T.deployment).state.metadata.name);
    assert.equal(await promiseOf(pulumi.output(outputs.namespace)), "developer-portal");
    assert.equal(outputs.functionArn, undefined);
    for (const value of Object.values(outputs)) if (value !== undefined) assert.equal(await pulumi.isSecret(pulumi.output(value)), false);
  });
});
