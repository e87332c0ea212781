/**
 * @module Exposure in rupees and the limits on it. Pure.
 *
 * Per underlying u (spot S_u, beta β_u to NIFTY) and per expiry of it:
 *   delta1pct = Σ q·∂V/∂F · 0.01·S_u             ₹ per 1 % move of u
 *   gamma1pct = ½ · Σ q·∂²V/∂F² · (0.01·S_u)²     ₹ per 1 %² move of u (the convexity of a 1 % move)
 *   vega      = Σ q·∂V/∂σ · 0.01                  ₹ per vol point
 *   theta     = Σ q·θ / 365                       ₹ per calendar day
 * Totals are in NIFTY terms: a 1 % NIFTY move is a β_u % move of u, so
 *   delta1pct_total = Σ_u β_u · delta1pct_u,   gamma1pct_total = Σ_u β_u² · gamma1pct_u,
 *   vega_total = Σ_u vega_u (vol points taken to move together), theta_total = Σ_u theta_u.
 * Example (limits.test.ts): NIFTY delta +50 at 26,000 → +13,000 ₹/1 %; BANKNIFTY delta −20 at 60,000 → −12,000 ₹/1 %;
 * with β = 1.2 the total is 13,000 − 1.2 × 12,000 = −1,400 ₹/1 %, where a plain sum would say +1,000.
 *
 * Limits (hard levels in RiskSettings.limits; soft = hard × RISK_SOFT_RATIO), each on the absolute value:
 *   delta: total (beta-weighted) and per underlying · gamma and vega: total and per (underlying, expiry) ·
 *   theta: total · stress: the worst stress loss · dailyLoss · capitalAtRisk · margin.
 * Per-underlying and per-expiry rows exist for what the book holds (a pre-trade check adds what the trade touches).
 */
import type { Underlying } from '../domain/underlying.ts';
import {
  MANAGED_LIMITS,
  type Breach, type ExpiryExposure, type Greeks, type LimitName, type LimitScope, type LimitUse, type TotalExposure, type UnderlyingExposure,
} from './messages.ts';
import type { RiskSettings } from './settings.ts';
import { addGreeks, deltaInr1Pct, gammaInr1Pct, spotOf, ZERO_GREEKS, type MarketView, type PricedLeg } from './valuation.ts';

export const UNITS: Readonly<Record<LimitName, string>> = {
  delta: '₹/1%', gamma: '₹/1%²', vega: '₹/vol pt', theta: '₹/day', stress: '₹', dailyLoss: '₹', capitalAtRisk: '₹', margin: '₹',
};

export interface Exposure {
  readonly total: TotalExposure;
  readonly byUnderlying: readonly UnderlyingExposure[];
}

export function exposure(priced: readonly PricedLeg[], market: MarketView, s: Pick<RiskSettings, 'baseCapital' | 'betas'>): Exposure {
  const byU = new Map<Underlying, Map<string, Greeks>>();
  for (const p of priced) {
    let exp = byU.get(p.underlying);
    if (exp === undefined) byU.set(p.underlying, (exp = new Map<string, Greeks>()));
    exp.set(p.expiry, addGreeks(exp.get(p.expiry) ?? ZERO_GREEKS, p.greeks));
  }
  const byUnderlying: UnderlyingExposure[] = [];
  let sum = ZERO_GREEKS;
  let deltaNotional = 0;
  let delta1pct = 0;
  let gamma1pct = 0;
  for (const [underlying, expiries] of byU) {
    const spot = spotOf(market, underlying);
    const beta = s.betas[underlying] ?? 1;
    let g = ZERO_GREEKS;
    const byExpiry: ExpiryExposure[] = [];
    for (const [expiry, eg] of expiries) {
      g = addGreeks(g, eg);
      const g1 = gammaInr1Pct(eg.gamma, spot);
      byExpiry.push({ expiry, ...eg, delta1pct: deltaInr1Pct(eg.delta, spot), gamma1pct: g1, gammaInr1Pct: g1 });
    }
    byExpiry.sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0));
    const notional = g.delta * spot;
    const d1 = deltaInr1Pct(g.delta, spot);
    const g1 = gammaInr1Pct(g.gamma, spot);
    byUnderlying.push({
      underlying, spot, beta, ...g, deltaNotional: notional, deltaRatio: notional / s.baseCapital, delta1pct: d1, gamma1pct: g1, gammaInr1Pct: g1, byExpiry,
    });
    sum = addGreeks(sum, g);
    deltaNotional += beta * notional;
    delta1pct += beta * d1;
    gamma1pct += beta * beta * g1;
  }
  byUnderlying.sort((a, b) => (a.underlying < b.underlying ? 1 : a.underlying > b.underlying ? -1 : 0));
  return {
    total: { ...sum, deltaNotional, deltaRatio: deltaNotional / s.baseCapital, delta1pct, gamma1pct, gammaInr1Pct: gamma1pct },
    byUnderlying,
  };
}

