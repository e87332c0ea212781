import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../../runtime/clock.ts';
import type { BrokerOrder } from '../../broker.ts';
import { PaperBroker, priceBand, type PaperOptions } from './exchange.ts';
import type { PaperQuote } from './quotes.ts';
import type { Side } from '../../../domain/side.ts';

const KEY = 'NSE_FO|1001';
function setup(over: Partial<PaperOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'paper-'));
  const clock = new ManualClock(Date.UTC(2026, 0, 6, 5, 0, 0)); // 10:30 IST, a Tuesday
  const quotes = new Map<string, PaperQuote>([[KEY, { bid: 100, ask: 101, ltp: 100.5, bidQty: 150, askQty: 150 }]]);
  const opts: PaperOptions = {
    dir, clock, quotes: (k) => quotes.get(k), instruments: () => ({ lotSize: 75, freezeQty: 1800 }),
    capital: 1_000_000, isMarketOpen: () => true, ...over,
  };
  return { dir, clock, quotes, opts, broker: new PaperBroker(opts), done: () => rmSync(dir, { recursive: true, force: true }) };
}
const req = (id: string, side: Side, quantity: number, price?: number) => ({
  clientOrderId: id, instrumentKey: KEY, side, quantity, orderType: price === undefined ? 'MARKET' as const : 'LIMIT' as const,
  ...(price !== undefined ? { price } : {}), product: 'D' as const, validity: 'DAY' as const,
});

test('a marketable limit fills up to the displayed size and leaves the rest open, then fills when the quote refreshes', async () => {
  const t = setup();
  const updates: BrokerOrder[] = [];
  t.broker.onOrderUpdate((o) => updates.push(o));
  const { brokerOrderIds } = await t.broker.placeOrder(req('a1', 'BUY', 300, 102));
  const id = brokerOrderIds[0]!;
  let o = await t.broker.getOrder(id);
  assert.equal(o.status, 'partially_filled');
  assert.equal(o.filledQuantity, 150);
  assert.equal(o.averagePrice, 101);
  t.clock.advance(1000);
  t.broker.match();
  o = await t.broker.getOrder(id);
  assert.equal(o.status, 'filled');
  assert.deepEqual(updates.map((u) => u.status), ['open', 'partially_filled', 'filled']);
  const [pos] = await t.broker.getPositions();
  assert.equal(pos?.quantity, 300);
  await t.broker.close();
  t.done();
});

test('a limit that does not cross rests; a MARKET order fills at the touch within protection', async () => {
  const t = setup();
  const rest = (await t.broker.placeOrder(req('b1', 'SELL', 75, 105))).brokerOrderIds[0]!;
  assert.equal((await t.broker.getOrder(rest)).status, 'open');
  const mkt = (await t.broker.placeOrder(req('b2', 'SELL', 75))).brokerOrderIds[0]!;
  const o = await t.broker.getOrder(mkt);
  assert.equal(o.status, 'filled');
  assert.equal(o.averagePrice, 100);
  await t.broker.close();
  t.done();
});

test('RMS rejections are orders in the book with a reason: freeze, band, market closed, margin, forced', async () => {
  const t = setup({ capital: 50_000 });
  const status = async (r: ReturnType<typeof req>) => t.broker.getOrder((await t.broker.placeOrder(r)).brokerOrderIds[0]!);
  assert.match((await status(req('c1', 'SELL', 1875, 100)))?.statusMessage ?? '', /freeze quantity/);
  assert.match((await status(req('c2', 'BUY', 75, 200)))?.statusMessage ?? '', /price band/);
  assert.match((await status(req('c3', 'SELL', 75, 100)))?.statusMessage ?? '', /insufficient margin/);
  t.broker.faults.rejectNext('RMS: test reason');
  const forced = await status(req('c4', 'BUY', 75, 102));
  assert.equal(forced.status, 'rejected');
  assert.equal(forced.statusMessage, 'RMS: test reason');
  await t.broker.close();
  t.done();
  const closed = setup({ isMarketOpen: () => false });
  assert.equal((await closed.broker.getOrder((await closed.broker.placeOrder(req('c5', 'BUY', 75, 102))).brokerOrderIds[0]!)).statusMessage, 'market closed');
  await closed.broker.close();
  closed.done();
});

