/**
 * Each fault switch of the fake against our client: the documented cause (kind, reason, Upstox code), the state it
 * leaves (order book, positions, token, compliance events) and the operator message — and that nothing is lost
 * (every order the broker accepted is found by its tag; fills add up to positions).
 */
import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError, type OrderRequest, type VenueEvent } from '../../actors/venues/broker.ts';
import { UpstoxBroker } from '../../actors/venues/upstox/broker.ts';
import { Compliance } from '../../actors/venues/upstox/compliance.ts';
import { resolveHosts } from '../../actors/venues/upstox/hosts.ts';
import { UpstoxRest } from '../../actors/venues/upstox/rest/client.ts';
import { OPERATOR_ACTIONS } from '../../actors/venues/upstox/rest/errors.ts';
import { UpstoxHttp } from '../../actors/venues/upstox/rest/http.ts';
import { egressAddress } from '../../actors/venues/upstox/static-ip.ts';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { niftyKeys, rig, TOKEN, type Rig } from './upstox-helpers.ts';

let clock = Date.now();
let r: Rig;
before(async () => { r = await rig({ now: () => clock }); });
// The fake's clock stands still within a test: each starts a second later, so its 10 orders/s window is fresh.
beforeEach(() => { clock += 1000; });
after(async () => { await r.close(); });

const order = (id: string, key: string, side: 'BUY' | 'SELL', extra: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: id, instrumentKey: key, side, quantity: 65, orderType: 'LIMIT', price: 0, product: 'D', validity: 'DAY', ...extra,
});
/** A marketable LIMIT at the fake's touch (what the executor will send instead of MARKET). */
function marketable(key: string, side: 'BUY' | 'SELL'): number {
  const best = r.fake.state.market.quote(key)!.depth![0]!;
  return side === 'BUY' ? best.askP : best.bidP;
}

/** A client of the same fake sharing a Compliance hub, as createUpstoxVenue wires it. */
function compliantBroker(opts: { algoName?: string; ordersPerSecond?: number } = {}): { broker: UpstoxBroker; events: VenueEvent[] } {
  const compliance = new Compliance();
  const events: VenueEvent[] = [];
  compliance.on((e) => events.push(e));
  const hosts = resolveHosts({ baseUrl: r.fake.url, env: 'production' });
  const http = new UpstoxHttp({
    hosts, token: () => r.tokens.current(), timeoutMs: 2000, backoffMs: 1,
    ...(opts.algoName !== undefined ? { algoName: opts.algoName } : {}),
    ...(opts.ordersPerSecond !== undefined ? { ordersPerSecond: opts.ordersPerSecond } : {}),
    onAuthFailure: () => r.tokens.markRejected(),
    onForbidden: (err) => { if (err.reason === 'STATIC_IP') compliance.refuse(err.message, OPERATOR_ACTIONS.STATIC_IP, { brokerCode: err.brokerCode ?? null }); },
    onOrderWriteOk: () => compliance.clear('an order write was accepted'),
  });
  const broker = new UpstoxBroker(new UpstoxRest(http), { compliance, egress: () => egressAddress({ orderHost: hosts.order, timeoutMs: 2000 }) });
  return { broker, events };
}

