/**
 * The executor's timers are market time whatever the clock's speed (DESIGN §8; issue 16 item 10: at SIM_SPEED=300 a
 * wall-time 30 s fill timeout was 150 market minutes, so compensation landed after the close), and orders that
 * reduce risk — compensations and exits — are re-priced when they rest unfilled, a bounded number of times. The
 * harness runs a manual clock: "600×" here is `clockSpeed: 600` (it sets only the tick's wall interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCoreConfig, repriceAfterMs } from '../../actors/executor/core.ts';
import { tickInterval, TICK_MAX_WALL_MS, TICK_MIN_WALL_MS } from '../../actors/executor/tick.ts';
import { engineConfig } from '../../actors/executor/settings.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import type { Leg } from '../../actors/domain/leg.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { CFG, Harness, condor, duplicates, leg, LEGS } from './executor-harness.ts';

const SPEED = 600;
const FAST = { ...CFG, clockSpeed: SPEED };

/** A condor whose long put rests: its limit is a rupee under the ask. */
function restingCondor(id: string): Proposal {
  const p = condor(id);
  return { ...p, legs: p.legs.map((l): Leg => (l.instrumentKey === LEGS.longPut.key ? { ...l, limitPrice: LEGS.longPut.ask - 1 } : l)) };
}

function close(id: string, structureId: string, limits: Partial<Record<keyof typeof LEGS, number>> = {}): Proposal {
  const priced = (name: keyof typeof LEGS, side: 'BUY' | 'SELL'): Leg => {
    const l = leg(name, side);
    const px = limits[name];
    return px === undefined ? l : { ...l, limitPrice: px };
  };
  return {
    id, action: 'close', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: '2026-01-13', structureId,
    legs: [priced('shortPut', 'BUY'), priced('shortCall', 'BUY'), priced('longPut', 'SELL'), priced('longCall', 'SELL')],
    reason: 'test close', rationale: { test: true }, riskIncreasing: false,
  };
}

const statusOf = async (h: Harness, tag: string) => (await h.broker.getOrderBook()).find((o) => o.clientOrderId === tag);

test('the fill timeout is market time: at 600× as at 1×, a 30 s timeout cancels after 30 s of market time', async () => {
  for (const [cfg, speed] of [[FAST, SPEED], [CFG, 1]] as const) {
    const h = new Harness(cfg);
    await h.execute([restingCondor('p1')]);
    // Legs: 0 short put, 1 short call, 2 long put, 3 long call; the BUYs go first.
    assert.equal((await statusOf(h, 'VG1-3E0'))?.status, 'filled');
    assert.equal((await statusOf(h, 'VG1-2E0'))?.status, 'open', 'the long put rests under the ask');
    h.clock.advance(30_000 - 1);
    await h.execute([]);
    assert.equal((await statusOf(h, 'VG1-2E0'))?.status, 'open', `still working 1 market ms before 30000 ms (speed ${speed})`);
    h.clock.advance(1);
    const r = await h.execute([]);
    assert.equal((await statusOf(h, 'VG1-2E0'))?.status, 'cancelled', `cancelled at 30 market s (speed ${speed})`);
    assert.equal(r.sagasProgressed.at(-1)?.outcome, 'compensated');
    const why = h.journal.find((e) => e.type === 'executor.sagaCompensating');
    assert.match(why?.type === 'executor.sagaCompensating' ? why.reason : '', /^unfilled after 30000 ms \(limit 30000 ms\)$/);
    assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), [], 'the filled hedge was sold back');
    await h.done();
  }
});

