/**
 * @module Fixtures for the executor's pure decision tests: a NIFTY iron condor (65 a lot) and an ExecState built
 * through the reducer (`apply`), exactly as a replay would build it.
 */
import type { Leg } from '../domain/leg.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { Right } from '../domain/right.ts';
import type { Side } from '../domain/side.ts';
import type { CoreConfig } from './core.ts';
import { apply, initialState, type ExecEvent, type ExecState, type PlannedOrder } from './state.ts';
import { moneyAfter } from './money.ts';
import { parseChargesSchedule } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';

/** The shipped charges schedule, as the executor loads it by default. */
export const SHIPPED_SCHEDULE = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);

/** Applies `events` and the money each one makes due (charges, settlements), as the engine's #emit does. */
export function applyWithMoney(s: ExecState, events: readonly ExecEvent[], schedule = SHIPPED_SCHEDULE): ExecEvent[] {
  const all: ExecEvent[] = [];
  for (const e of events) {
    apply(s, e);
    all.push(e);
    for (const m of moneyAfter(s, e, schedule)) {
      apply(s, m);
      all.push(m);
    }
  }
  return all;
}

export const EXP = '2026-12-01';
export const T0 = Date.UTC(2026, 10, 25, 5, 0); // Wed 2026-11-25 10:30 IST

export const CFG: CoreConfig = {
  orderFillTimeoutMs: 30_000, reconGraceMs: 15_000, nakedLegTimeoutMs: 10_000, protectionTicks: 4, maxCompensationAttempts: 5,
  approvalMaxSpotMovePct: 0.005, approvalMaxIvMovePts: 2, approvalMaxMidMovePct: 0.15, isMarketOpen: () => true,
};

export const key = (strike: number, right: Right): string => `NIFTY${strike}${right}`;
export const leg = (strike: number, right: Right, side: Side, quantity = 65, limitPrice?: number): Leg => ({
  instrumentKey: key(strike, right), underlying: 'NIFTY', expiry: EXP, strike, right, side, quantity, ...(limitPrice !== undefined ? { limitPrice } : {}),
});

/** Short 23500 PE / 24500 CE, long 23000 PE / 25000 CE — SELL legs listed first on purpose. */
export function condor(id: string, qty = 65): Proposal {
  return {
    id, action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXP,
    legs: [leg(23500, 'PE', 'SELL', qty), leg(24500, 'CE', 'SELL', qty), leg(23000, 'PE', 'BUY', qty), leg(25000, 'CE', 'BUY', qty)],
    reason: 'test', rationale: {}, riskIncreasing: true,
  };
}

export function exit(id: string, structureId: string, qty = 65): Proposal {
  return {
    id, action: 'close', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXP, structureId,
    legs: [leg(23500, 'PE', 'BUY', qty), leg(24500, 'CE', 'BUY', qty), leg(23000, 'PE', 'SELL', qty), leg(25000, 'CE', 'SELL', qty)],
    reason: 'test exit', rationale: {}, riskIncreasing: false,
  };
}

export function build(events: readonly ExecEvent[]): ExecState {
  const s = initialState();
  for (const e of events) apply(s, e);
  return s;
}

export function started(sagaNo: number, p: Proposal, ts = T0, approvalId: string | null = null): ExecEvent {
  const id = `VG${sagaNo.toString(36)}`;
  return { type: 'executor.sagaStarted', sagaId: id, no: sagaNo, proposal: p, structureId: p.action === 'open' ? `S-${id}` : p.structureId ?? `S-${id}`, approvalId, ts };
}

/** An order's life: intent, sent, and (optionally) one update. */
export function order(o: PlannedOrder, ts: number, then?: { status: 'open' | 'filled' | 'rejected' | 'cancelled' | 'partially_filled' | 'expired'; filled?: number; price?: number; reason?: string }): ExecEvent[] {
  const out: ExecEvent[] = [
    { type: 'executor.orderIntent', ...o, ts },
    { type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: `B-${o.clientOrderId}`, ts },
  ];
  if (then !== undefined) {
    out.push({
      type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: `B-${o.clientOrderId}`, status: then.status,
      filledQuantity: then.filled ?? (then.status === 'filled' ? o.quantity : 0), averagePrice: then.price ?? o.price, ...(then.reason !== undefined ? { reason: then.reason } : {}), ts,
    });
  }
  return out;
}