test('IP not registered: order writes refused 403 UDAPI1154 → FORBIDDEN/STATIC_IP with its own message; the token stays valid; nothing placed', async () => {
  const k = niftyKeys(r.fake);
  const { broker, events } = compliantBroker();
  await r.faults({ unregisteredIp: true });
  try {
    await assert.rejects(broker.placeOrder(order('vg-ip-1', k.wing, 'BUY', { price: marketable(k.wing, 'BUY') })), (e: BrokerError) =>
      e.kind === 'FORBIDDEN' && e.reason === 'STATIC_IP' && e.brokerCode === 'UDAPI1154' && e.action === OPERATOR_ACTIONS.STATIC_IP
      && /register this machine's public IP/.test(e.message) && /The access token is fine/.test(e.message));
    assert.equal(r.tokens.state, 'valid', 'an IP refusal is not a token problem');
    assert.deepEqual(events.map((e) => e.type), ['staticIpRefused']);
    // Reads are exempt: the order book answers, and shows nothing placed under the tag.
    assert.deepEqual(await broker.findByClientOrderId('vg-ip-1'), []);
  } finally {
    await r.faults({ unregisteredIp: false });
  }
  await broker.placeOrder(order('vg-ip-2', k.wing, 'BUY', { price: marketable(k.wing, 'BUY') }));
  assert.deepEqual(events.map((e) => e.type), ['staticIpRefused', 'staticIpCleared'], 'a write accepted again clears the refusal');
});

test('static-IP pre-flight: registered address vs the route\'s egress → match clears, mismatch raises the refusal before any order', async () => {
  const { broker, events } = compliantBroker();
  const match = await broker.preflight();
  assert.equal(match.verdict, 'match');
  r.fake.state.staticIps = { primary: '203.0.113.10', secondary: null, updatedAt: null };
  try {
    const mismatch = await broker.preflight();
    assert.deepEqual([mismatch.verdict, mismatch.ok], ['mismatch', false]);
    assert.match(mismatch.detail, /registered static IPs \(203\.0\.113\.10\), was 127\.0\.0\.1/);
    assert.equal(events[0]?.type, 'staticIpRefused');
    assert.equal(events[0]?.type === 'staticIpRefused' ? events[0].evidence['egress'] : null, '127.0.0.1');
  } finally {
    r.fake.state.staticIps = { primary: '127.0.0.1', secondary: '::1', updatedAt: null };
  }
  assert.equal((await broker.preflight()).verdict, 'match');
  assert.deepEqual(events.map((e) => e.type), ['staticIpRefused', 'staticIpCleared']);
});

test('algo rate: >10 orders/s without X-Algo-Name → 429 UDAPI10005 at the fake; our limiter never lets it happen (queues, then refuses with the wait)', async () => {
  const k = niftyKeys(r.fake);
  const body = JSON.stringify({ quantity: 65, product: 'D', validity: 'DAY', price: 0.05, instrument_token: k.wing, order_type: 'LIMIT', transaction_type: 'BUY', disclosed_quantity: 0, trigger_price: 0, is_amo: false, tag: 'vg-burst' });
  const raw = (headers: Record<string, string> = {}) => fetch(`${r.fake.url}/v3/order/place`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers }, body });
  // The fake's clock stands still here: 11 writes in the same instant.
  const burst = await Promise.all(Array.from({ length: 11 }, () => raw()));
  const refused = burst.filter((x) => x.status === 429);
  assert.equal(refused.length, 1);
  assert.equal(((await refused[0]!.json()) as { errors: Array<{ error_code: string }> }).errors[0]?.error_code, 'UDAPI10005');
  // A registered algo name lifts the limit to 50/s; an unknown one is refused (UDAPI1156).
  clock += 1000;
  const algo = await Promise.all(Array.from({ length: 20 }, () => raw({ 'X-Algo-Name': 'volguard-test-algo' })));
  assert.ok(algo.every((x) => x.status === 200));
  const unknown = await raw({ 'X-Algo-Name': 'nobody' });
  assert.equal(unknown.status, 400);
  assert.equal(((await unknown.json()) as { errors: Array<{ error_code: string }> }).errors[0]?.error_code, 'UDAPI1156');
  // Our client at 10/s: 10 go, the 11th would wait ~1 s (more than the allowance of 0 here) → refused before sending.
  clock += 1000;
  const hosts = resolveHosts({ baseUrl: r.fake.url, env: 'production' });
  const client = new UpstoxBroker(new UpstoxRest(new UpstoxHttp({ hosts, token: () => TOKEN, timeoutMs: 2000, orderMaxQueueMs: 0 })));
  const before = r.fake.state.calls.get('POST /v3/order/place') ?? 0;
  const results = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => client.placeOrder(order(`vg-rate-${i}`, k.wing, 'BUY', { price: 0.05 }))));
  const denied = results.filter((x): x is PromiseRejectedResult => x.status === 'rejected');
  assert.equal(denied.length, 1);
  assert.ok(denied[0]!.reason instanceof BrokerError && denied[0]!.reason.kind === 'RATE_LIMIT' && denied[0]!.reason.reason === 'RATE');
  assert.match((denied[0]!.reason as Error).message, /refused by VolGuard's rate limiter before sending: .* ms away \(\d+ ahead; limits 10\/s, 500\/min, 2000\/30 min\)/);
  assert.equal((r.fake.state.calls.get('POST /v3/order/place') ?? 0) - before, 10, 'the refused order never left');
  assert.equal(client.rateStats().orders.denied, 1);
});

