/**
 * @module Hand-built market fixtures for the strategy tests: a chain priced by Black-76 on a known smile, its fitted
 * surface (the same smile), and a snapshot around them. Test support only; nothing in the actor imports it.
 */
import { z } from 'zod';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { ExpiryFit, SurfaceCalibrated } from '../calibrator/messages.ts';
import type { Book } from '../domain/book.ts';
import { NO_REALISED } from '../domain/money.ts';
import type { Leg } from '../domain/leg.ts';
import type { Structure } from '../domain/structure.ts';
import { black76Price } from '../domain/black76.ts';
import { roundToTick } from '../domain/units.ts';
import { sessionCloseMs } from '../domain/calendar.ts';
import { DEFAULT_RATE } from '../domain/market-settings.ts';
import { varianceClock } from '../domain/variance-clock.ts';
import { systemEnv, MARKET_KEYS } from '../../runtime/system-env.ts';
import { strategyEnv } from './config.ts';
import { strategyParams, type StrategyParams } from './params.ts';
import type { ProposeRequest } from './messages.ts';
import type { Right } from '../domain/right.ts';
import type { Side } from '../domain/side.ts';

/** The configured default rate: chains here are priced the way the market conventions say (variance clock, one rate). */
export const RATE = DEFAULT_RATE;

export function params(env: Record<string, string> = {}, baseCapital = 1_000_000): StrategyParams {
  const marketEnv = Object.fromEntries(MARKET_KEYS.map((k) => [k, systemEnv[k]])) as Pick<typeof systemEnv, (typeof MARKET_KEYS)[number]>;
  const parsed = z.object({ ...strategyEnv, ...marketEnv }).parse(env);
  // DATA_DIR is only read at boot for the operator's event calendar; the fixture passes the shipped one.
  return strategyParams({ ...parsed, BASE_CAPITAL: baseCapital, DATA_DIR: './data' });
}

/** A gentle put skew: σ(K) = base − 0.1·ln(K/F) + 0.5·ln(K/F)². */
export function smile(base: number, forward: number, strike: number): number {
  const x = Math.log(strike / forward);
  return base - 0.1 * x + 0.5 * x * x;
}

export interface ChainSpec {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly kind: 'weekly' | 'monthly';
  readonly forward: number;
  readonly now: number;
  readonly baseVol?: number;
  readonly step?: number;
  readonly lotSize?: number;
}

export function buildChain(spec: ChainSpec): { chain: ExpiryChain; fit: ExpiryFit } {
  const step = spec.step ?? (spec.underlying === 'NIFTY' ? 50 : 100);
  const expiryTs = sessionCloseMs(spec.expiry);
  const t = varianceClock().yearsToExpiry(spec.now, expiryTs);
  const base = spec.baseVol ?? 0.13;
  const centre = Math.round(spec.forward / step) * step;
  const strikes: number[] = [];
  for (let k = centre - 60 * step; k <= centre + 60 * step; k += step) strikes.push(k);
  const n = strikes.length;
  const arr = () => new Float64Array(n);
  const c = { callBid: arr(), callAsk: arr(), putBid: arr(), putAsk: arr(), vols: arr() };
  strikes.forEach((k, i) => {
    const vol = smile(base, spec.forward, k);
    c.vols[i] = vol;
    for (const type of ['call', 'put'] as const) {
      const price = black76Price(type, spec.forward, k, t, RATE, vol);
      const half = Math.max(0.05, 0.01 * price);
      const bid = price - half >= 0.05 ? roundToTick(price - half) : Number.NaN;
      const ask = roundToTick(price + half);
      (type === 'call' ? c.callBid : c.putBid)[i] = bid;
      (type === 'call' ? c.callAsk : c.putAsk)[i] = ask;
    }
  });
  const key = (r: string) => strikes.map((k) => `NSE_FO|${spec.underlying}${spec.expiry}${k}${r}`);
  const chain: ExpiryChain = {
    underlying: spec.underlying, expiry: spec.expiry, expiryTs, kind: spec.kind,
    lotSize: spec.lotSize ?? (spec.underlying === 'NIFTY' ? 65 : 30), freezeQty: 1800,
    strikes: Float64Array.from(strikes), callKeys: key('CE'), putKeys: key('PE'),
    callBid: c.callBid, callAsk: c.callAsk, callLtp: arr(), callOi: arr(), callTs: arr().fill(spec.now),
    putBid: c.putBid, putAsk: c.putAsk, putLtp: arr(), putOi: arr(), putTs: arr().fill(spec.now),
  };
  const fit: ExpiryFit = {
    underlying: spec.underlying, expiry: spec.expiry, expiryTs, t, forward: spec.forward, params: null,
    rmseVolPts: 0, maxErrorVolPts: 0, iterations: 0, converged: true, fallback: false,
    strikes: Float64Array.from(strikes), marketIv: c.vols, vols: c.vols,
  };
  return { chain, fit };
}

