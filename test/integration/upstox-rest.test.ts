import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError, type OrderRequest } from '../../actors/venues/broker.ts';
import { niftyKeys, rig, type Rig } from './upstox-helpers.ts';

let r: Rig;
before(async () => { r = await rig(); });
after(async () => { await r.close(); });

/** MARKET with market protection: exchanges refuse algo MARKET orders without it (UDAPI1158). */
const order = (id: string, key: string, side: 'BUY' | 'SELL', extra: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: id, instrumentKey: key, side, quantity: 65, orderType: 'MARKET', marketProtection: 5, product: 'D', validity: 'DAY', ...extra,
});

test('reads profile, funds v2 and v3, contracts, chain, ltp/quotes/greeks and the instruments master', async () => {
  const k = niftyKeys(r.fake);
  assert.equal((await r.rest.profile()).user_id, 'FAKE01');
  assert.ok((await r.broker.getFunds()).availableMargin > 0);
  assert.ok((await r.rest.fundsV3()).available_to_trade.total > 0);
  const listed = r.fake.state.market.instruments().filter((i) => i.underlying === 'NIFTY' && i.expiry === k.expiry);
  const contracts = await r.rest.optionContracts('NSE_INDEX|Nifty 50', k.expiry);
  assert.equal(contracts.length, listed.length);
  assert.ok(contracts.length > 150, `every listed strike of the expiry (${contracts.length} contracts)`);
  assert.equal(contracts[0]?.lot_size, 65);
  assert.equal(contracts[0]?.freeze_quantity, 1800);
  assert.equal(contracts[0]?.weekly, true);
  const chain = await r.rest.optionChain('NSE_INDEX|Nifty 50', k.expiry);
  assert.equal(chain.length, listed.length / 2);
  assert.ok(chain.every((row) => row.call_options.market_data.ask_price >= row.call_options.market_data.bid_price));
  const ltp = await r.rest.ltp([k.call, 'NSE_INDEX|Nifty 50']);
  assert.deepEqual([...ltp.keys()].sort(), [k.call, 'NSE_INDEX|Nifty 50'].sort(), 'LTP map is re-keyed by instrument_token');
  assert.equal((await r.rest.quotes([k.call])).get(k.call)?.depth?.buy.length, 5);
  assert.ok(((await r.rest.optionGreeks([k.call])).get(k.call)?.iv ?? 0) > 1, 'REST iv is in percent');
  const master = await r.rest.instrumentsMaster('NSE');
  assert.ok(master.some((m) => m.instrument_key === k.call && typeof m.expiry === 'number'));
  assert.ok((await r.rest.feedAuthorize()).startsWith('ws://127.0.0.1'));
});

test('places, reads back, modifies and cancels orders; trades and positions follow fills', async () => {
  const k = niftyKeys(r.fake);
  const placed = await r.broker.placeOrder(order('vg-t1-buy', k.wing, 'BUY'));
  assert.equal(placed.brokerOrderIds.length, 1);
  const o = await r.broker.getOrder(placed.brokerOrderIds[0]!);
  assert.equal(o.status, 'filled');
  assert.equal(o.clientOrderId, 'vg-t1-buy');
  assert.ok((await r.broker.getOrderHistory(o.brokerOrderId)).length >= 3);
  assert.ok((await r.broker.getTrades()).some((t) => t.brokerOrderId === o.brokerOrderId));
  assert.ok((await r.broker.getPositions()).some((p) => p.instrumentKey === k.wing && p.quantity === 65));
  const resting = await r.broker.placeOrder(order('vg-t1-rest', k.call, 'BUY', { orderType: 'LIMIT', price: 0.05 }));
  const id = resting.brokerOrderIds[0]!;
  await r.broker.modifyOrder(id, { price: 0.1 });
  assert.equal((await r.broker.getOrder(id)).price, 0.1);
  await r.broker.cancelOrder(id);
  assert.equal((await r.broker.getOrder(id)).status, 'cancelled');
  await assert.rejects(r.broker.cancelOrder(id), (e: BrokerError) => e.kind === 'REJECTED' && e.brokerCode === 'UDAPI100040');
  await assert.rejects(r.broker.getOrder('999999999999999'), (e: BrokerError) => e.kind === 'NOT_FOUND');
  assert.ok((await r.broker.getOrderBook()).length >= 2);
});

