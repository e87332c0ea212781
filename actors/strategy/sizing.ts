/**
 * @module Sizing within the risk actor's headroom. Pure.
 *
 * The strategy's own budget (max loss within per-trade and per-bucket shares) is not the only thing that decides
 * whether an entry can be made: the risk actor's pre-trade check also charges the bucket max(max loss, margin) and
 * limits the book's gamma and vega (in total and per expiry), theta, capital at risk, margin and worst stress loss. A
 * proposal sized past any of those is denied every cycle, so the strategy caps the lots by each of them, computed the
 * way risk computes them (Black-76 on the surface, actors/domain/margin.ts; totals weight gamma by β² of the underlying).
 *
 * Headroom is measured up to each limit's *soft* level, not the hard one: a soft breach blocks further entries and
 * degrades the kill switch, so an entry that lands above it would stop the system trading for its own sake.
 * Entries drafted earlier in the same cycle consume headroom too (risk reserves each allowed proposal), and so does
 * one lot of every other configured bucket that holds nothing yet (`Consumed` entries passed in by entries.ts): the
 * first bucket to enter must not take the room the others need for their own first lot.
 */
import { black76Greeks } from '../domain/black76.ts';
import { THETA_PER_DAY, VEGA_PER_VOL_POINT } from '../domain/units.ts';
import type { ExpiryFit } from '../calibrator/messages.ts';
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { Leg } from '../domain/leg.ts';
import { estimateMargin, type MarginLeg } from '../domain/margin.ts';
import type { RiskLimitView, RiskView } from './messages.ts';
import type { PickedOption, StructurePick } from './select.ts';
import { chargesToClose, parseChargesSchedule, type ChargesSchedule, type ClosingLeg } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';
import type { StrategyParams } from './params.ts';

let shipped: ChargesSchedule | undefined;
/** The charges schedule in force: the boot-checked one the spec passed, else the shipped one. */
export function chargesSchedule(params: Pick<StrategyParams, 'charges'>): ChargesSchedule {
  return params.charges ?? (shipped ??= parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE));
}

/** A leg priced for charging: its side, price per unit and units. */
export interface PricedLeg {
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly quantity: number;
}

/**
 * What opening `legs` and closing them again at the same prices costs in charges on IST `date`, ₹: every leg (each
 * freeze-limit slice of it) one order each way. The exit's prices are unknown at entry; the entry's are the estimate.
 */
export function roundTripCharges(schedule: ChargesSchedule, date: string, legs: readonly PricedLeg[], freezeQty: number): number {
  const sliced = (q: number): number[] | undefined => {
    if (!(freezeQty > 0) || q <= freezeQty) return undefined;
    const out: number[] = [];
    for (let left = q; left > 0; left -= freezeQty) out.push(Math.min(freezeQty, left));
    return out;
  };
  const way = (flip: boolean): ClosingLeg[] => legs.map((l) => {
    const slices = sliced(l.quantity);
    return { side: flip ? (l.side === 'BUY' ? 'SELL' : 'BUY') : l.side, price: l.price, quantity: l.quantity, ...(slices ? { slices } : {}) };
  });
  return Math.round((chargesToClose(schedule, date, way(false)).total + chargesToClose(schedule, date, way(true)).total) * 100) / 100;
}

/** What one lot of a structure adds to each limited measure (absolute values, ₹ in the risk actor's units). */
export interface LotCost {
  readonly maxLoss: number;
  readonly margin: number;
  /** max(max loss, margin): what risk charges the bucket. */
  readonly charge: number;
  /** ½·|Γ|·(1 % of spot)², ₹. */
  readonly gamma: number;
  /** ₹ per vol point. */
  readonly vega: number;
  /** ₹ per calendar day. */
  readonly theta: number;
}

/** Headroom already spoken for: an entry drafted this cycle, or one lot reserved for another bucket. */
export type Consumed = { readonly [K in keyof LotCost]: number } & { readonly bucket: Bucket; readonly underlying: Underlying; readonly expiry: string };

/** Where an entry lands: its bucket and its (underlying, expiry) limit rows. */
export interface SizingTarget {
  readonly bucket: Bucket;
  readonly underlying: Underlying;
  readonly expiry: string;
}

