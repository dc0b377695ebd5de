// The Pulumi program: read and validate config, build the stack, return its outputs. index.ts
// exports this for `pulumi up`; synth and the tests run the very same function under mocks.
import * as pulumi from "@pulumi/pulumi";
import { configFromPulumi, parseStackConfig, PROJECT, SECRET_KEYS, SecretKey, StackConfig } from "./config";
import { PortalStack } from "./portal-stack";

export interface ProgramOutputs {
  readonly portApiUrl: pulumi.Output<string>;
  readonly blueprints: pulumi.Output<string[]>;
  readonly actions: pulumi.Output<string[]>;
  /** Every Codefresh pipeline the stack declares ("project/pipeline"). */
  readonly pipelines: pulumi.Output<string[]>;
  /** Where the agent runs and its resource names (nothing secret). */
  readonly agent: pulumi.Output<Record<string, string | undefined>>;
}

/** Secret config values as Pulumi secret Outputs; a missing one fails `pulumi up` naming the key. */
export function secretConfig(): Record<SecretKey, pulumi.Output<string>> {
  const config = new pulumi.Config(PROJECT);
  return Object.fromEntries(SECRET_KEYS.map((key) => [key, config.requireSecret(key)])) as Record<SecretKey, pulumi.Output<string>>;
}

/** Parse the stack config from Pulumi's config store; throws ConfigError naming every bad key. */
export function loadConfig(): StackConfig {
  return parseStackConfig(configFromPulumi(pulumi.runtime.allConfig()));
}

export function runProgram(config: StackConfig = loadConfig()): ProgramOutputs {
  // The secrets are the agent's: with `agent.runtime: none` no Kafka credential is required.
  // (The providers read theirs in `configure`, from the same stack config.)
  const secrets = config.agent.runtime === "none" ? undefined : secretConfig();
  const stack = new PortalStack("portal", { config, secrets });
  return {
    portApiUrl: pulumi.output(stack.portApiUrl),
    blueprints: pulumi.output(Object.keys(stack.catalog.blueprints)),
    actions: pulumi.output(Object.keys(stack.catalog.actions)),
    pipelines: stack.pipelines.pipelineNames,
    agent: stack.agent ? pulumi.all(stack.agent.outputs()) : pulumi.output<Record<string, string | undefined>>({ runtime: "none" }),
  };
}
