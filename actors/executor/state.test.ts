import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Leg } from '../domain/leg.ts';
import type { Proposal } from '../domain/proposal.ts';
import { apply, initialState, rollLegs, workingProposals, type ExecEvent, type ExecState, type PlannedOrder, type PositionRec } from './state.ts';
import { condor, key, order, started } from './fixture.ts';
import { closeExceedsHolding } from './exits.ts';
import { nakedLegs } from './naked.ts';
import type { Right } from '../domain/right.ts';
import type { Side } from '../domain/side.ts';

const EXP = '2026-12-01';
const leg = (strike: number, right: Right, side: Side, quantity = 65): Leg => ({
  instrumentKey: `NIFTY${strike}${right}`, underlying: 'NIFTY', expiry: EXP, strike, right, side, quantity,
});
const pos = (strike: number, right: Right, quantity: number, structureId: string): PositionRec => ({
  instrumentKey: `NIFTY${strike}${right}`, quantity, averagePrice: 10, realisedPnl: 0, structureId, underlying: 'NIFTY', expiry: EXP, strike, right,
});

test('a short hedged by a long another structure last traded is not naked: the check is per underlying/expiry/right', () => {
  const s: ExecState = initialState();
  // S-VG1 is short the 23500 put hedged by the 23000 put; S-VG2 bought the same 23000 put later, so the shared
  // position now carries S-VG2's id.
  s.positions = {
    a: pos(23500, 'PE', -65, 'S-VG1'), b: pos(23000, 'PE', 130, 'S-VG2'), c: pos(23600, 'PE', -65, 'S-VG2'),
  };
  assert.deepEqual(nakedLegs(s), []);
  // A short beyond every long of that right and expiry is naked, named after the structure holding the largest short.
  s.positions['b'] = pos(23000, 'PE', 65, 'S-VG2');
  assert.deepEqual(nakedLegs(s), [{ key: `NIFTY:${EXP}:PE`, structureId: 'S-VG1' }]);
});

test('rollLegs: the old untested short and wing are replaced by the new ones', () => {
  const legs = [leg(23000, 'PE', 'BUY'), leg(25000, 'CE', 'BUY'), leg(23500, 'PE', 'SELL'), leg(24500, 'CE', 'SELL')];
  const roll = [leg(23500, 'PE', 'BUY'), leg(23300, 'PE', 'BUY'), leg(23000, 'PE', 'SELL'), leg(23800, 'PE', 'SELL')];
  const out = rollLegs(legs, roll).map((l) => `${l.side} ${l.right} ${l.strike} ${l.quantity}`).sort();
  assert.deepEqual(out, ['BUY CE 25000 65', 'BUY PE 23300 65', 'SELL CE 24500 65', 'SELL PE 23800 65']);
});

test('a completed roll keeps its structure open with the rolled legs; a failed one keeps it open as it was', () => {
  const legs = [leg(23000, 'PE', 'BUY'), leg(25000, 'CE', 'BUY'), leg(23500, 'PE', 'SELL'), leg(24500, 'CE', 'SELL')];
  const roll = [leg(23500, 'PE', 'BUY'), leg(23300, 'PE', 'BUY'), leg(23000, 'PE', 'SELL'), leg(23800, 'PE', 'SELL')];
  const base = (): ExecState => {
    const s = initialState();
    s.structures['S-1'] = { id: 'S-1', kind: 'iron_condor', underlying: 'NIFTY', expiry: EXP, bucket: 'weekly', status: 'open', legs, entryCredit: 50, maxLoss: 29_250, openedAt: 0 };
    const proposal: Proposal = {
      id: 'c9-s0', action: 'adjust', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXP, structureId: 'S-1',
      legs: roll, reason: 'roll', rationale: {}, riskIncreasing: true,
    };
    return apply(s, { type: 'executor.sagaStarted', sagaId: 'VG2', no: 2, proposal, structureId: 'S-1', approvalId: null, ts: 1 });
  };
  const done = apply(base(), { type: 'executor.sagaFinished', sagaId: 'VG2', outcome: 'completed', reason: 'all legs filled', ts: 2 });
  const st = done.structures['S-1']!;
  assert.equal(st.status, 'open');
  assert.deepEqual(st.legs.map((l) => `${l.side} ${l.right} ${l.strike}`).sort(), ['BUY CE 25000', 'BUY PE 23300', 'SELL CE 24500', 'SELL PE 23800']);
  const failed = apply(base(), { type: 'executor.sagaFinished', sagaId: 'VG2', outcome: 'failed', reason: 'leg failed', ts: 2 });
  assert.equal(failed.structures['S-1']!.status, 'open');
  assert.deepEqual(failed.structures['S-1']!.legs, legs);
});

