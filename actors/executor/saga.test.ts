import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSagaStep, refusedMarketClosed } from './saga.ts';
import type { PlannedOrder } from './state.ts';
import { build, CFG, condor, exit, order, started, T0 } from './fixture.ts';

const touch = () => ({ bid: 10, ask: 10.5 });
const rules = () => ({ lotSize: 65, freezeQty: 1755 });
const step = (s: ReturnType<typeof build>, now = T0, cfg = CFG) => nextSagaStep(s, 'VG1', now, cfg, touch, rules);
const placed = (st: ReturnType<typeof step>): PlannedOrder[] => (st.kind === 'place' ? [...st.orders] : []);

test('an entry places its BUY legs first (hedges before shorts), then its SELL legs, then finishes completed', () => {
  let s = build([started(1, condor('p'))]);
  const first = placed(step(s));
  assert.deepEqual(first.map((o) => [o.clientOrderId, o.side]), [['VG1-2E0', 'BUY'], ['VG1-3E0', 'BUY']]);
  // BUY at the ask + 4 ticks: 10.5 + 0.2 = 10.7.
  assert.equal(first[0]?.price, 10.7);
  s = build([started(1, condor('p')), ...first.flatMap((o) => order(o, T0, { status: 'filled' }))]);
  const second = placed(step(s));
  assert.deepEqual(second.map((o) => [o.clientOrderId, o.side, o.price]), [['VG1-0E0', 'SELL', 9.8], ['VG1-1E0', 'SELL', 9.8]]);
  s = build([started(1, condor('p')), ...[...first, ...second].flatMap((o) => order(o, T0, { status: 'filled' }))]);
  assert.deepEqual(step(s), { kind: 'finish', outcome: 'completed', reason: 'all legs filled' });
});

