/**
 * The pure settlement decision (money.ts `settlementDecision`, issue 14 "Expiry settlement" on live): what is booked
 * after an expiry's close, and what waits — for the final settlement price, or (live) for the broker to book the
 * expiry first — never at ₹0; overdue after the configured wait; booked once whatever happens next.
 *
 * A NIFTY iron condor of one lot (65) a leg held into the 8 Dec 2026 expiry, which settles at 26,150.35 (the index's
 * official close). Figures worked by hand, per leg: P&L = (intrinsic − average) × signed quantity; STT on exercise
 * only for a long in-the-money option, 0.15 % of intrinsic × quantity rounded to the rupee (Finance Act 2026, from
 * 1 Apr 2026; actors/domain/data/charges-schedule.ts), no GST (its base is brokerage + exchange charge + SEBI fee:
 * none on a settlement).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChargesSchedule } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';
import { sessionCloseMs } from '../domain/calendar.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { SettlementBooked } from '../domain/money.ts';
import { expiriesToSettle, moneyAfter, settlementDecision } from './money.ts';
import { apply, initialState, type ExecEvent, type ExecState } from './state.ts';
import { applyWithMoney } from './fixture.ts';

const SCHEDULE = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
const EXPIRY = '2026-12-08';
const CLOSE = sessionCloseMs(EXPIRY);
const FSP = 26_150.35;
const HOUR = 3_600_000;
const T = Date.UTC(2026, 11, 7, 4, 30); // entry: Monday 7 Dec 2026, 10:00 IST

const LEGS = [
  { instrumentKey: 'C26000', strike: 26_000, right: 'CE', side: 'SELL', price: 120.5 },
  { instrumentKey: 'C26100', strike: 26_100, right: 'CE', side: 'BUY', price: 78 },
  { instrumentKey: 'P25800', strike: 25_800, right: 'PE', side: 'SELL', price: 45.2 },
  { instrumentKey: 'P25600', strike: 25_600, right: 'PE', side: 'BUY', price: 12.4 },
] as const;

const proposal: Proposal = {
  id: 'ic1', action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXPIRY,
  legs: LEGS.map((l) => ({ instrumentKey: l.instrumentKey, underlying: 'NIFTY' as const, expiry: EXPIRY, strike: l.strike, right: l.right, side: l.side, quantity: 65 })),
  reason: 't', rationale: {}, riskIncreasing: true,
};

/** Applies `events` and the money each one makes due, as the engine's #emit does. */
const run = (s: ExecState, events: readonly ExecEvent[]): ExecEvent[] => applyWithMoney(s, events, SCHEDULE);

function condorHeld(): { s: ExecState; journal: ExecEvent[] } {
  const s = initialState();
  const journal = run(s, [
    { type: 'executor.sagaStarted', sagaId: 'VG1', no: 1, proposal, structureId: 'S-VG1', approvalId: null, ts: T },
    ...LEGS.flatMap((l, i): ExecEvent[] => [
      { type: 'executor.orderIntent', clientOrderId: `VG1-${i}`, sagaId: 'VG1', leg: i, role: 'entry', instrumentKey: l.instrumentKey, side: l.side, quantity: 65, orderType: 'LIMIT', price: l.price, riskIncreasing: true, ts: T },
      { type: 'executor.orderUpdated', clientOrderId: `VG1-${i}`, sagaId: 'VG1', brokerOrderId: `B${i}`, status: 'filled', filledQuantity: 65, averagePrice: l.price, ts: T },
    ]),
    { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'completed', reason: 'ok', ts: T },
  ]);
  return { s, journal };
}

const settled = (events: readonly ExecEvent[]) => events.filter((e): e is ExecEvent & SettlementBooked & { type: 'money.settlement' } => e.type === 'money.settlement');

