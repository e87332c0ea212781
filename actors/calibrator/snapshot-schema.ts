/**
 * @module Trust boundary: the `calibrator.calibrate` body must be a MarketSnapshot (actors/domain/market-snapshot.ts).
 * Checks the fields the calibrator reads, with `expected X, was Y` messages; typed arrays must match `strikes`.
 */
import { z } from 'zod';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';

const f64 = z.instanceof(Float64Array, { message: 'expected a Float64Array' });
const chain = z.object({
  underlying: z.enum(['NIFTY', 'BANKNIFTY']),
  expiry: z.string(),
  expiryTs: z.number().finite(),
  strikes: f64,
  callBid: f64, callAsk: f64, putBid: f64, putAsk: f64,
  callBrokerIv: f64.optional(), putBrokerIv: f64.optional(),
}).loose().superRefine((c, ctx) => {
  for (const key of ['callBid', 'callAsk', 'putBid', 'putAsk', 'callBrokerIv', 'putBrokerIv'] as const) {
    const a = c[key];
    if (a && a.length !== c.strikes.length) ctx.addIssue({ code: 'custom', path: [key], message: `expected ${c.strikes.length} values (as strikes), was ${a.length}` });
  }
  for (let i = 1; i < c.strikes.length; i++) {
    if (!(c.strikes[i]! > c.strikes[i - 1]!)) { ctx.addIssue({ code: 'custom', path: ['strikes', i], message: `expected ascending strikes, was ${c.strikes[i - 1]} then ${c.strikes[i]}` }); break; }
  }
});

export const marketSnapshotSchema = z.object({
  cycleId: z.string(),
  ts: z.number().finite(),
  spots: z.array(z.object({ underlying: z.enum(['NIFTY', 'BANKNIFTY']), spot: z.number() }).loose()),
  expiries: z.array(chain),
}).loose();

/** Returns the snapshot or throws an Error listing every problem (path: message). */
export function parseSnapshot(body: unknown): MarketSnapshot {
  // Every cycle's snapshot is valid: check it by hand (no zod objects, issues or copies); only a body this check does
  // not accept goes through the schema, which then either accepts it or words the problems.
  if (plainlyValid(body)) return body as MarketSnapshot;
  const r = marketSnapshotSchema.safeParse(body);
  if (!r.success) {
    throw new TypeError(`calibrator.calibrate: invalid MarketSnapshot: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  return body as MarketSnapshot;
}

const UNDERLYING_NAMES: ReadonlySet<unknown> = new Set(['NIFTY', 'BANKNIFTY']);
const CHAIN_ARRAYS = ['callBid', 'callAsk', 'putBid', 'putAsk'] as const;
const OPTIONAL_CHAIN_ARRAYS = ['callBrokerIv', 'putBrokerIv'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A sufficient (never looser) version of `marketSnapshotSchema`: true only for bodies the schema accepts. May reject
 * some the schema would accept (the caller then asks the schema).
 */
function plainlyValid(body: unknown): boolean {
  if (!isRecord(body)) return false;
  if (typeof body.cycleId !== 'string' || typeof body.ts !== 'number' || !Number.isFinite(body.ts)) return false;
  const { spots, expiries } = body;
  if (!Array.isArray(spots) || !Array.isArray(expiries)) return false;
  for (let i = 0; i < spots.length; i++) {
    const s: unknown = spots[i];
    if (!isRecord(s) || !UNDERLYING_NAMES.has(s.underlying) || typeof s.spot !== 'number' || !Number.isFinite(s.spot)) return false;
  }
  for (let i = 0; i < expiries.length; i++) {
    const c: unknown = expiries[i];
    if (!isRecord(c) || !UNDERLYING_NAMES.has(c.underlying) || typeof c.expiry !== 'string') return false;
    if (typeof c.expiryTs !== 'number' || !Number.isFinite(c.expiryTs)) return false;
    const strikes = c.strikes;
    if (!(strikes instanceof Float64Array)) return false;
    const n = strikes.length;
    for (const key of CHAIN_ARRAYS) {
      const a = c[key];
      if (!(a instanceof Float64Array) || a.length !== n) return false;
    }
    for (const key of OPTIONAL_CHAIN_ARRAYS) {
      const a = c[key];
      if (a !== undefined && (!(a instanceof Float64Array) || a.length !== n)) return false;
    }
    for (let k = 1; k < n; k++) if (!(strikes[k]! > strikes[k - 1]!)) return false;
  }
  return true;
}
