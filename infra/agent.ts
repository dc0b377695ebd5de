// Where the Codefresh agent runs, chosen by `agent.runtime`: AWS Lambda on Port's Kafka
// (default) or a Kubernetes Deployment. Both get the same settings and secrets.
import * as pulumi from "@pulumi/pulumi";
import { AgentConfig, AgentSecrets, AgentSettings, AgentStackConfig, resolveAgentSettings } from "./agent-config";
import { LambdaAgent } from "./aws";
import { KubernetesAgent } from "./kubernetes";

export type { AgentSecrets } from "./agent-config";

export interface AgentDeploymentArgs {
  /** The stack config's `agent` section (picks the runtime and sizes it) and the facts it shares. */
  readonly config: AgentStackConfig;
  /** Port API base URL the agent calls (the stack's resolved region/base URL). */
  readonly portApiUrl: string;
  /** "project/pipeline" names the agent may start (the deploy actions' allowlist). */
  readonly allowedPipelines: string[];
  /** Pulumi secret config values (`config.requireSecret(...)`). */
  readonly secrets: AgentSecrets;
  /** Built agent bundle (Lambda runtime only); default "dist/agent". */
  readonly bundleDir?: string;
}

export class AgentDeployment extends pulumi.ComponentResource {
  readonly runtime: Exclude<AgentConfig["runtime"], "none">;
  readonly settings: AgentSettings;
  /** Set when runtime is "lambda". */
  readonly lambda?: LambdaAgent;
  /** Set when runtime is "kubernetes". */
  readonly kubernetes?: KubernetesAgent;
  /** Consumer group the agent joins (`<orgId>.<name>`). */
  readonly consumerGroup: string;
  /** Lambda function name, or the Kubernetes Deployment name. */
  readonly workloadName: pulumi.Output<string>;
  readonly functionArn?: pulumi.Output<string>;
  readonly ledgerTableName?: pulumi.Output<string>;
  readonly failureQueueUrl?: pulumi.Output<string>;
  readonly namespace?: pulumi.Output<string>;

  constructor(name: string, args: AgentDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    const runtime = args.config.agent.runtime;
    if (runtime === "none") throw new Error('agent.runtime is "none": the stack declares no agent (PortalStack skips it)');
    super("portal:agent:AgentDeployment", name, {}, opts);
    this.runtime = runtime;
    this.settings = resolveAgentSettings(args.config, args.portApiUrl, args.allowedPipelines);
    this.consumerGroup = this.settings.consumerGroup;
    const common = { config: args.config, settings: this.settings, secrets: args.secrets };

    if (this.runtime === "kubernetes") {
      this.kubernetes = new KubernetesAgent(`${name}-k8s`, common, { parent: this });
      this.workloadName = this.kubernetes.deploymentName;
      this.namespace = this.kubernetes.namespaceName;
    } else {
      this.lambda = new LambdaAgent(`${name}-aws`, { ...common, bundleDir: args.bundleDir }, { parent: this });
      this.workloadName = this.lambda.functionName;
      this.functionArn = this.lambda.functionArn;
      this.ledgerTableName = this.lambda.ledgerTableName;
      this.failureQueueUrl = this.lambda.failureQueueUrl;
    }
    this.registerOutputs(this.outputs());
  }

  /** Non-secret facts worth exporting from the stack. */
  outputs(): Record<string, pulumi.Input<string> | undefined> {
    return {
      runtime: this.runtime,
      consumerGroup: this.consumerGroup,
      topic: this.settings.topic,
      workloadName: this.workloadName,
      functionArn: this.functionArn,
      ledgerTableName: this.ledgerTableName,
      failureQueueUrl: this.failureQueueUrl,
      namespace: this.namespace,
    };
  }
}
