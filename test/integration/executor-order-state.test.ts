/**
 * Order state (issue 14): `cancelled` / `rejected` / `expired` are over, with the filled quantity carried separately;
 * exits re-place and entries compensate the unfilled remainder; a structure never stays `opening` or `closing`
 * without a saga working for it (reconciliation repairs it); a DAY order gone after its session is `expired`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileOrders } from '../../actors/executor/recon.ts';
import { stuckStructureEvents } from '../../actors/executor/structure-check.ts';
import { apply, initialState } from '../../actors/executor/state.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { CFG, Harness, condor, duplicates, leg, LEGS } from './executor-harness.ts';

function closeAll(id: string, structureId: string, qty = 150): Proposal {
  return {
    id, action: 'close', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: '2026-01-13', structureId,
    legs: [leg('shortPut', 'BUY', qty), leg('shortCall', 'BUY', qty), leg('longPut', 'SELL', qty), leg('longCall', 'SELL', qty)],
    reason: 'test exit', rationale: { test: true }, riskIncreasing: false,
  };
}

test('an exit leg that fills half and is then cancelled by the exchange has its rest re-placed; the structure closes', async () => {
  const h = new Harness();
  await h.execute([condor('p1', 150)]);
  const sid = h.engine.book().structures[0]!.id;
  h.broker.faults.partialThenCancel(1);
  const r = await h.execute([closeAll('x1', sid)]);
  assert.equal(r.sagasProgressed[0]?.outcome, 'completed', JSON.stringify(r.sagasProgressed));
  const first = (await h.broker.getOrderBook()).find((o) => o.clientOrderId === 'VG2-0E0');
  assert.deepEqual([first?.status, first?.filledQuantity], ['cancelled', 75], 'over, with what it filled');
  assert.equal(h.engine.orders().find((o) => o.clientOrderId === 'VG2-0E0')?.status, 'cancelled');
  assert.equal((await h.broker.getOrderBook()).find((o) => o.clientOrderId === 'VG2-0E1')?.quantity, 75, 'the rest, re-placed');
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closed');
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('an entry leg that fills half and is cancelled compensates the half; the structure fails and the next entry is not blocked', async () => {
  const h = new Harness();
  // The BUYs fill; the first SELL (short put) fills 75 of 150 and the exchange cancels the rest.
  const place = h.broker.placeOrder.bind(h.broker);
  let n = 0;
  h.broker.placeOrder = async (req) => {
    if (++n === 3) h.broker.faults.partialThenCancel(1);
    return place(req);
  };
  const r = await h.execute([condor('p1', 150)]);
  assert.equal(r.sagasProgressed.at(-1)?.outcome, 'compensated', JSON.stringify(r.sagasProgressed));
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), [], 'the half short and the wings reversed');
  assert.equal(h.engine.book().structures[0]?.status, 'failed', 'never left opening');
  h.broker.placeOrder = place;
  const r2 = await h.execute([condor('p2', 150)]);
  assert.equal(r2.sagasProgressed.at(-1)?.outcome, 'completed');
  await h.done();
});

test('reconciliation repairs a structure left opening or closing with no saga working for it (pure check)', () => {
  const s = initialState();
  const p = condor('p1');
  apply(s, { type: 'executor.sagaStarted', sagaId: 'VG1', no: 1, proposal: p, structureId: 'S-VG1', approvalId: null, ts: 1 });
  // With the saga running nothing is stuck.
  assert.deepEqual(stuckStructureEvents(s, 2).events, []);
  // An old journal: the saga is over but the structure still says opening, and the book holds none of its legs.
  s.sagas['VG1']!.status = 'done';
  const r = stuckStructureEvents(s, 3);
  assert.deepEqual(r.events, [{ type: 'executor.structureRepaired', structureId: 'S-VG1', from: 'opening', to: 'failed', reason: 'opening with no saga working for it: repaired to failed', ts: 3 }]);
  assert.equal(r.findings[0]?.class, 'stuck_structure');
  for (const e of r.events) apply(s, e);
  assert.equal(s.structures['S-VG1']?.status, 'failed');
  assert.deepEqual(stuckStructureEvents(s, 4).events, [], 'repaired once');
  // closing with legs left → open (managed again); with none → closed.
  s.structures['S-X'] = { ...s.structures['S-VG1']!, id: 'S-X', status: 'closing' };
  s.structures['S-Y'] = { ...s.structures['S-VG1']!, id: 'S-Y', status: 'closing', legs: [] };
  assert.deepEqual(stuckStructureEvents(s, 5).events.map((e) => e.type === 'executor.structureRepaired' && [e.structureId, e.to]), [['S-X', 'open'], ['S-Y', 'closed']]);
});

test('a working DAY order gone from the broker on a later day is expired (with what it filled), not left working', () => {
  const s = initialState();
  const day1 = Date.UTC(2026, 0, 6, 9, 0); // 14:30 IST Tue
  apply(s, { type: 'executor.sagaStarted', sagaId: 'VG1', no: 1, proposal: condor('p1', 150), structureId: 'S-VG1', approvalId: null, ts: day1 });
  apply(s, { type: 'executor.orderIntent', clientOrderId: 'VG1-2E0', sagaId: 'VG1', leg: 2, role: 'entry', instrumentKey: LEGS.longPut.key, side: 'BUY', quantity: 150, orderType: 'LIMIT', price: 19, riskIncreasing: true, ts: day1 });
  apply(s, { type: 'executor.orderSent', clientOrderId: 'VG1-2E0', sagaId: 'VG1', brokerOrderId: 'B1', ts: day1 });
  apply(s, { type: 'executor.orderUpdated', clientOrderId: 'VG1-2E0', sagaId: 'VG1', brokerOrderId: 'B1', status: 'partially_filled', filledQuantity: 75, averagePrice: 19, ts: day1 });
  // Same day, absent (a lagging book): nothing concluded.
  assert.deepEqual(reconcileOrders(s, [], day1 + 60_000, CFG).events, []);
  // Next day (Upstox purged it): expired, the 75 filled kept.
  const r = reconcileOrders(s, [], day1 + 86_400_000, CFG);
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  assert.ok(e.type === 'executor.orderUpdated');
  assert.deepEqual([e.status, e.filledQuantity], ['expired', 75]);
  apply(s, e);
  assert.equal(s.orders['VG1-2E0']?.status, 'expired');
  assert.equal(s.positions[LEGS.longPut.key]?.quantity, 75, 'the fill stands');
});

test('the paper exchange purges a DAY order still working after its session: expired, its fill kept', async () => {
  const h = new Harness(CFG, false, true);
  await h.broker.placeOrder({ clientOrderId: 'day-1', instrumentKey: LEGS.longPut.key, side: 'BUY', quantity: 75, orderType: 'LIMIT', price: 10, product: 'D', validity: 'DAY' });
  h.clock.set(Date.UTC(2026, 0, 6, 10, 1)); // 15:31 IST
  const o = (await h.broker.getOrderBook()).find((x) => x.clientOrderId === 'day-1');
  assert.deepEqual([o?.status, o?.filledQuantity], ['expired', 0]);
  assert.match(o?.statusMessage ?? '', /purged after its session \(2026-01-06\)/);
  await h.done();
});
