// A Secrets Manager secret filled from a Pulumi secret: the value stays a secret Output all
// the way (pulumi.secret even if the caller passed a plain string) and only its ARN leaves.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AgentRole } from "./role";

export interface StoredSecretArgs {
  /** Shown in the Secrets Manager console. */
  readonly description: pulumi.Input<string>;
  /** The secret string (JSON or raw). */
  readonly value: pulumi.Input<string>;
  /** Days a deleted secret can be restored (0 = at once, else 7–30). */
  readonly recoveryWindowInDays?: number;
}

export class StoredSecret extends pulumi.ComponentResource {
  readonly secret: aws.secretsmanager.Secret;
  readonly version: aws.secretsmanager.SecretVersion;
  readonly arn: pulumi.Output<string>;
  private readonly logicalName: string;

  constructor(name: string, args: StoredSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:StoredSecret", name, {}, opts);
    this.logicalName = name;
    this.secret = new aws.secretsmanager.Secret(
      name,
      { description: args.description, recoveryWindowInDays: args.recoveryWindowInDays ?? 7 },
      { parent: this },
    );
    this.version = new aws.secretsmanager.SecretVersion(
      `${name}-value`,
      { secretId: this.secret.arn, secretString: pulumi.secret(args.value) },
      { parent: this },
    );
    // Consumers wait for the value, not just the empty secret.
    this.arn = pulumi.all([this.secret.arn, this.version.id]).apply(([arn]) => arn);
    this.registerOutputs({ arn: this.arn });
  }

  /** Read exactly this secret. */
  grantRead(role: AgentRole): aws.iam.RolePolicy {
    return role.grant(this, `${this.logicalName}-read`, [
      { Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [this.secret.arn] },
    ]);
  }
}
