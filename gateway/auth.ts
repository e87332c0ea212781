/**
 * @module Bearer-token roles (viewer < operator < admin), compared in constant time, with a per-address limit on
 * failed attempts.
 *
 * The limit slows down wrong tokens only: a right token is accepted whatever came before it from the same address.
 * Otherwise any local process could keep the operator out of the emergency stop by sending wrong tokens (issue 16).
 * Guessing is not made easier by this: tokens are at least 16 characters (the generated admin token 256 bits), and a
 * guesser over the limit gets 429 for every wrong guess either way.
 *
 * Tokens are hashed to equal-length SHA-256 digests before `timingSafeEqual`, so neither the content nor the length
 * of a configured token leaks through response timing. Every configured token is compared on every attempt (no early
 * exit), for the same reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../runtime/clock.ts';
import type { Tokens } from './deps.ts';
import type { GatewayLog } from './deps-ext.ts';
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

/**
 * Failed-auth counter per client address, in fixed windows on the monotonic clock. Failures are logged twice per
 * window at most (the first one, and the one that reaches the limit), so a spray of wrong tokens cannot flood the log.
 */
export class AuthLimiter {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #log: GatewayLog | undefined;
  readonly #failures = new Map<string, { start: number; count: number }>();
  constructor(clock: Clock, maxFailures: number, windowMs: number, log?: GatewayLog) {
    this.#clock = clock;
    this.#max = maxFailures;
    this.#windowMs = windowMs;
    this.#log = log;
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
  /** Counts a failed attempt; `why` says what was wrong (never the presented value). */
  fail(addr: string, why: string): void {
    const now = this.#clock.monotonic();
    let e = this.#failures.get(addr);
    if (e === undefined || now - e.start >= this.#windowMs) {
      e = { start: now, count: 1 };
      this.#failures.set(addr, e);
    } else e.count += 1;
    if (e.count === 1) this.#log?.warn({ addr, why }, 'authentication failed');
    if (e.count === this.#max) {
      this.#log?.warn({ addr, failures: e.count, windowMs: this.#windowMs }, 'too many failed authentications: wrong tokens from this address get 429 until the window ends (a right token is still accepted)');
    }
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

/**
 * Checks a presented token for an address: the role, or an ApiError 401/429. Shared by HTTP and the WebSocket.
 * The token is checked first: the limiter never refuses a right one (see the module comment).
 */
export function authenticate(tokens: Tokens, limiter: AuthLimiter, addr: string, presented: string | null): Principal {
  const role = presented === null ? null : roleOf(tokens, presented);
  if (role !== null) return { role, who: `${role}@${addr}` };
  const wait = limiter.blockedFor(addr);
  if (wait > 0) {
    throw new ApiError(429, 'TOO_MANY_AUTH_FAILURES', `too many failed authentications from this address; retry in ${Math.ceil(wait / 1000)} s`, { retryAfterSeconds: Math.ceil(wait / 1000) });
  }
  if (presented === null) {
    limiter.fail(addr, 'no bearer token');
    throw new ApiError(401, 'UNAUTHENTICATED', 'expected an Authorization: Bearer <token> header, was none');
  }
  limiter.fail(addr, 'unknown bearer token');
  throw new ApiError(401, 'UNAUTHENTICATED', 'expected a valid bearer token, was an unknown one');
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
