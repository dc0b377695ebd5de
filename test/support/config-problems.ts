// The problem lines a stack config is refused with, for the config suites: one place for the
// parse-and-catch every one of them needs.
import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../stacks/config";

/** The config's problem lines, or [] when it parses. Any error other than a ConfigError fails the test. */
export function configProblems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

/** The config's problem lines; fails the test when the config is accepted. */
export function configRefusal(raw: Record<string, unknown>): string[] {
  const problems = configProblems(raw);
  if (problems.length === 0) assert.fail("config was accepted");
  return problems;
}