test('insufficient margin: the SELL is an order REJECTED by the RMS with Upstox\'s words and figures (reason INSUFFICIENT_MARGIN); getMargin told beforehand; no position', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ capital: 50_000 });
  try {
    const margin = await r.broker.getMargin([{ instrumentKey: k.call, side: 'SELL', quantity: 65 }]);
    const funds = await r.broker.getFunds();
    assert.ok(margin.finalMargin > funds.availableMargin, `margin ₹${margin.finalMargin} vs available ₹${funds.availableMargin}`);
    const placed = await r.broker.placeOrder(order('vg-margin-1', k.call, 'SELL', { price: marketable(k.call, 'SELL') }));
    const o = await r.broker.getOrder(placed.brokerOrderIds[0]!);
    assert.equal(o.status, 'rejected');
    assert.equal(o.rejectReason, 'INSUFFICIENT_MARGIN');
    assert.match(o.statusMessage ?? '', /^You need to add Rs\. [\d.]+ in your account to place this trade\. \| RMS:Margin Exceeds,Required:[\d.]+, Available:[\d.]+/);
    assert.ok(!(await r.broker.getPositions()).some((p) => p.instrumentKey === k.call && p.quantity !== 0));
    assert.equal((await r.broker.findByClientOrderId('vg-margin-1')).length, 1, 'the rejected order is in the book, found by tag');
  } finally {
    await r.faults({ capital: 10_000_000 });
  }
});

test('partial fill then cancel: half fills, the exchange cancels the rest; fills, trades and position agree; nothing lost', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ partialThenCancel: 1 });
  const before = (await r.broker.getPositions()).find((p) => p.instrumentKey === k.put && p.product === 'I')?.quantity ?? 0;
  // 4 lots: 2 fill, 2 are cancelled by the exchange.
  const placed = await r.broker.placeOrder(order('vg-partial-1', k.put, 'BUY', { quantity: 260, product: 'I', price: marketable(k.put, 'BUY') }));
  const o = await r.broker.getOrder(placed.brokerOrderIds[0]!);
  // Over (the exchange cancelled the rest), with what it filled carried separately (actors/domain/order.ts).
  assert.deepEqual([o.status, o.filledQuantity, o.quantity], ['cancelled', 130, 260]);
  assert.match(o.statusMessage ?? '', /cancelled the remaining 130 after a partial fill of 130/);
  const trades = (await r.broker.getTrades()).filter((t) => t.brokerOrderId === o.brokerOrderId);
  assert.equal(trades.reduce((a, t) => a + t.quantity, 0), 130);
  assert.ok(trades.every((t) => t.clientOrderId === 'vg-partial-1'), 'trades joined to their order\'s tag');
  const after = (await r.broker.getPositions()).find((p) => p.instrumentKey === k.put && p.product === 'I')?.quantity ?? 0;
  assert.equal(after - before, 130);
});

