import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChargesSchedule } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';
import { sessionCloseMs } from '../domain/calendar.ts';
import { chargeOrder, moneyAfter, settlePosition, settlementsDue, withoutExpired } from './money.ts';
import { apply, initialState, type ExecEvent, type ExecState } from './state.ts';
import { applyWithMoney } from './fixture.ts';
import type { Proposal } from '../domain/proposal.ts';

const SCHEDULE = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
// 2026-12-07 10:00 IST (a Monday): the shipped schedule's rates from 1 Apr 2026 apply.
const T = Date.UTC(2026, 11, 7, 4, 30);

test('an order is charged once for all its fills, on its trade date, as one contract-note order', () => {
  const order = { clientOrderId: 'VG1-0', instrumentKey: 'K', side: 'SELL' as const, filledQuantity: 65, averagePrice: 100, updatedAt: T };
  const first = chargeOrder(SCHEDULE, order, 'S-VG1', undefined, false);
  // SELL 65 @ 100, turnover 6500: brokerage 20; STT 0.15 % = 9.75 → ₹10 (to the rupee); exchange 0.03503 % =
  // 2.27695 → 2.28; SEBI 6500 × 1e-6 = 0.0065 → 0.01; IPFT 6500 × 5e-6 = 0.0325 → 0.03; no stamp duty on a sale;
  // GST 18 % × (20 + 2.28 + 0.01) = 4.0122 → 4.01. Total 20 + 10 + 2.28 + 0.01 + 0.03 + 4.01 = 36.33.
  assert.deepEqual(first?.charges, { brokerage: 20, stt: 10, exchangeTxn: 2.28, sebiFee: 0.01, ipft: 0.03, stampDuty: 0, gst: 4.01, total: 36.33 });
  assert.deepEqual([first?.quantity, first?.price, first?.date, first?.shadow], [65, 100, '2026-12-07', false]);

  // The rest fills at 102 (cumulative: 130 @ 101, turnover 13130): the whole order costs brokerage 20 (once);
  // STT 19.695 → 20; exchange 4.599439 → 4.60; SEBI 0.01313 → 0.01; IPFT 0.06565 → 0.07; GST 18 % × 24.61 = 4.4298
  // → 4.43; total 49.11. The second booking is the difference: 49.11 − 36.33 = 12.78, no second brokerage.
  const charged = { quantity: 65, turnover: 6500, date: '2026-12-07', charges: first!.charges };
  const second = chargeOrder(SCHEDULE, { ...order, filledQuantity: 130, averagePrice: 101, updatedAt: T + 60_000 }, 'S-VG1', charged, false);
  assert.equal(second?.charges.total, 12.78);
  assert.equal(second?.charges.brokerage, 0);
  assert.deepEqual([second?.quantity, second?.price], [65, 102]);
  // Charged in full: nothing more to book.
  assert.equal(chargeOrder(SCHEDULE, { ...order, filledQuantity: 65 }, null, charged, false), undefined);
});

test('settlement: (intrinsic − average) × signed quantity; only a long in the money pays exercise STT', () => {
  const short = { instrumentKey: 'C', quantity: -65, averagePrice: 120, structureId: 'S-1', underlying: 'NIFTY' as const, expiry: '2026-12-08', strike: 24_000, right: 'CE' as const };
  // Settles at 24 180: the call is worth 180; the short sold it at 120 → (180 − 120) × −65 = −3900. Assigned: no charge.
  const s = settlePosition(SCHEDULE, short, 24_180, T, false);
  assert.equal(s.pnl, -3900);
  assert.equal(s.charges.total, 0);
  // A long 24 200 put bought at 50: worth 20 → (20 − 50) × 65 = −1950; exercise STT 0.15 % × 20 × 65 = 1.95 → ₹2
  // (GST's base is brokerage + exchange + SEBI: none here).
  const long = { ...short, instrumentKey: 'P', quantity: 65, averagePrice: 50, strike: 24_200, right: 'PE' as const };
  const l = settlePosition(SCHEDULE, long, 24_180, T, false);
  assert.equal(l.pnl, -1950);
  assert.equal(l.charges.total, 2);
  // Out of the money: worth nothing; the short keeps its premium (0 − 120) × −65 = +7800.
  assert.equal(settlePosition(SCHEDULE, { ...short, strike: 24_500 }, 24_180, T, false).pnl, 7800);
});

const EXPIRY = '2026-12-08';
const proposal: Proposal = {
  id: 'p1', action: 'open', kind: 'strangle', bucket: 'weekly', underlying: 'NIFTY', expiry: EXPIRY,
  legs: [{ instrumentKey: 'C24000', underlying: 'NIFTY', expiry: EXPIRY, strike: 24_000, right: 'CE', side: 'SELL', quantity: 65 }],
  reason: 't', rationale: {}, riskIncreasing: true,
};

/** Applies `events` and the money each one makes due, as the engine's #emit does. */
const run = (s: ExecState, events: readonly ExecEvent[]): ExecEvent[] => applyWithMoney(s, events, SCHEDULE);

