/**
 * @module Upstox access-token expiry: valid until the next 03:30 IST regardless of issue time
 * (20:00 Tue → 03:30 Wed; 02:30 Wed → 03:30 the same Wed). JWT `exp`, when readable, is preferred.
 */
import { IST_OFFSET_MS } from '../../../domain/calendar.ts';

const DAY_MS = 86_400_000;
const EXPIRY_MINUTE_OF_DAY = 3 * 60 + 30;

export function nextTokenExpiry(issuedAtMs: number): number {
  const istMs = issuedAtMs + IST_OFFSET_MS;
  const dayStart = Math.floor(istMs / DAY_MS) * DAY_MS;
  let expiry = dayStart + EXPIRY_MINUTE_OF_DAY * 60_000;
  if (istMs >= expiry) expiry += DAY_MS;
  return expiry - IST_OFFSET_MS;
}

/** `exp` (seconds) of a JWT, or undefined when the token is not a JWT. Does not verify the signature. */
export function jwtExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** "2026-03-04 03:30 IST" */
export function formatIst(ms: number): string {
  return `${new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} IST`;
}
