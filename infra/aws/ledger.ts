// The run ledger: one item per Port run id, written with a conditional put so a redelivered
// Kafka record starts no second build; items expire through DynamoDB TTL.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AgentRole } from "./role";

/** Attribute names the agent's ledger code uses. */
export { LEDGER_PARTITION_KEY, LEDGER_TTL_ATTRIBUTE } from "../../agent/contract";
import { LEDGER_PARTITION_KEY, LEDGER_TTL_ATTRIBUTE } from "../../agent/contract";

export interface RunLedgerArgs {
  /** Keep point-in-time recovery backups (35 days). */
  readonly pointInTimeRecovery?: boolean;
}

export class RunLedger extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly tableName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  private readonly logicalName: string;

  constructor(name: string, args: RunLedgerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("portal:aws:RunLedger", name, args, opts);
    this.logicalName = name;
    this.table = new aws.dynamodb.Table(
      name,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: LEDGER_PARTITION_KEY,
        attributes: [{ name: LEDGER_PARTITION_KEY, type: "S" }],
        ttl: { attributeName: LEDGER_TTL_ATTRIBUTE, enabled: true },
        pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? true },
        serverSideEncryption: { enabled: true },
      },
      { parent: this },
    );
    this.tableName = this.table.name;
    this.arn = this.table.arn;
    this.registerOutputs({ tableName: this.tableName, arn: this.arn });
  }

  /** Item reads and writes on exactly this table (the reaper scans it). The batch claims' TransactWriteItems is authorised by PutItem and ConditionCheckItem (IAM has no transaction action of its own). */
  grantReadWrite(role: AgentRole): aws.iam.RolePolicy {
    return role.grant(this, `${this.logicalName}-read-write`, [
      {
        Action: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem",
          "dynamodb:DescribeTable",
        ],
        Resource: [this.table.arn],
      },
    ]);
  }
}
