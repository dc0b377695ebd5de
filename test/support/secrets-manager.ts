// Secrets Manager's GetSecretValue over its JSON protocol, as the AWS SDK speaks it (reached through
// AWS_ENDPOINT_URL_SECRETS_MANAGER exactly as in production), answering from a fixed map.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalSecretsManager {
  readonly url: string;
  /** "<x-amz-target> <SecretId>" per call, in order. */
  readonly calls: string[];
  stop(): Promise<void>;
}

export async function startSecretsManager(secrets: Record<string, string>): Promise<LocalSecretsManager> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const id = (JSON.parse(body) as { SecretId: string }).SecretId;
      calls.push(`${String(req.headers["x-amz-target"])} ${id}`);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify({ ARN: id, Name: id, SecretString: secrets[id], VersionId: "v1", VersionStages: ["AWSCURRENT"] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
