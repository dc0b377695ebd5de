// The agent on Kubernetes: one pod running the bundle's Kafka consumer (`node consumer.js`),
// credentials from a Secret filled by Pulumi secrets and mounted read-only as files (never plain
// environment variables: the agent reads `<NAME>_FILE`), settings from a ConfigMap.
//
// Health contract with the consumer (agent/): it writes `$AGENT_HEALTH_DIR/ready` once it has
// joined its consumer group, and touches `$AGENT_HEALTH_DIR/alive` at least every
// HEARTBEAT_SECONDS while its poll loop runs. The probes are `node -e` one-liners, so they need
// nothing but node in the image, and no port is opened.
import type { AgentEnvironment, AgentEnvName } from "../../agent/contract";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HEARTBEAT_SECONDS } from "../../agent/health";
import { AgentSecrets, AgentSettings, AgentStackConfig, KubernetesAgentConfig, commonAgentEnvironment } from "../agent-config";

/** Writable scratch dir (the root filesystem is read-only); holds the health files. */
export const HEALTH_DIR = "/tmp/agent";
/** The consumer refreshes the liveness file at least this often (one constant, owned by the agent). */
export { HEARTBEAT_SECONDS };
/** Entry point inside the bundle / image working directory. */
export const CONSUMER_ENTRY = "consumer.js";
/** Where the credentials Secret is mounted, one file per key. */
export const SECRETS_DIR = "/var/run/secrets/portal";
/** Keys of the credentials Secret: each the name of the agent setting its file holds. */
export const SECRET_SETTINGS = ["PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "CODEFRESH_API_KEY", "KAFKA_USERNAME", "KAFKA_PASSWORD"] as const satisfies readonly AgentEnvName[];
type SecretSetting = (typeof SECRET_SETTINGS)[number];
/** `<NAME>_FILE` settings pointing the agent at the mounted files (agent/credentials.ts secretVariable). */
export function secretFileEnvironment(dir: string = SECRETS_DIR): Record<`${SecretSetting}_FILE` & AgentEnvName, string> {
  return Object.fromEntries(SECRET_SETTINGS.map((k) => [`${k}_FILE`, `${dir}/${k}`])) as Record<`${SecretSetting}_FILE` & AgentEnvName, string>;
}

export interface KubernetesAgentArgs {
  /** The stack config's `agent` section (`agent.kubernetes` must be set) and the facts it shares. */
  readonly config: Pick<AgentStackConfig, "agent" | "approvals">;
  /** Resolved run-time settings (URLs, brokers, topic, consumer group, allowlist). */
  readonly settings: AgentSettings;
  /** Pulumi secrets that fill the Kubernetes Secret. */
  readonly secrets: AgentSecrets;
}

export class KubernetesAgent extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;
  readonly secret: k8s.core.v1.Secret;
  readonly configMap: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly namespaceName: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: KubernetesAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:kubernetes:KubernetesAgent", name, {}, opts);
    const { config, settings, secrets } = args;
    const kube: KubernetesAgentConfig | undefined = config.agent.kubernetes;
    if (!kube) throw new Error('agent.kubernetes is required when agent.runtime is "kubernetes"');
    const labels = { "app.kubernetes.io/name": config.agent.name, "app.kubernetes.io/part-of": "developer-portal", "app.kubernetes.io/component": "codefresh-agent" };

    this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: kube.namespace, labels } }, { parent: this });
    const namespace = this.namespace.metadata.name;

    // Unnamed Secret and ConfigMap: Pulumi suffixes their names, so a changed value creates a
    // new object and rolls the Deployment instead of leaving a pod with stale credentials.
    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { namespace, labels },
        type: "Opaque",
        stringData: {
          // Keys are SECRET_SETTINGS: each becomes a file of that name under SECRETS_DIR.
          PORT_CLIENT_ID: pulumi.secret(secrets.portClientId),
          PORT_CLIENT_SECRET: pulumi.secret(secrets.portClientSecret),
          CODEFRESH_API_KEY: pulumi.secret(secrets.codefreshApiKey),
          KAFKA_USERNAME: pulumi.secret(secrets.kafkaUsername),
          KAFKA_PASSWORD: pulumi.secret(secrets.kafkaPassword),
        },
      },
      { parent: this },
    );
    const agentEnvironment: AgentEnvironment = {
      ...commonAgentEnvironment(settings, config),
      KAFKA_BROKERS: settings.brokers.join(","),
      PORT_ORG_ID: settings.orgId,
      KAFKA_CONSUMER_GROUP: settings.consumerGroup,
      AGENT_HEALTH_DIR: HEALTH_DIR,
      // Paths only: the values stay in the Secret's files.
      ...secretFileEnvironment(),
      // No RUN_LEDGER_TABLE: in the cluster the agent uses its own redelivery guard.
    };
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      {
        metadata: { namespace, labels },
        data: agentEnvironment,
      },
      { parent: this },
    );

    const probe = (script: string, periodSeconds: number, failureThreshold: number) => ({
      exec: { command: ["node", "-e", script] },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 5,
    });
    const alive = `const s=require("fs").statSync(${JSON.stringify(`${HEALTH_DIR}/alive`)});process.exit(Date.now()-s.mtimeMs<${HEARTBEAT_SECONDS * 3 * 1000}?0:1)`;
    const ready = `require("fs").accessSync(${JSON.stringify(`${HEALTH_DIR}/ready`)})`;

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-consumer`,
      {
        metadata: { namespace, labels },
        spec: {
          // One consumer, replaced not rolled: two pods would rebalance the group mid-rollout.
          replicas: kube.replicas,
          strategy: { type: "Recreate" },
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: kube.runAsUser,
                runAsGroup: kube.runAsUser,
                fsGroup: kube.runAsUser,
                seccompProfile: { type: "RuntimeDefault" },
              },
              imagePullSecrets: kube.imagePullSecrets.map((n) => ({ name: n })),
              // Let the consumer leave its group cleanly on SIGTERM.
              terminationGracePeriodSeconds: 45,
              containers: [
                {
                  name: "agent",
                  image: kube.image,
                  imagePullPolicy: "IfNotPresent",
                  workingDir: kube.workingDir,
                  command: ["node", CONSUMER_ENTRY],
                  // Settings only; credentials come as files (volume "credentials" below).
                  envFrom: [{ configMapRef: { name: this.configMap.metadata.name } }],
                  resources: { requests: { ...kube.resources.requests }, limits: { ...kube.resources.limits } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  startupProbe: probe(ready, 5, 24),
                  readinessProbe: probe(ready, 15, 2),
                  livenessProbe: probe(alive, 30, 3),
                  volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "credentials", mountPath: SECRETS_DIR, readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                // 0400: owner-read only; fsGroup above makes the kubelet add group read for the
                // pod's group, which is how the non-root agent (runAsGroup = fsGroup) reads them.
                { name: "credentials", secret: { secretName: this.secret.metadata.name, defaultMode: 0o400 } },
              ],
            },
          },
        },
      },
      { parent: this },
    );

    this.namespaceName = namespace;
    this.deploymentName = this.deployment.metadata.name;
    this.registerOutputs({ namespaceName: this.namespaceName, deploymentName: this.deploymentName });
  }
}
