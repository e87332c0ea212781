/**
 * @module Which keys the feed subscribes when the venue limits subscriptions (Upstox: 5,000 / 3,000 / 2,000 keys per
 * mode alone, 2,000 / 2,000 / 1,500 combined): a window of expiries and strikes around the money, re-centred as the
 * market moves, with the index keys always in. Pure: the feed worker applies the diff.
 *
 * - Expiries: the first `expiries[u]` live ones per underlying (the chains the snapshot carries).
 * - Strikes: `strikes` either side of the at-the-money strike of each chain, around a centre per underlying.
 * - Centre: the spot, rounded to the nearest chain's strike step; kept until the spot moves more than
 *   `recentreStrikes` steps away (hysteresis: a market oscillating around a strike boundary does not churn
 *   subscriptions). Before any spot is known, the middle of the nearest chain's listed strikes (NSE lists around the
 *   index), replaced as soon as a spot arrives.
 * - Needs: index keys `ltp`; options `quote` (best bid/ask + broker IV and greeks), or `depth` within `depthStrikes`
 *   of the money in each underlying's nearest expiry.
 * - Caps: the counts per need are checked against the venue's caps (alone when one need is used, combined when
 *   several are); a plan that does not fit is narrowed a strike at a time until it does, and says so (`trimmed`).
 */
import { UNDERLYINGS, type Underlying } from '../domain/underlying.ts';
import type { FeedNeed, SubscriptionCaps } from '../venues/market-data.ts';
import type { ChainLayout, Layout } from './layout.ts';
import { VIX_KEY } from '../domain/instruments.ts';

export interface PlanSettings {
  /** Live expiries per underlying, nearest first. */
  readonly expiries: Readonly<Record<Underlying, number>>;
  /** Strikes either side of the money, per chain. */
  readonly strikes: number;
  /** Steps the spot may move from the centre before the window follows it. */
  readonly recentreStrikes: number;
  /** Strikes either side of the money (nearest expiry per underlying) subscribed with depth; 0 = none. */
  readonly depthStrikes: number;
}

export const DEFAULT_PLAN: PlanSettings = { expiries: { NIFTY: 4, BANKNIFTY: 2 }, strikes: 30, recentreStrikes: 5, depthStrikes: 0 };

export interface SubscriptionPlan {
  readonly needs: ReadonlyMap<string, FeedNeed>;
  /** The level each underlying's window is centred on. */
  readonly centres: Readonly<Partial<Record<Underlying, number>>>;
  /** Whether that centre came from a spot (a centre guessed before any spot gives way to the first one at once). */
  readonly spotCentred: Readonly<Partial<Record<Underlying, boolean>>>;
  readonly counts: Readonly<Record<FeedNeed, number>>;
  /** Strikes either side actually used (less than asked when trimmed to the caps). */
  readonly strikes: number;
  /** Set when the plan was narrowed to fit the caps: which cap it met. */
  readonly trimmed: string | null;
  /** Per chain (`underlying|expiry`), the lowest and highest strike subscribed: what the snapshot carries. */
  readonly ranges: ReadonlyMap<string, readonly [number, number]>;
}

export interface PlanInput {
  /** Market time: chains whose close is behind are gone. */
  readonly now: number;
  readonly spots: Readonly<Partial<Record<Underlying, number | undefined>>>;
  readonly prev: SubscriptionPlan | null;
  /** Keys subscribed whatever the window (positions, working orders); their chains' ranges reach out to them. */
  readonly pinned?: ReadonlySet<string>;
}

export function planSubscriptions(layout: Layout, input: PlanInput, settings: PlanSettings, caps?: SubscriptionCaps): SubscriptionPlan {
  const chains = new Map<Underlying, ChainLayout[]>(UNDERLYINGS.map((u) => [u, []]));
  for (const c of layout.chains) {
    const list = chains.get(c.underlying)!;
    if (c.expiryTs > input.now && list.length < settings.expiries[c.underlying] && c.strikes.length > 0) list.push(c);
  }
  const centres: Partial<Record<Underlying, number>> = {};
  const spotCentred: Partial<Record<Underlying, boolean>> = {};
  for (const u of UNDERLYINGS) {
    const nearest = chains.get(u)![0];
    if (nearest === undefined) continue;
    const spot = input.spots[u];
    const prev = input.prev?.spotCentred[u] === true ? input.prev.centres[u] : undefined;
    centres[u] = centreFor(nearest, spot, prev ?? (spot !== undefined && spot > 0 ? undefined : input.prev?.centres[u]), settings.recentreStrikes);
    spotCentred[u] = (spot !== undefined && spot > 0) || input.prev?.spotCentred[u] === true;
  }
  let strikes = Math.max(0, Math.floor(settings.strikes));
  const pinned = input.pinned ?? new Set<string>();
  let plan = build(layout, chains, centres, strikes, settings.depthStrikes, pinned);
  let over = caps === undefined ? undefined : capBreach(plan.counts, caps);
  const first = over;
  while (over !== undefined && strikes > 0) {
    strikes--;
    plan = build(layout, chains, centres, strikes, settings.depthStrikes, pinned);
    over = capBreach(plan.counts, caps!);
  }
  return { ...plan, centres, spotCentred, strikes, trimmed: first ?? null };
}

