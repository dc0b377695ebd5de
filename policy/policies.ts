// The stack's guard rails as CrossGuard policies, run on every `pulumi preview --policy-pack
// policy`. Kept apart from index.ts (which starts the policy server) so tests can call each
// policy's validateResource directly, without the CLI.
//
// Policies see preview values: anything not yet known is simply absent, so each check only
// judges what it can see and never guesses.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export const TYPES = {
  eventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  lambdaFunction: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  portBlueprint: "pulumi-nodejs:dynamic/port:Blueprint",
  portAction: "pulumi-nodejs:dynamic/port:Action",
} as const;

type Props = Record<string, any>;

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A policy document from a prop that may be a JSON string or an object; undefined if unreadable (unknown in preview). */
function policyDocument(value: unknown): { Statement?: Statement | Statement[] } | undefined {
  if (typeof value === "string") {
    try {
      return JSON.parse(value) as { Statement?: Statement | Statement[] };
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null ? (value as { Statement?: Statement | Statement[] }) : undefined;
}

/** Every policy document a resource carries: inline policies of a role, or the policy itself. */
function documentsOf(type: string, props: Props): { Statement?: Statement | Statement[] }[] {
  if (type === TYPES.role) {
    const inline = (props.inlinePolicies ?? []) as { policy?: unknown }[];
    return inline.map((p) => policyDocument(p.policy)).filter((d): d is { Statement?: Statement | Statement[] } => d !== undefined);
  }
  if ([TYPES.rolePolicy, TYPES.policy, TYPES.userPolicy, TYPES.groupPolicy].includes(type as never)) {
    const doc = policyDocument(props.policy);
    return doc ? [doc] : [];
  }
  return [];
}

/** Does an IAM action pattern (maybe with wildcards) cover an action of `service`? */
function coversService(action: string, service: string): boolean {
  if (action === "*") return true;
  const [svc] = action.toLowerCase().split(":");
  return svc === service;
}

function isSelfManagedKafka(props: Props): boolean {
  return props.selfManagedEventSource !== undefined || props.selfManagedKafkaEventSourceConfig !== undefined;
}

/** Org ids of Port topics (`<orgId>.runs` / `<orgId>.change.log`). */
function topicOrgs(props: Props): string[] {
  return list(props.topics)
    .map((t) => /^(org_[A-Za-z0-9]+)\.(runs|change\.log)$/.exec(t)?.[1])
    .filter((o): o is string => o !== undefined);
}

export const kafkaConsumerGroupHasOrgPrefix: ResourceValidationPolicy = {
  name: "kafka-consumer-group-has-org-prefix",
  description: "A Kafka event source on Port's topics sets a consumer group starting with the Port org id (Port rejects other groups).",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.eventSourceMapping || !isSelfManagedKafka(args.props)) return;
    const orgs = topicOrgs(args.props);
    if (orgs.length === 0) return;
    const group: unknown = args.props.selfManagedKafkaEventSourceConfig?.consumerGroupId;
    if (typeof group !== "string" || group === "") {
      report(`no consumer group set; Port only accepts groups named "${orgs[0]}.<name>"`);
      return;
    }
    for (const org of orgs) {
      if (!group.startsWith(`${org}.`)) report(`consumer group "${group}" must start with "${org}." (Port rejects groups without the org prefix)`);
    }
  },
};

export const kafkaMappingHasFailureDestination: ResourceValidationPolicy = {
  name: "kafka-mapping-has-failure-destination",
  description: "A Kafka event source bounds its retries and sends records it gives up on to a failure destination, so a poison record cannot block its partition.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.eventSourceMapping || !isSelfManagedKafka(args.props)) return;
    const p = args.props;
    if (!p.destinationConfig?.onFailure?.destinationArn) report("no on-failure destination (destinationConfig.onFailure.destinationArn): failed records would be retried until they expire");
    if (typeof p.maximumRetryAttempts !== "number" || p.maximumRetryAttempts < 0) report("maximumRetryAttempts is not bounded (unset or -1 retries forever)");
    if (typeof p.maximumRecordAgeInSeconds !== "number" || p.maximumRecordAgeInSeconds < 0) report("maximumRecordAgeInSeconds is not bounded");
    if (!p.provisionedPollerConfig) report("no provisionedPollerConfig: Kafka retry limits and on-failure destinations only apply in provisioned mode");
  },
};

