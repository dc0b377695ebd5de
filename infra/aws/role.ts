// The agent's single execution role, and the grant mechanism the protected resources use to
// add exactly the permissions they need (CDK's `resource.grantX(role)`): each grant is an inline
// policy named after, and parented by, the resource it opens, scoped to that resource's ARN.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One IAM statement; `Resource` must name concrete ARNs (the policy pack rejects "*"). */
export interface GrantStatement {
  readonly Action: readonly string[];
  readonly Resource: readonly pulumi.Input<string>[];
}

export interface AgentRoleArgs {
  /** Shown in the IAM console. */
  readonly description: pulumi.Input<string>;
}

export class AgentRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly arn: pulumi.Output<string>;
  private readonly granted: aws.iam.RolePolicy[] = [];

  constructor(name: string, args: AgentRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:AgentRole", name, args, opts);
    this.role = new aws.iam.Role(
      `${name}`,
      {
        description: args.description,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      { parent: this },
    );
    this.arn = this.role.arn;
    this.registerOutputs({ arn: this.arn });
  }

  /**
   * Attach an inline policy for `scope` (the protected resource's component). Called by the
   * resources' grant helpers, not by the agent components directly.
   */
  grant(scope: pulumi.Resource, name: string, statements: readonly GrantStatement[]): aws.iam.RolePolicy {
    const policy = new aws.iam.RolePolicy(
      name,
      {
        role: this.role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: statements.map((s) => ({ Effect: "Allow", Action: [...s.Action], Resource: [...s.Resource] })),
        }),
      },
      { parent: scope },
    );
    this.granted.push(policy);
    return policy;
  }

  /** The grants attached so far: depend on them where AWS checks permissions at creation (the Kafka mapping reads its secret). */
  get grants(): readonly aws.iam.RolePolicy[] {
    return [...this.granted];
  }

  /** The role ARN, resolved only once every grant so far is attached (eks's `resolvedRole`). */
  resolvedArn(): pulumi.Output<string> {
    return pulumi.all([this.role.arn, ...this.granted.map((g) => g.id)]).apply(([arn]) => arn);
  }
}