export interface Measures {
  readonly exposure: Exposure;
  readonly dayLoss: number;
  readonly stressLoss: number;
  readonly capitalAtRisk: number;
  readonly margin: number;
}

function ratio(value: number, limit: number): number {
  if (limit > 0) return value / limit;
  return value > 0 ? Infinity : 0;
}

/** One limit row; `signed` is kept for greeks (the strategy reads the direction to reduce). */
export function limitUse(s: Pick<RiskSettings, 'softRatio'>, name: LimitName, scope: LimitScope, signed: number, limit: number,
  where: { underlying?: Underlying; expiry?: string } = {}, absolute = true): LimitUse {
  const value = absolute ? Math.abs(signed) : signed;
  return {
    name, scope, ...where, value, ...(absolute ? { signed } : {}), limit, soft: limit * s.softRatio, utilisation: ratio(value, limit), unit: UNITS[name],
  };
}

/** Every limit row, totals first (readers that look a name up take the total). */
export function measureLimits(s: RiskSettings, m: Measures): LimitUse[] {
  const L = s.limits;
  const t = m.exposure.total;
  const out: LimitUse[] = [
    limitUse(s, 'delta', 'total', t.delta1pct, L.deltaTotal),
    limitUse(s, 'vega', 'total', t.vega, L.vegaTotal),
    limitUse(s, 'gamma', 'total', t.gamma1pct, L.gammaTotal),
    limitUse(s, 'theta', 'total', t.theta, L.thetaTotal),
    limitUse(s, 'stress', 'total', m.stressLoss, L.stress, {}, false),
    limitUse(s, 'dailyLoss', 'total', m.dayLoss, s.maxDailyLoss, {}, false),
    limitUse(s, 'capitalAtRisk', 'total', m.capitalAtRisk, s.maxCapitalAtRiskPct * s.baseCapital, {}, false),
    limitUse(s, 'margin', 'total', m.margin, s.maxMarginPct * s.baseCapital, {}, false),
  ];
  for (const u of m.exposure.byUnderlying) {
    out.push(limitUse(s, 'delta', 'underlying', u.delta1pct, L.deltaUnderlying, { underlying: u.underlying }));
    for (const e of u.byExpiry) {
      out.push(limitUse(s, 'vega', 'expiry', e.vega, L.vegaExpiry, { underlying: u.underlying, expiry: e.expiry }));
      out.push(limitUse(s, 'gamma', 'expiry', e.gamma1pct, L.gammaExpiry, { underlying: u.underlying, expiry: e.expiry }));
    }
  }
  return out;
}

/** The identity of a limit row across two measurements (pre- and post-trade). */
export function limitKey(l: Pick<LimitUse, 'name' | 'scope' | 'underlying' | 'expiry'>): string {
  return `${l.name}|${l.scope}|${l.underlying ?? ''}|${l.expiry ?? ''}`;
}

/** "vega NIFTY 2026-12-08", "delta BANKNIFTY", "stress" — a limit row as a trader names it. */
export function limitLabel(l: Pick<LimitUse, 'name' | 'scope' | 'underlying' | 'expiry'>): string {
  return [l.name, l.underlying, l.expiry].filter((x) => x !== undefined).join(' ');
}

/** Soft above limit × RISK_SOFT_RATIO, hard above the limit; daily loss at RISK_EMERGENCY_RATIO × limit is catastrophic. */
export function findBreaches(s: RiskSettings, limits: readonly LimitUse[]): Breach[] {
  const out: Breach[] = [];
  for (const l of limits) {
    if (l.value <= 0) continue;
    const hard = l.value > l.limit;
    if (!hard && !(l.value > l.soft)) continue;
    const catastrophic = l.name === 'dailyLoss' && l.value >= s.emergencyRatio * l.limit;
    out.push({
      limit: l.name, scope: l.scope, ...(l.underlying !== undefined ? { underlying: l.underlying } : {}), ...(l.expiry !== undefined ? { expiry: l.expiry } : {}),
      level: hard ? 'hard' : 'soft', catastrophic, managed: MANAGED_LIMITS.includes(l.name), value: l.value,
      ...(l.signed !== undefined ? { signed: l.signed } : {}), threshold: hard ? l.limit : l.soft,
      evidence: {
        label: limitLabel(l), value: l.value, limit: l.limit, soft: l.soft, utilisation: l.utilisation, unit: l.unit,
        ...(l.signed !== undefined ? { signed: l.signed } : {}),
      },
    });
  }
  // The worst first: hard before soft, then by utilisation (the kill switch and the strategy read the first).
  return out.sort((a, b) => (a.level === b.level ? (b.evidence['utilisation'] as number) - (a.evidence['utilisation'] as number) : a.level === 'hard' ? -1 : 1));
}
