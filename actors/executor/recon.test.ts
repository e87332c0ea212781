import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerOrder, BrokerPosition } from '../venues/broker.ts';
import { reconcileOrders, reconcilePositions } from './recon.ts';
import type { PlannedOrder } from './state.ts';
import { build, CFG, T0 } from './fixture.ts';

const planned: PlannedOrder = { clientOrderId: 'VG1-2E0', sagaId: 'VG1', leg: 2, role: 'entry', instrumentKey: 'K', side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 10, riskIncreasing: true };
const at = (over: Partial<BrokerOrder> = {}): BrokerOrder => ({
  brokerOrderId: 'B1', clientOrderId: 'VG1-2E0', instrumentKey: 'K', side: 'BUY', quantity: 65, filledQuantity: 65, averagePrice: 10, price: 10, orderType: 'LIMIT', product: 'D', status: 'filled', updatedAt: T0, ...over,
});

test('an order in doubt is found by tag (tracked) or, absent past the grace (market time), proven never placed', () => {
  const s = build([{ type: 'executor.orderIntent', ...planned, ts: T0 }]);
  const found = reconcileOrders(s, [at()], T0 + 1, CFG);
  assert.deepEqual(found.findings.map((f) => f.class), ['unknown_resolved']);
  assert.equal(found.events[0]?.type === 'executor.orderUpdated' ? found.events[0].status : '', 'filled');
  assert.deepEqual(reconcileOrders(s, [], T0 + 14_999, CFG).findings.map((f) => f.class), ['in_flight']);
  const gone = reconcileOrders(s, [], T0 + 15_000, CFG);
  assert.equal(gone.events[0]?.type === 'executor.orderUpdated' ? gone.events[0].reason : '', 'NOT_AT_BROKER');
  // The same tag twice at the broker is drift: the kill switch HALTs.
  assert.match(reconcileOrders(s, [at(), at({ brokerOrderId: 'B2' })], T0, CFG).mismatch ?? '', /appears 2 times/);
});

test('positions: a broker position nobody placed is adopted; one closed outside is dropped; an unexplained difference is drift', () => {
  const s = build([]);
  const pos = (instrumentKey: string, quantity: number): BrokerPosition => ({ instrumentKey, quantity, averagePrice: 12.5, realisedPnl: 0 }) as BrokerPosition;
  const z = reconcilePositions(s, [pos('Z', -65)], [], T0, () => undefined);
  assert.equal(z.events[0]?.type === 'executor.positionAdopted' ? z.events[0].position.averagePrice : 0, 12.5, "the broker's average");
  s.positions['X'] = { instrumentKey: 'X', quantity: 65, averagePrice: 10, realisedPnl: 0, structureId: 'S-1', underlying: 'NIFTY', expiry: '', strike: 0, right: 'CE' };
  assert.deepEqual(reconcilePositions(s, [], [], T0, () => undefined).findings.map((f) => f.class), ['externally_closed']);
  assert.match(reconcilePositions(s, [pos('X', 130)], [], T0, () => undefined).mismatch ?? '', /quantity drift on X: local 65, broker 130/);
});

test('several broker orders under one tag that add up to it are its slices (the broker split it): each tracked as a part, the fills summed, no drift', () => {
  const big: PlannedOrder = { ...planned, quantity: 1950 };
  const s = build([{ type: 'executor.orderIntent', ...big, ts: T0 }]);
  const slices = [at({ brokerOrderId: 'B1', quantity: 1755, filledQuantity: 1755 }), at({ brokerOrderId: 'B2', quantity: 195, filledQuantity: 100, status: 'partially_filled' })];
  const r = reconcileOrders(s, slices, T0 + 1, CFG);
  assert.equal(r.mismatch, undefined);
  const after = build([{ type: 'executor.orderIntent', ...big, ts: T0 }, ...r.events]);
  // 1,755 + 100 = 1,855 of 1,950: still working; the position holds every unit filled.
  assert.deepEqual([after.orders['VG1-2E0']?.status, after.orders['VG1-2E0']?.filledQuantity, after.positions['K']?.quantity], ['partially_filled', 1855, 1855]);
  assert.deepEqual(Object.keys(after.orders['VG1-2E0']?.parts ?? {}), ['B1', 'B2']);
  // Slices that do not add up to the order (or trade another side) are still drift.
  assert.match(reconcileOrders(s, [at({ brokerOrderId: 'B1', quantity: 1755 }), at({ brokerOrderId: 'B2', quantity: 1755 })], T0, CFG).mismatch ?? '', /appears 2 times/);
});
