// The agent on AWS: a Lambda subscribed to Port's Kafka topic through a self-managed Kafka event
// source mapping, its run ledger, a scheduled reaper, a failure queue and alarms — all under one
// least-privilege role.
import type { AgentEnvironment } from "../../agent/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AgentSecrets, AgentSettings, AgentStackConfig, commonAgentEnvironment } from "../agent-config";
import { DEFAULT_BUNDLE_DIR, lambdaCodeArchive } from "./bundle";
import { FailureQueue } from "./failure-queue";
import { RunLedger } from "./ledger";
import { AgentLogGroup } from "./log-group";
import { AgentRole } from "./role";
import { StoredSecret } from "./secret";

export interface LambdaAgentArgs {
  /** The stack config's `agent` section and the facts it shares (infra/agent-config.ts). */
  readonly config: Pick<AgentStackConfig, "agent" | "approvals">;
  /** Resolved run-time settings (URLs, brokers, topic, consumer group, allowlist). */
  readonly settings: AgentSettings;
  /** Pulumi secrets that fill the Secrets Manager secrets. */
  readonly secrets: AgentSecrets;
  /** Directory of the built agent bundle (holds index.js). */
  readonly bundleDir?: string;
}

export class LambdaAgent extends pulumi.ComponentResource {
  readonly role: AgentRole;
  readonly kafkaSecret: StoredSecret;
  readonly portSecret: StoredSecret;
  readonly codefreshSecret: StoredSecret;
  readonly ledger: RunLedger;
  readonly failureQueue: FailureQueue;
  readonly logs: AgentLogGroup;
  readonly handler: aws.lambda.Function;
  readonly reaper: aws.lambda.Function;
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;
  readonly reaperSchedule: aws.cloudwatch.EventRule;
  readonly handlerErrorsAlarm: aws.cloudwatch.MetricAlarm;
  readonly reaperErrorsAlarm: aws.cloudwatch.MetricAlarm;

  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly reaperFunctionName: pulumi.Output<string>;
  readonly ledgerTableName: pulumi.Output<string>;
  readonly failureQueueUrl: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: LambdaAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:LambdaAgent", name, {}, opts);
    const { config, settings, secrets } = args;
    const agent = config.agent;
    const alarmActions = agent.alarms.topicArn ? [agent.alarms.topicArn] : [];
    const code = lambdaCodeArchive(args.bundleDir ?? DEFAULT_BUNDLE_DIR);

    this.role = new AgentRole(`${name}-role`, { description: `Codefresh agent ${agent.name}: Port Kafka runs to Codefresh builds` }, { parent: this });

    // The event source reads this one as {"username","password"} for SASL/SCRAM-512.
    this.kafkaSecret = new StoredSecret(
      `${name}-kafka`,
      { description: "Port Kafka SASL/SCRAM credentials", value: pulumi.jsonStringify({ username: pulumi.secret(secrets.kafkaUsername), password: pulumi.secret(secrets.kafkaPassword) }) },
      { parent: this },
    );
    this.portSecret = new StoredSecret(
      `${name}-port`,
      { description: "Port API client credentials", value: pulumi.jsonStringify({ clientId: pulumi.secret(secrets.portClientId), clientSecret: pulumi.secret(secrets.portClientSecret) }) },
      { parent: this },
    );
    this.codefreshSecret = new StoredSecret(`${name}-codefresh`, { description: "Codefresh API key", value: secrets.codefreshApiKey }, { parent: this });
    this.ledger = new RunLedger(`${name}-ledger`, {}, { parent: this });
    this.failureQueue = new FailureQueue(`${name}-failures`, { alarmTopicArn: agent.alarms.topicArn }, { parent: this });
    this.logs = new AgentLogGroup(
      `${name}-logs`,
      { name: `/developer-portal/${pulumi.getStack()}/${agent.name}`, retentionInDays: agent.lambda.logRetentionDays },
      { parent: this },
    );

    this.kafkaSecret.grantRead(this.role);
    this.portSecret.grantRead(this.role);
    this.codefreshSecret.grantRead(this.role);
    this.ledger.grantReadWrite(this.role);
    this.failureQueue.grantSend(this.role);
    this.logs.grantWrite(this.role);
    const roleArn = this.role.resolvedArn();