test('price band: inclusive in whole ticks, widened outward to ticks — a price printed as the bound is inside', async () => {
  // The reported case: LTP 0.05, ±50% → 0.025..0.075, i.e. the ticks 0.05..0.1; 0.1 used to be refused with
  // "expected 0.05..0.1, was 0.1" (the check compared against the unrounded 0.075). No ₹ floor here (minAbs 0).
  const t = setup({ priceBandMinAbs: 0 });
  t.quotes.set(KEY, { bid: 0.05, ask: 0.1, ltp: 0.05, bidQty: 1500, askQty: 1500 });
  const place = async (id: string, price: number) => t.broker.getOrder((await t.broker.placeOrder(req(id, 'BUY', 75, price))).brokerOrderIds[0]!);
  const atHi = await place('b1', 0.1);
  assert.notEqual(atHi.status, 'rejected', `0.1 is the band's upper bound: ${atHi.statusMessage}`);
  const atLo = await place('b2', 0.05);
  assert.notEqual(atLo.status, 'rejected', `0.05 is the band's lower bound: ${atLo.statusMessage}`);
  const beyond = await place('b3', 0.15);
  assert.equal(beyond.status, 'rejected');
  assert.equal(beyond.statusMessage, 'price band: expected 0.05..0.1, was 0.15');
  // Binary fractions: 0.3 × 1.5 = 0.44999999999999996 and 0.1 × 1.5 = 0.15000000000000002 still admit their bound.
  t.quotes.set(KEY, { bid: 0.3, ask: 0.35, ltp: 0.3, bidQty: 1500, askQty: 1500 });
  assert.notEqual((await place('b4', 0.45)).status, 'rejected');
  assert.equal((await place('b5', 0.5)).statusMessage, 'price band: expected 0.15..0.45, was 0.5');
  await t.broker.close();
  t.done();

  // The band itself: tick-aligned edges exactly, off-tick edges widened outward, never below one tick.
  const b = priceBand(100.5, 0.5);
  assert.deepEqual([b.lo, b.hi], [50.25, 150.75]);
  assert.ok(b.contains(50.25) && b.contains(150.75) && b.contains(150.75 + 1e-12) && !b.contains(150.8) && !b.contains(50.2));
  const odd = priceBand(0.07, 0.5); // 0.035..0.105 → ticks 0.05..0.15
  assert.deepEqual([odd.lo, odd.hi], [0.05, 0.15]);
  assert.deepEqual([priceBand(0.1, 0.5).lo, priceBand(0.1, 0.5).hi], [0.05, 0.15]);
  assert.ok(!b.contains(Number.NaN));
  // The ₹ floor: a cheap wing quoted 0.90 while its LTP lags at 0.50 is inside; ±50% alone would refuse it.
  assert.deepEqual([priceBand(0.5, 0.5).hi, priceBand(0.5, 0.5, 20).lo, priceBand(0.5, 0.5, 20).hi], [0.75, 0.05, 20.5]);
  assert.ok(priceBand(0.5, 0.5, 20).contains(0.9));
  assert.deepEqual([priceBand(100.5, 0.5, 20).lo, priceBand(100.5, 0.5, 20).hi], [50.25, 150.75], 'the fraction governs above ₹40');
  assert.throws(() => priceBand(0, 0.5), /expected a positive finite last price, was 0/);
  assert.throws(() => priceBand(1, -0.1), /expected a non-negative band fraction, was -0.1/);
  assert.throws(() => priceBand(1, 0.5, -1), /expected a non-negative minimum band width \(₹\), was -1/);
  assert.throws(() => priceBand(1, 0.5, 0, 0), /expected a positive tick, was 0/);
});