/** Statements granting `service` actions on a wildcard resource. */
function wildcardGrants(type: string, props: Props, services: readonly string[]): string[] {
  const found: string[] = [];
  for (const doc of documentsOf(type, props)) {
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    for (const s of statements) {
      if (s.Effect !== undefined && s.Effect !== "Allow") continue;
      // NotAction grants everything else, which includes these services.
      const actions = s.NotAction !== undefined ? ["*"] : list(s.Action);
      const hit = services.find((svc) => actions.some((a) => coversService(a, svc)));
      if (!hit) continue;
      if (s.NotResource !== undefined) found.push(`${hit} actions with NotResource (everything but a list)`);
      for (const r of list(s.Resource)) if (r.includes("*")) found.push(`${hit} actions on "${r}"`);
    }
  }
  return found;
}

export const noWildcardSecretAccess: ResourceValidationPolicy = {
  name: "no-wildcard-secret-access",
  description: "IAM grants on Secrets Manager name exact secret ARNs, never \"*\" or a pattern.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    for (const grant of wildcardGrants(args.type, args.props, ["secretsmanager"])) report(`wildcard secret access: ${grant}; grant exactly the secrets needed`);
  },
};

export const noWildcardDataAccess: ResourceValidationPolicy = {
  name: "no-wildcard-table-queue-access",
  description: "IAM grants on DynamoDB and SQS name exact table and queue ARNs, never \"*\".",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    for (const grant of wildcardGrants(args.type, args.props, ["dynamodb", "sqs"])) report(`wildcard data access: ${grant}; grant exactly the table or queue`);
  },
};

export const logRetentionSet: ResourceValidationPolicy = {
  name: "log-retention-set",
  description: "Every log group sets a retention period (the default keeps logs, and their cost, forever).",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.logGroup) return;
    const days: unknown = args.props.retentionInDays;
    if (typeof days !== "number" || days <= 0) report("retentionInDays is not set: logs would be kept forever");
  },
};

export const lambdaLogsToManagedGroup: ResourceValidationPolicy = {
  name: "lambda-logs-to-managed-group",
  description: "A Lambda function writes JSON logs to a log group the stack manages (so its retention applies).",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.lambdaFunction) return;
    const logging = args.props.loggingConfig;
    if (!logging?.logGroup) report("no loggingConfig.logGroup: Lambda would create /aws/lambda/<name> with no retention, outside the stack");
    if (logging?.logFormat !== "JSON") report('loggingConfig.logFormat must be "JSON" (structured logs)');
  },
};

/** The JSON body of a Port blueprint or action resource (`body`, object or JSON text). */
function blueprintBody(props: Props): Props | undefined {
  const body: unknown = props.body;
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as Props;
    } catch {
      return undefined;
    }
  }
  return typeof body === "object" && body !== null ? (body as Props) : undefined;
}

export const portBlueprintHasOwner: ResourceValidationPolicy = {
  name: "port-blueprint-has-owner",
  description: "Every Port blueprint declares ownership: Direct, or Inherited through a relation path.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.portBlueprint) return;
    const body = blueprintBody(args.props);
    if (body === undefined) return;
    const id = String(body.identifier ?? args.props.identifier ?? args.name);
    const ownership = body.ownership as { type?: unknown; path?: unknown } | undefined;
    if (!ownership) {
      report(`blueprint "${id}" has no ownership: set {"type":"Direct"} or {"type":"Inherited","path":"<relation>"}`);
    } else if (ownership.type === "Inherited") {
      if (typeof ownership.path !== "string" || ownership.path === "") report(`blueprint "${id}" inherits ownership without a relation path`);
    } else if (ownership.type !== "Direct") {
      report(`blueprint "${id}" has ownership type ${JSON.stringify(ownership.type)}; expected "Direct" or "Inherited"`);
    }
  },
};

export const portWebhooksUseHttps: ResourceValidationPolicy = {
  name: "port-webhooks-use-https",
  description: "A Port action that Port's cloud calls by webhook (PORC) sends it over HTTPS: the run, the requester and Port's signature travel with it.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== TYPES.portAction) return;
    const body = blueprintBody(args.props);
    const invocation = body?.invocationMethod as { type?: unknown; url?: unknown; agent?: unknown } | undefined;
    // An agent-side webhook (agent: true) is called from inside the network, not by Port.
    if (invocation?.type !== "WEBHOOK" || invocation.agent === true || typeof invocation.url !== "string") return;
    if (!/^https:\/\//i.test(invocation.url)) report(`action "${String(body?.identifier ?? args.name)}" calls ${invocation.url} over plain HTTP; use an https:// URL (developer-portal:porc.url)`);
  },
};

export const policies: ResourceValidationPolicy[] = [
  kafkaConsumerGroupHasOrgPrefix,
  kafkaMappingHasFailureDestination,
  noWildcardSecretAccess,
  noWildcardDataAccess,
  logRetentionSet,
  lambdaLogsToManagedGroup,
  portBlueprintHasOwner,
  portWebhooksUseHttps,
];