/** Whether a limit row covers an entry on (underlying, expiry): totals always, per-underlying/expiry rows when they match. */
export function rowCovers(l: RiskLimitView, underlying: Underlying, expiry: string): boolean {
  const scope = l.scope ?? 'total';
  if (scope === 'total') return true;
  if (l.underlying !== underlying) return false;
  return scope === 'underlying' || l.expiry === expiry;
}

export function lotCost(chain: ExpiryChain, fit: ExpiryFit, pick: StructurePick, spot: number, rate: number): LotCost {
  const legs: [PickedOption, 1 | -1][] = [[pick.call.wing, 1], [pick.put.wing, 1], [pick.call.short, -1], [pick.put.short, -1]];
  let gamma = 0;
  let vega = 0;
  let theta = 0;
  for (const [o, sign] of legs) {
    const g = black76Greeks(o.right === 'CE' ? 'call' : 'put', fit.forward, o.strike, fit.t, rate, o.vol);
    gamma += sign * g.gamma;
    vega += sign * g.vega;
    theta += sign * g.theta;
  }
  const n = chain.lotSize;
  const move = 0.01 * spot;
  const marginLegs: MarginLeg[] = legs.map(([o, sign]) => ({
    underlying: chain.underlying, expiry: chain.expiry, strike: o.strike, right: o.right, side: sign > 0 ? 'BUY' : 'SELL', quantity: n,
  }));
  const spots: Partial<Record<Underlying, number>> = { [chain.underlying]: spot };
  const margin = estimateMargin(marginLegs, spots).required;
  const maxLoss = pick.maxLossPerUnit * n;
  return {
    maxLoss, margin, charge: Math.max(maxLoss, margin),
    gamma: Math.abs(0.5 * gamma * n * move * move),
    vega: Math.abs(vega * n * VEGA_PER_VOL_POINT),
    theta: Math.abs(theta * n * THETA_PER_DAY),
  };
}

/**
 * The most whole lots the risk report leaves room for, and which measure binds. Measures the report does not carry
 * (an older or partial report) do not cap; `Infinity` lots means nothing capped.
 */
export function headroomLots(risk: RiskView, target: SizingTarget, cost: LotCost, consumed: readonly Consumed[]): { lots: number; binding: string | null; detail: string } {
  let lots = Number.POSITIVE_INFINITY;
  let binding: string | null = null;
  let detail = '';
  const cap = (name: string, room: number, perLot: number): void => {
    if (!(perLot > 0)) return;
    // An unmeasurable limit (NaN from risk) leaves no room: entries fail closed, exits are not sized here.
    const r = Number.isNaN(room) ? 0 : room;
    const n = Math.floor(Math.max(0, r) / perLot);
    if (n < lots) {
      lots = n;
      binding = name;
      detail = `${name} headroom ${Math.max(0, r).toFixed(0)}, one lot needs ${perLot.toFixed(0)}`;
    }
  };
  const beta = risk.levels?.betas?.[target.underlying] ?? 1;
  const sum = (k: keyof LotCost, keep: (c: Consumed) => boolean): number => consumed.filter(keep).reduce((a, c) => a + c[k], 0);
  const all = (): boolean => true;
  const sameExpiry = (c: Consumed): boolean => c.underlying === target.underlying && c.expiry === target.expiry;
  const seenExpiryRow = { gamma: false, vega: false };
  for (const l of risk.limits ?? []) {
    const room = l.soft - l.value;
    const scope = l.scope ?? 'total';
    if (!rowCovers(l, target.underlying, target.expiry)) continue;
    const where = scope === 'total' ? l.name : `${l.name} ${l.underlying ?? ''} ${l.expiry ?? ''}`.trim();
    if (l.name === 'gamma' || l.name === 'vega') {
      if (scope === 'expiry') {
        seenExpiryRow[l.name] = true;
        cap(where, room - sum(l.name, sameExpiry), cost[l.name]);
      } else if (scope === 'total') {
        // The total weights gamma by β² (a 1 % NIFTY move is a β % move of this underlying).
        const w = l.name === 'gamma' ? beta * beta : 1;
        cap(where, room - sum(l.name, all) * w, cost[l.name] * w);
      }
    } else if (l.name === 'theta' && scope === 'total') {
      cap(where, room - sum('theta', all), cost.theta);
    } else if (l.name === 'capitalAtRisk' || l.name === 'stress' || l.name === 'scenarioLoss') {
      // A defined-risk structure cannot lose more than its max loss in any scenario: a conservative bound.
      cap(l.name, room - sum('maxLoss', all), cost.maxLoss);
    } else if (l.name === 'margin') {
      cap('margin', room - sum('margin', all), cost.margin);
    }
  }
  // An expiry the book does not hold yet has no row: size it against the configured level.
  const lv = risk.levels;
  if (lv !== undefined) {
    for (const k of ['gamma', 'vega'] as const) {
      const level = k === 'gamma' ? lv.gammaExpiry : lv.vegaExpiry;
      if (!seenExpiryRow[k] && level !== undefined) cap(`${k} ${target.underlying} ${target.expiry}`, level * lv.softRatio - sum(k, sameExpiry), cost[k]);
    }
  }
  const b = risk.buckets?.find((x) => x.bucket === target.bucket);
  if (b && b.available !== undefined) cap(`${target.bucket} bucket`, b.available - sum('charge', (c) => c.bucket === target.bucket), cost.charge);
  return { lots, binding, detail };
}

