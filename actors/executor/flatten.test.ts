import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFlattenRound, type FlattenContext } from './flatten.ts';
import type { ExecEvent, ExecState, PlannedOrder } from './state.ts';
import { build, CFG, T0 } from './fixture.ts';

const ctx = (over: Partial<FlattenContext> = {}): FlattenContext => ({
  run: 1, next: 0, tries: new Map(), maxAttempts: 3, now: T0, cfg: CFG, touch: () => ({ bid: 10, ask: 10.5 }), speed: 1, retryMs: 500, ...over,
});
function flattenOrder(id: string, key: string, status: 'pending' | 'unknown' | 'open'): ExecState {
  const o: PlannedOrder = { clientOrderId: id, sagaId: 'VGF1', leg: 0, role: 'flatten', instrumentKey: key, side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 11, riskIncreasing: false };
  const ts = T0 - 5_000;
  const events: ExecEvent[] = [{ type: 'executor.orderIntent', ...o, ts }];
  if (status === 'unknown') events.push({ type: 'executor.orderUnknown', clientOrderId: id, sagaId: 'VGF1', error: 'socket hang up', ts });
  if (status === 'open') events.push({ type: 'executor.orderSent', clientOrderId: id, sagaId: 'VGF1', brokerOrderId: 'B1', ts });
  return build(events);
}

test('flat: nothing to do; shorts are closed first and longs only once no short is left, each re-priced by its attempt; exhausted when every attempt is used', () => {
  assert.deepEqual(planFlattenRound(build([]), [], ctx()), { kind: 'flat' });
  const left = [{ instrumentKey: 'L', quantity: 65 }, { instrumentKey: 'S', quantity: -65 }];
  const r = planFlattenRound(build([]), left, ctx({ tries: new Map([['S#D', 1]]) }));
  assert.equal(r.kind, 'place');
  // Only S (short) this round — a basket does not keep its lines' order, so the hedge L is not sold alongside:
  // BUY at ask + 4 × (1 + 1) ticks = 10.5 + 0.4 = 10.9.
  assert.deepEqual(r.kind === 'place' ? r.orders.map((o) => [o.clientOrderId, o.instrumentKey, o.side, o.price]) : [], [['VGF1-0', 'S', 'BUY', 10.9]]);
  // S closed: L goes, SELL at bid − 4 ticks = 9.8.
  const then = planFlattenRound(build([]), [{ instrumentKey: 'L', quantity: 65 }], ctx({ next: 1, tries: new Map([['S#D', 2]]) }));
  assert.deepEqual(then.kind === 'place' ? then.orders.map((o) => [o.clientOrderId, o.instrumentKey, o.side, o.price]) : [], [['VGF1-1', 'L', 'SELL', 9.8]]);
  assert.deepEqual(planFlattenRound(build([]), left, ctx({ tries: new Map([['S#D', 3], ['L#D', 3]]) })), { kind: 'exhausted' });
  // A short that cannot be closed keeps its hedge: exhausted, the long not sold.
  assert.deepEqual(planFlattenRound(build([]), left, ctx({ tries: new Map([['S#D', 3]]) })), { kind: 'exhausted' });
});

test('each position is closed in the product it is held in (an I position with an I order), sliced below the freeze quantity', () => {
  const left = [{ instrumentKey: 'S', product: 'I' as const, quantity: -1950 }, { instrumentKey: 'S', product: 'D' as const, quantity: -65 }];
  const r = planFlattenRound(build([]), left, ctx({ rules: () => ({ lotSize: 65, freezeQty: 1800 }), tries: new Map([['S#D', 3]]) }));
  // S#D has used its attempts; S#I (1,950 units = 30 lots) goes out as 27 lots (1,755) + 3 lots (195), both I.
  assert.deepEqual(r.kind === 'place' ? r.orders.map((o) => [o.clientOrderId, o.side, o.quantity, o.product]) : [], [['VGF1-0', 'BUY', 1755, 'I'], ['VGF1-1', 'BUY', 195, 'I']]);
});

test('an order still working on what is left is pulled first; one in doubt blocks its instrument until the grace proves it', () => {
  assert.deepEqual(planFlattenRound(flattenOrder('VGF1-0', 'S', 'open'), [{ instrumentKey: 'S', quantity: -65 }], ctx()), { kind: 'pull', orders: ['VGF1-0'] });
  const doubt = planFlattenRound(flattenOrder('VGF1-0', 'S', 'unknown'), [{ instrumentKey: 'S', quantity: -65 }], ctx({ speed: 10 }));
  // 15 000 ms of grace, 5 000 gone: 10 000 market ms to run; at 10× that is 1 000 wall ms, looked at an eighth at a time
  // (125 ms) but never under FLATTEN_RETRY_MS (500).
  assert.deepEqual(doubt, { kind: 'wait', waitMs: 500, doubt: ['VGF1-0'], remainingMs: 10_000 });
  // Another short is closed meanwhile; a long (a hedge) waits while a short is in doubt.
  const both = planFlattenRound(flattenOrder('VGF1-0', 'S', 'pending'), [{ instrumentKey: 'S', quantity: -65 }, { instrumentKey: 'S2', quantity: -65 }, { instrumentKey: 'L', quantity: 65 }], ctx({ next: 1 }));
  assert.deepEqual(both.kind === 'place' ? [both.orders.map((o) => o.instrumentKey), both.doubt] : [], [['S2'], ['VGF1-0']]);
  const hedge = planFlattenRound(flattenOrder('VGF1-0', 'S', 'pending'), [{ instrumentKey: 'S', quantity: -65 }, { instrumentKey: 'L', quantity: 65 }], ctx({ next: 1 }));
  assert.equal(hedge.kind, 'wait');
});