test('the naked-leg timer is market time: at 600× EMERGENCY after 10 s of market time, not 10 × 600 s', async () => {
  const h = new Harness(FAST);
  await h.execute([condor('p2')]);
  await h.broker.placeOrder({ clientOrderId: 'manual-1', instrumentKey: LEGS.longPut.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  await h.execute([]);
  h.clock.advance(10_000 - 1);
  await h.engine.tick();
  assert.equal(h.emergencies.length, 0);
  h.clock.advance(1);
  await h.engine.tick();
  assert.equal(h.emergencies.length, 1);
  assert.match((h.emergencies[0] as { message: string }).message, /unhedged for 10000 ms \(limit 10000 ms\)/);
  await h.done();
});

test('recon grace is market time: an UNKNOWN order absent from the book is proven never placed after 15 market s', async () => {
  const h = new Harness(FAST);
  // The send fails ambiguously and the order really is not there: the broker refused it before it existed.
  const place = h.broker.placeOrder.bind(h.broker);
  let first = true;
  h.broker.placeOrder = async (req) => {
    if (first) {
      first = false;
      throw new Error('socket hang up');
    }
    return place(req);
  };
  await h.execute([condor('p3')]);
  assert.equal(h.engine.orders().find((o) => o.clientOrderId === 'VG1-2E0')?.status, 'unknown', 'the first BUY (long put) is UNKNOWN');
  h.clock.advance(15_000 - 1);
  const r1 = await h.execute([]);
  assert.ok(r1.reconciliation.findings.some((f) => f.class === 'in_flight' && f.clientOrderId === 'VG1-2E0'), 'still in grace');
  h.clock.advance(1);
  const r2 = await h.execute([]);
  const resolved = r2.reconciliation.findings.find((f) => f.class === 'unknown_resolved' && f.clientOrderId === 'VG1-2E0');
  assert.match(resolved?.detail ?? '', /not in the broker's book 15000 ms after it was last seen/);
  await h.done();
});

test('a resting compensation is re-priced one step more aggressive after the re-price interval (market time)', async () => {
  const h = new Harness(FAST);
  const place = h.broker.placeOrder.bind(h.broker);
  let n = 0;
  h.broker.placeOrder = async (req) => {
    if (++n === 3) h.broker.faults.rejectNext('RMS: short not allowed');
    return place(req);
  };
  // The snapshot shows the long put at 20 bid; the exchange has it at 19.5: the hedges still fill (BUY at the
  // snapshot's ask + 4 ticks), the short put is refused, and the compensation SELL at 20 − 4 ticks = 19.8 rests.
  const req = h.request([condor('p4')]);
  h.setQuote(LEGS.longPut.key, 19.5, 20);
  const r1 = await h.engine.execute(req);
  assert.match(r1.sagasProgressed.at(-1)?.stage ?? '', /compensation working/);
  assert.deepEqual([(await statusOf(h, 'VG1-2C0'))?.status, (await statusOf(h, 'VG1-2C0'))?.price], ['open', 19.8]);
  assert.equal((await statusOf(h, 'VG1-3C0'))?.status, 'filled', 'the long call sold back at once');

  const reprice = repriceAfterMs(FAST);
  assert.equal(reprice, 1666, 'min(fill timeout, naked-leg timer ÷ (attempts + 1))');
  h.clock.advance(reprice - 1);
  await h.execute([]);
  assert.equal((await statusOf(h, 'VG1-2C0'))?.status, 'open', 'not re-priced a market ms early');
  h.clock.advance(1);
  // The snapshot now shows 19.5: the second attempt sells at 19.5 − 8 ticks = 19.1 and fills (at the bid).
  const r2 = await h.execute([]);
  const comps = (await h.broker.getOrderBook()).filter((o) => o.clientOrderId?.startsWith('VG1-2C'));
  assert.deepEqual(comps.map((o) => [o.clientOrderId, o.status, o.price]), [['VG1-2C0', 'cancelled', 19.8], ['VG1-2C1', 'filled', 19.1]]);
  assert.equal(r2.sagasProgressed.at(-1)?.outcome, 'compensated');
  assert.ok(h.journal.some((e) => e.type === 'executor.orderIntent' && e.clientOrderId === 'VG1-2C1'));
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('re-pricing is bounded: a compensation that never fills ends failed after maxCompensationAttempts orders', async () => {
  const h = new Harness(CFG);
  const place = h.broker.placeOrder.bind(h.broker);
  let n = 0;
  h.broker.placeOrder = async (req) => {
    if (++n === 3) h.broker.faults.rejectNext('RMS: short not allowed');
    return place(req);
  };
  // Every cycle the snapshot shows the long put at 20 bid while the exchange has it at 15: no attempt can fill.
  const cycle = async (proposals: Proposal[]) => {
    h.setQuote(LEGS.longPut.key, LEGS.longPut.bid, LEGS.longPut.ask);
    const req = h.request(proposals);
    h.setQuote(LEGS.longPut.key, 15, 20.5);
    return h.engine.execute(req);
  };
  await cycle([condor('p5')]);
  let last;
  for (let i = 0; i < CFG.maxCompensationAttempts; i++) {
    h.clock.advance(repriceAfterMs(CFG));
    last = await cycle([]);
  }
  assert.equal(last?.sagasProgressed.at(-1)?.outcome, 'failed');
  const finished = h.journal.find((e) => e.type === 'executor.sagaFinished');
  assert.equal(finished?.type === 'executor.sagaFinished' ? finished.reason : '', 'compensation of leg 2 failed 5 times');
  const comps = (await h.broker.getOrderBook()).filter((o) => o.clientOrderId?.startsWith('VG1-2C'));
  assert.deepEqual(comps.map((o) => o.price), [19.8, 19.6, 19.4, 19.2, 19], 'each attempt 4 ticks further through the bid');
  assert.ok(comps.every((o) => o.status === 'cancelled'));
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('a resting exit is re-priced toward and through the touch, BUY-backs first, and the structure closes', async () => {
  const h = new Harness(FAST);
  await h.execute([condor('p6')]);
  const sid = h.engine.book().structures[0]?.id ?? '';
  // A profit-target style exit at mid: BUY-backs at 60.25 / 55.25 rest under the asks.
  await h.execute([close('x1', sid, { shortPut: 60.25, shortCall: 55.25, longPut: 20.25, longCall: 18.25 })]);
  assert.deepEqual((await h.broker.getOrderBook()).slice(4).map((o) => [o.clientOrderId, o.status]), [['VG2-0E0', 'open'], ['VG2-1E0', 'open']]);
  h.clock.advance(repriceAfterMs(FAST) - 1);
  await h.execute([]);
  assert.equal((await h.broker.getOrderBook()).length, 6, 'nothing re-priced a market ms early');
  h.clock.advance(1);
  const r = await h.execute([]);
  // BUY-backs re-priced at ask + 8 ticks (fill at the ask); then the wings go at their mid limits and rest; one
  // more interval re-prices them through the bid.
  h.clock.advance(repriceAfterMs(FAST));
  const r2 = await h.execute([]);
  const exits = (await h.broker.getOrderBook()).slice(4).map((o) => [o.clientOrderId, o.side, o.status, o.price]);
  assert.deepEqual(exits, [
    ['VG2-0E0', 'BUY', 'cancelled', 60.25], ['VG2-1E0', 'BUY', 'cancelled', 55.25],
    ['VG2-0E1', 'BUY', 'filled', 60.9], ['VG2-1E1', 'BUY', 'filled', 55.9],
    ['VG2-2E0', 'SELL', 'cancelled', 20.25], ['VG2-3E0', 'SELL', 'cancelled', 18.25],
    ['VG2-2E1', 'SELL', 'filled', 19.6], ['VG2-3E1', 'SELL', 'filled', 17.6],
  ], `after the first re-price: ${JSON.stringify(r.sagasProgressed)}`);
  assert.equal(r2.sagasProgressed.at(-1)?.outcome, 'completed');
  assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closed');
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('an exit never re-places more than the position still holds: after a flatten it has nothing left to do', async () => {
  const h = new Harness(CFG);
  await h.execute([condor('p7')]);
  const sid = h.engine.book().structures[0]?.id ?? '';
  await h.execute([close('x2', sid, { shortPut: 60.25, shortCall: 55.25 })]);
  assert.equal((await h.broker.getOrderBook()).filter((o) => o.status === 'open').length, 2, 'the BUY-backs rest');
  const flat = await h.engine.flatten('test');
  assert.equal(flat.flat, true);
  const before = (await h.broker.getOrderBook()).length;
  h.clock.advance(repriceAfterMs(CFG));
  const r = await h.execute([]);
  assert.equal((await h.broker.getOrderBook()).length, before, 'nothing re-placed: the position is gone');
  assert.equal(r.sagasProgressed.find((s) => s.sagaId === 'VG2')?.stage, 'done');
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  await h.done();
});

test('timing config is checked: a non-positive clock speed or negative timer is refused with its name', () => {
  assert.throws(() => tickInterval(CFG, 0), /expected a positive clock speed \(market ms per wall ms\), was 0/);
  assert.throws(() => tickInterval(CFG, Number.NaN), /was NaN/);
  assert.throws(() => checkCoreConfig({ ...CFG, orderFillTimeoutMs: -1 }), /expected orderFillTimeoutMs a non-negative number of market ms, was -1/);
  assert.throws(() => checkCoreConfig({ ...CFG, repriceMs: Number.POSITIVE_INFINITY }), /expected repriceMs/);
  assert.throws(() => checkCoreConfig({ ...CFG, maxCompensationAttempts: 0 }), /expected maxCompensationAttempts a positive integer, was 0/);
  assert.doesNotThrow(() => checkCoreConfig(FAST));
  const cfg = parseConfig({ DATA_DIR: '/tmp/unused', VOLGUARD_ADMIN_TOKEN: 'test-admin-token-0123456789' });
  assert.equal(engineConfig(cfg, SPEED).clockSpeed, SPEED);
  assert.equal(engineConfig(cfg).clockSpeed, 1, 'live and the real clock: speed 1, nothing changes');
  assert.throws(() => engineConfig(cfg, -2), /expected a positive clock speed \(market ms per wall ms\), was -2/);
});

test('the tick comes every quarter of the shortest market timer, as wall time on this clock, bounded', () => {
  // Shortest timer at the defaults: the re-price interval, min(30000, floor(10000 / 6)) = 1666 market ms → 416 ms.
  assert.deepEqual(tickInterval(CFG, 1), { marketMs: 416, wallMs: 416, timerMs: 416 });
  // 60×: 416 / 60 = 6.9 wall ms, under the floor: 100 wall ms (a timer fires at most 6 market s late); the market-clock
  // timer runs every 100 × 60 = 6000 market ms.
  assert.deepEqual(tickInterval(CFG, 60), { marketMs: 416, wallMs: TICK_MIN_WALL_MS, timerMs: 6000 });
  // Long timers on the real clock: never less than once a second.
  assert.equal(tickInterval({ ...CFG, repriceMs: 60_000, nakedLegTimeoutMs: 60_000, orderFillTimeoutMs: 60_000, reconGraceMs: 60_000 }, 1).wallMs, TICK_MAX_WALL_MS);
  // 2 at 0.5×: 2 ms of market every 4 wall ms would be more than 50 a second: the floor again.
  assert.equal(tickInterval({ ...CFG, repriceMs: 8 }, 0.5).wallMs, TICK_MIN_WALL_MS);
});
