// Wiring: settings → clients, ledger and dependencies of the handlers. Built once per container
// (Lambda) or process (Kubernetes), so tokens, secrets and SDK connections are reused.
import { CodefreshClient } from "../clients/codefresh";
import { RetryPolicy } from "../clients/http";
import { PortClient } from "../clients/port";
import { credentialProviders } from "./credentials";
import type { AgentDeps } from "./deploy-record";
import { RunLedger } from "./ledger";
import { errorText, logger } from "./log";
import { registerSecret } from "./redact";
import type { LedgerDeps } from "./reaper";
import type { AgentSettings, CommonSettings } from "./settings";

/**
 * Retries well inside a Lambda invocation: ~10 s per attempt, at most ~5 s between attempts.
 * Port's own advice (1 s base, 32 s cap) suits batch jobs, not a user waiting on a click.
 */
export const AGENT_RETRY_POLICY: RetryPolicy = { timeoutMs: 10_000, retries: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface Agent {
  readonly settings: AgentSettings;
  readonly deps: LedgerDeps;
}

/** The agent with its DynamoDB run ledger (the Lambda, or a consumer given RUN_LEDGER_TABLE). */
export function createAgent(settings: AgentSettings, policy: Partial<RetryPolicy> = {}): Agent {
  return {
    settings,
    deps: { ...agentClients(settings, policy), ledger: new RunLedger({ table: settings.ledgerTable, ttlDays: settings.ledgerTtlDays }) },
  };
}

/** Everything but the ledger: the consumer picks its ledger (DynamoDB or Port) itself. */
export function agentClients(settings: CommonSettings, policy: Partial<RetryPolicy> = {}): Omit<AgentDeps, "ledger"> {
  const credentials = credentialProviders(settings.credentials);
  const retry = { ...AGENT_RETRY_POLICY, ...policy };
  return {
    // node:http with keep-alive rather than fetch: half the CPU per request (bench/agent.ts).
    port: new PortClient({ baseUrl: settings.portApiUrl, credentials: credentials.port, policy: retry, onToken: registerSecret, transport: "node" }),
    codefresh: new CodefreshClient({ baseUrl: settings.codefreshApiUrl, apiKey: credentials.codefreshApiKey, policy: retry, transport: "node" }),
    allowedPipelines: settings.allowedPipelines,
    requireProductionApproval: settings.requireProductionApproval,
    portAppUrl: settings.portAppUrl,
  };
}

/**
 * Work a container can do before its first batch (Lambda's init phase): the Port token, the
 * secrets and the ledger's SDK client made ready. Never rejects: a failure is logged and nothing
 * is cached, so the first batch tries again and reports the error where it happens.
 */
export async function prepareAgent(deps: Pick<AgentDeps, "port" | "codefresh" | "ledger">): Promise<void> {
  const steps: [string, Promise<void>][] = [
    ["Port token", deps.port.prepare()],
    ["Codefresh API key", deps.codefresh.prepare()],
  ];
  if (deps.ledger instanceof RunLedger) steps.push(["run ledger", deps.ledger.prepare()]);
  const results = await Promise.allSettled(steps.map(([, p]) => p));
  results.forEach((r, i) => {
    if (r.status === "rejected") logger.warn(`init: ${steps[i][0]} not ready (retried by the first batch)`, { reason: errorText(r.reason) });
  });
}
