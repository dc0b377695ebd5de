// Where the Kafka event source puts records it gave up on (retries or age exhausted), with an
// alarm as soon as one arrives: a record here is a Port run nobody will close.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AgentRole } from "./role";

export interface FailureQueueArgs {
  /** SNS topic the alarm notifies. */
  readonly alarmTopicArn?: pulumi.Input<string>;
}

export class FailureQueue extends pulumi.ComponentResource {
  readonly queue: aws.sqs.Queue;
  readonly alarm: aws.cloudwatch.MetricAlarm;
  readonly url: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  private readonly logicalName: string;

  constructor(name: string, args: FailureQueueArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:FailureQueue", name, args, opts);
    this.logicalName = name;
    this.queue = new aws.sqs.Queue(
      name,
      {
        // The longest SQS allows: time to inspect and replay by hand.
        messageRetentionSeconds: 14 * 24 * 3600,
        sqsManagedSseEnabled: true,
      },
      { parent: this },
    );
    this.alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-not-empty`,
      {
        alarmDescription: "Kafka records the agent gave up on are waiting in the failure queue",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: this.queue.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: args.alarmTopicArn ? [args.alarmTopicArn] : [],
      },
      { parent: this },
    );
    this.url = this.queue.url;
    this.arn = this.queue.arn;
    this.registerOutputs({ url: this.url, arn: this.arn });
  }

  /** Send to exactly this queue (the event source's on-failure destination uses the function's role). */
  grantSend(role: AgentRole): aws.iam.RolePolicy {
    return role.grant(this, `${this.logicalName}-send`, [{ Action: ["sqs:SendMessage"], Resource: [this.queue.arn] }]);
  }
}
