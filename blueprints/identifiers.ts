// Entity identifier rules, in one place for TypeScript (stack, agent) and bash (pipeline
// reporter scripts, through the jq expressions below), so both sides derive the same identifier.

/** Port's entity identifier pattern (apispec: entity identifier, maxLength 1000). */
export const ENTITY_IDENTIFIER_PATTERN = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
export const ENTITY_IDENTIFIER_MAX = 1000;

export function isEntityIdentifier(value: string): boolean {
  return value.length > 0 && value.length <= ENTITY_IDENTIFIER_MAX && ENTITY_IDENTIFIER_PATTERN.test(value);
}

/** Replace every character Port refuses with "-", lower-cased, so free text becomes an identifier. */
export function toIdentifier(text: string): string {
  const cleaned = text.trim().toLowerCase().replace(/[^a-z0-9@_.+:=-]+/g, "-").replace(/^-+|-+$/g, "");
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "unnamed" : cleaned.slice(0, 200);
}

/** jq filter equivalent to toIdentifier, for generated bash (tests assert both agree). */
export const TO_IDENTIFIER_JQ =
  '(ascii_downcase | gsub("^\\\\s+|\\\\s+$"; "") | gsub("[^a-z0-9@_.+:=-]+"; "-") | gsub("^-+|-+$"; "") | if . == "" or . == "." or . == ".." then "unnamed" else .[0:200] end)';

/** One image entity per pushed image: service and tag decide it, so a rebuild of a tag updates it. */
export function imageIdentifier(service: string, tag: string): string {
  return toIdentifier(`${service}:${tag}`);
}

/** jq program reading {service, tag} and printing imageIdentifier(service, tag). */
export const IMAGE_IDENTIFIER_JQ = `("\\(.service):\\(.tag)" | ${TO_IDENTIFIER_JQ})`;

/** Environments declared in stack config: "<product>-<name>" unless the config names one. */
export function environmentIdentifier(product: string, name: string): string {
  return toIdentifier(`${product}-${name}`);
}

/** Port run ids ("r_…"): case matters, so they are used verbatim, never lower-cased. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** One deployment entity per Port run: deterministic, so the agent and the pipeline meet on it. */
export function deploymentIdentifier(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new Error(`not a Port run id: ${JSON.stringify(runId)}`);
  return `deploy-${runId}`;
}

/** jq filter reading a run id string and printing deploymentIdentifier(runId). */
export const DEPLOYMENT_IDENTIFIER_JQ = '("deploy-" + .)';
