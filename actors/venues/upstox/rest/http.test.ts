/**
 * The transport rules that decide what Upstox sees: Api-Version as the official SDK sends it (2.0 on v2 paths and on
 * the token exchange, never 2.0 on a v3 path), X-Algo-Name on every call when configured, and the SEBI order-rate
 * rule enforced where the client is built (more than 10/s without an algo name is refused outright).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { BrokerError } from '../../broker.ts';
import { resolveHosts } from '../hosts.ts';
import { UpstoxHttp } from './http.ts';
import { UpstoxRest } from './client.ts';

function capture(status = 200, body: unknown = { status: 'success', data: {} }) {
  const seen: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  return { seen, fetchFn };
}

const hosts = resolveHosts({ baseUrl: 'http://127.0.0.1:1', env: 'production' });

test('Api-Version: 2.0 on v2 paths and on the token exchange; none on v3 paths (funds v3 names 3.0); none on kill switch / static IP', async () => {
  const { seen, fetchFn } = capture(200, { status: 'success', data: [] });
  const http = new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, fetch: fetchFn });
  const any = z.unknown();
  await http.call({ method: 'GET', path: '/v2/order/retrieve-all', cls: 'read', schema: any });
  await http.call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: {}, schema: any });
  await http.call({ method: 'GET', path: '/v3/market-quote/ltp', cls: 'read', schema: any });
  await http.call({ method: 'POST', path: '/v2/login/authorization/token', cls: 'auth', form: { code: 'c' }, schema: any });
  await new UpstoxRest(http).killSwitch();
  const v = seen.map((s) => s.headers['Api-Version']);
  assert.deepEqual(v, ['2.0', undefined, undefined, '2.0', undefined]);
  const { seen: f, fetchFn: ff } = capture(200, { status: 'success', data: { available_to_trade: { total: 1, cash_available_to_trade: { total: 1, margin_used: { total: 0 } } } } });
  await new UpstoxRest(new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, fetch: ff })).fundsV3();
  assert.equal(f[0]?.headers['Api-Version'], '3.0');
});

test('X-Algo-Name goes on every call when UPSTOX_ALGO_NAME is set, and on none when it is not', async () => {
  const { seen, fetchFn } = capture();
  const any = z.unknown();
  await new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, algoName: 'my-algo', fetch: fetchFn }).call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: {}, schema: any });
  await new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, fetch: fetchFn }).call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: {}, schema: any });
  assert.deepEqual(seen.map((s) => s.headers['X-Algo-Name']), ['my-algo', undefined]);
});

test('more than 10 orders/s without an algo name is refused when the client is built; up to 50 with one', () => {
  assert.throws(() => new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, ordersPerSecond: 50 }), /expected UPSTOX_ORDERS_PER_SECOND <= 10 without UPSTOX_ALGO_NAME/);
  assert.throws(() => new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, ordersPerSecond: 51, algoName: 'a' }), /<= 50/);
  new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, ordersPerSecond: 50, algoName: 'a' });
});

test('an order write beyond the queueing allowance is refused RATE before sending, with the wait; nothing leaves', async () => {
  const { seen, fetchFn } = capture();
  const http = new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, ordersPerSecond: 1, orderMaxQueueMs: 0, fetch: fetchFn });
  const any = z.unknown();
  await http.call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: {}, schema: any });
  await assert.rejects(http.call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: {}, schema: any }), (e: BrokerError) =>
    e instanceof BrokerError && e.kind === 'RATE_LIMIT' && e.reason === 'RATE' && /refused by VolGuard's rate limiter before sending: .*\d+ ms away/.test(e.message));
  assert.equal(seen.length, 1);
  assert.equal(http.rateStats().orders.denied, 1);
  assert.equal(http.rateStats().orders.limits, '1/s, 500/min, 2000/30 min');
});

test('day candles are a public call, as the official SDK sends them (HistoryV3Api: no auth): no bearer with or without a token, retried as a read; a read without a token is refused before sending', async () => {
  const candles = { status: 'success', data: { candles: [['2026-12-08T00:00:00+05:30', 26_000, 26_000, 26_000, 26_000, 0, 0]] } };
  const { seen, fetchFn } = capture(200, candles);
  assert.deepEqual(await new UpstoxRest(new UpstoxHttp({ hosts, token: () => undefined, timeoutMs: 1000, fetch: fetchFn })).dayCandles('NSE_INDEX|Nifty 50', '2026-12-08', '2026-12-08'), candles.data.candles);
  await new UpstoxRest(new UpstoxHttp({ hosts, token: () => 'tok', timeoutMs: 1000, fetch: fetchFn })).dayCandles('NSE_INDEX|Nifty 50', '2026-12-08', '2026-12-08');
  assert.deepEqual(seen.map((s) => [s.url, s.headers['Authorization']]), [
    ['http://127.0.0.1:1/v3/historical-candle/NSE_INDEX%7CNifty%2050/days/1/2026-12-08/2026-12-08', undefined],
    ['http://127.0.0.1:1/v3/historical-candle/NSE_INDEX%7CNifty%2050/days/1/2026-12-08/2026-12-08', undefined],
  ]);
  // A 503 then the candle: retried as a read.
  let n = 0;
  const flaky = (async () => (n++ === 0 ? new Response('{}', { status: 503 }) : new Response(JSON.stringify(candles), { status: 200 }))) as typeof fetch;
  const rest = new UpstoxRest(new UpstoxHttp({ hosts, token: () => undefined, timeoutMs: 1000, backoffMs: 1, fetch: flaky }));
  assert.deepEqual(await rest.dayCandles('NSE_INDEX|Nifty 50', '2026-12-08', '2026-12-08'), candles.data.candles);
  assert.equal(n, 2);
  // Every other read still needs the token.
  const { seen: none, fetchFn: f2 } = capture();
  await assert.rejects(new UpstoxHttp({ hosts, token: () => undefined, timeoutMs: 1000, fetch: f2 }).call({ method: 'GET', path: '/v2/portfolio/short-term-positions', cls: 'read', schema: z.unknown() }), (e: BrokerError) => e.kind === 'AUTH');
  assert.equal(none.length, 0);
});
