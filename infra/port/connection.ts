// How a Port dynamic provider reaches Port at run time. Credentials come from the stack config
// handed to `configure` (Pulumi secret config) or from the environment, read when first needed:
// never resource inputs, never captured in the serialized provider, never in state.
//
// The configured credentials and the cached clients (with their access tokens) live in a process
// global, not on the provider object: Pulumi serializes the provider object into state, and it
// must never carry a secret or a token, whatever ran in the process before serialization.
import { PortClient, PortCredentials } from "../../clients/port";

/** The part of Pulumi's configure request a provider reads. */
export interface ConfigureRequest {
  readonly config: { get(key: string): string | undefined };
}

interface ConnectionState {
  credentials?: PortCredentials;
  clients: Record<string, PortClient>;
}

function stateOf(id: string): ConnectionState {
  const slot = Symbol.for("developer-portal/port-connections");
  const global = globalThis as unknown as Record<symbol, Map<string, ConnectionState> | undefined>;
  const registry = (global[slot] ??= new Map<string, ConnectionState>());
  let state = registry.get(id);
  if (!state) {
    state = { clients: {} };
    registry.set(id, state);
  }
  return state;
}

export class PortConnection {
  /** Names this connection's state in the process registry; the only thing serialized. */
  private readonly id = `port-connection-${Math.random().toString(36).slice(2, 12)}`;

  /** Called by the dynamic-provider host with the stack's config (secrets decrypted). */
  configure(req: ConfigureRequest): void {
    const clientId = req.config.get("portClientId");
    const clientSecret = req.config.get("portClientSecret");
    if (clientId && clientSecret) stateOf(this.id).credentials = { clientId, clientSecret };
  }

  /** One client (and so one cached token) per base URL for the life of the provider process. */
  client(baseUrl: string): PortClient {
    const state = stateOf(this.id);
    const existing = state.clients[baseUrl];
    if (existing) return existing;
    const client = new PortClient({ baseUrl, credentials: async () => resolveCredentials(state) });
    state.clients[baseUrl] = client;
    return client;
  }
}

function resolveCredentials(state: ConnectionState): PortCredentials {
  if (state.credentials) return state.credentials;
  const clientId = process.env.PORT_CLIENT_ID;
  const clientSecret = process.env.PORT_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw new Error("Port credentials missing: set developer-portal:portClientId and developer-portal:portClientSecret (pulumi config set --secret), or PORT_CLIENT_ID and PORT_CLIENT_SECRET");
  }
  return { clientId, clientSecret };
}
