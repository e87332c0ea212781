/**
 * @module Per-expiry input for a fit: forward by parity, time on the one variance clock, OTM quotes filtered, market IVs.
 * Pure. The result is structured-clone safe (typed arrays), so it can be posted to a piscina worker as is.
 */
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import { forwardFromParity } from '../domain/forward.ts';
import { impliedVolOrNaN } from '../domain/implied-vol.ts';
import { TICK_SIZE } from '../domain/units.ts';
import { varianceClock } from '../domain/variance-clock.ts';
import type { CalibratorSettings } from './config.ts';

/** Why a quote was not used, counted per expiry for diagnostics. */
export type DropReason = 'noBid' | 'crossed' | 'tickFloor' | 'wideSpread' | 'ivStatus' | 'arbitrage';

export interface ExpiryInput {
  readonly underlying: ExpiryChain['underlying'];
  readonly expiry: string;
  readonly expiryTs: number;
  readonly t: number;
  /** NaN when neither parity nor spot gave one (the fit then falls back with a reason). */
  readonly forward: number;
  readonly forwardSource: 'parity' | 'spot' | 'none';
  readonly strikes: Float64Array;
  /** OTM-side market IV per strike, NaN where the quote was dropped. */
  readonly marketIv: Float64Array;
  /** Broker IV on the same OTM side, when the venue supplied it. */
  readonly brokerIv?: Float64Array;
  readonly dropped: Readonly<Record<DropReason, number>>;
}

export function buildExpiryInput(chain: ExpiryChain, snapshotTs: number, spot: number | undefined, cfg: CalibratorSettings): ExpiryInput {
  const t = varianceClock(cfg.market.variance).yearsToExpiry(snapshotTs, chain.expiryTs);
  const rate = cfg.market.rate;
  const n = chain.strikes.length;
  const parity = t > 0 ? forwardFromParity(chain, t, rate) : null;
  let forward = Number.NaN;
  let forwardSource: ExpiryInput['forwardSource'] = 'none';
  if (parity) { forward = parity.forward; forwardSource = 'parity'; }
  else if (spot !== undefined && spot > 0) { forward = spot * Math.exp(rate * t); forwardSource = 'spot'; }

  const marketIv = new Float64Array(n).fill(Number.NaN);
  const brokerIv = chain.callBrokerIv || chain.putBrokerIv ? new Float64Array(n).fill(Number.NaN) : undefined;
  const dropped: Record<DropReason, number> = { noBid: 0, crossed: 0, tickFloor: 0, wideSpread: 0, ivStatus: 0, arbitrage: 0 };
  const base = { underlying: chain.underlying, expiry: chain.expiry, expiryTs: chain.expiryTs, t, forward, forwardSource, strikes: chain.strikes.slice(), marketIv, dropped };
  if (!(forward > 0) || !(t > 0)) return brokerIv ? { ...base, brokerIv } : base;

  const mids = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const k = chain.strikes[i]!;
    const isCall = k >= forward;
    const bid = isCall ? chain.callBid[i]! : chain.putBid[i]!;
    const ask = isCall ? chain.callAsk[i]! : chain.putAsk[i]!;
    if (brokerIv) brokerIv[i] = (isCall ? chain.callBrokerIv?.[i] : chain.putBrokerIv?.[i]) ?? Number.NaN;
    if (!(bid > 0)) { dropped.noBid++; continue; }
    if (!(ask >= bid)) { dropped.crossed++; continue; }
    const mid = 0.5 * (bid + ask);
    if (mid <= cfg.minPremiumTicks * TICK_SIZE) { dropped.tickFloor++; continue; }
    if (ask - bid > cfg.maxSpreadFraction * mid) { dropped.wideSpread++; continue; }
    mids[i] = mid;
  }
  // No-arbitrage in strike: OTM put premiums rise with K, OTM call premiums fall with K. Walking outward from the
  // money, a wing quote not cheaper than its inner neighbour is dropped (the inner, more liquid quote is kept).
  let firstCall = 0;
  while (firstCall < n && chain.strikes[firstCall]! < forward) firstCall++;
  let last = Number.NaN;
  for (let i = firstCall; i < n; i++) {
    if (Number.isNaN(mids[i]!)) continue;
    if (!Number.isNaN(last) && mids[i]! >= last) { mids[i] = Number.NaN; dropped.arbitrage++; continue; }
    last = mids[i]!;
  }
  last = Number.NaN;
  for (let i = firstCall - 1; i >= 0; i--) {
    if (Number.isNaN(mids[i]!)) continue;
    if (!Number.isNaN(last) && mids[i]! >= last) { mids[i] = Number.NaN; dropped.arbitrage++; continue; }
    last = mids[i]!;
  }
  for (let i = 0; i < n; i++) {
    const mid = mids[i]!;
    if (Number.isNaN(mid)) continue;
    const k = chain.strikes[i]!;
    // NaN exactly when impliedVol's status is not OK (no result object per quote).
    const vol = impliedVolOrNaN(k >= forward ? 'call' : 'put', mid, forward, k, t, rate);
    if (Number.isNaN(vol)) dropped.ivStatus++; else marketIv[i] = vol;
  }
  return brokerIv ? { ...base, brokerIv } : base;
}
