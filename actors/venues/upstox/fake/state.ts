/**
 * @module Everything the fake's HTTP routes and WebSocket hubs share: the market, the broker behind it, faults,
 * issued codes and per-order metadata Upstox reports but the Broker interface does not carry.
 */
import { randomBytes } from 'node:crypto';
import type { Broker } from '../../broker.ts';
import { nextTokenExpiry } from '../token/expiry.ts';
import { noFaults, type Faults } from './faults.ts';
import type { FakeMarket } from './market.ts';
import type { OrderMeta } from './shapes.ts';

export interface FakeState {
  readonly market: FakeMarket;
  /** The order log: every order write the fake accepted, as sent (the place/multi bodies), for "no MARKET order" checks. */
  readonly orderLog: Array<{ readonly path: string; readonly order_type: string; readonly transaction_type: string; readonly quantity: number; readonly product: string; readonly tag: string | null; readonly slice: boolean; readonly at: number }>;
  readonly broker: Broker;
  readonly now: () => number;
  /** When set, the only bearer token accepted; otherwise any non-empty one. */
  token: string | undefined;
  faults: Faults;
  readonly meta: Map<string, OrderMeta>;
  /** Single-use WebSocket codes → which stream they open. */
  readonly wsCodes: Map<string, 'market' | 'portfolio'>;
  /** Login codes issued by the dialog (single-use, even on failure). */
  readonly loginCodes: Set<string>;
  /** Order-write times for the fake's own 10/s (50/s with a registered algo) limit. */
  readonly orderTimes: number[];
  /** The account's registered static IPs (GET/PUT /v2/user/ip). Order writes from any other address are refused.
   *  Default: loopback, where the fake listens. */
  staticIps: { primary: string | null; secondary: string | null; updatedAt: number | null };
  /** Algo names the exchange has registered for this account (X-Algo-Name). */
  readonly algoNames: Set<string>;
  /** Tokens invalidated by a static-IP change (Upstox invalidates every token on PUT /v2/user/ip). */
  readonly revokedTokens: Set<string>;
  /** Feed subscription requests refused for exceeding the per-mode caps (Upstox does not document its answer; the
   *  fake ignores the whole request and counts it here). */
  readonly capRefusals: { count: number; last: string | null };
  /** Resolvers of requests held open by the timeout fault; released on close. */
  readonly hanging: Set<() => void>;
  /** When the served instruments master was built (its `Last-Modified`); undefined = today's build, 06:00 IST (or
   *  now, if earlier). Set it in the past to serve a stale master. */
  masterBuiltAt: number | undefined;
  /** Filled in once listening: `ws://127.0.0.1:<port>`. */
  wsBase: string;
  requests: number;
  /** Requests per `METHOD /path` (what reached the fake, before faults and auth). */
  readonly calls: Map<string, number>;
}

export function createState(market: FakeMarket, broker: Broker, opts: { token?: string | undefined; now?: () => number; masterBuiltAt?: number | undefined }): FakeState {
  return {
    market, broker, orderLog: [], now: opts.now ?? Date.now, token: opts.token, faults: noFaults(), meta: new Map(), wsCodes: new Map(),
    loginCodes: new Set(), orderTimes: [], hanging: new Set(), masterBuiltAt: opts.masterBuiltAt, wsBase: '', requests: 0, calls: new Map(),
    staticIps: { primary: '127.0.0.1', secondary: '::1', updatedAt: null }, algoNames: new Set(['volguard-test-algo']), revokedTokens: new Set(),
    capRefusals: { count: 0, last: null },
  };
}

export function tokenAccepted(state: FakeState, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const token = header.slice(7).trim();
  if (token === '' || state.revokedTokens.has(token)) return false;
  return state.token === undefined || token === state.token;
}

export function newCode(): string {
  return randomBytes(9).toString('base64url');
}

/** A JWT-shaped token whose `exp` follows the 03:30 IST rule (unsigned: the fake never verifies it). */
export function issueToken(state: FakeState, userId: string): string {
  if (state.token !== undefined) return state.token;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = state.now();
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, iss: 'udapi-gateway-service', iat: Math.floor(now / 1000), exp: Math.floor(nextTokenExpiry(now) / 1000) })}.${newCode()}`;
}