/**
 * Whether a roll keeps the book inside the risk actor's *soft* delta, gamma, vega and theta limits — after its BUY
 * legs (the executor sends them first: the old untested short bought back and the new wing bought, a directional
 * intermediate book) and after all of it. The report carries |totals| only, so the check is conservative:
 * |total| + |change| ≤ soft. A roll past a soft level would degrade the kill switch and block entries; past a hard one
 * it HALTs (a roll's intermediate book once breached the hard delta limit). Returns null when it fits, else why not.
 * A limit the report does not carry does not bind; an unmeasurable one (NaN) refuses.
 */
export function rollExceedsHeadroom(risk: RiskView, legs: readonly Leg[], fit: ExpiryFit, spot: number, rate: number,
  volAt: (strike: number) => number): string | null {
  const change = (ls: readonly Leg[]): Record<'delta' | 'gamma' | 'vega' | 'theta', number> => {
    let delta = 0; let gamma = 0; let vega = 0; let theta = 0;
    for (const l of ls) {
      const q = l.side === 'BUY' ? l.quantity : -l.quantity;
      const g = black76Greeks(l.right === 'CE' ? 'call' : 'put', fit.forward, l.strike, fit.t, rate, volAt(l.strike));
      delta += q * g.delta; gamma += q * g.gamma; vega += q * g.vega; theta += q * g.theta;
    }
    const move = 0.01 * spot;
    // The risk actor's units: ₹ per 1 % move, per 1 %², per vol point, per day (its totals weight delta by β, gamma by β²).
    return {
      delta: Math.abs(delta * move), gamma: Math.abs(0.5 * gamma * move * move),
      vega: Math.abs(vega * VEGA_PER_VOL_POINT), theta: Math.abs(theta * THETA_PER_DAY),
    };
  };
  const stages: [string, Record<string, number>][] = [['after its BUY legs', change(legs.filter((l) => l.side === 'BUY'))], ['after the roll', change(legs)]];
  const first = legs[0];
  for (const l of risk.limits ?? []) {
    if (l.name !== 'delta' && l.name !== 'gamma' && l.name !== 'vega' && l.name !== 'theta') continue;
    if (first !== undefined && !rowCovers(l, first.underlying, first.expiry)) continue;
    const beta = (l.scope ?? 'total') === 'total' ? risk.levels?.betas?.[first?.underlying ?? 'NIFTY'] ?? 1 : 1;
    const w = l.name === 'delta' ? beta : l.name === 'gamma' ? beta * beta : 1;
    for (const [stage, c0] of stages) {
      const c = { delta: (c0['delta'] ?? 0) * w, gamma: (c0['gamma'] ?? 0) * w, vega: c0['vega'] ?? 0, theta: c0['theta'] ?? 0 } as Record<string, number>;
      const v = l.value + (c[l.name] ?? 0);
      if (!(v <= l.soft)) return `${l.name} ${stage} up to ${v.toFixed(3)} > soft ${l.soft.toFixed(3)}`;
    }
  }
  return null;
}
