/**
 * @module Sizing within the risk actor's headroom. Pure.
 *
 * The strategy's own budget (max loss within per-trade and per-bucket shares) is not the only thing that decides
 * whether an entry can be made: the risk actor's pre-trade check also charges the bucket max(max loss, margin) and
 * limits the book's gamma, vega, theta, capital at risk, margin and worst scenario loss. A proposal sized past any of
 * those is denied every cycle (a condor of 10 lots on expiry day has ~3× the default gamma limit), so the strategy
 * caps the lots by each of them, computed the way risk computes them (Black-76 on the surface, actors/domain/margin.ts).
 *
 * Headroom is measured up to each limit's *soft* level, not the hard one: a soft breach blocks further entries and
 * degrades the kill switch, so an entry that lands above it would stop the system trading for its own sake.
 * Entries drafted earlier in the same cycle consume headroom too (risk reserves each allowed proposal).
 */
import { black76Greeks } from '../domain/black76.ts';
import { THETA_PER_DAY, VEGA_PER_VOL_POINT } from '../domain/units.ts';
import type { ExpiryFit } from '../calibrator/messages.ts';
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { Leg } from '../domain/leg.ts';
import { estimateMargin, type MarginLeg } from '../domain/margin.ts';
import type { RiskView } from './messages.ts';
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

export type Consumed = { readonly [K in keyof LotCost]: number } & { readonly bucket: Bucket };

const GREEK_LIMITS = ['gamma', 'vega', 'theta'] as const;

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
export function headroomLots(risk: RiskView, bucket: Bucket, cost: LotCost, consumed: readonly Consumed[]): { lots: number; binding: string | null; detail: string } {
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
  const used = (k: keyof LotCost, sameBucket = false): number =>
    consumed.filter((c) => !sameBucket || c.bucket === bucket).reduce((a, c) => a + c[k], 0);
  for (const l of risk.limits ?? []) {
    const room = l.soft - l.value;
    if (l.name === 'gamma' || l.name === 'vega' || l.name === 'theta') {
      const k = GREEK_LIMITS[GREEK_LIMITS.indexOf(l.name)] as 'gamma' | 'vega' | 'theta';
      cap(l.name, room - used(k), cost[k]);
    } else if (l.name === 'capitalAtRisk' || l.name === 'scenarioLoss') {
      // A defined-risk structure cannot lose more than its max loss in any scenario: a conservative bound.
      cap(l.name, room - used('maxLoss'), cost.maxLoss);
    } else if (l.name === 'margin') {
      cap('margin', room - used('margin'), cost.margin);
    }
  }
  const b = risk.buckets?.find((x) => x.bucket === bucket);
  if (b && b.available !== undefined) cap(`${bucket} bucket`, b.available - used('charge', true), cost.charge);
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
export function rollExceedsHeadroom(risk: RiskView, legs: readonly Leg[], fit: ExpiryFit, spot: number, rate: number, baseCapital: number,
  volAt: (strike: number) => number): string | null {
  const change = (ls: readonly Leg[]): Record<'delta' | 'gamma' | 'vega' | 'theta', number> => {
    let delta = 0; let gamma = 0; let vega = 0; let theta = 0;
    for (const l of ls) {
      const q = l.side === 'BUY' ? l.quantity : -l.quantity;
      const g = black76Greeks(l.right === 'CE' ? 'call' : 'put', fit.forward, l.strike, fit.t, rate, volAt(l.strike));
      delta += q * g.delta; gamma += q * g.gamma; vega += q * g.vega; theta += q * g.theta;
    }
    const move = 0.01 * spot;
    return {
      delta: Math.abs((delta * spot) / baseCapital), gamma: Math.abs(0.5 * gamma * move * move),
      vega: Math.abs(vega * VEGA_PER_VOL_POINT), theta: Math.abs(theta * THETA_PER_DAY),
    };
  };
  const stages: [string, Record<string, number>][] = [['after its BUY legs', change(legs.filter((l) => l.side === 'BUY'))], ['after the roll', change(legs)]];
  for (const l of risk.limits ?? []) {
    if (l.name !== 'delta' && l.name !== 'gamma' && l.name !== 'vega' && l.name !== 'theta') continue;
    for (const [stage, c] of stages) {
      const v = l.value + (c[l.name] ?? 0);
      if (!(v <= l.soft)) return `${l.name} ${stage} up to ${v.toFixed(3)} > soft ${l.soft.toFixed(3)}`;
    }
  }
  return null;
}
