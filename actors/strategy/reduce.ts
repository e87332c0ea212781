/**
 * @module The reducing action for a greek or stress breach: which structure, and which side of it, to close. Pure.
 *
 * The risk actor reports breaches worst first (hard before soft, by utilisation). For the first breach of a greek or
 * the stress limit that an open structure of ours can reduce:
 *   candidates  open structures (not adopted, no exit in its cooldown) inside the breach's scope (its underlying and
 *               expiry when the limit is per underlying or per expiry)
 *   per side    the call side and the put side (each short with its wing), valued on our surface in the risk
 *               actor's units: delta ₹ per 1 % move, gamma ₹ per 1 %², vega ₹ per vol point, theta ₹ per day
 *   score       the side's share of the breached measure in the breach's direction (delta: the sign of the book's
 *               delta; gamma and vega: short, negative; theta: positive); stress: the side whose short is nearer the
 *               money (the larger |Δ|), weighted by quantity and spot — the side a gap runs into
 *   action      close the side that scores most: buy back its short and sell its wing (an `adjust` that leaves the
 *               structure open with the other side); a structure left with one side is closed whole
 * Rolling the tested side out would sell new options: that is risk-increasing, refused while the kill switch is not
 * NORMAL, so the reducing action is the close. Priced at the touch: a limit breach is not the time to rest at mid.
 */
import type { Leg } from '../domain/leg.ts';
import type { Right } from '../domain/right.ts';
import type { Structure } from '../domain/structure.ts';
import type { Underlying } from '../domain/underlying.ts';
import { black76Greeks } from '../domain/black76.ts';
import { roundToTick, THETA_PER_DAY, VEGA_PER_VOL_POINT } from '../domain/units.ts';
import type { RiskBreachView } from './messages.ts';
import { volAt, type MarketView, type QuoteLookup } from './market.ts';

export const REDUCIBLE = ['delta', 'gamma', 'vega', 'theta', 'stress'] as const;

export interface SideRisk {
  readonly right: Right;
  readonly legs: readonly Leg[];
  readonly shortStrike: number;
  /** Black-76 |Δ| of the short option (per unit). */
  readonly shortAbsDelta: number;
  /** The side's measures, signed, in the risk actor's units. */
  readonly delta1pct: number;
  readonly gamma1pct: number;
  readonly vega: number;
  readonly theta: number;
}

export interface Reduction {
  readonly structure: Structure;
  readonly breach: RiskBreachView;
  /** The side to close, or null to close the whole structure. */
  readonly side: SideRisk | null;
  readonly score: number;
}

/** The two sides of a structure (a side needs its short; a wing alone is not a side). */
export function sidesOf(s: Structure, view: MarketView, rate: number): SideRisk[] {
  const fit = view.fit(s.underlying, s.expiry);
  if (!fit || !(fit.t > 0) || !(fit.forward > 0)) return [];
  const spot = view.spots.get(s.underlying) ?? fit.forward;
  const move = 0.01 * spot;
  const out: SideRisk[] = [];
  for (const right of ['CE', 'PE'] as const) {
    const legs = s.legs.filter((l) => l.right === right);
    const short = legs.find((l) => l.side === 'SELL');
    if (!short) continue;
    let delta = 0; let gamma = 0; let vega = 0; let theta = 0; let shortAbsDelta = NaN;
    for (const l of legs) {
      const vol = volAt(fit, l.strike);
      if (!(vol > 0)) return [];
      const g = black76Greeks(right === 'CE' ? 'call' : 'put', fit.forward, l.strike, fit.t, rate, vol);
      const q = l.side === 'BUY' ? l.quantity : -l.quantity;
      delta += q * g.delta; gamma += q * g.gamma; vega += q * g.vega; theta += q * g.theta;
      if (l === short) shortAbsDelta = Math.abs(g.delta);
    }
    out.push({
      right, legs, shortStrike: short.strike, shortAbsDelta,
      delta1pct: delta * move, gamma1pct: 0.5 * gamma * move * move, vega: vega * VEGA_PER_VOL_POINT, theta: theta * THETA_PER_DAY,
    });
  }
  return out;
}

function inScope(s: Structure, b: RiskBreachView): boolean {
  if (b.underlying !== undefined && s.underlying !== b.underlying) return false;
  return b.expiry === undefined || s.expiry === b.expiry;
}

/** How much closing `side` reduces the breached measure (0 when it does not help). */
function scoreOf(b: RiskBreachView, side: SideRisk, spot: number, beta: number): number {
  const dir = Math.sign(b.signed ?? NaN);
  const along = (x: number, w: number): number => (Number.isFinite(dir) && dir !== 0 ? (Math.sign(x) === dir ? Math.abs(x) * w : 0) : Math.abs(x) * w);
  const total = (b.scope ?? 'total') === 'total';
  switch (b.limit) {
    case 'delta': return along(side.delta1pct, total ? beta : 1);
    case 'gamma': return along(side.gamma1pct, total ? beta * beta : 1);
    case 'vega': return along(side.vega, 1);
    case 'theta': return along(side.theta, 1);
    default: {
      const q = side.legs.find((l) => l.side === 'SELL')?.quantity ?? 0;
      return side.shortAbsDelta * q * spot * beta;
    }
  }
}

/**
 * The structure and side to close for the first reducible breach, or null. `eligible` says which structures may be
 * acted on now (open, not adopted, no exit in cooldown); `betas` weights totals as the risk actor does.
 */
export function chooseReduction(breaches: readonly RiskBreachView[], structures: readonly Structure[], view: MarketView, rate: number,
  eligible: (s: Structure) => boolean, betas: Readonly<Partial<Record<Underlying, number>>> = {}): Reduction | null {
  for (const b of breaches) {
    if (!(REDUCIBLE as readonly string[]).includes(b.limit)) continue;
    let best: Reduction | null = null;
    for (const s of structures) {
      if (!eligible(s) || !inScope(s, b)) continue;
      const sides = sidesOf(s, view, rate);
      const spot = view.spots.get(s.underlying) ?? view.fit(s.underlying, s.expiry)?.forward ?? NaN;
      for (const side of sides) {
        const score = scoreOf(b, side, spot, betas[s.underlying] ?? 1);
        if (!(score > 0)) continue;
        if (best === null || score > best.score) best = { structure: s, breach: b, side: sides.length > 1 ? side : null, score };
      }
    }
    if (best !== null) return best;
  }
  return null;
}

/**
 * Closing legs of one side at the touch, buy back the short first, then sell the wing — each for no more than the book
 * holds in that direction (`held`: signed units per instrument), legs it holds none of left out.
 */
export function closeSideLegs(side: SideRisk, quotes: QuoteLookup, held: ReadonlyMap<string, number>): Leg[] {
  const legs: Leg[] = [];
  for (const l of side.legs) {
    const closing = l.side === 'SELL' ? 'BUY' : 'SELL';
    const h = held.get(l.instrumentKey) ?? 0;
    const quantity = Math.min(l.quantity, Math.max(0, closing === 'BUY' ? -h : h));
    if (quantity <= 0) continue;
    const q = quotes.get(l.instrumentKey);
    const { limitPrice: _old, ...rest } = l;
    const px = q === undefined ? undefined : closing === 'BUY' ? q.ask : q.bid;
    legs.push(px !== undefined && px > 0 ? { ...rest, side: closing, quantity, limitPrice: roundToTick(px) } : { ...rest, side: closing, quantity });
  }
  return [...legs.filter((l) => l.side === 'BUY'), ...legs.filter((l) => l.side === 'SELL')];
}