test('baskets out of order: with basketSellFirst the SELL line executes before the earlier BUY line; every line still maps to its order', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ basketSellFirst: true });
  try {
    const logFrom = r.fake.state.orderLog.length;
    const lines = await r.broker.placeMultiOrder([
      order('vg-bsk-b', k.wing, 'BUY', { correlationId: 'b1', price: marketable(k.wing, 'BUY') }),
      order('vg-bsk-s', k.call, 'SELL', { correlationId: 's1', price: marketable(k.call, 'SELL') }),
    ]);
    assert.deepEqual(lines.map((l) => [l.clientOrderId, l.ok]), [['vg-bsk-b', true], ['vg-bsk-s', true]]);
    // The client sent BUY first; the broker ran SELL first. A saga must wait for the hedge's fill before its short.
    assert.deepEqual(r.fake.state.orderLog.slice(logFrom).map((e) => e.transaction_type), ['SELL', 'BUY']);
    for (const tag of ['vg-bsk-b', 'vg-bsk-s']) assert.equal((await r.broker.findByClientOrderId(tag)).length, 1, tag);
  } finally {
    await r.faults({ basketSellFirst: false });
  }
});

test('freeze quantity: above it without slicing the exchange rejects (FREEZE_QUANTITY); with slice, several orders under one tag, all found', async () => {
  const k = niftyKeys(r.fake);
  const price = marketable(k.wing, 'BUY');
  // Multi-order lines may ask for no slicing: 30 lots (1,950 ≥ 1,800) in one order is rejected by the exchange.
  await r.rest.placeMulti([{ quantity: 1950, product: 'D', validity: 'DAY', price, tag: 'vg-frz-1', instrument_token: k.wing, order_type: 'LIMIT', transaction_type: 'BUY', disclosed_quantity: 0, trigger_price: 0, is_amo: false, correlation_id: 'f1', slice: false }]);
  const [unsliced] = await r.broker.findByClientOrderId('vg-frz-1');
  assert.equal(unsliced?.status, 'rejected');
  assert.equal(unsliced?.rejectReason, 'FREEZE_QUANTITY');
  // The place API slices when asked (VolGuard never asks: it slices itself): 27 lots (1,755) + 3 lots (195).
  const placed = await r.broker.placeOrder(order('vg-frz-2', k.wing, 'BUY', { quantity: 1950, price, brokerSlice: true }));
  assert.equal(placed.brokerOrderIds.length, 2);
  const slices = await r.broker.findByClientOrderId('vg-frz-2');
  assert.deepEqual(slices.map((o) => o.quantity).sort((a, b) => a - b), [195, 1755]);
  assert.equal(slices.reduce((a, o) => a + o.filledQuantity, 0), 1950);
});

test('MARKET without market protection: refused UDAPI1158 (REJECTED, MARKET_ORDER_BLOCKED, its own message); with protection it trades', async () => {
  const k = niftyKeys(r.fake);
  await assert.rejects(r.broker.placeOrder(order('vg-mkt-1', k.wing, 'BUY', { orderType: 'MARKET' })), (e: BrokerError) =>
    e.kind === 'REJECTED' && e.reason === 'MARKET_ORDER_BLOCKED' && e.brokerCode === 'UDAPI1158' && /marketable LIMIT/.test(e.message));
  const ok = await r.broker.placeOrder(order('vg-mkt-2', k.wing, 'BUY', { orderType: 'MARKET', marketProtection: 2 }));
  assert.equal((await r.broker.getOrder(ok.brokerOrderIds[0]!)).status, 'filled');
  assert.ok(!r.fake.state.orderLog.some((e) => e.tag === 'vg-mkt-1'), 'the refused MARKET order is not in the fake\'s order log');
});

