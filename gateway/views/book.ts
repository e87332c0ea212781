/**
 * @module The book as held (pure): the executor's reconciled positions grouped by the structure they belong to, with
 * fills, marks and P&L in ₹. A structure's planned legs are not what is held: only positions are shown, so a failed
 * structure's leftover leg appears as an orphan, and adopted positions in their own group.
 */
import type { Book } from '../../actors/domain/book.ts';
import type { Right } from '../../actors/domain/right.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { payoffFacts } from './payoff.ts';
import { payoffCurves, type ExpiryModel, type PayoffCurves } from './trade.ts';

/** Our surface and the spots, for the payoff curves (absent: the curves at expiry only, drawn by the page). */
export interface BookMarket {
  readonly modelOf: (underlying: string, expiry: string) => ExpiryModel | undefined;
  readonly spots: ReadonlyMap<string, number>;
}

/** What the risk report says a held instrument is worth now (risk.legs). */
export interface MarkOf {
  readonly mark: number;
  readonly markSource: string;
}

export interface HeldLegView {
  readonly instrumentKey: string;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  /** Signed units: negative = short. */
  readonly quantity: number;
  /** ₹ per unit. */
  readonly averagePrice: number;
  readonly mark: number | null;
  readonly markSource: string | null;
  /** quantity × (mark − average fill), ₹; null without a mark. */
  readonly pnl: number | null;
}

export type HeldGroup = 'structure' | 'adopted' | 'orphan';

export interface HeldStructureView {
  readonly id: string;
  readonly group: HeldGroup;
  readonly kind: string;
  readonly underlying: string;
  /** Null when the group spans expiries. */
  readonly expiry: string | null;
  readonly status: string;
  readonly statusReason: string;
  readonly legs: readonly HeldLegView[];
  /** Cash taken in at the average fills, ₹ (negative for a debit). */
  readonly credit: number;
  /** What the held legs are worth at their marks, ₹ (long positive); null when a mark is missing. */
  readonly value: number | null;
  /** value + credit, ₹, before charges; null when a mark is missing. */
  readonly pnl: number | null;
  /** ₹ at expiry from the fills; null (Infinity is not JSON) when unbounded, or when the legs span expiries. */
  readonly maxLoss: number | null;
  readonly maxLossUnbounded: boolean;
  readonly breakevens: readonly number[];
  /** Calendar days to the expiry's session close (15:30 IST, 15:40 from 3 Aug 2026); null when the group spans expiries. */
  readonly daysToExpiry: number | null;
  /** P&L curves at expiry and today (from our surface) over a grid of spots; absent without the market. */
  readonly curves?: PayoffCurves | null;
}

/** All that is held in one underlying, every group together: the book's payoff at the nearest expiry and today. */
export interface UnderlyingBookView {
  readonly underlying: string;
  readonly spot: number | null;
  /** The nearest expiry held (the "at expiry" curve's). */
  readonly expiry: string;
  readonly curves: PayoffCurves | null;
  /** Spots where the at-expiry curve crosses zero (linear between grid points), ascending. */
  readonly breakevens: readonly number[];
  /** Strikes held short. */
  readonly shortStrikes: readonly number[];
}

export interface BookView {
  readonly shadow: boolean;
  readonly structures: readonly HeldStructureView[];
  /** Σ of the groups' P&L (₹, before charges); null when any is unknown. */
  readonly pnl: number | null;
  /** The book per underlying (with the market only). */
  readonly underlyings?: readonly UnderlyingBookView[];
}

const DAY_MS = 86_400_000;

/**
 * NSE F&O contracts settle at the close of the expiry date's session, as dated (actors/domain/calendar.ts: 15:30 IST,
 * 15:40 from 3 Aug 2026 with the closing auction). NaN for a date the calendar cannot place.
 */
export function expiryCloseMs(expiry: string): number {
  try {
    return sessionCloseMs(expiry);
  } catch {
    return Number.NaN;
  }
}

function daysTo(expiry: string, now: number): number | null {
  const close = expiryCloseMs(expiry);
  return Number.isFinite(close) ? Math.round(((close - now) / DAY_MS) * 10) / 10 : null;
}

function sum(xs: readonly (number | null)[]): number | null {
  let s = 0;
  for (const x of xs) {
    if (x === null) return null;
    s += x;
  }
  return s;
}

function curvesOf(underlying: string, legs: readonly HeldLegView[], market: BookMarket): PayoffCurves | null {
  return payoffCurves(legs.map((l) => ({ strike: l.strike, right: l.right, quantity: l.quantity, price: l.averagePrice, expiry: l.expiry })),
    market.spots.get(underlying) ?? null, (l) => market.modelOf(underlying, l.expiry));
}

function crossings(c: PayoffCurves): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < c.x.length; i++) {
    const x0 = c.x[i] as number, x1 = c.x[i + 1] as number, y0 = c.atExpiry[i] as number, y1 = c.atExpiry[i + 1] as number;
    if (y0 === 0 && i > 0) out.push(x0);
    else if ((y0 < 0 && y1 > 0) || (y0 > 0 && y1 < 0)) out.push(Math.round(x0 + ((x1 - x0) * -y0) / (y1 - y0)));
  }
  return out;
}

