// The agent's own log group, so retention is ours (Lambda would otherwise create
// /aws/lambda/<fn> that keeps logs forever and that Pulumi doesn't manage).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AgentRole } from "./role";

export interface AgentLogGroupArgs {
  /** Log group name. */
  readonly name: pulumi.Input<string>;
  /** Days CloudWatch keeps the logs. */
  readonly retentionInDays: number;
}

export class AgentLogGroup extends pulumi.ComponentResource {
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  private readonly logicalName: string;

  constructor(name: string, args: AgentLogGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:AgentLogGroup", name, args, opts);
    this.logicalName = name;
    this.logGroup = new aws.cloudwatch.LogGroup(name, { name: args.name, retentionInDays: args.retentionInDays }, { parent: this });
    this.name = this.logGroup.name;
    this.arn = this.logGroup.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }

  /** Write log streams in exactly this group (it exists, so no logs:CreateLogGroup). */
  grantWrite(role: AgentRole): aws.iam.RolePolicy {
    return role.grant(this, `${this.logicalName}-write`, [
      { Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [pulumi.interpolate`${this.logGroup.arn}:log-stream:*`] },
    ]);
  }
}
