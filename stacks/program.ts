// The Pulumi program: read and validate config, build the stack, return its outputs. index.ts
// exports this for `pulumi up`; synth and the tests run the very same function under mocks.
import * as pulumi from "@pulumi/pulumi";
import { configFromPulumi, parseStackConfig, PROJECT, SecretKey, StackConfig } from "./config";
import { PortalStack } from "./portal-stack";

export interface ProgramOutputs {
  readonly portApiUrl: pulumi.Output<string>;
  readonly blueprints: pulumi.Output<string[]>;
  readonly actions: pulumi.Output<string[]>;
}

/** Secret config values as Pulumi secret Outputs; absent keys resolve to undefined. */
export function secretConfig(): Record<SecretKey, pulumi.Output<string | undefined>> {
  const config = new pulumi.Config(PROJECT);
  return {
    portClientId: config.getSecret("portClientId"),
    portClientSecret: config.getSecret("portClientSecret"),
    codefreshApiKey: config.getSecret("codefreshApiKey"),
    kafkaUsername: config.getSecret("kafkaUsername"),
    kafkaPassword: config.getSecret("kafkaPassword"),
  };
}

/** Parse the stack config from Pulumi's config store; throws ConfigError naming every bad key. */
export function loadConfig(): StackConfig {
  return parseStackConfig(configFromPulumi(pulumi.runtime.allConfig()));
}

export function runProgram(config: StackConfig = loadConfig()): ProgramOutputs {
  const stack = new PortalStack("portal", { config, secrets: secretConfig() });
  return {
    portApiUrl: pulumi.output(stack.portApiUrl),
    blueprints: pulumi.output(Object.keys(stack.catalog.blueprints)),
    actions: pulumi.output(Object.keys(stack.catalog.actions)),
  };
}