test('cancel-all, exit-all (buys first) and margin', async () => {
  const k = niftyKeys(r.fake);
  await r.broker.placeOrder(order('vg-t2-rest', k.put, 'BUY', { orderType: 'LIMIT', price: 0.05 }));
  assert.ok((await r.broker.cancelAll()).length >= 1);
  await r.broker.placeOrder(order('vg-t2-short', k.call, 'SELL'));
  const exits = await r.broker.exitAll();
  assert.ok(exits.length >= 1);
  assert.ok((await r.broker.getPositions()).every((p) => p.quantity === 0));
  assert.deepEqual(await r.broker.exitAll(), [], 'nothing to exit is an answer, not an error');
  const m = await r.broker.getMargin([{ instrumentKey: k.wing, side: 'BUY', quantity: 65 }, { instrumentKey: k.call, side: 'SELL', quantity: 65 }]);
  assert.ok(m.finalMargin < m.requiredMargin, 'hedge benefit');
});

test('multi-order: BUY lines are sent first and a 207 partial success is reported line by line', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ partialSuccess: true });
  try {
    const lines = await r.broker.placeMultiOrder([
      order('vg-t3-s', k.call, 'SELL', { correlationId: 's1' }),
      order('vg-t3-b', k.wing, 'BUY', { correlationId: 'b1' }),
    ]);
    assert.equal(lines[0]?.clientOrderId, 'vg-t3-s');
    assert.equal(lines[0]?.ok, false);
    assert.equal(lines[0]?.ok === false && lines[0].error.kind, 'REJECTED');
    assert.equal(lines[1]?.ok, true);
    const book = await r.broker.getOrderBook();
    assert.ok(book.some((o) => o.clientOrderId === 'vg-t3-b'));
    assert.ok(!book.some((o) => o.clientOrderId === 'vg-t3-s'));
  } finally {
    await r.faults({ partialSuccess: false });
  }
  await assert.rejects(r.broker.placeMultiOrder(Array.from({ length: 26 }, (_, i) => order(`x${i}`, k.call, 'BUY'))), (e: BrokerError) => e.kind === 'VALIDATION' && /1-25/.test(e.message));
  await assert.rejects(r.broker.placeMultiOrder([order('x', k.call, 'BUY', { correlationId: 'c'.repeat(21) })]), (e: BrokerError) => e.kind === 'VALIDATION' && /20 chars/.test(e.message));
});

test('reads are retried through 5xx and 429; order writes are not', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ serverError: 2, paths: ['/v2/user/profile'] });
  assert.equal((await r.rest.profile()).user_id, 'FAKE01');
  await r.faults({ rateLimit: 2, paths: ['/v2/order/retrieve-all'] });
  assert.ok(Array.isArray(await r.broker.getOrderBook()));
  await r.faults({ serverError: 5, paths: ['/v3/user/get-funds'] });
  await assert.rejects(r.broker.getFunds(), (e: BrokerError) => e.kind === 'SERVER' && e.brokerCode === 'UDAPI100500');
  await r.faults({ serverError: 0, rateLimit: 1, paths: ['/v3/order/place'] });
  await assert.rejects(r.broker.placeOrder(order('vg-t4-429', k.call, 'BUY')), (e: BrokerError) => e.kind === 'RATE_LIMIT');
  assert.deepEqual(await r.broker.findByClientOrderId('vg-t4-429'), [], 'a 429 is definitive: nothing placed');
  await r.faults({ paths: [] });
});