export interface MarketSpec {
  readonly now: number;
  readonly nifty?: number;
  readonly banknifty?: number;
  readonly baseVol?: number;
  readonly quality?: number;
  readonly marketOpen?: boolean;
}

/** NIFTY weekly 2026-01-13 + monthly 2026-01-27, BANKNIFTY monthly 2026-01-27 (all Tuesdays). */
export function market(spec: MarketSpec, cycleId = 'c1'): { snapshot: MarketSnapshot; surface: SurfaceCalibrated } {
  const nifty = spec.nifty ?? 24_000;
  const bank = spec.banknifty ?? 52_000;
  const baseVol = spec.baseVol ?? 0.13;
  const built = [
    buildChain({ underlying: 'NIFTY', expiry: '2026-01-13', kind: 'weekly', forward: nifty, now: spec.now, baseVol }),
    buildChain({ underlying: 'NIFTY', expiry: '2026-01-27', kind: 'monthly', forward: nifty, now: spec.now, baseVol }),
    buildChain({ underlying: 'BANKNIFTY', expiry: '2026-01-27', kind: 'monthly', forward: bank, now: spec.now, baseVol }),
  ].filter((b) => b.chain.expiryTs > spec.now);
  const q = spec.quality ?? 0.95;
  return {
    snapshot: {
      cycleId, ts: spec.now, marketOpen: spec.marketOpen ?? true,
      spots: [
        { underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: nifty, ts: spec.now },
        { underlying: 'BANKNIFTY', instrumentKey: 'NSE_INDEX|Nifty Bank', spot: bank, ts: spec.now },
      ],
      vix: 13, expiries: built.map((b) => b.chain),
      quality: { score: q, components: { staleness: q, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
      source: 'test',
    },
    surface: { cycleId, ts: spec.now, expiries: built.map((b) => b.fit), computeMs: 0 },
  };
}

export const EMPTY_BOOK: Book = { positions: [], structures: [], orders: [], realisedPnlDay: 0, realised: NO_REALISED, shadow: false };

/** A book holding the structures: positions for the legs of those open or closing (as the executor's book lists them). */
export function bookOf(...structures: Structure[]): Book {
  const held = new Map<string, Book['positions'][number]>();
  for (const st of structures) {
    if (st.status !== 'open' && st.status !== 'closing') continue;
    for (const l of st.legs) {
      const q = (l.side === 'BUY' ? 1 : -1) * l.quantity;
      const p = held.get(l.instrumentKey);
      held.set(l.instrumentKey, {
        instrumentKey: l.instrumentKey, quantity: (p?.quantity ?? 0) + q, averagePrice: 10, realisedPnl: 0, structureId: st.id,
        underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right,
      });
    }
  }
  return { ...EMPTY_BOOK, structures, positions: [...held.values()] };
}

export function request(m: ReturnType<typeof market>, over: Partial<ProposeRequest> = {}): ProposeRequest {
  return {
    cycleId: m.snapshot.cycleId, snapshot: m.snapshot, surface: m.surface, book: EMPTY_BOOK,
    risk: { breaches: [] }, killswitch: { state: 'NORMAL' }, phase: 'FULL_AUTO', ...over,
  };
}

/** A four-leg structure on the NIFTY weekly chain with the given strikes. */
export function condor(id: string, strikes: { pw: number; ps: number; cs: number; cw: number }, entryCredit: number,
  over: Partial<Structure> = {}, quantity = 65): Structure {
  const l = (strike: number, right: Right, side: Side): Leg => ({
    instrumentKey: `NSE_FO|NIFTY2026-01-13${strike}${right}`, underlying: 'NIFTY', expiry: '2026-01-13', strike, right, side, quantity,
  });
  return {
    id, kind: 'iron_condor', underlying: 'NIFTY', expiry: '2026-01-13', bucket: 'weekly', status: 'open',
    legs: [l(strikes.pw, 'PE', 'BUY'), l(strikes.cw, 'CE', 'BUY'), l(strikes.ps, 'PE', 'SELL'), l(strikes.cs, 'CE', 'SELL')],
    entryCredit, maxLoss: 10_000, openedAt: 0, ...over,
  };
}