test('after the close, at 26,150.35: ITM short call, ITM long wing (exercise STT), OTM short put and OTM long put, to the rupee; the condor closes as settled', () => {
  const { s, journal } = condorHeld();
  const entryCharges = s.money.live.charges;
  // Before the close nothing is due and nothing waits.
  const before = settlementDecision(s, CLOSE - 1, SCHEDULE, () => FSP);
  assert.deepEqual([before.book, before.pending], [[], []]);
  assert.deepEqual(expiriesToSettle(s, CLOSE - 1), []);
  assert.deepEqual(expiriesToSettle(s, CLOSE), [{ underlying: 'NIFTY', expiry: EXPIRY }]);

  const d = settlementDecision(s, CLOSE + 1000, SCHEDULE, () => FSP, { brokerHeld: () => undefined });
  assert.deepEqual(d.pending, []);
  const by = Object.fromEntries(settled(d.book).map((e) => [e.instrumentKey, [e.pnl, e.charges.stt, e.charges.total]]));
  assert.deepEqual(by, {
    // Short 26,000 CE sold at 120.50: intrinsic 26,150.35 − 26,000 = 150.35; (150.35 − 120.50) × −65 = 29.85 × −65
    // = −1,940.25. Assigned: no STT.
    C26000: [-1940.25, 0, 0],
    // Long 26,100 CE bought at 78.00: intrinsic 50.35; (50.35 − 78.00) × 65 = −27.65 × 65 = −1,797.25. Exercised:
    // STT 0.15 % × 50.35 × 65 = 0.0015 × 3,272.75 = 4.909 → ₹5.
    C26100: [-1797.25, 5, 5],
    // Short 25,800 PE sold at 45.20: out of the money (26,150.35 > 25,800), worth 0; (0 − 45.20) × −65 = +2,938.00.
    P25800: [2938, 0, 0],
    // Long 25,600 PE bought at 12.40: worth 0; (0 − 12.40) × 65 = −806.00.
    P25600: [-806, 0, 0],
  });
  assert.ok(settled(d.book).every((e) => e.settlementPrice === FSP && e.date === EXPIRY && !e.shadow && e.structureId === 'S-VG1'));

  journal.push(...run(s, d.book));
  // Settlement −1,940.25 − 1,797.25 + 2,938.00 − 806.00 = −1,605.50; charges grow by the ₹5 of STT.
  assert.equal(s.money.live.settlement, -1605.5);
  assert.equal(Math.round((s.money.live.charges - entryCharges) * 100) / 100, 5);
  assert.equal(s.money.live.net, Math.round((0 - 1605.5 - s.money.live.charges) * 100) / 100);
  assert.deepEqual(Object.values(s.positions).filter((p) => p.quantity !== 0), []);
  assert.deepEqual([s.structures['S-VG1']?.status, s.structures['S-VG1']?.closeReason], ['closed', 'settled']);

  // Once: nothing more is due, a duplicate booking (a replay, a second reconciliation) changes nothing, and the
  // journal replayed from scratch gives the same money.
  assert.deepEqual(settlementDecision(s, CLOSE + 5 * HOUR, SCHEDULE, () => FSP).book, []);
  const money = structuredClone(s.money);
  for (const e of d.book) apply(s, e);
  assert.deepEqual(s.money, money);
  const replayed = initialState();
  for (const e of journal) apply(replayed, e);
  assert.deepEqual(replayed.money, s.money);
});

test('no price yet: every position waits (never ₹0), and is overdue once the configured wait has passed', () => {
  const { s } = condorHeld();
  const wait = 18 * HOUR;
  const early = settlementDecision(s, CLOSE + HOUR, SCHEDULE, () => undefined, { overdueAfterMs: wait });
  assert.deepEqual(early.book, []);
  assert.deepEqual(early.pending.map((p) => [p.instrumentKey, p.quantity, p.waitingFor, p.since, p.overdue]), [
    ['C26000', -65, 'price', CLOSE, false], ['C26100', 65, 'price', CLOSE, false], ['P25800', -65, 'price', CLOSE, false], ['P25600', 65, 'price', CLOSE, false],
  ]);
  const late = settlementDecision(s, CLOSE + wait, SCHEDULE, () => undefined, { overdueAfterMs: wait });
  assert.ok(late.pending.length === 4 && late.pending.every((p) => p.overdue));
});

test('live: a position the broker still holds waits for the broker to book the expiry; the rest is booked', () => {
  const { s } = condorHeld();
  // The broker has booked three legs (flat or gone) but still lists the short call.
  const held = (key: string) => (key === 'C26000' ? -65 : key === 'C26100' ? 0 : undefined);
  const d = settlementDecision(s, CLOSE + HOUR, SCHEDULE, () => FSP, { brokerHeld: held });
  assert.deepEqual(settled(d.book).map((e) => e.instrumentKey).sort(), ['C26100', 'P25600', 'P25800']);
  assert.deepEqual(d.pending.map((p) => [p.instrumentKey, p.waitingFor]), [['C26000', 'broker']]);
  run(s, d.book);
  // The broker books it: the short call settles at the same price, −1,940.25 as above; the condor is then closed.
  const next = settlementDecision(s, CLOSE + 2 * HOUR, SCHEDULE, () => FSP, { brokerHeld: () => undefined });
  assert.deepEqual(settled(next.book).map((e) => [e.instrumentKey, e.pnl]), [['C26000', -1940.25]]);
  run(s, next.book);
  assert.equal(s.money.live.settlement, -1605.5);
  assert.deepEqual([s.structures['S-VG1']?.status, s.structures['S-VG1']?.closeReason], ['closed', 'settled']);
});

test('shadow positions were never at the broker: they settle on the price alone', () => {
  const s = initialState();
  run(s, [{ type: 'executor.shadowFill', proposalId: 'ic1', structureId: 'shadow-ic1', fills: LEGS.map((l) => ({ instrumentKey: l.instrumentKey, side: l.side, quantity: 65, price: l.price })), legs: proposal.legs, ts: T }]);
  const d = settlementDecision(s, CLOSE + HOUR, SCHEDULE, () => FSP, { brokerHeld: () => -65 });
  assert.deepEqual(d.pending, []);
  assert.equal(settled(d.book).reduce((a, e) => a + e.pnl, 0), -1605.5);
  assert.ok(settled(d.book).every((e) => e.shadow));
});
