/**
 * @module A set of option legs at expiry: the cash taken in, the worst loss and the breakevens (pure, ₹).
 *
 * The payoff at expiry is piecewise linear in the spot with kinks at the strikes, so it is known exactly from its
 * value at 0, at each strike and its slope past the highest strike. The dashboard uses it for held structures (at
 * their average fills) and for approval cards (at their limit prices), so both read the same way.
 */
import type { Right } from '../../actors/domain/right.ts';
import type { Side } from '../../actors/domain/side.ts';

export interface PricedLeg {
  readonly strike: number;
  readonly right: Right;
  /** Signed units: positive long, negative short. */
  readonly quantity: number;
  /** ₹ per unit paid (long) or received (short). */
  readonly price: number;
}

export interface PayoffFacts {
  /** Cash taken in at the prices, ₹ (positive for a credit, negative for a debit). */
  readonly credit: number;
  /** Worst P&L at expiry as a positive loss, ₹; Infinity when a tail loses without bound; 0 when none loses. */
  readonly maxLoss: number;
  /** Best P&L at expiry, ₹; Infinity when a tail gains without bound. */
  readonly maxProfit: number;
  /** Spots where the P&L at expiry crosses zero, ascending. */
  readonly breakevens: readonly number[];
}

function intrinsic(right: Right, strike: number, spot: number): number {
  return right === 'CE' ? Math.max(spot - strike, 0) : Math.max(strike - spot, 0);
}

/** P&L at expiry at `spot`, ₹: the credit plus what the legs are worth then. */
export function pnlAtExpiry(legs: readonly PricedLeg[], spot: number): number {
  let v = 0;
  for (const l of legs) v += l.quantity * (intrinsic(l.right, l.strike, spot) - l.price);
  return v;
}

export function payoffFacts(legs: readonly PricedLeg[]): PayoffFacts {
  const credit = legs.reduce((s, l) => s - l.quantity * l.price, 0);
  if (legs.length === 0) return { credit: 0, maxLoss: 0, maxProfit: 0, breakevens: [] };
  const xs = [0, ...new Set(legs.map((l) => l.strike))].sort((a, b) => a - b);
  const ys = xs.map((x) => pnlAtExpiry(legs, x));
  // Past the highest strike only calls move: the slope is their net quantity.
  const tailSlope = legs.reduce((s, l) => s + (l.right === 'CE' ? l.quantity : 0), 0);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const maxLoss = tailSlope < 0 ? Infinity : Math.max(0, -lo);
  const maxProfit = tailSlope > 0 ? Infinity : hi;
  const breakevens: number[] = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    const x0 = xs[i] as number, x1 = xs[i + 1] as number, y0 = ys[i] as number, y1 = ys[i + 1] as number;
    if (y0 === 0 && i > 0) breakevens.push(x0);
    else if ((y0 < 0 && y1 > 0) || (y0 > 0 && y1 < 0)) breakevens.push(x0 + ((x1 - x0) * -y0) / (y1 - y0));
  }
  const xn = xs[xs.length - 1] as number, yn = ys[ys.length - 1] as number;
  if (yn === 0 && xs.length > 1) breakevens.push(xn);
  else if (tailSlope !== 0 && Math.sign(yn) === -Math.sign(tailSlope)) breakevens.push(xn - yn / tailSlope);
  return { credit, maxLoss, maxProfit, breakevens };
}

/** An approval card's money from its legs' limit prices; nothing when a leg has none (no guessing). */
export function approvalMoney(legs: readonly { readonly strike: number; readonly right: Right; readonly side: Side; readonly quantity: number; readonly limitPrice?: number }[]): { credit?: number; maxLoss?: number | null; breakevens?: number[] } {
  const priced: PricedLeg[] = [];
  for (const l of legs) {
    if (l.limitPrice === undefined) return {};
    priced.push({ strike: l.strike, right: l.right, quantity: l.side === 'BUY' ? l.quantity : -l.quantity, price: l.limitPrice });
  }
  if (priced.length === 0) return {};
  const f = payoffFacts(priced);
  return { credit: f.credit, maxLoss: Number.isFinite(f.maxLoss) ? f.maxLoss : null, breakevens: [...f.breakevens] };
}