test('an order whose answer is lost (5xx or timeout after commit) is AMBIGUOUS and found by tag', async () => {
  const k = niftyKeys(r.fake);
  await r.faults({ serverError: 1, afterCommit: true, paths: ['/v3/order/place'] });
  await assert.rejects(r.broker.placeOrder(order('vg-t5-5xx', k.wing, 'BUY')), (e: BrokerError) => e.kind === 'AMBIGUOUS');
  assert.equal((await r.broker.findByClientOrderId('vg-t5-5xx')).length, 1, 'the order exists and was placed once');
  await r.faults({ timeout: 1, afterCommit: true, paths: ['/v3/order/place'] });
  const slow = await rigTimeout(r);
  await assert.rejects(slow.placeOrder(order('vg-t5-timeout', k.wing, 'BUY')), (e: BrokerError) => e.kind === 'AMBIGUOUS' && /timeout/.test(e.message));
  assert.equal((await r.broker.findByClientOrderId('vg-t5-timeout')).length, 1);
  await r.faults({ afterCommit: false, paths: [] });
});

test('timeouts on reads are retried, then reported as SERVER', async () => {
  await r.faults({ timeout: 1, paths: ['/v2/portfolio/'] });
  const slow = await rigTimeout(r);
  assert.ok(Array.isArray(await slow.getPositions()));
  await r.faults({ paths: [] });
});

test('token expiry: 401 UDAPI100050 marks the token expired and every later call fails AUTH without a request', async () => {
  await r.faults({ tokenExpired: true });
  try {
    await assert.rejects(r.rest.profile(), (e: BrokerError) => e.kind === 'AUTH' && e.brokerCode === 'UDAPI100050');
    assert.equal(r.tokens.state, 'expired');
    const before = r.fake.state.requests;
    await assert.rejects(r.rest.profile(), (e: BrokerError) => e.kind === 'AUTH' && /volguard token/.test(e.message));
    assert.equal(r.fake.state.requests, before);
  } finally {
    await r.faults({ tokenExpired: false });
  }
  r.tokens.set((await import('./upstox-helpers.ts')).TOKEN, Date.now() + 3_600_000);
  assert.equal((await r.rest.profile()).user_id, 'FAKE01', 'hot swap restores service without a restart');
});

test('the fake enforces 10 orders/s with 429 UDAPI10005 and rejects MARKET orders with a price', async () => {
  const k = niftyKeys(r.fake);
  const res = await fetch(`${r.fake.url}/v3/order/place`, {
    method: 'POST', headers: { Authorization: 'Bearer wrong-token', 'Content-Type': 'application/json' }, body: '{}',
  });
  assert.equal(res.status, 401);
  const body = (await res.json()) as { errors: Array<Record<string, unknown>> };
  assert.equal(body.errors[0]?.['error_code'], 'UDAPI100050');
  assert.equal(body.errors[0]?.['errorCode'], 'UDAPI100050');
  const bad = await fetch(`${r.fake.url}/v3/order/place`, {
    method: 'POST', headers: { Authorization: `Bearer ${(await import('./upstox-helpers.ts')).TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ quantity: 65, product: 'D', validity: 'DAY', price: 10, instrument_token: k.call, order_type: 'MARKET', transaction_type: 'BUY', disclosed_quantity: 0, trigger_price: 0, is_amo: false }),
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { errors: Array<{ error_code: string }> }).errors[0]?.error_code, 'UDAPI1040');
});

/** A second client on the same fake with a short timeout (the timeout fault holds the answer forever). */
async function rigTimeout(base: Rig) {
  const { UpstoxHttp } = await import('../../actors/venues/upstox/rest/http.ts');
  const { UpstoxRest } = await import('../../actors/venues/upstox/rest/client.ts');
  const { UpstoxBroker } = await import('../../actors/venues/upstox/broker.ts');
  const { resolveHosts } = await import('../../actors/venues/upstox/hosts.ts');
  const http = new UpstoxHttp({ hosts: resolveHosts({ baseUrl: base.fake.url, env: 'production' }), token: () => base.tokens.current(), timeoutMs: 300, backoffMs: 1 });
  return new UpstoxBroker(new UpstoxRest(http));
}
