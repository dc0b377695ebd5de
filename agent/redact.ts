// One redaction for every text the agent did not write itself (an error message, Codefresh's or
// Port's own words) before it is logged or shown in a Port run: known secrets (registered by the
// credential providers and the Port client as they are read or issued) and anything shaped like
// a token are replaced, and the text is capped. Third-party services echo what they were sent:
// a Codefresh 4xx may quote the API key it refused.

const known = new Set<string>();

/** Secrets shorter than this are not searched for (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;
/** Default cap of a relayed text. */
export const MAX_RELAYED_TEXT = 500;

const TOKEN_SHAPES: readonly RegExp[] = [
  // JWTs (Port access tokens) and bearer/basic credentials in quoted headers.
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // Codefresh API keys: <24 hex>.<32 hex>.
  /\b[0-9a-f]{24}\.[0-9a-f]{32}\b/g,
];

/** Remember a secret value so that redact() removes it wherever it shows up. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) known.add(value);
}

/** The text without any known secret or token-shaped string, at most `max` characters. */
export function redact(text: string, max = MAX_RELAYED_TEXT): string {
  let out = text;
  // Longest first, so a secret containing another one is removed whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join("[redacted]");
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, "[redacted]");
  return out.length > max ? `${out.slice(0, max)}…` : out;
}
