// Wiring: settings → clients, ledger and dependencies of the handlers. Built once per container
// (Lambda) or process (Kubernetes), so tokens, secrets and SDK connections are reused.
import { CodefreshClient } from "../clients/codefresh";
import { RetryPolicy } from "../clients/http";
import { PortClient } from "../clients/port";
import { credentialProviders } from "./credentials";
import type { AgentDeps } from "./deploy-record";
import { RunLedger } from "./ledger";
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