test('the book: a short held into expiry — fills charged, settlement booked, the structure closed as settled; replay gives the same money', () => {
  const s = initialState();
  const journal = run(s, [
    { type: 'executor.sagaStarted', sagaId: 'VG1', no: 1, proposal, structureId: 'S-VG1', approvalId: null, ts: T },
    { type: 'executor.orderIntent', clientOrderId: 'VG1-0', sagaId: 'VG1', leg: 0, role: 'entry', instrumentKey: 'C24000', side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts: T },
    { type: 'executor.orderUpdated', clientOrderId: 'VG1-0', sagaId: 'VG1', brokerOrderId: 'B1', status: 'filled', filledQuantity: 65, averagePrice: 100, ts: T },
    { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'completed', reason: 'ok', ts: T },
  ]);
  assert.equal(journal.filter((e) => e.type === 'money.charges').length, 1);
  assert.deepEqual(s.money.live, { gross: 0, charges: 36.33, settlement: 0, net: -36.33, trades: 1 });

  // Before the expiry's close nothing settles; after it, at 24 180: (180 − 100) × −65 = −5200.
  assert.deepEqual(settlementsDue(s, sessionCloseMs(EXPIRY) - 1, SCHEDULE, () => 24_180), []);
  assert.deepEqual(settlementsDue(s, sessionCloseMs(EXPIRY), SCHEDULE, () => undefined), [], 'no price yet: wait');
  const due = settlementsDue(s, sessionCloseMs(EXPIRY) + 1000, SCHEDULE, () => 24_180);
  assert.equal(due.length, 1);
  journal.push(...run(s, due));
  assert.equal(s.positions['C24000']?.quantity, 0);
  // net = gross + settlement − charges = 0 − 5200 − 36.33.
  assert.deepEqual(s.money.live, { gross: 0, charges: 36.33, settlement: -5200, net: -5236.33, trades: 1 });
  const st = s.structures['S-VG1']!;
  assert.deepEqual([st.status, st.closeReason, st.legs.length], ['closed', 'settled', 0]);
  // Settled once: nothing more is due, and the journal replayed gives the same money.
  assert.deepEqual(settlementsDue(s, sessionCloseMs(EXPIRY) + 5000, SCHEDULE, () => 24_180), []);
  const replayed = initialState();
  for (const e of journal) apply(replayed, e);
  assert.deepEqual(replayed.money, s.money);
  assert.deepEqual(moneyAfter(replayed, undefined, SCHEDULE), [], 'nothing left to charge after a replay');
});

test('a fill journaled without its charges (a crash in between) is charged by the catch-up, once', () => {
  const s = initialState();
  for (const e of [
    { type: 'executor.sagaStarted', sagaId: 'VG1', no: 1, proposal, structureId: 'S-VG1', approvalId: null, ts: T },
    { type: 'executor.orderIntent', clientOrderId: 'VG1-0', sagaId: 'VG1', leg: 0, role: 'entry', instrumentKey: 'C24000', side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts: T },
    { type: 'executor.orderUpdated', clientOrderId: 'VG1-0', sagaId: 'VG1', brokerOrderId: 'B1', status: 'filled', filledQuantity: 65, averagePrice: 100, ts: T },
  ] as const satisfies readonly ExecEvent[]) apply(s, e);
  const due = moneyAfter(s, undefined, SCHEDULE);
  assert.equal(due.length, 1);
  for (const e of due) apply(s, e);
  assert.equal(s.money.live.charges, 36.33);
  assert.deepEqual(moneyAfter(s, undefined, SCHEDULE), []);
});

test('shadow fills are charged to the shadow book, each line as an order', () => {
  const s = initialState();
  run(s, [{ type: 'executor.shadowFill', proposalId: 'p9', structureId: 'shadow-p9', fills: [{ instrumentKey: 'C24000', side: 'SELL', quantity: 65, price: 100 }], legs: proposal.legs, ts: T }]);
  assert.deepEqual(s.money.shadow, { gross: 0, charges: 36.33, settlement: 0, net: -36.33, trades: 1 });
  assert.deepEqual(s.money.live.trades, 0);
});

test('reconciliation does not see contracts past their expiry on either side (settlement books them, not "closed outside")', () => {
  const s = initialState();
  s.positions['C24000'] = { instrumentKey: 'C24000', quantity: -65, averagePrice: 100, realisedPnl: 0, structureId: 'S-1', underlying: 'NIFTY', expiry: EXPIRY, strike: 24_000, right: 'CE' };
  const broker = [{ instrumentKey: 'C24000', product: 'D' as const, quantity: -65, averagePrice: 100, realisedPnl: 0 }, { instrumentKey: 'X', product: 'D' as const, quantity: 5, averagePrice: 1, realisedPnl: 0 }];
  const before = withoutExpired(s, broker, sessionCloseMs(EXPIRY) - 1, () => undefined);
  assert.equal(before.state, s);
  assert.equal(before.positions, broker);
  const after = withoutExpired(s, broker, sessionCloseMs(EXPIRY), (k) => (k === 'X' ? { expiry: '2026-12-15' } : undefined));
  assert.deepEqual(Object.keys(after.state.positions), []);
  assert.deepEqual(after.positions.map((p) => p.instrumentKey), ['X']);
  assert.equal(s.positions['C24000']?.quantity, -65, 'the state itself is untouched');
});