const condorState = (): ExecState => {
  const s = initialState();
  const legs = [leg(23000, 'PE', 'BUY'), leg(25000, 'CE', 'BUY'), leg(23500, 'PE', 'SELL'), leg(24500, 'CE', 'SELL')];
  s.structures['S-1'] = { id: 'S-1', kind: 'iron_condor', underlying: 'NIFTY', expiry: EXP, bucket: 'weekly', status: 'open', legs, entryCredit: 50, maxLoss: 29_250, openedAt: 0 };
  s.positions = {
    NIFTY23000PE: pos(23000, 'PE', 65, 'S-1'), NIFTY25000CE: pos(25000, 'CE', 65, 'S-1'),
    NIFTY23500PE: pos(23500, 'PE', -65, 'S-1'), NIFTY24500CE: pos(24500, 'CE', -65, 'S-1'),
  };
  return s;
};

const closeOf = (legs: Leg[], id = 'x-close'): Proposal => ({
  id, action: 'close', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXP, structureId: 'S-1',
  legs, reason: 'test exit', rationale: {}, riskIncreasing: false,
});

test('a leg closed outside VolGuard leaves its structure: still open and managed, without that leg', () => {
  const s = apply(condorState(), { type: 'executor.positionExternallyClosed', instrumentKey: 'NIFTY24500CE', quantity: -65, ts: 5 });
  const st = s.structures['S-1']!;
  assert.equal(s.positions['NIFTY24500CE']!.quantity, 0);
  assert.equal(st.status, 'open');
  assert.deepEqual(st.legs.map((l) => `${l.side} ${l.right} ${l.strike}`).sort(), ['BUY CE 25000', 'BUY PE 23000', 'SELL PE 23500']);
  // Every leg closed outside: the structure is closed, holding nothing.
  let all = s;
  for (const [k, q] of [['NIFTY23000PE', 65], ['NIFTY25000CE', 65], ['NIFTY23500PE', -65]] as const) {
    all = apply(all, { type: 'executor.positionExternallyClosed', instrumentKey: k, quantity: q, ts: 6 });
  }
  assert.equal(all.structures['S-1']!.status, 'closed');
  assert.deepEqual(all.structures['S-1']!.legs, []);
});

test('a close never trades more than the book holds: gone legs, the wrong side, and units already being closed are refused', () => {
  const s = condorState();
  const exit = [leg(24500, 'CE', 'BUY'), leg(23500, 'PE', 'BUY'), leg(25000, 'CE', 'SELL'), leg(23000, 'PE', 'SELL')];
  assert.equal(closeExceedsHolding(s, closeOf(exit)), null);
  // Not a close: not this check's business.
  assert.equal(closeExceedsHolding(s, { ...closeOf(exit), action: 'open' }), null);
  // The short call is gone (closed outside): buying it back would open a long call.
  s.positions['NIFTY24500CE']!.quantity = 0;
  assert.match(closeExceedsHolding(s, closeOf(exit)) ?? '', /BUY 65 NIFTY24500CE: holding 0, 0 already being closed, so at most 0 can close/);
  // Selling a short instead of buying it back, or more than held, is refused too.
  const t = condorState();
  assert.match(closeExceedsHolding(t, closeOf([leg(23500, 'PE', 'SELL')])) ?? '', /SELL 65 NIFTY23500PE: holding -65/);
  assert.match(closeExceedsHolding(t, closeOf([leg(23500, 'PE', 'BUY', 130)])) ?? '', /at most 65 can close/);
  // A working exit order already closes 40 of the 65: a second exit may close at most the other 25.
  t.orders['VG1-1'] = {
    clientOrderId: 'VG1-1', sagaId: 'VG1', leg: 0, role: 'entry', instrumentKey: 'NIFTY23500PE', side: 'BUY', quantity: 40, orderType: 'LIMIT', price: 12,
    riskIncreasing: false, createdAt: 1, status: 'open', brokerOrderId: 'B1', filledQuantity: 0, averagePrice: 0, updatedAt: 1,
  };
  assert.match(closeExceedsHolding(t, closeOf([leg(23500, 'PE', 'BUY', 65)])) ?? '', /40 already being closed, so at most 25/);
  assert.equal(closeExceedsHolding(t, closeOf([leg(23500, 'PE', 'BUY', 25)])), null);
});

