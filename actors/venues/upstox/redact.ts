/**
 * @module Keeps access tokens out of every string that leaves the venue (error messages, log lines).
 * Tokens are replaced wherever they appear, and bearer headers are masked even for tokens we never saw.
 */

const BEARER = /Bearer\s+[A-Za-z0-9._~+/=-]+/gi;

export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(BEARER, 'Bearer [REDACTED]');
  for (const s of secrets) {
    // Short strings would redact ordinary words; real tokens are long JWTs.
    if (s !== undefined && s.length >= 8) out = out.split(s).join('[REDACTED]');
  }
  return out;
}

/** A short, safe fingerprint for logs: enough to tell two tokens apart, useless to an attacker. */
export function tokenFingerprint(token: string): string {
  let h = 2166136261;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619);
  return `tok#${(h >>> 0).toString(16).padStart(8, '0')}`;
}