function group(
  id: string, grp: HeldGroup, kind: string, underlying: string, status: string, statusReason: string, legs: HeldLegView[], now: number, market?: BookMarket,
): HeldStructureView {
  const expiries = new Set(legs.map((l) => l.expiry));
  const one = expiries.size === 1 ? (legs[0]?.expiry ?? null) : null;
  const credit = legs.reduce((s, l) => s - l.quantity * l.averagePrice, 0);
  const value = sum(legs.map((l) => (l.mark === null ? null : l.quantity * l.mark)));
  const facts = one === null ? null : payoffFacts(legs.map((l) => ({ strike: l.strike, right: l.right, quantity: l.quantity, price: l.averagePrice })));
  return {
    id, group: grp, kind, underlying, expiry: one, status, statusReason, legs, credit,
    value, pnl: value === null ? null : value + credit,
    maxLoss: facts === null || !Number.isFinite(facts.maxLoss) ? null : facts.maxLoss,
    maxLossUnbounded: facts !== null && !Number.isFinite(facts.maxLoss),
    breakevens: facts?.breakevens ?? [],
    daysToExpiry: one === null ? null : daysTo(one, now),
    ...(market !== undefined ? { curves: curvesOf(underlying, legs, market) } : {}),
  };
}

function why(s: Structure, held: number): string {
  const planned = s.legs.length;
  switch (s.status) {
    case 'open': return held === planned ? `open: all ${planned} legs held` : `open, but ${held} of ${planned} legs held`;
    case 'opening': return `opening: ${held} of ${planned} legs filled so far`;
    case 'closing': return `closing: ${held} of ${planned} legs still held`;
    case 'failed': return `saga failed: ${held} of ${planned} legs still held`;
    case 'closed': return `closed, yet ${held} legs still held`;
  }
}

/**
 * Groups `book.positions` (non-zero only) by structure. Positions of an open/opening/closing structure stay with it;
 * those of an adopted structure form the adopted group; anything else held (no structure, a failed or closed one,
 * an id the book does not know) is an orphan, one group per underlying and expiry.
 */
export function bookView(book: Book, marks: ReadonlyMap<string, MarkOf>, now: number, market?: BookMarket): BookView {
  const byId = new Map(book.structures.map((s) => [s.id, s]));
  const live = new Map<string, HeldLegView[]>();
  const orphans = new Map<string, { underlying: string; expiry: string; legs: HeldLegView[]; from: Set<string> }>();
  for (const p of book.positions) {
    if (p.quantity === 0) continue;
    const m = marks.get(p.instrumentKey);
    const leg: HeldLegView = {
      instrumentKey: p.instrumentKey, expiry: p.expiry, strike: p.strike, right: p.right, quantity: p.quantity, averagePrice: p.averagePrice,
      mark: m?.mark ?? null, markSource: m?.markSource ?? null, pnl: m === undefined ? null : p.quantity * (m.mark - p.averagePrice),
    };
    const s = p.structureId === null ? undefined : byId.get(p.structureId);
    if (s !== undefined && s.status !== 'failed' && s.status !== 'closed') {
      const list = live.get(s.id) ?? [];
      list.push(leg);
      live.set(s.id, list);
      continue;
    }
    const key = `${p.underlying}:${p.expiry}`;
    const o = orphans.get(key) ?? { underlying: p.underlying, expiry: p.expiry, legs: [], from: new Set<string>() };
    o.legs.push(leg);
    if (p.structureId !== null) o.from.add(s === undefined ? `${p.structureId} (unknown to the book)` : `${s.status} structure ${s.id}`);
    orphans.set(key, o);
  }
  const out: HeldStructureView[] = [];
  for (const s of book.structures) {
    const legs = live.get(s.id);
    if (legs === undefined) continue;
    const adopted = s.kind === 'adopted';
    const reason = adopted ? 'adopted from the broker at reconciliation (not opened by VolGuard)' : why(s, legs.length);
    out.push(group(s.id, adopted ? 'adopted' : 'structure', s.kind, s.underlying, s.status, reason, legs, now, market));
  }
  for (const [key, o] of orphans) {
    const where = book.shadow ? 'held in the shadow book' : 'held at the broker';
    const reason = o.from.size > 0 ? `${where}, left by ${[...o.from].join(', ')}` : `${where}, in no structure`;
    out.push(group(`orphan:${key}`, 'orphan', 'orphan', o.underlying, 'orphan', reason, o.legs, now, market));
  }
  const view = { shadow: book.shadow, structures: out, pnl: sum(out.map((s) => s.pnl)) };
  if (market === undefined) return view;
  const byUnderlying = new Map<string, HeldLegView[]>();
  for (const g of out) byUnderlying.set(g.underlying, [...(byUnderlying.get(g.underlying) ?? []), ...g.legs]);
  const underlyings: UnderlyingBookView[] = [...byUnderlying].map(([underlying, legs]) => {
    const curves = curvesOf(underlying, legs, market);
    return {
      underlying, spot: market.spots.get(underlying) ?? null, expiry: [...legs.map((l) => l.expiry)].sort()[0] ?? '', curves,
      breakevens: curves === null ? [] : crossings(curves), shortStrikes: [...new Set(legs.filter((l) => l.quantity < 0).map((l) => l.strike))].sort((a, b) => a - b),
    };
  });
  return { ...view, underlyings };
}