test('apply is idempotent for orderSent and shadowFill: a duplicated event (an append retried, replayed twice) changes nothing', () => {
  const o: PlannedOrder = { clientOrderId: 'VG1-0E0', sagaId: 'VG1', leg: 0, role: 'entry', instrumentKey: key(23500, 'PE'), side: 'SELL', quantity: 130, orderType: 'LIMIT', price: 10, riskIncreasing: true };
  const sent: ExecEvent = { type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: 'VG1', brokerOrderId: 'B-1', ts: 1_000 };
  const events: ExecEvent[] = [
    started(1, condor('p', 130), 1_000),
    { type: 'executor.orderIntent', ...o, ts: 1_000 },
    sent,
    { type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: 'VG1', brokerOrderId: 'B-1', status: 'partially_filled', filledQuantity: 65, averagePrice: 10, ts: 5_000 },
  ];
  const once = initialState();
  for (const e of events) apply(once, e);
  const twice = initialState();
  for (const e of [...events, sent]) apply(twice, e);
  // The late duplicate must not move the order's clock back to 1 000 (its timers run from updatedAt: 5 000).
  assert.deepEqual(twice.orders, once.orders);
  assert.equal(twice.orders[o.clientOrderId]!.updatedAt, 5_000);

  // One shadow fill of a short put at 10 and a long put at 4: credit 6 × 65. Applied twice it is still one fill.
  const fill: ExecEvent = {
    type: 'executor.shadowFill', proposalId: 'p', structureId: 'shadow-p', ts: 1_000,
    fills: [{ instrumentKey: 'NIFTY23500PE', side: 'SELL', quantity: 65, price: 10 }, { instrumentKey: 'NIFTY23000PE', side: 'BUY', quantity: 65, price: 4 }],
    legs: [leg(23500, 'PE', 'SELL'), leg(23000, 'PE', 'BUY')],
  };
  const a = apply(initialState(), fill);
  const b = apply(apply(initialState(), fill), fill);
  assert.deepEqual(b.shadow, a.shadow);
  assert.equal(b.shadow.fills, 1);
  assert.deepEqual(Object.values(b.shadow.positions).map((p) => [p.instrumentKey, p.quantity]).sort(), [['NIFTY23000PE', 65], ['NIFTY23500PE', -65]]);
});

