/**
 * @module Bearer-token roles (viewer < operator < admin), compared in constant time, with a per-address limit on
 * failed attempts.
 *
 * Tokens are hashed to equal-length SHA-256 digests before `timingSafeEqual`, so neither the content nor the length
 * of a configured token leaks through response timing. Every configured token is compared on every attempt (no early
 * exit), for the same reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../runtime/clock.ts';
import type { Tokens } from './deps.ts';
import { ApiError } from './errors.ts';

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

export interface Principal {
  readonly role: Role;
  /** Who acted, for the audit log: the role's token and the client address (tokens are per role, not per person). */
  readonly who: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Resolves a presented token to its role, or null. Constant time in the presented value. */
export function roleOf(tokens: Tokens, presented: string): Role | null {
  const p = digest(presented);
  let found: Role | null = null;
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    const t = tokens[role];
    if (t === undefined || t.length === 0) continue;
    if (timingSafeEqual(digest(t), p) && found === null) found = role;
  }
  return found;
}

/** Failed-auth counter per client address, in fixed windows on the monotonic clock. */
export class AuthLimiter {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, { start: number; count: number }>();
  constructor(clock: Clock, maxFailures: number, windowMs: number) {
    this.#clock = clock;
    this.#max = maxFailures;
    this.#windowMs = windowMs;
  }
  /** Milliseconds until the address may try again, or 0 when it may try now. */
  blockedFor(addr: string): number {
    const e = this.#failures.get(addr);
    if (e === undefined) return 0;
    const elapsed = this.#clock.monotonic() - e.start;
    if (elapsed >= this.#windowMs) {
      this.#failures.delete(addr);
      return 0;
    }
    return e.count >= this.#max ? this.#windowMs - elapsed : 0;
  }
  fail(addr: string): void {
    const now = this.#clock.monotonic();
    const e = this.#failures.get(addr);
    if (e === undefined || now - e.start >= this.#windowMs) this.#failures.set(addr, { start: now, count: 1 });
    else e.count += 1;
    // Bound memory under a spray of addresses: forget the oldest windows first (Map keeps insertion order).
    if (this.#failures.size > 10_000) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
  }
}

/** The peer address from @hono/node-server's env (`incoming.socket`); proxies' headers are not trusted. */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** Checks a presented token for an address: the role, or an ApiError 401/429. Shared by HTTP and the WebSocket. */
export function authenticate(tokens: Tokens, limiter: AuthLimiter, addr: string, presented: string | null): Principal {
  const wait = limiter.blockedFor(addr);
  if (wait > 0) {
    throw new ApiError(429, 'TOO_MANY_AUTH_FAILURES', `too many failed authentications from this address; retry in ${Math.ceil(wait / 1000)} s`, { retryAfterSeconds: Math.ceil(wait / 1000) });
  }
  if (presented === null) {
    limiter.fail(addr);
    throw new ApiError(401, 'UNAUTHENTICATED', 'expected an Authorization: Bearer <token> header, was none');
  }
  const role = roleOf(tokens, presented);
  if (role === null) {
    limiter.fail(addr);
    throw new ApiError(401, 'UNAUTHENTICATED', 'expected a valid bearer token, was an unknown one');
  }
  return { role, who: `${role}@${addr}` };
}

/** Middleware for `/api/*`: identifies the caller or refuses (401, 429). */
export function authMiddleware(tokens: Tokens, limiter: AuthLimiter): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization');
    let presented: string | null = null;
    if (header !== undefined) {
      const m = BEARER.exec(header);
      // A malformed header counts as a wrong token, not as a missing one.
      presented = m?.[1] ?? '';
    }
    const addr = clientAddress(c);
    try {
      c.set('principal', authenticate(tokens, limiter, addr, presented));
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        c.header('Retry-After', String((err.details as { retryAfterSeconds: number }).retryAfterSeconds));
      }
      if (err instanceof ApiError && err.status === 401) c.header('WWW-Authenticate', 'Bearer');
      throw err;
    }
    await next();
  };
}

/** Per-route guard: 403 below `role`. Runs after `authMiddleware`. */
export function requireRole(role: Role): MiddlewareHandler {
  return async (c, next) => {
    const p = c.get('principal');
    if (RANK[p.role] < RANK[role]) {
      throw new ApiError(403, 'FORBIDDEN', `expected the ${role} role, was ${p.role}`);
    }
    await next();
  };
}
