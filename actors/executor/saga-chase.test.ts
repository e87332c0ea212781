/**
 * Entry re-pricing (CoreConfig.entryReprice*): an entry the touch moved away from is re-placed at the touch a bounded
 * number of times, never more than the slippage cap worse than its first price; the fill timeout still runs from the
 * leg's first order. Prices by hand: touch bid 10 / ask 10.5 (the fixture's), 4 protection ticks of ₹0.05.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSagaStep } from './saga.ts';
import type { PlannedOrder } from './state.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { CoreConfig } from './core.ts';
import { build, CFG, condor, leg, order, started, T0 } from './fixture.ts';

const CHASE: CoreConfig = { ...CFG, entryRepriceAttempts: 2, entryRepriceMs: 10_000, entryMaxSlippagePct: 5 };
let touchNow = { bid: 10, ask: 10.5 };
const touch = () => touchNow;
const rules = () => ({ lotSize: 65, freezeQty: 1800 });
const step = (s: ReturnType<typeof build>, now: number, cfg: CoreConfig = CHASE) => nextSagaStep(s, 'VG1', now, cfg, touch, rules);
const placed = (st: ReturnType<typeof step>): PlannedOrder[] => (st.kind === 'place' ? [...st.orders] : []);

/** The condor priced by the strategy: shorts at 20.00, wings at 10.00 (the touch has since moved to 10 / 10.5). */
function priced(qty = 65): Proposal {
  const c = condor('p', qty);
  return { ...c, legs: [leg(23500, 'PE', 'SELL', qty, 20), leg(24500, 'CE', 'SELL', qty, 20), leg(23000, 'PE', 'BUY', qty, 10), leg(25000, 'CE', 'BUY', qty, 10)] };
}

test('a wing the ask moved away from is re-placed at the touch within the cap; then it rests; the fill timeout still ends the leg at 30 s from its first order', () => {
  touchNow = { bid: 10, ask: 10.5 };
  const p = priced();
  const wings = placed(step(build([started(1, p)]), T0));
  assert.deepEqual(wings.map((o) => [o.clientOrderId, o.side, o.price]), [['VG1-2E0', 'BUY', 10], ['VG1-3E0', 'BUY', 10]]);
  // One wing filled, the other rests at 10.00 under an ask of 10.50.
  const resting = [started(1, p), ...order(wings[1]!, T0, { status: 'filled' }), ...order(wings[0]!, T0, { status: 'open' })];
  assert.equal(step(build(resting), T0 + 9_999).kind, 'wait');
  // At 10 s: worth re-pricing — ask 10.50 + 4 ticks × 1 attempt = 10.70, capped at 10.00 + max(5 % = 0.50, 2 ticks) = 10.50.
  assert.deepEqual(step(build(resting), T0 + 10_000), { kind: 'cancel', orders: ['VG1-2E0'], why: 're-price: entry unfilled after 10000 ms' });
  const cancelled = [...resting, ...order(wings[0]!, T0, { status: 'cancelled', reason: 'cancelled by user' }).slice(2)];
  const again = step(build(cancelled), T0 + 10_100);
  assert.equal(again.kind, 'place');
  assert.equal(again.kind === 'place' && again.riskIncreasing, true, 'still an entry: gated and risk-checked again');
  assert.deepEqual(placed(again).map((o) => [o.clientOrderId, o.side, o.quantity, o.price, o.role]), [['VG1-2E1', 'BUY', 65, 10.5, 'entry']]);
  // Resting at the cap: a second attempt would be no better (10.90 capped to 10.50 again), so it is left alone…
  const second = [...cancelled, ...order(placed(again)[0]!, T0 + 10_100, { status: 'open' })];
  assert.deepEqual(step(build(second), T0 + 25_000), { kind: 'wait', why: 'BUY legs working' });
  // …until 30 s from the leg's FIRST order: the saga gives up on it (and compensates the filled wing).
  assert.deepEqual(step(build(second), T0 + 30_000), { kind: 'cancel', orders: ['VG1-2E1'], why: 'unfilled after 30000 ms (limit 30000 ms)' });
});

test('a short the bid fell away from is re-priced down, never below its first price less the cap; a partial fill re-places only the rest', () => {
  touchNow = { bid: 10, ask: 10.5 };
  const p = priced(130);
  const wings = placed(step(build([started(1, p)]), T0));
  const hedged = [started(1, p), ...wings.flatMap((o) => order(o, T0, { status: 'filled' }))];
  const shorts = placed(step(build(hedged), T0));
  assert.deepEqual(shorts.map((o) => [o.clientOrderId, o.side, o.price]), [['VG1-0E0', 'SELL', 20], ['VG1-1E0', 'SELL', 20]]);
  touchNow = { bid: 18, ask: 18.5 };
  // 10 s on: bid 18.00 − 4 ticks = 17.80, capped at 20.00 − max(5 % = 1.00, 2 ticks) = 19.00. One lot of two filled.
  const part = [...hedged, ...order(shorts[1]!, T0, { status: 'filled' }), ...order(shorts[0]!, T0, { status: 'partially_filled', filled: 65 })];
  assert.deepEqual(step(build(part), T0 + 10_000), { kind: 'cancel', orders: ['VG1-0E0'], why: 're-price: entry unfilled after 10000 ms' });
  const rest = placed(step(build([...part, ...order(shorts[0]!, T0, { status: 'cancelled', filled: 65 }).slice(2)]), T0 + 10_050));
  assert.deepEqual(rest.map((o) => [o.clientOrderId, o.side, o.quantity, o.price]), [['VG1-0E1', 'SELL', 65, 19]]);
});

test('attempts are bounded per leg, and none without the setting (the leg rests until the fill timeout)', () => {
  touchNow = { bid: 10, ask: 10.5 };
  const p = priced();
  const wings = placed(step(build([started(1, p)]), T0));
  const resting = [started(1, p), ...order(wings[1]!, T0, { status: 'filled' }), ...order(wings[0]!, T0, { status: 'open' })];
  assert.deepEqual(step(build(resting), T0 + 10_000, CFG), { kind: 'wait', why: 'BUY legs working' });
  // One attempt allowed: after it, a cancelled re-placement is not re-placed again — the leg failed, the saga compensates.
  const one = { ...CHASE, entryRepriceAttempts: 1 };
  const first = [...resting, ...order(wings[0]!, T0, { status: 'cancelled' }).slice(2)];
  const r1 = placed(step(build(first), T0 + 10_000, one));
  assert.deepEqual(r1.map((o) => o.clientOrderId), ['VG1-2E1']);
  touchNow = { bid: 10.2, ask: 10.7 };
  const twice = [...first, ...order(r1[0]!, T0 + 10_000, { status: 'open' })];
  assert.deepEqual(step(build(twice), T0 + 21_000, one), { kind: 'wait', why: 'BUY legs working' }, 'no second attempt with one allowed');
  const ended = [...twice, ...order(r1[0]!, T0 + 10_000, { status: 'expired' }).slice(2)];
  const comp = placed(step(build(ended), T0 + 22_000, one));
  assert.deepEqual(comp.map((o) => [o.clientOrderId, o.side, o.role]), [['VG1-3C0', 'SELL', 'compensate']]);
});