test('an order the broker answered with several ids (it sliced it): each id tracked as a part, fills summed, nothing one id reports overwrites another', () => {
  const o: PlannedOrder = { clientOrderId: 'VG1-0E0', sagaId: 'VG1', leg: 0, role: 'entry', instrumentKey: key(23500, 'PE'), side: 'SELL', quantity: 1950, orderType: 'LIMIT', price: 10, riskIncreasing: true, product: 'I' };
  const up = (id: string, status: 'open' | 'partially_filled' | 'filled' | 'cancelled', filled: number, px: number, ts: number): ExecEvent =>
    ({ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: 'VG1', brokerOrderId: id, status, filledQuantity: filled, averagePrice: px, ts });
  const events: ExecEvent[] = [
    started(1, condor('p', 1950), 1_000),
    { type: 'executor.orderIntent', ...o, ts: 1_000 },
    { type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: 'VG1', brokerOrderId: 'B-1', brokerOrderIds: ['B-1', 'B-2'], ts: 1_000 },
    up('B-1', 'filled', 1755, 10, 2_000),
    up('B-2', 'partially_filled', 100, 9, 3_000),
  ];
  const s = initialState();
  for (const e of events) apply(s, e);
  const rec = s.orders[o.clientOrderId]!;
  // 1,755 + 100 = 1,855 filled, still working; average (1,755 × 10 + 100 × 9) / 1,855 = 18,450 / 1,855.
  assert.deepEqual([rec.status, rec.filledQuantity], ['partially_filled', 1855]);
  assert.ok(Math.abs(rec.averagePrice - 18_450 / 1_855) < 1e-9);
  assert.deepEqual([s.positions[key(23500, 'PE')]?.quantity, s.positions[key(23500, 'PE')]?.product], [-1855, 'I']);
  // The rest of B-2 is cancelled: over, with 1,855 filled; a replay of any update changes nothing.
  apply(s, up('B-2', 'cancelled', 100, 9, 4_000));
  assert.deepEqual([rec.status, rec.filledQuantity], ['cancelled', 1855]);
  for (const e of events) apply(s, e);
  assert.deepEqual([rec.status, rec.filledQuantity, s.positions[key(23500, 'PE')]?.quantity], ['cancelled', 1855, -1855]);
});

test('workingProposals: each running saga (not one compensating) with what its entry orders filled per leg (slices and re-priced attempts summed)', () => {
  const po = (sagaNo: number, legNo: number, role: PlannedOrder['role'], attempt: number, quantity: number, slice = 0): PlannedOrder => {
    const l = condor('p').legs[legNo]!;
    return {
      clientOrderId: `VG${sagaNo}-${legNo}${role[0]!.toUpperCase()}${attempt}${slice === 0 ? '' : `-${slice}`}`, sagaId: `VG${sagaNo}`, leg: legNo, role,
      instrumentKey: l.instrumentKey, side: l.side, quantity, orderType: 'LIMIT', price: 10, riskIncreasing: role === 'entry',
    };
  };
  let s = initialState();
  const events: ExecEvent[] = [
    started(1, condor('p1', 130)), started(2, condor('p2')), started(3, condor('p3')), started(4, condor('p4')),
    // Saga 1: leg 2 (a BUY) in two slices, one filled in full and one in part; leg 3 cancelled unfilled then re-priced
    // and filled; a compensation order of leg 2 (not an entry) does not count.
    ...order(po(1, 2, 'entry', 0, 65, 1), 1, { status: 'filled', filled: 65 }),
    ...order(po(1, 2, 'entry', 0, 65, 2), 1, { status: 'partially_filled', filled: 40 }),
    ...order(po(1, 3, 'entry', 0, 130), 1, { status: 'cancelled', filled: 0 }),
    ...order(po(1, 3, 'entry', 1, 130), 2, { status: 'filled', filled: 130 }),
    ...order(po(1, 2, 'compensate', 0, 105), 3, { status: 'filled', filled: 105 }),
    // Saga 2 filled nothing yet; saga 3 is over; saga 4 is compensating (it sends nothing more of its proposal).
    { type: 'executor.sagaFinished', sagaId: 'VG3', outcome: 'denied', reason: 'test', ts: 4 },
    { type: 'executor.sagaCompensating', sagaId: 'VG4', reason: 'test', ts: 4 },
  ];
  for (const e of events) s = apply(s, e);
  assert.deepEqual(workingProposals(s), [
    { proposalId: 'p1', structureId: 'S-VG1', bucket: 'weekly', riskIncreasing: true, legs: condor('p1', 130).legs, filled: [0, 0, 105, 130] },
    { proposalId: 'p2', structureId: 'S-VG2', bucket: 'weekly', riskIncreasing: true, legs: condor('p2').legs, filled: [0, 0, 0, 0] },
  ]);
  assert.deepEqual(workingProposals(initialState()), []);
});
