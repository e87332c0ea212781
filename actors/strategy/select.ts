/**
 * @module Strike selection by delta on the calibrated surface: the short strike whose Black-76 delta (fitted vol at
 * that strike, forward and t from the surface) is nearest the target, and a wing further out by delta or by width.
 * Only strikes with a tradable two-sided quote and a fitted vol are candidates. Pure.
 */
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import type { ExpiryFit } from '../calibrator/messages.ts';
import type { Right } from '../domain/right.ts';
import { isTradable, mid, volAt } from './market.ts';
import { optionDelta } from './pricing.ts';

export interface PickedOption {
  readonly instrumentKey: string;
  readonly right: Right;
  readonly strike: number;
  readonly bid: number;
  readonly ask: number;
  readonly mid: number;
  readonly vol: number;
  /** Black-76 forward delta (negative for puts). */
  readonly delta: number;
}

export interface WingRule {
  readonly mode: 'delta' | 'width';
  readonly delta: number;
  /** Fraction of the forward. */
  readonly widthPct: number;
}

/** Every OTM candidate on one side, ordered from the money outwards. */
function candidates(chain: ExpiryChain, fit: ExpiryFit, right: Right, rate: number): PickedOption[] {
  const out: PickedOption[] = [];
  for (let i = 0; i < chain.strikes.length; i++) {
    const strike = chain.strikes[i] ?? Number.NaN;
    const otm = right === 'CE' ? strike > fit.forward : strike < fit.forward;
    if (!otm) continue;
    const bid = (right === 'CE' ? chain.callBid[i] : chain.putBid[i]) ?? Number.NaN;
    const ask = (right === 'CE' ? chain.callAsk[i] : chain.putAsk[i]) ?? Number.NaN;
    const key = right === 'CE' ? chain.callKeys[i] : chain.putKeys[i];
    if (key === undefined || !isTradable({ bid, ask })) continue;
    const vol = volAt(fit, strike);
    const delta = optionDelta(right, fit.forward, strike, fit.t, rate, vol);
    if (!Number.isFinite(delta)) continue;
    out.push({ instrumentKey: key, right, strike, bid, ask, mid: mid({ bid, ask }), vol, delta });
  }
  return right === 'CE' ? out.sort((a, b) => a.strike - b.strike) : out.sort((a, b) => b.strike - a.strike);
}

function nearest<T>(items: readonly T[], distance: (x: T) => number): T | undefined {
  let best: T | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const x of items) {
    const d = distance(x);
    if (d < bestD) {
      bestD = d;
      best = x;
    }
  }
  return best;
}

export interface SidePick {
  readonly short: PickedOption;
  readonly wing: PickedOption;
}

/** The short option nearest `shortDelta` in |Δ| and its wing strictly further out; undefined when none qualifies. */
export function pickSide(
  chain: ExpiryChain, fit: ExpiryFit, right: Right, shortDelta: number, wing: WingRule, rate: number,
): SidePick | undefined {
  const all = candidates(chain, fit, right, rate);
  const short = nearest(all, (o) => Math.abs(Math.abs(o.delta) - shortDelta));
  if (!short) return undefined;
  const beyond = all.filter((o) => (right === 'CE' ? o.strike > short.strike : o.strike < short.strike));
  const target = right === 'CE' ? short.strike + wing.widthPct * fit.forward : short.strike - wing.widthPct * fit.forward;
  const w = wing.mode === 'delta'
    ? nearest(beyond, (o) => Math.abs(Math.abs(o.delta) - wing.delta))
    : nearest(beyond, (o) => Math.abs(o.strike - target));
  return w ? { short, wing: w } : undefined;
}

export interface StructurePick {
  readonly call: SidePick;
  readonly put: SidePick;
  /** Per unit set, ₹: shorts at mid minus wings at mid. */
  readonly creditMid: number;
  /** Per unit set, ₹: shorts sold at the bid, wings bought at the ask (the worst case at the touch). */
  readonly creditTouch: number;
  readonly callWidth: number;
  readonly putWidth: number;
  /** Per unit set, ₹: the wider wing's width minus the touch credit (only one side can finish in the money). */
  readonly maxLossPerUnit: number;
}

export function pickStructure(
  chain: ExpiryChain, fit: ExpiryFit, shortDelta: number, wing: WingRule, rate: number,
): StructurePick | undefined {
  const call = pickSide(chain, fit, 'CE', shortDelta, wing, rate);
  const put = pickSide(chain, fit, 'PE', shortDelta, wing, rate);
  if (!call || !put) return undefined;
  const creditMid = call.short.mid + put.short.mid - call.wing.mid - put.wing.mid;
  const creditTouch = call.short.bid + put.short.bid - call.wing.ask - put.wing.ask;
  const callWidth = call.wing.strike - call.short.strike;
  const putWidth = put.short.strike - put.wing.strike;
  return { call, put, creditMid, creditTouch, callWidth, putWidth, maxLossPerUnit: Math.max(callWidth, putWidth) - creditTouch };
}
