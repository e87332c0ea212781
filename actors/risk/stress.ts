/**
 * @module The stress grid, run on every assessment (the book) and every pre-trade check (the book with the new legs):
 * full Black-76 re-pricing of each leg on a shocked market, P&L against the unshocked model value. Pure.
 *
 * Spot moves are NIFTY percentages; another underlying moves β times that (RISK_BETA_*), so the grid is one market
 * move, as the beta-weighted delta is. Every forward scales with its underlying (F ∝ S).
 *
 *   grid      spot −10 … +10 % × IV −5 … +15 vol points, each cell priced twice:
 *             sticky strike      σ'(K) = σ(K) + Δσ                       (each strike keeps its vol)
 *             sticky moneyness   σ'(K) = σ(K·F/F') + Δσ                 (the smile moves with the forward)
 *             the cell's P&L is the worse of the two (a falling market reprices the puts' skew one way, a rally the
 *             calls' the other). Vols are floored at 1 %.
 *   gaps      overnight gaps of ±5, ±8, ±10 % with IV up as many points (a 10 % gap with +10 vol points), one
 *             trading day of time passed on the variance clock (1/D years, D ≈ 259.7 units a year by default; an
 *             option with less left is valued at intrinsic on the gapped spot: as if the gap came before the
 *             settlement, the conservative side), the worse of the two smile dynamics.
 *   pins      expiry-day pin: for each short strike K of an underlying's expiry, time moved to that expiry's last
 *             three trading hours on the variance clock (PricedLeg.expiryDayT) for the whole book (every leg's t less
 *             the same variance elapsed) and the underlying set so its forward for that expiry is K, then moved
 *             ±RISK_EXPIRY_DAY_MOVE from the pin (the worst of the three points); the other underlyings stay.
 *   worst     the worst of all of them: the stress limit (RISK_STRESS_LOSS_PCT / RISK_SCENARIO_LOSS_LIMIT) measures
 *             max(0, −worst).
 *
 * Cost: (17 × 5 × 2 + 6 × 2 + pins) prices per leg; a 20-leg book is ≈ 4,000 Black-76 prices (bench `risk`).
 */
import { black76Price } from '../domain/black76.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { StressCell, StressResult, StressScenario, StressWorst } from './messages.ts';
import { MIN_VOL, surfaceVol, type PricedLeg } from './valuation.ts';

export const GRID_SPOT_PCT: readonly number[] = [-10, -8, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 8, 10];
export const GRID_VOL_PTS: readonly number[] = [-5, 0, 5, 10, 15];
/** Overnight gap sizes, % (each both ways, with IV up as many vol points). */
export const GAP_PCT: readonly number[] = [5, 8, 10];
const VOL_POINT = 0.01;

export interface StressOptions {
  readonly betas: Readonly<Record<Underlying, number>>;
  /** Spot move from the pin, fraction (RISK_EXPIRY_DAY_MOVE). */
  readonly expiryDayMove: number;
  /** Years one trading day spans on the variance clock (1 / its units per year): the time an overnight gap takes. */
  readonly dayT: number;
}

/** Per-leg inputs the inner loops need, computed once per run. */
interface Prepared {
  readonly call: boolean;
  readonly q: number;
  readonly k: number;
  readonly f: number;
  readonly t: number;
  readonly r: number;
  readonly vol: number;
  readonly beta: number;
  readonly base: number;
}

function price(call: boolean, f: number, k: number, t: number, r: number, vol: number): number {
  return black76Price(call ? 'call' : 'put', f, k, t, r, Math.max(MIN_VOL, vol));
}

/** The smile's vol at the strike that has the same K/F after a move of `shift` as `k` had before it. */
function movedVol(leg: PricedLeg, shift: number): number {
  const v = surfaceVol(leg.fit, leg.strike / (1 + shift));
  return v > 0 ? v : leg.vol;
}

