/**
 * @module Test fixture (used by tests only): a one-expiry NIFTY market with a flat 15 % surface, and a short iron
 * condor 23500/23700 – 24300/24500 × 65 units, for hand-checked risk numbers.
 */
import type { ExpiryFit, SurfaceCalibrated } from '../calibrator/messages.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Book } from '../domain/book.ts';
import { NO_REALISED, type RealisedMoney } from '../domain/money.ts';
import type { Leg } from '../domain/leg.ts';
import type { Position } from '../domain/position.ts';
import type { Structure } from '../domain/structure.ts';
import type { RiskLimits, RiskSettings } from './settings.ts';
import { DEFAULT_MARGIN_PARAMS } from '../domain/margin.ts';
import type { Right } from '../domain/right.ts';
import type { Bucket } from '../domain/bucket.ts';
import { DEFAULT_MARKET_SETTINGS } from '../domain/market-settings.ts';

export const NOW = Date.UTC(2026, 0, 6, 5, 0, 0); // 10:30 IST
export const DAY_MS = 86_400_000;
export const EXPIRY = '2026-01-13';
export const EXPIRY_TS = NOW + 7 * DAY_MS;
export const F = 24_000;
export const SIGMA = 0.15;
export const Q = 65;
/**
 * NOW → EXPIRY_TS on the default variance clock (overnight 0.2, weekend day 0.1, D = 259.7 units a year; the
 * 375-minute session of Jan 2026): Tue 10:30 → 15:30 is 300/375 · 0.8 = 0.64; Tue close → Fri close 3 × 1 = 3;
 * Fri close → Mon close 2 · 0.1 + 1 = 1.2; Mon close → Tue open 0.2; Tue 09:15 → 10:30 is 75/375 · 0.8 = 0.16.
 * Total 5.2 units; t = 5.2 / 259.7 years (7 calendar days would be 7/365).
 */
export const T_VARIANCE = 5.2 / 259.7;
export const STRIKES = [23_300, 23_500, 23_700, 24_000, 24_300, 24_500, 24_700];

export const key = (strike: number, right: Right): string => `NSE_FO|NIFTY${strike}${right}`;

export function snapshot(ts = NOW, quotes: Readonly<Record<string, readonly [number, number]>> = {}): MarketSnapshot {
  const n = STRIKES.length;
  const nan = () => new Float64Array(n).fill(NaN);
  const callBid = nan(), callAsk = nan(), putBid = nan(), putAsk = nan();
  STRIKES.forEach((k, i) => {
    const c = quotes[key(k, 'CE')];
    const p = quotes[key(k, 'PE')];
    if (c) { callBid[i] = c[0]; callAsk[i] = c[1]; }
    if (p) { putBid[i] = p[0]; putAsk[i] = p[1]; }
  });
  return {
    cycleId: 'c1', ts, marketOpen: true, vix: 13, source: 'test',
    spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: F, ts }],
    expiries: [{
      underlying: 'NIFTY', expiry: EXPIRY, expiryTs: EXPIRY_TS, kind: 'weekly', lotSize: Q, freezeQty: 1800,
      strikes: Float64Array.from(STRIKES), callKeys: STRIKES.map((k) => key(k, 'CE')), putKeys: STRIKES.map((k) => key(k, 'PE')),
      callBid, callAsk, callLtp: nan(), callOi: nan(), callTs: nan(), putBid, putAsk, putLtp: nan(), putOi: nan(), putTs: nan(),
    }],
    quality: { score: 1, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
  };
}

export function surface(ts = NOW, fallback = false): SurfaceCalibrated {
  const fit: ExpiryFit = {
    underlying: 'NIFTY', expiry: EXPIRY, expiryTs: EXPIRY_TS, t: T_VARIANCE, forward: F,
    params: fallback ? null : { alpha: SIGMA, beta: 1, rho: 0, nu: 0 }, rmseVolPts: 0, maxErrorVolPts: 0, iterations: 1,
    converged: !fallback, fallback, strikes: Float64Array.from(STRIKES), marketIv: new Float64Array(STRIKES.length).fill(SIGMA),
    vols: new Float64Array(STRIKES.length).fill(SIGMA),
  };
  return { cycleId: 'c1', ts, expiries: [fit], computeMs: 1 };
}

