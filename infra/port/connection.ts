// How a Port dynamic provider reaches Port at run time. Credentials come from the stack config
// handed to `configure` (Pulumi secret config) or from the environment, read when first needed:
// never resource inputs, never captured in the serialized provider, never in state.
import { PortClient, PortCredentials } from "../../clients/port";

/** The part of Pulumi's configure request a provider reads. */
export interface ConfigureRequest {
  readonly config: { get(key: string): string | undefined };
}

export class PortConnection {
  private credentials?: PortCredentials;
  private clients: Record<string, PortClient> = {};

  /** Called by the dynamic-provider host with the stack's config (secrets decrypted). */
  configure(req: ConfigureRequest): void {
    const clientId = req.config.get("portClientId");
    const clientSecret = req.config.get("portClientSecret");
    if (clientId && clientSecret) this.credentials = { clientId, clientSecret };
  }

  /** One client (and so one cached token) per base URL for the life of the provider process. */
  client(baseUrl: string): PortClient {
    const existing = this.clients[baseUrl];
    if (existing) return existing;
    const client = new PortClient({ baseUrl, credentials: async () => this.resolveCredentials() });
    this.clients[baseUrl] = client;
    return client;
  }

  private resolveCredentials(): PortCredentials {
    if (this.credentials) return this.credentials;
    const clientId = process.env.PORT_CLIENT_ID;
    const clientSecret = process.env.PORT_CLIENT_SECRET;
    if (!clientId || !clientSecret) {
      throw new Error("Port credentials missing: set developer-portal:portClientId and developer-portal:portClientSecret (pulumi config set --secret), or PORT_CLIENT_ID and PORT_CLIENT_SECRET");
    }
    return { clientId, clientSecret };
  }
}