/** The first cap the counts break (alone when one need is used, combined when several are), or undefined. */
export function capBreach(counts: Readonly<Record<FeedNeed, number>>, caps: SubscriptionCaps): string | undefined {
  const used = (Object.keys(counts) as FeedNeed[]).filter((n) => counts[n] > 0);
  const table = used.length > 1 ? caps.combined : caps.alone;
  for (const n of used) {
    if (counts[n] > table[n]) return `${n}: ${counts[n]} keys > ${table[n]} (${used.length > 1 ? 'combined' : 'alone'})`;
  }
  return undefined;
}

/** What to send to move from `prev` to `next`: new or changed keys per need, and keys to drop. */
export function diffPlans(prev: ReadonlyMap<string, FeedNeed> | null, next: ReadonlyMap<string, FeedNeed>): { subscribe: Map<FeedNeed, string[]>; unsubscribe: string[] } {
  const subscribe = new Map<FeedNeed, string[]>();
  for (const [k, need] of next) {
    if (prev?.get(k) === need) continue;
    const list = subscribe.get(need) ?? [];
    list.push(k);
    subscribe.set(need, list);
  }
  const unsubscribe = prev === null ? [] : [...prev.keys()].filter((k) => !next.has(k));
  return { subscribe, unsubscribe };
}

function centreFor(nearest: ChainLayout, spot: number | undefined, prev: number | undefined, recentre: number): number {
  const k = nearest.strikes;
  if (!(spot !== undefined && spot > 0)) return prev ?? k[Math.floor(k.length / 2)]!;
  const step = stepAt(k, nearestIndex(k, spot));
  if (prev !== undefined && Math.abs(spot - prev) <= recentre * step) return prev;
  return k[nearestIndex(k, spot)]!;
}

function build(layout: Layout, chains: ReadonlyMap<Underlying, readonly ChainLayout[]>, centres: Partial<Record<Underlying, number>>, strikes: number, depthStrikes: number, pinned: ReadonlySet<string>): Omit<SubscriptionPlan, 'centres' | 'spotCentred' | 'strikes' | 'trimmed'> {
  const needs = new Map<string, FeedNeed>();
  const ranges = new Map<string, readonly [number, number]>();
  const counts: Record<FeedNeed, number> = { ltp: 0, quote: 0, depth: 0 };
  const put = (key: string, need: FeedNeed) => {
    const had = needs.get(key);
    if (had === need || had === 'depth') return;
    if (had !== undefined) counts[had]--;
    needs.set(key, need);
    counts[need]++;
  };
  for (const key of [layout.spotKeys.NIFTY, layout.spotKeys.BANKNIFTY, VIX_KEY]) put(key, 'ltp');
  for (const [u, list] of chains) {
    const centre = centres[u];
    if (centre === undefined) continue;
    list.forEach((c, rank) => {
      const atm = nearestIndex(c.strikes, centre);
      const lo = Math.max(0, atm - strikes);
      const hi = Math.min(c.strikes.length - 1, atm + strikes);
      ranges.set(`${c.underlying}|${c.expiry}`, [c.strikes[lo]!, c.strikes[hi]!]);
      for (let j = lo; j <= hi; j++) {
        const need: FeedNeed = rank === 0 && Math.abs(j - atm) <= depthStrikes && depthStrikes > 0 ? 'depth' : 'quote';
        put(c.callKeys[j]!, need);
        put(c.putKeys[j]!, need);
      }
    });
  }
  // What the book holds or works stays subscribed, and a planned chain's range reaches out to it.
  if (pinned.size > 0) {
    for (const c of layout.chains) {
      for (let j = 0; j < c.strikes.length; j++) {
        for (const key of [c.callKeys[j]!, c.putKeys[j]!]) {
          if (!pinned.has(key)) continue;
          if (!needs.has(key)) put(key, 'quote');
          const id = `${c.underlying}|${c.expiry}`;
          const r = ranges.get(id);
          if (r !== undefined) ranges.set(id, [Math.min(r[0], c.strikes[j]!), Math.max(r[1], c.strikes[j]!)]);
        }
      }
    }
  }
  return { needs, counts, ranges };
}

/** Index of the strike nearest `x` (ascending strikes; binary search). */
export function nearestIndex(strikes: Float64Array, x: number): number {
  let lo = 0;
  let hi = strikes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strikes[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(strikes[lo - 1]! - x) <= Math.abs(strikes[lo]! - x)) return lo - 1;
  return lo;
}

function stepAt(strikes: Float64Array, i: number): number {
  const up = i + 1 < strikes.length ? strikes[i + 1]! - strikes[i]! : Number.POSITIVE_INFINITY;
  const down = i > 0 ? strikes[i]! - strikes[i - 1]! : Number.POSITIVE_INFINITY;
  const step = Math.min(up, down);
  return Number.isFinite(step) ? step : 0;
}