export const CONDOR: readonly { strike: number; right: Right; qty: number; avg: number }[] = [
  { strike: 23_500, right: 'PE', qty: Q, avg: 20 },
  { strike: 23_700, right: 'PE', qty: -Q, avg: 45 },
  { strike: 24_300, right: 'CE', qty: -Q, avg: 40 },
  { strike: 24_500, right: 'CE', qty: Q, avg: 18 },
];

export function condorLegs(limit = true): Leg[] {
  return CONDOR.map((c) => ({
    instrumentKey: key(c.strike, c.right), underlying: 'NIFTY', expiry: EXPIRY, strike: c.strike, right: c.right,
    side: c.qty > 0 ? 'BUY' : 'SELL', quantity: Math.abs(c.qty), ...(limit ? { limitPrice: c.avg } : {}),
  }));
}

/** `realisedPnlDay`: the book's lifetime realised P&L of fills (gross; also its `realised`). */
export function condorBook(opts: { realisedPnlDay?: number; bucket?: Bucket } = {}): Book {
  const positions: Position[] = CONDOR.map((c) => ({
    instrumentKey: key(c.strike, c.right), quantity: c.qty, averagePrice: c.avg, realisedPnl: 0, structureId: 'ic1',
    underlying: 'NIFTY', expiry: EXPIRY, strike: c.strike, right: c.right,
  }));
  const structure: Structure = {
    id: 'ic1', kind: 'iron_condor', underlying: 'NIFTY', expiry: EXPIRY, bucket: opts.bucket ?? 'weekly', status: 'open',
    legs: condorLegs(), entryCredit: 47, maxLoss: 200 * Q - 47 * Q, openedAt: NOW - DAY_MS,
  };
  return { positions, structures: [structure], orders: [], realisedPnlDay: opts.realisedPnlDay ?? 0, realised: grossOnly(opts.realisedPnlDay ?? 0), shadow: false };
}

/** The book's lifetime realised money when it is all fills' P&L (no charges, no settlement), ₹. */
export const grossOnly = (gross: number): RealisedMoney => (gross === 0 ? NO_REALISED : { ...NO_REALISED, gross, net: gross });

export const emptyBook = (): Book => ({ positions: [], structures: [], orders: [], realisedPnlDay: 0, realised: NO_REALISED, shadow: false });

/** Loose limits (and no portfolio stops) so one test can tighten exactly the one it is about. */
export function settings(over: Partial<Omit<RiskSettings, 'limits'>> & { limits?: Partial<RiskLimits> } = {}): RiskSettings {
  const { limits, ...rest } = over;
  return {
    baseCapital: 1_000_000, betas: { NIFTY: 1, BANKNIFTY: 1.2 },
    limits: {
      deltaTotal: 1e9, deltaUnderlying: 1e9, gammaTotal: 1e9, gammaExpiry: 1e9, vegaTotal: 1e9, vegaExpiry: 1e9, thetaTotal: 1e9, stress: 1e9,
      ...limits,
    },
    maxDailyLoss: 20_000, softRatio: 0.8, emergencyRatio: 1.5, buckets: { weekly: 0.5, monthly: 0.3, intraday: 0.2 },
    maxCapitalAtRiskPct: 1, maxMarginPct: 1, surfaceMaxAgeMs: 15_000, expiryDayMove: 0.01,
    stops: { accountStopPct: 0, accountTrailArmPct: 0, accountTrailGiveback: 0.5, bucketStopPct: 0, bucketTrailArmPct: 0, bucketTrailGiveback: 0.5 },
    margin: DEFAULT_MARGIN_PARAMS, market: DEFAULT_MARKET_SETTINGS, dayCloseDelayMs: 15 * 60_000,
    ...rest,
  };
}
