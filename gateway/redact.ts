/**
 * @module Last line of defence for secrets in anything the gateway writes out (error bodies, log lines):
 * every occurrence of a known secret is replaced, whatever produced the text.
 */

const MIN_SECRET_LENGTH = 6;

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    // Short strings would blank out ordinary words; real tokens are long (config requires ≥ 16 characters).
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join('[REDACTED]');
  }
  return out;
}

/** Deep-scrubs string leaves of a JSON-like value. */
export function scrubValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, depth + 1);
  return out;
}