export function runStress(legs: readonly PricedLeg[], opts: StressOptions): StressResult {
  const prep: Prepared[] = legs.map((l) => ({
    call: l.right === 'CE', q: l.quantity, k: l.strike, f: l.forward, t: l.t, r: l.rate, vol: l.vol,
    beta: opts.betas[l.underlying] ?? 1, base: l.quantity * l.modelPrice,
  }));
  let base = 0;
  for (const p of prep) base += p.base;

  // Grid: the sticky-moneyness vol of each leg depends on the spot move only, so it is looked up once per spot.
  const grid: StressCell[] = [];
  const moved = new Float64Array(legs.length);
  for (const spotPct of GRID_SPOT_PCT) {
    for (let i = 0; i < legs.length; i++) moved[i] = movedVol(legs[i]!, (prep[i]!.beta * spotPct) / 100);
    for (const volPts of GRID_VOL_PTS) {
      const dv = volPts * VOL_POINT;
      let strike = 0;
      let money = 0;
      for (let i = 0; i < prep.length; i++) {
        const p = prep[i]!;
        const f = p.f * (1 + (p.beta * spotPct) / 100);
        strike += p.q * price(p.call, f, p.k, p.t, p.r, p.vol + dv);
        money += p.q * price(p.call, f, p.k, p.t, p.r, moved[i]! + dv);
      }
      const stickyStrike = strike - base;
      const stickyMoneyness = money - base;
      grid.push({ spotPct, volPts, pnl: Math.min(stickyStrike, stickyMoneyness), stickyStrike, stickyMoneyness });
    }
  }

  const gaps: StressScenario[] = [];
  for (const g of GAP_PCT) {
    for (const sign of [-1, 1]) {
      const spotPct = sign * g;
      const dv = g * VOL_POINT;
      let strike = 0;
      let money = 0;
      for (let i = 0; i < prep.length; i++) {
        const p = prep[i]!;
        const shift = (p.beta * spotPct) / 100;
        const f = p.f * (1 + shift);
        const t = Math.max(0, p.t - opts.dayT);
        strike += p.q * price(p.call, f, p.k, t, p.r, p.vol + dv);
        money += p.q * price(p.call, f, p.k, t, p.r, movedVol(legs[i]!, shift) + dv);
      }
      gaps.push({ kind: 'gap', name: `gap ${spotPct > 0 ? '+' : ''}${spotPct}% +${g} vol pts`, spotPct, volPts: g, pnl: Math.min(strike, money) - base });
    }
  }

  const pins = runPins(legs, prep, base, opts.expiryDayMove);

  let worst: StressWorst = { kind: 'grid', name: 'no position', spotPct: 0, volPts: 0, pnl: 0 };
  if (legs.length > 0) {
    worst = { kind: 'grid', name: '', spotPct: 0, volPts: 0, pnl: Infinity };
    for (const c of grid) if (c.pnl < worst.pnl) worst = { kind: 'grid', name: `spot ${c.spotPct > 0 ? '+' : ''}${c.spotPct}% vol ${c.volPts > 0 ? '+' : ''}${c.volPts} pts`, spotPct: c.spotPct, volPts: c.volPts, pnl: c.pnl };
    for (const s of [...gaps, ...pins]) if (s.pnl < worst.pnl) worst = { kind: s.kind, name: s.name, spotPct: s.spotPct, volPts: s.volPts, pnl: s.pnl };
  }
  return { grid, gaps, pins, worst, loss: Math.max(0, -worst.pnl) };
}

/** The expiry-day pins (see the module header): one scenario per underlying, expiry and short strike. */
function runPins(legs: readonly PricedLeg[], prep: readonly Prepared[], base: number, move: number): StressScenario[] {
  const targets = new Map<string, { underlying: Underlying; expiry: string; expiryT: number; expiryDayT: number; forward: number; strikes: Set<number> }>();
  legs.forEach((l, i) => {
    if (l.quantity >= 0) return;
    const key = `${l.underlying}|${l.expiry}`;
    const t = targets.get(key) ?? { underlying: l.underlying, expiry: l.expiry, expiryT: prep[i]!.t, expiryDayT: l.expiryDayT, forward: l.forward, strikes: new Set<number>() };
    t.strikes.add(l.strike);
    targets.set(key, t);
  });
  const out: StressScenario[] = [];
  for (const tg of targets.values()) {
    const elapsed = Math.max(0, tg.expiryT - tg.expiryDayT);
    for (const k of [...tg.strikes].sort((a, b) => a - b)) {
      const pin = k / tg.forward - 1;
      let worst = Infinity;
      let worstShift = pin;
      for (const m of [0, move, -move]) {
        const shift = (1 + pin) * (1 + m) - 1;
        let v = 0;
        for (let i = 0; i < prep.length; i++) {
          const p = prep[i]!;
          const f = legs[i]!.underlying === tg.underlying ? p.f * (1 + shift) : p.f;
          v += p.q * price(p.call, f, p.k, Math.max(0, p.t - elapsed), p.r, p.vol);
        }
        if (v - base < worst) {
          worst = v - base;
          worstShift = shift;
        }
      }
      out.push({ kind: 'pin', name: `pin ${tg.underlying} ${tg.expiry} at ${k}`, underlying: tg.underlying, spotPct: worstShift * 100, volPts: 0, pnl: worst });
    }
  }
  return out;
}