    const variables: AgentEnvironment<pulumi.Input<string>> = {
      ...commonAgentEnvironment(settings, config),
      PORT_CREDENTIALS_SECRET_ARN: this.portSecret.arn,
      CODEFRESH_API_KEY_SECRET_ARN: this.codefreshSecret.arn,
      RUN_LEDGER_TABLE: this.ledger.tableName,
      POWERTOOLS_SERVICE_NAME: agent.name,
      // The handler's timeout, on both functions: the reaper's claim lease must outlive it.
      AGENT_FUNCTION_TIMEOUT_SECONDS: String(agent.lambda.timeoutSeconds),
    };
    const environment = { variables };
    const loggingConfig = { logFormat: "JSON", logGroup: this.logs.name, applicationLogLevel: agent.lambda.logLevel, systemLogLevel: "WARN" };
    const common = {
      runtime: aws.lambda.Runtime.NodeJS22dX,
      architectures: ["arm64"],
      code,
      role: roleArn,
      environment,
      loggingConfig,
    };

    this.handler = new aws.lambda.Function(
      `${name}-handler`,
      {
        ...common,
        description: `Codefresh agent: consumes ${settings.topic} and starts Codefresh builds`,
        handler: "index.handler",
        memorySize: agent.lambda.memoryMb,
        timeout: agent.lambda.timeoutSeconds,
        reservedConcurrentExecutions: agent.lambda.reservedConcurrency,
      },
      { parent: this },
    );
    this.reaper = new aws.lambda.Function(
      `${name}-reaper`,
      {
        ...common,
        description: "Codefresh agent reaper: closes Port runs whose build ended without reporting",
        handler: "index.reaper",
        memorySize: 256,
        timeout: agent.reaper.timeoutSeconds,
        // Two overlapping sweeps would close the same runs twice.
        reservedConcurrentExecutions: 1,
      },
      { parent: this },
    );

    this.eventSourceMapping = new aws.lambda.EventSourceMapping(
      `${name}-runs`,
      {
        functionName: this.handler.arn,
        topics: [settings.topic],
        startingPosition: "LATEST",
        selfManagedEventSource: { endpoints: { KAFKA_BOOTSTRAP_SERVERS: settings.brokers.join(",") } },
        selfManagedKafkaEventSourceConfig: { consumerGroupId: settings.consumerGroup },
        sourceAccessConfigurations: [{ type: "SASL_SCRAM_512_AUTH", uri: this.kafkaSecret.arn }],
        batchSize: agent.kafka.batchSize,
        maximumBatchingWindowInSeconds: agent.kafka.batchingWindowSeconds,
        // Retry limits, record age and the on-failure destination only apply with provisioned
        // pollers; without them a poison record blocks its partition until it expires.
        provisionedPollerConfig: { minimumPollers: agent.kafka.minPollers, maximumPollers: agent.kafka.maxPollers },
        maximumRetryAttempts: agent.kafka.maxRetries,
        maximumRecordAgeInSeconds: agent.kafka.maxRecordAgeSeconds,
        bisectBatchOnFunctionError: agent.kafka.bisectBatchOnError,
        destinationConfig: { onFailure: { destinationArn: this.failureQueue.arn } },
      },
      // AWS checks secret and queue access when the mapping is created.
      { parent: this, dependsOn: [...this.role.grants] },
    );

    this.reaperSchedule = new aws.cloudwatch.EventRule(
      `${name}-reaper-schedule`,
      { description: "Runs the Codefresh agent reaper", scheduleExpression: agent.reaper.schedule },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(`${name}-reaper-target`, { rule: this.reaperSchedule.name, arn: this.reaper.arn }, { parent: this });
    new aws.lambda.Permission(
      `${name}-reaper-invoke`,
      { action: "lambda:InvokeFunction", function: this.reaper.name, principal: "events.amazonaws.com", sourceArn: this.reaperSchedule.arn },
      { parent: this },
    );

    const errorsAlarm = (suffix: string, fn: aws.lambda.Function, what: string) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}-errors`,
        {
          alarmDescription: `${what} failed (see log group ${agent.name})`,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: fn.name },
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: agent.alarms.errorThreshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions,
        },
        { parent: this },
      );
    this.handlerErrorsAlarm = errorsAlarm("handler", this.handler, "The Codefresh agent's Kafka handler");
    this.reaperErrorsAlarm = errorsAlarm("reaper", this.reaper, "The Codefresh agent's reaper");

    this.functionName = this.handler.name;
    this.functionArn = this.handler.arn;
    this.reaperFunctionName = this.reaper.name;
    this.ledgerTableName = this.ledger.tableName;
    this.failureQueueUrl = this.failureQueue.url;
    this.logGroupName = this.logs.name;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      reaperFunctionName: this.reaperFunctionName,
      ledgerTableName: this.ledgerTableName,
      failureQueueUrl: this.failureQueueUrl,
      logGroupName: this.logGroupName,
    });
  }
}