test('paper band default: an order at a cheap wing\'s touch is not refused because its LTP lags the quote', async () => {
  const t = setup();
  t.quotes.set(KEY, { bid: 0.8, ask: 0.9, ltp: 0.5, bidQty: 1500, askQty: 1500 });
  const o = await t.broker.getOrder((await t.broker.placeOrder(req('w1', 'BUY', 75, 0.9))).brokerOrderIds[0]!);
  assert.equal(o.status, 'filled', o.statusMessage);
  await t.broker.close();
  t.done();
});

test('validation errors throw and record nothing: tag over 40 characters, quantity not a lot multiple', async () => {
  const t = setup();
  await assert.rejects(t.broker.placeOrder(req('x'.repeat(41), 'BUY', 75, 101)), /tag of 1\.\.40/);
  await assert.rejects(t.broker.placeOrder(req('d1', 'BUY', 70, 101)), /multiple of the lot size 75/);
  assert.equal((await t.broker.getOrderBook()).length, 0);
  await t.broker.close();
  t.done();
});

test('an ambiguous call leaves the order at the exchange; a second send makes a duplicate (no dedupe by tag)', async () => {
  const t = setup();
  t.broker.faults.ambiguousNext();
  await assert.rejects(t.broker.placeOrder(req('e1', 'BUY', 75, 102)), (e: unknown) => (e as { kind?: string }).kind === 'AMBIGUOUS');
  assert.equal((await t.broker.getOrderBook()).filter((o) => o.clientOrderId === 'e1').length, 1);
  await t.broker.placeOrder(req('e1', 'BUY', 75, 102));
  assert.deepEqual(t.broker.tags(), ['e1', 'e1']);
  await t.broker.close();
  t.done();
});

test('fills wait for latency and injected delay on the injected clock', async () => {
  const t = setup({ latencyMs: 200 });
  t.broker.faults.delayFills(800);
  const id = (await t.broker.placeOrder(req('f1', 'BUY', 75, 102))).brokerOrderIds[0]!;
  t.clock.advance(999);
  t.broker.match();
  assert.equal((await t.broker.getOrder(id)).filledQuantity, 0);
  t.clock.advance(1);
  t.broker.match();
  assert.equal((await t.broker.getOrder(id)).filledQuantity, 75);
  await t.broker.close();
  t.done();
});

test('books survive a reopen (orders, positions, realised P&L) and a torn last line is dropped', async () => {
  const t = setup();
  await t.broker.placeOrder(req('g1', 'SELL', 150, 99));
  t.quotes.set(KEY, { bid: 80, ask: 81, ltp: 80.5, bidQty: 150, askQty: 150 });
  await t.broker.placeOrder(req('g2', 'BUY', 75, 82));
  await t.broker.placeOrder(req('g3', 'BUY', 75, 70)); // rests
  await t.broker.close();
  appendFileSync(path.join(t.dir, 'orders.jsonl'), '{"k":"fill","ts":1,"broker');
  const again = new PaperBroker(t.opts);
  const [pos] = await again.getPositions();
  assert.equal(pos?.quantity, -75);
  assert.equal(pos?.realisedPnl, 75 * (100 - 81));
  const book = await again.getOrderBook();
  assert.deepEqual(book.map((o) => [o.clientOrderId, o.status]), [['g1', 'filled'], ['g2', 'filled'], ['g3', 'open']]);
  // New ids continue after the replayed ones.
  const next = await again.placeOrder(req('g4', 'BUY', 75, 70));
  assert.equal(next.brokerOrderIds[0], 'P000000004');
  await again.close();
  t.done();
});

test('a corrupt line in the middle of the log fails the open with the line number', async () => {
  const t = setup();
  await t.broker.placeOrder(req('h1', 'BUY', 75, 102));
  await t.broker.close();
  appendFileSync(path.join(t.dir, 'orders.jsonl'), 'garbage\n{"k":"cancel","ts":1,"brokerOrderId":"P000000001","reason":"x"}\n');
  assert.throws(() => new PaperBroker(t.opts), /orders\.jsonl:\d+: expected a JSON record/);
  t.done();
});