test('products: an I position and a D position in one contract are two positions; closing I with D opens a D short instead', async () => {
  const k = niftyKeys(r.fake);
  const key = k.put;
  const price = () => marketable(key, 'BUY');
  const pos = async () => new Map((await r.broker.getPositions()).filter((p) => p.instrumentKey === key).map((p) => [p.product, p.quantity]));
  const start = await pos();
  await r.broker.placeOrder(order('vg-prod-i', key, 'BUY', { product: 'I', price: price() }));
  const wrong = marketable(key, 'SELL');
  await r.broker.placeOrder(order('vg-prod-d', key, 'SELL', { product: 'D', price: wrong }));
  const now = await pos();
  assert.equal((now.get('I') ?? 0) - (start.get('I') ?? 0), 65, 'the intraday long is still there');
  assert.equal((now.get('D') ?? 0) - (start.get('D') ?? 0), -65, 'the "close" opened a carry-forward short');
});

test('the broker\'s kill switch: engage refused while positions are open (POSITIONS_OPEN); once flat it engages and blocks orders; released only after 12 h', async () => {
  const k = niftyKeys(r.fake);
  await r.broker.placeOrder(order('vg-ks-1', k.wing, 'BUY', { price: marketable(k.wing, 'BUY') }));
  await assert.rejects(r.broker.setKillSwitch('NSE_FO', true), (e: BrokerError) => e.reason === 'POSITIONS_OPEN' && e.brokerCode === 'UDAPI1184' && /close every position/.test(e.message));
  await r.broker.exitAll();
  assert.ok((await r.broker.getPositions()).every((p) => p.quantity === 0));
  const engaged = await r.broker.setKillSwitch('NSE_FO', true);
  assert.equal(engaged.find((s) => s.segment === 'NSE_FO')?.engaged, true);
  const blocked = await r.broker.placeOrder(order('vg-ks-2', k.wing, 'BUY', { price: marketable(k.wing, 'BUY') }));
  const o = await r.broker.getOrder(blocked.brokerOrderIds[0]!);
  assert.deepEqual([o.status, o.rejectReason], ['rejected', 'SEGMENT_BLOCKED']);
  await assert.rejects(r.broker.setKillSwitch('NSE_FO', false), (e: BrokerError) => e.reason === 'COOLING_PERIOD' && e.brokerCode === 'UDAPI1185');
  clock += 12 * 3_600_000;
  assert.equal((await r.broker.setKillSwitch('NSE_FO', false)).find((s) => s.segment === 'NSE_FO')?.engaged, false);
});

test('expiry settlement: after the expiry\'s session closes, its positions settle at intrinsic value off the index close', async () => {
  const k = niftyKeys(r.fake);
  const inst = r.fake.state.market.instrument(k.call)!;
  const price = marketable(k.call, 'BUY');
  await r.broker.placeOrder(order('vg-settle-1', k.call, 'BUY', { price }));
  const held = (await r.broker.getPositions()).find((p) => p.instrumentKey === k.call && p.product === 'D')!;
  clock = Math.max(clock, sessionCloseMs(inst.expiry!) + 60_000);
  const res = await fetch(`${r.fake.url}/__fake/settle`, { method: 'POST' });
  const { settled } = (await res.json()) as { settled: Array<{ instrumentKey: string; quantity: number; price: number; indexClose: number; realised: number }> };
  const s = settled.find((x) => x.instrumentKey === k.call)!;
  // Call intrinsic = max(0, index − strike); realised = (intrinsic − average) × quantity.
  const intrinsic = Math.max(0, s.indexClose - inst.strike!);
  assert.equal(s.price, Math.round(intrinsic * 100) / 100);
  assert.equal(s.quantity, held.quantity);
  assert.ok(Math.abs(s.realised - (s.price - held.averagePrice) * held.quantity) < 0.01);
  const after = (await r.broker.getPositions()).find((p) => p.instrumentKey === k.call && p.product === 'D')!;
  assert.equal(after.quantity, 0);
  assert.ok(Math.abs(after.realisedPnl - (held.realisedPnl + s.realised)) < 0.01);
});
