// What a provider would compute for a resource (ids, ARNs, names, URLs): the fake but
// well-formed physical state that both synth and the component tests give registered resources,
// so Outputs resolve as after a real create.
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-west-1";

export function defaultId(args: pulumi.runtime.MockResourceArgs): string {
  if (args.type.startsWith("pulumi-nodejs:dynamic")) return String(args.inputs.identifier ?? `${args.name}-id`);
  if (args.type.startsWith("kubernetes:")) return `${args.inputs.metadata?.namespace ? `${args.inputs.metadata.namespace}/` : ""}${args.inputs.metadata?.name ?? args.name}`;
  // IAM names roles, users and policies by their name.
  if (args.type === "aws:iam/role:Role") return String(args.inputs.name ?? args.name);
  return `${args.name}-id`;
}

/** The outputs a provider computes, by provider and type. */
export function defaultState(args: pulumi.runtime.MockResourceArgs, id: string): Record<string, unknown> {
  const { type, name, inputs } = args;
  if (type.startsWith("kubernetes:")) {
    return { metadata: { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? name, uid: `${name}-uid` } };
  }
  if (!type.startsWith("aws:")) return {};

  const [, module, kind] = /^aws:([^/]+)\/[^:]+:(.+)$/.exec(type) ?? [];
  const resourceName: string = inputs.name ?? name;
  const arn = awsArn(module ?? "unknown", kind ?? "resource", resourceName);
  const base: Record<string, unknown> = { arn, name: resourceName, tagsAll: inputs.tags ?? {} };
  switch (type) {
    case "aws:lambda/function:Function":
      return { ...base, invokeArn: `arn:aws:apigateway:${MOCK_REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`, version: "$LATEST", qualifiedArn: `${arn}:$LATEST` };
    case "aws:sqs/queue:Queue":
      return { ...base, url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${resourceName}` };
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
      return { ...base, uuid: id, state: "Enabled" };
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return { ...base, versionId: `${name}-version`, arn: inputs.secretId };
    case "aws:iam/rolePolicy:RolePolicy":
      return { ...base, role: inputs.role };
    default:
      return base;
  }
}

function awsArn(module: string, kind: string, name: string): string {
  switch (module) {
    case "iam":
      return `arn:aws:iam::${MOCK_ACCOUNT}:${kind.toLowerCase()}/${name}`;
    case "lambda":
      return `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT}:${kind === "Function" ? "function" : kind.toLowerCase()}:${name}`;
    case "dynamodb":
      return `arn:aws:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT}:table/${name}`;
    case "sqs":
      return `arn:aws:sqs:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`;
    case "secretsmanager":
      return `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:${name}-AbCdEf`;
    case "cloudwatch":
      return kind === "LogGroup"
        ? `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${name}`
        : kind === "EventRule"
          ? `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${name}`
          : `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:${kind.toLowerCase()}:${name}`;
    case "sns":
      return `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}`;
    default:
      return `arn:aws:${module.toLowerCase()}:${MOCK_REGION}:${MOCK_ACCOUNT}:${kind.toLowerCase()}/${name}`;
  }
}