test('a rejected short after the wings filled compensates: SELL the wings back (nothing bought back: no short filled)', () => {
  const wings = placed(step(build([started(1, condor('p'))])));
  const shorts = placed(step(build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' }))])));
  const s = build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' })), ...order(shorts[0]!, T0, { status: 'rejected', reason: 'RMS' })]);
  const comp = placed(step(s));
  assert.deepEqual(comp.map((o) => [o.clientOrderId, o.side, o.quantity, o.role]), [['VG1-2C0', 'SELL', 65, 'compensate'], ['VG1-3C0', 'SELL', 65, 'compensate']]);
});

test('an entry resting past the fill timeout (market time) is cancelled; a compensation re-prices; a closed market carries it', () => {
  const wings = placed(step(build([started(1, condor('p'))])));
  const resting = build([started(1, condor('p')), ...order(wings[0]!, T0, { status: 'open' }), ...order(wings[1]!, T0, { status: 'filled' })]);
  assert.equal(step(resting, T0 + 29_999).kind, 'wait');
  assert.deepEqual(step(resting, T0 + 30_000), { kind: 'cancel', orders: ['VG1-2E0'], why: 'unfilled after 30000 ms (limit 30000 ms)' });
  // The compensation of the filled long call refused because the market is closed: not an attempt; wait for the open.
  const closed = { ...CFG, isMarketOpen: () => false };
  const comp: PlannedOrder = { clientOrderId: 'VG1-3C0', sagaId: 'VG1', leg: 3, role: 'compensate', instrumentKey: wings[1]!.instrumentKey, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 9.6, riskIncreasing: false };
  const s = build([
    started(1, condor('p')), ...order(wings[0]!, T0, { status: 'cancelled' }), ...order(wings[1]!, T0, { status: 'filled' }),
    ...order(comp, T0 + 30_000, { status: 'rejected', reason: 'market closed' }),
  ]);
  assert.ok(refusedMarketClosed(s.orders['VG1-3C0']!));
  const w = step(s, T0 + 31_000, closed);
  assert.equal(w.kind, 'wait');
  assert.match(w.kind === 'wait' ? w.why : '', /^market closed: compensation of leg 3 \(NIFTY25000CE\) refused \(market closed\); carried to the next open$/);
  // Open again: the next attempt (id attempt 1) goes out, one step more aggressive: bid 10 − 8 ticks = 9.6.
  assert.deepEqual(placed(step(s, T0 + 60_000)).map((o) => [o.clientOrderId, o.price]), [['VG1-3C1', 9.6]]);
});

test('a saga that compensated after a fill timeout finishes with that cause, not the venue\'s text on the cancel', () => {
  // Seen on paper: the hedge BUY rested past the timeout, was cancelled (the venue says "cancelled by user"), the
  // filled wing was sold back — and the saga said it finished "cancelled by user", which nobody did.
  const wings = placed(step(build([started(1, condor('p'))])));
  const why = 'unfilled after 30000 ms (limit 30000 ms)';
  const comp: PlannedOrder = { clientOrderId: 'VG1-3C0', sagaId: 'VG1', leg: 3, role: 'compensate', instrumentKey: wings[1]!.instrumentKey, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 9.9, riskIncreasing: false };
  const s = build([
    started(1, condor('p')), ...order(wings[1]!, T0, { status: 'filled' }), ...order(wings[0]!, T0, { status: 'open' }),
    { type: 'executor.sagaCompensating', sagaId: 'VG1', reason: why, ts: T0 + 30_000 },
    ...order(wings[0]!, T0, { status: 'cancelled', reason: 'cancelled by user' }).slice(2),
    ...order(comp, T0 + 30_000, { status: 'filled' }),
  ]);
  assert.deepEqual(step(s, T0 + 31_000), { kind: 'finish', outcome: 'compensated', reason: why });
  // Without a cause of its own (a rejected leg), the rejection's text is the reason.
  const shorts = placed(step(build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' }))])));
  const comps = placed(step(build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' })), ...order(shorts[0]!, T0, { status: 'rejected', reason: 'RMS: margin' })])));
  const done = build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' })), ...order(shorts[0]!, T0, { status: 'rejected', reason: 'RMS: margin' }), ...comps.flatMap((o) => order(o, T0, { status: 'filled' }))]);
  assert.deepEqual(step(done), { kind: 'finish', outcome: 'compensated', reason: 'RMS: margin' });
});

test('an exit leg cancelled with part filled has only its rest re-placed', () => {
  // Hold a 2-lot condor (saga 1), exit it (saga 2): the short put BUY-back filled one lot of two and was cancelled.
  const c = condor('p', 130);
  const wings = placed(step(build([started(1, c)])));
  const afterWings = [started(1, c), ...wings.flatMap((o) => order(o, T0, { status: 'filled' }))];
  const shorts = placed(step(build(afterWings)));
  const held = [...afterWings, ...shorts.flatMap((o) => order(o, T0, { status: 'filled' })), { type: 'executor.sagaFinished' as const, sagaId: 'VG1', outcome: 'completed' as const, reason: 'ok', ts: T0 }];
  const x = exit('x', 'S-VG1', 130);
  const buyBacks = placed(nextSagaStep(build([...held, started(2, x)]), 'VG2', T0, CFG, touch, rules));
  assert.deepEqual(buyBacks.map((o) => [o.clientOrderId, o.side, o.quantity]), [['VG2-0E0', 'BUY', 130], ['VG2-1E0', 'BUY', 130]]);
  const s1 = build([...held, started(2, x), ...order(buyBacks[0]!, T0, { status: 'cancelled', filled: 65 }), ...order(buyBacks[1]!, T0, { status: 'filled' })]);
  // The rest, 130 − 65 = 65, re-placed one step more aggressive: ask 10.5 + 8 ticks = 10.9.
  assert.deepEqual(placed(nextSagaStep(s1, 'VG2', T0, CFG, touch, rules)).map((o) => [o.clientOrderId, o.quantity, o.price]), [['VG2-0E1', 65, 10.9]]);
  // Expired (purged after its session) is over the same way.
  const s2 = build([...held, started(2, x), ...order(buyBacks[0]!, T0, { status: 'expired', filled: 65 }), ...order(buyBacks[1]!, T0, { status: 'filled' })]);
  assert.deepEqual(placed(nextSagaStep(s2, 'VG2', T0, CFG, touch, rules)).map((o) => o.clientOrderId), ['VG2-0E1']);
});

test('products: entries in the configured product; an exit closes each position in the product it is held in', () => {
  const entry = placed(step(build([started(1, condor('p'))]), T0, { ...CFG, product: 'I' }));
  assert.deepEqual(entry.map((o) => o.product), ['I', 'I']);
  // A D short held (opened when the product was D) is bought back with D even though VolGuard now trades I.
  const wings = placed(step(build([started(1, condor('p'))])));
  const shorts = placed(step(build([started(1, condor('p')), ...wings.flatMap((o) => order(o, T0, { status: 'filled' }))])));
  const opened = [...wings, ...shorts].flatMap((o) => order(o, T0, { status: 'filled' }));
  const s = build([started(1, condor('p')), ...opened, { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'completed', reason: 'all legs filled', ts: T0 }, started(2, exit('x', 'S-VG1'))]);
  const close = nextSagaStep(s, 'VG2', T0, { ...CFG, product: 'I' }, touch, rules);
  assert.deepEqual(close.kind === 'place' ? close.orders.map((o) => [o.side, o.product]) : [], [['BUY', 'D'], ['BUY', 'D']]);
});

test('no bare MARKET: without a quote the last resort is MARKET with a protection band', () => {
  const s = build([started(1, condor('p'))]);
  const noQuote = nextSagaStep(s, 'VG1', T0, { ...CFG, marketProtectionPct: 3 }, () => undefined, rules);
  assert.deepEqual(noQuote.kind === 'place' ? noQuote.orders.map((o) => [o.orderType, o.price, o.marketProtection]) : [], [['MARKET', 0, 3], ['MARKET', 0, 3]]);
});
