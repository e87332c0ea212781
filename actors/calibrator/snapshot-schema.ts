/**
 * @module Trust boundary: the `calibrator.calibrate` body must be a MarketSnapshot (actors/feed/messages.ts).
 * Checks the fields the calibrator reads, with `expected X, was Y` messages; typed arrays must match `strikes`.
 */
import { z } from 'zod';
import type { MarketSnapshot } from '../feed/messages.ts';

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
  const r = marketSnapshotSchema.safeParse(body);
  if (!r.success) {
    throw new TypeError(`calibrator.calibrate: invalid MarketSnapshot: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  return body as MarketSnapshot;
}
