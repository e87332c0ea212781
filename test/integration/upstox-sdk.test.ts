/**
 * Fidelity: the official upstox-js-sdk (CommonJS) as the client against our fake on loopback, for every REST shape
 * the fake serves, and the official MarketDataFeedV3.proto for every feed frame. Where the SDK and the reference
 * disagree, the SDK wins.
 */
import { test, after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import WebSocket from 'ws';
import { startFakeUpstox, type FakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { niftyKeys, TOKEN } from './upstox-helpers.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const Upstox: Any = require('upstox-js-sdk');

let fake: FakeUpstox;
let clock = Date.now();
before(async () => {
  fake = await startFakeUpstox({ token: TOKEN, now: () => clock });
  const client = Upstox.ApiClient.instance;
  client.basePath = fake.url;
  client.orderBasePath = fake.url;
  client.authentications['OAUTH2'].accessToken = TOKEN;
});
after(async () => { await fake.close(); });
// The fake's clock stands still within a test: each starts a second later (a fresh 10 orders/s window).
beforeEach(() => { clock += 1000; });

/** The SDK is callback-style: (error, data, response). */
function call<T = Any>(fn: (cb: (err: Any, data: T, res: Any) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, data) => (err ? reject(new Error(`${err.message}: ${err.response?.text ?? ''}`)) : resolve(data))));
}
/** …with the raw JSON the fake sent (to check what the SDK model would silently drop). */
function callRaw<T = Any>(fn: (cb: (err: Any, data: T, res: Any) => void) => void): Promise<{ data: T; raw: Any }> {
  return new Promise((resolve, reject) => fn((err, data, res) => (err ? reject(new Error(`${err.message}: ${err.response?.text ?? ''}`)) : resolve({ data, raw: JSON.parse(res.text) }))));
}
/** The SDK's error answer (status + Upstox envelope). */
function callError(fn: (cb: (err: Any, data: Any, res: Any) => void) => void): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => fn((err) => {
    if (!err) { reject(new Error('expected an error answer, was success')); return; }
    const body = JSON.parse(err.response.text);
    resolve({ status: err.status, code: body.errors[0].error_code });
  }));
}

test('SDK: login dialog → LoginApi.token (Api-Version required by the SDK) gives a flat token answer', async () => {
  const dialog = await fetch(`${fake.url}/v2/login/authorization/dialog?response_type=code&client_id=k&redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}`, { redirect: 'manual' });
  const code = new URL(dialog.headers.get('location')!).searchParams.get('code')!;
  const t = await call((cb) => new Upstox.LoginApi().token('2.0', { code, clientId: 'k', clientSecret: 's', redirectUri: 'http://127.0.0.1/cb', grantType: 'authorization_code' }, cb));
  assert.equal(t.accessToken, TOKEN);
  assert.equal(t.userId, 'FAKE01');
});

test('SDK: profile, funds (v2 and v3), positions', async () => {
  const user = new Upstox.UserApi();
  const profile = await call((cb) => user.getProfile('2.0', cb));
  assert.equal(profile.status, 'success');
  assert.equal(profile.data.userId, 'FAKE01');
  assert.equal(profile.data.isActive, true);
  const funds = await call((cb) => user.getUserFundMargin('2.0', {}, cb));
  assert.ok(funds.data.equity.availableMargin > 0);
  const v3 = await call((cb) => user.getUserFundMarginV3(cb));
  assert.equal(v3.status, 'success');
  assert.ok(v3.data.availableToTrade.total > 0);
  assert.equal(typeof v3.data.availableToTrade.cashAvailableToTrade.marginUsed.total, 'number');
  const positions = await call((cb) => new Upstox.PortfolioApi().getPositions('2.0', cb));
  assert.ok(Array.isArray(positions.data));
});

test('SDK: day candles v3 of an index (HistoryV3Api): [timestamp, open, high, low, close, volume, oi] rows at the official close, none for a day not closed out yet (settlementLate), bad input 400', async () => {
  const history = new Upstox.HistoryV3Api();
  const INDEX = 'NSE_INDEX|Nifty 50';
  // The previous IST day has closed whatever the hour; the one before it is asked while the expiry's booking is late.
  const day = new Date(clock + 5.5 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
  const before = new Date(clock + 5.5 * 3_600_000 - 2 * 86_400_000).toISOString().slice(0, 10);
  const post = (body: unknown) => fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post({ settlementLate: true });
  const late = await callRaw((cb) => history.getHistoricalCandleData1(INDEX, 'days', '1', before, before, cb));
  assert.deepEqual(late.raw, { status: 'success', data: { candles: [] } });
  await post({ settlementLate: false });
  const { data, raw } = await callRaw((cb) => history.getHistoricalCandleData1(INDEX, 'days', '1', day, before, cb));
  assert.equal(data.status, 'success');
  // Newest first; each close the index's official close that day (the price its expiry settles at).
  assert.deepEqual(raw.data.candles.map((c: Any[]) => c[0]), [`${day}T00:00:00+05:30`, `${before}T00:00:00+05:30`]);
  for (const c of data.data.candles as Any[][]) {
    assert.equal(c.length, 7);
    assert.ok(typeof c[0] === 'string' && c.slice(1).every((x) => typeof x === 'number'));
    assert.ok(c[4] > 0 && c[1] === c[4]);
  }
  assert.deepEqual(await callError((cb) => history.getHistoricalCandleData1(INDEX, 'days', '1', before, day, cb)), { status: 400, code: 'UDAPI100038' });
});

test('SDK: option contracts at real scale (lot, freeze, weekly flag), option chain, LTP v3, option greeks v3, full quotes', async () => {
  const k = niftyKeys(fake);
  const options = new Upstox.OptionsApi();
  const all = await call((cb) => options.getOptionContracts('NSE_INDEX|Nifty 50', {}, cb));
  // The SDK turns `expiry` into a Date.
  const expiries = new Set(all.data.map((c: Any) => new Date(c.expiry).toISOString().slice(0, 10)));
  assert.equal(expiries.size, 18, 'NIFTY: 4 weeklies, 3 monthlies, 3 quarterlies, 8 half-yearlies');
  assert.ok([...expiries].some((e) => String(e).startsWith('2031-')), 'half-yearlies reach 2031');
  const contracts = await call((cb) => options.getOptionContracts('NSE_INDEX|Nifty 50', { expiryDate: k.expiry }, cb));
  const c0 = contracts.data[0];
  assert.equal(c0.lotSize, 65);
  assert.equal(c0.freezeQuantity, 1800);
  assert.equal(c0.weekly, true);
  assert.equal(c0.instrumentType, 'CE');
  assert.equal(c0.underlyingKey, 'NSE_INDEX|Nifty 50');
  const chain = await call((cb) => options.getPutCallOptionChain('NSE_INDEX|Nifty 50', k.expiry, cb));
  assert.equal(chain.data.length, contracts.data.length / 2);
  const mid = chain.data[Math.floor(chain.data.length / 2)];
  assert.ok(mid.callOptions.marketData.ltp > 0);
  assert.ok(mid.putOptions.optionGreeks.delta < 0);
  const ltp = await call((cb) => new Upstox.MarketQuoteV3Api().getLtp({ instrumentKey: `${k.call},NSE_INDEX|Nifty 50` }, cb));
  const entries = Object.entries(ltp.data) as Array<[string, Any]>;
  assert.equal(entries.length, 2);
  assert.ok(entries.some(([key, v]) => key.startsWith('NSE_FO:') && v.instrumentToken === k.call && v.lastPrice > 0));
  const greeks = await call((cb) => new Upstox.MarketQuoteV3Api().getMarketQuoteOptionGreek({ instrumentKey: k.call }, cb));
  const g = Object.values(greeks.data)[0] as Any;
  assert.ok(g.iv > 1 && g.delta > 0 && g.gamma > 0, 'REST iv in percent');
  const full = await call((cb) => new Upstox.MarketQuoteApi().getFullMarketQuote(k.call, '2.0', cb));
  assert.equal((Object.values(full.data)[0] as Any).depth.buy.length, 5);
});

test('SDK: place v3 with slice above the freeze quantity returns several order ids under one tag; products kept per position', async () => {
  const k = niftyKeys(fake);
  // 30 lots × 65 = 1,950 units ≥ 1,800 freeze: sliced into 27 lots (1,755, the largest whole-lot order below 1,800) + 3 lots.
  const v3 = { quantity: 1950, product: 'I', validity: 'DAY', price: 0, tag: 'sdk-slice', instrumentToken: k.wing, orderType: 'MARKET', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false, marketProtection: 5 };
  const placed = await call((cb) => new Upstox.OrderApiV3().placeOrder(v3, { slice: true }, cb));
  assert.equal(placed.status, 'success');
  assert.equal(placed.data.orderIds.length, 2);
  assert.equal(typeof placed.metadata.latency, 'number');
  const book = await call((cb) => new Upstox.OrderApi().getOrderBook('2.0', cb));
  const mine = book.data.filter((o: Any) => o.tag === 'sdk-slice');
  assert.deepEqual(mine.map((o: Any) => o.quantity).sort((a: number, b: number) => a - b), [195, 1755]);
  assert.ok(mine.every((o: Any) => o.status === 'complete' && o.product === 'I'));
  // A carry-forward order in the same contract is a separate position.
  const d = { ...v3, quantity: 65, product: 'D', tag: 'sdk-d' };
  await call((cb) => new Upstox.OrderApiV3().placeOrder(d, {}, cb));
  const positions = await call((cb) => new Upstox.PortfolioApi().getPositions('2.0', cb));
  const rows = positions.data.filter((p: Any) => p.instrumentToken === k.wing);
  assert.deepEqual(rows.map((p: Any) => [p.product, p.quantity]).sort(), [['D', 65], ['I', 1950]]);
});

test('SDK: order details, history, trades (no tag: Upstox TradeData has none), trades by order, modify v3, cancel v3', async () => {
  const k = niftyKeys(fake);
  const orders = new Upstox.OrderApi();
  const resting = { quantity: 65, product: 'D', validity: 'DAY', price: 0.05, tag: 'sdk-rest', instrumentToken: k.call, orderType: 'LIMIT', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false };
  const placed = await call((cb) => new Upstox.OrderApiV3().placeOrder(resting, {}, cb));
  const id = placed.data.orderIds[0];
  const details = await call((cb) => orders.getOrderStatus({ orderId: id }, cb));
  assert.equal(details.data.status, 'open');
  const history = await call((cb) => orders.getOrderDetails('2.0', { orderId: id }, cb));
  assert.ok(history.data.length >= 3);
  const modified = await call((cb) => new Upstox.OrderApiV3().modifyOrder({ orderId: id, validity: 'DAY', price: 0.1, orderType: 'LIMIT', triggerPrice: 0 }, cb));
  assert.equal(modified.data.orderId, id);
  const cancelled = await call((cb) => new Upstox.OrderApiV3().cancelOrder(id, cb));
  assert.equal(cancelled.data.orderId, id);
  const { data: trades, raw } = await callRaw((cb) => orders.getTradeHistory('2.0', cb));
  assert.ok(trades.data.length >= 1);
  assert.ok(trades.data.every((t: Any) => typeof t.tradeId === 'string' && typeof t.orderId === 'string' && (t.product === 'I' || t.product === 'D')));
  assert.ok(raw.data.every((t: Any) => !('tag' in t)), 'trades carry no tag');
  const byOrder = await call((cb) => orders.getTradesByOrder(trades.data[0].orderId, '2.0', cb));
  assert.ok(byOrder.data.length >= 1);
});

test('SDK: v2 place / modify / cancel (the order host), with the algo name the SDK sends as X-Algo-Name', async () => {
  const k = niftyKeys(fake);
  const orders = new Upstox.OrderApi();
  const body = { quantity: 65, product: 'D', validity: 'DAY', price: 0.05, tag: 'sdk-v2', instrumentToken: k.call, orderType: 'LIMIT', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false };
  const placed = await call((cb) => orders.placeOrder(body, '2.0', cb, 'volguard-test-algo'));
  const id = placed.data.orderId;
  assert.match(id, /^\d{15}$/);
  const modified = await call((cb) => orders.modifyOrder({ orderId: id, validity: 'DAY', price: 0.1, orderType: 'LIMIT', triggerPrice: 0 }, '2.0', cb));
  assert.equal(modified.data.orderId, id);
  const cancelled = await call((cb) => orders.cancelOrder(id, '2.0', cb));
  assert.equal(cancelled.data.orderId, id);
  // An algo name the exchange has not registered is refused.
  assert.deepEqual(await callError((cb) => orders.placeOrder({ ...body, tag: 'sdk-v2-x' }, '2.0', cb, 'not-registered')), { status: 400, code: 'UDAPI1156' });
});

test('SDK: multi-order, cancel-multi and exit-all', async () => {
  const k = niftyKeys(fake);
  const line = (corr: string, key: string, side: string) => {
    const m = new Upstox.MultiOrderRequest(65, 'D', 'DAY', 0, true, key, 'MARKET', side, 0, 0, false, corr);
    m.tag = `sdk-${corr}`;
    m.market_protection = 5;
    return m;
  };
  const multi = await call((cb) => new Upstox.OrderApi().placeMultiOrder([line('m1', k.wing, 'BUY'), line('m2', k.call, 'SELL')], cb));
  assert.equal(multi.status, 'success');
  assert.deepEqual(multi.data.map((d: Any) => d.correlationId).sort(), ['m1', 'm2']);
  assert.equal(multi.summary.total, 2);
  const resting = { quantity: 65, product: 'D', validity: 'DAY', price: 0.05, tag: 'sdk-cm', instrumentToken: k.put, orderType: 'LIMIT', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false };
  await call((cb) => new Upstox.OrderApiV3().placeOrder(resting, {}, cb));
  const cancelled = await call((cb) => new Upstox.OrderApi().cancelMultiOrder({ segment: 'NSE_FO' }, cb));
  assert.ok(cancelled.data.orderIds.length >= 1);
  const exited = await call((cb) => new Upstox.OrderApi().exitPositions({ segment: 'NSE_FO' }, cb));
  assert.ok(exited.data.orderIds.length >= 1);
});

test('SDK: margin for a basket (POST /v2/charges/margin): per-leg margins, required and final after the hedge', async () => {
  const k = niftyKeys(fake);
  const body = new Upstox.MarginRequest([new Upstox.Instrument(k.wing, 65, 'D', 'BUY'), new Upstox.Instrument(k.call, 65, 'D', 'SELL')]);
  const m = await call((cb) => new Upstox.ChargeApi().postMargin(body, cb));
  assert.equal(m.data.margins.length, 2);
  assert.ok(m.data.margins[1].spanMargin > 0 && m.data.margins[1].exposureMargin > 0);
  assert.ok(m.data.margins[0].netBuyPremium > 0);
  assert.ok(m.data.finalMargin < m.data.requiredMargin, 'the hedge lowers the basket margin');
});

test('SDK: kill switch (GET/POST /v2/user/kill-switch): engage needs a flat segment (UDAPI1184), release waits out 12 h (UDAPI1185)', async () => {
  const user = new Upstox.UserApi();
  const k = niftyKeys(fake);
  const status = await call((cb) => user.getKillSwitch(cb));
  // The SDK's KillSwitchSegmentData keeps Upstox's snake_case names.
  assert.ok(status.data.some((s: Any) => s.segment === 'NSE_FO' && s.segment_status === 'ACTIVE' && s.kill_switch_enabled === false));
  // A position open in NSE_FO: refused, nothing changes.
  const v3 = { quantity: 65, product: 'D', validity: 'DAY', price: 0, tag: 'sdk-ks', instrumentToken: k.wing, orderType: 'MARKET', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false, marketProtection: 5 };
  await call((cb) => new Upstox.OrderApiV3().placeOrder(v3, {}, cb));
  const refused = await callError((cb) => user.updateKillSwitch([new Upstox.KillSwitchSegmentUpdateRequest('NSE_FO', 'DISABLE')], cb));
  assert.deepEqual(refused, { status: 400, code: 'UDAPI1184' });
  await call((cb) => new Upstox.OrderApi().exitPositions({ segment: 'NSE_FO' }, cb));
  const engaged = await call((cb) => user.updateKillSwitch([new Upstox.KillSwitchSegmentUpdateRequest('NSE_FO', 'DISABLE')], cb));
  assert.equal(engaged.data.find((s: Any) => s.segment === 'NSE_FO').kill_switch_enabled, true);
  assert.deepEqual(await callError((cb) => user.updateKillSwitch([new Upstox.KillSwitchSegmentUpdateRequest('NSE_FO', 'ENABLE')], cb)), { status: 400, code: 'UDAPI1185' });
  assert.deepEqual(await callError((cb) => user.updateKillSwitch([new Upstox.KillSwitchSegmentUpdateRequest('NSE_XX', 'ENABLE')], cb)), { status: 400, code: 'UDAPI1186' });
  clock += 12 * 3_600_000;
  const released = await call((cb) => user.updateKillSwitch([new Upstox.KillSwitchSegmentUpdateRequest('NSE_FO', 'ENABLE')], cb));
  assert.equal(released.data.find((s: Any) => s.segment === 'NSE_FO').kill_switch_enabled, false);
});

test('SDK: static IPs (GET/PUT /v2/user/ip); an update invalidates the token that made it', async () => {
  const user = new Upstox.UserApi();
  const ips = await call((cb) => user.getUserIps(cb));
  assert.equal(ips.data.primaryIp, '127.0.0.1');
  assert.deepEqual(await callError((cb) => user.updateUserIp({ primary_ip: 'not-an-ip' }, cb)), { status: 400, code: 'UDAPI1183' });
  const updated = await call((cb) => user.updateUserIp({ primary_ip: '127.0.0.1', secondary_ip: '::1' }, cb));
  assert.equal(updated.data.accessTokensInvalidated, true);
  assert.deepEqual(await callError((cb) => user.getProfile('2.0', cb)), { status: 401, code: 'UDAPI100050' });
  // A new token (the fake accepts the next one it is given) restores service.
  fake.state.revokedTokens.clear();
});

test('SDK: feed authorize, then frames decode with the official MarketDataFeedV3.proto in every mode (ltpc, option_greeks, full)', async () => {
  const k = niftyKeys(fake);
  const auth = await call((cb) => new Upstox.WebsocketApi().getMarketDataFeedAuthorizeV3(cb));
  const uri: string = auth.data.authorizedRedirectUri;
  assert.match(uri, /^ws:\/\/127\.0\.0\.1:\d+\/.*code=/);
  const portfolio = await call((cb) => new Upstox.WebsocketApi().getPortfolioStreamFeedAuthorize('2.0', cb));
  assert.match(portfolio.data.authorizedRedirectUri, /portfolio-stream-feed/);
  const root = await protobuf.load(path.join(path.dirname(require.resolve('upstox-js-sdk/package.json')), 'dist/feeder/proto/MarketDataFeedV3.proto'));
  const FeedResponse = root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse');
  const ws = new WebSocket(uri, { headers: { Authorization: `Bearer ${TOKEN}` }, followRedirects: true });
  const frames: Any[] = [];
  const sub = (mode: string, keys: string[]) => ws.send(Buffer.from(JSON.stringify({ guid: `g-${mode}`, method: 'sub', data: { mode, instrumentKeys: keys } })));
  const got = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      frames.push(FeedResponse.toObject(FeedResponse.decode(data), { enums: String, longs: Number, defaults: true }));
      if (frames.length === 1) { sub('ltpc', ['NSE_INDEX|Nifty 50']); sub('option_greeks', [k.call]); sub('full', [k.put]); }
      if (frames.length === 4) fake.tick();
      if (frames.length === 5) resolve();
    });
  });
  await got;
  ws.close();
  assert.equal(frames[0].type, 'market_info');
  assert.equal(frames[0].marketInfo.segmentStatus.NSE_FO, 'NORMAL_OPEN');
  assert.deepEqual(frames.slice(1, 4).map((f) => f.type), ['initial_feed', 'initial_feed', 'initial_feed']);
  const live = frames[4];
  assert.equal(live.type, 'live_feed');
  const idx = live.feeds['NSE_INDEX|Nifty 50'];
  assert.equal(idx.requestMode, 'ltpc');
  assert.ok(idx.ltpc.ltp > 0);
  const greeks = live.feeds[k.call];
  assert.equal(greeks.requestMode, 'option_greeks');
  const fl = greeks.firstLevelWithGreeks;
  assert.ok(fl.firstDepth.bidP > 0 && fl.firstDepth.askP >= fl.firstDepth.bidP);
  assert.ok(fl.iv > 0 && fl.iv < 1, 'feed iv is decimal');
  assert.ok(fl.optionGreeks.delta > 0 && fl.optionGreeks.gamma > 0 && fl.optionGreeks.vega > 0 && fl.optionGreeks.theta < 0);
  const ff = live.feeds[k.put];
  assert.equal(ff.requestMode, 'full_d5');
  assert.equal(ff.fullFeed.marketFF.marketLevel.bidAskQuote.length, 5);
  assert.ok(ff.fullFeed.marketFF.optionGreeks.delta < 0 && ff.fullFeed.marketFF.vtt > 0);
});

test('the fake enforces the per-mode caps: a request beyond them is ignored whole and counted (alone 2000 full; combined 1500)', async () => {
  const auth = await call((cb) => new Upstox.WebsocketApi().getMarketDataFeedAuthorizeV3(cb));
  const ws = new WebSocket(auth.data.authorizedRedirectUri, { followRedirects: true });
  await new Promise<void>((resolve) => ws.once('message', () => resolve()));
  const before = fake.state.capRefusals.count;
  const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `NSE_FO|${900_000 + from + i}`);
  ws.send(Buffer.from(JSON.stringify({ guid: 'a', method: 'sub', data: { mode: 'full', instrumentKeys: keys(2001) } })));
  // A second request on the same socket is processed after the first: its effect proves the first was handled.
  ws.send(Buffer.from(JSON.stringify({ guid: 'b', method: 'sub', data: { mode: 'ltpc', instrumentKeys: keys(10, 5000) } })));
  ws.send(Buffer.from(JSON.stringify({ guid: 'c', method: 'sub', data: { mode: 'full', instrumentKeys: keys(1501, 6000) } })));
  ws.send(Buffer.from(JSON.stringify({ guid: 'd', method: 'sub', data: { mode: 'full', instrumentKeys: keys(1500, 6000) } })));
  const deadline = Date.now() + 5000;
  while (fake.state.capRefusals.count < before + 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  ws.close();
  assert.equal(fake.state.capRefusals.count, before + 2);
  assert.match(fake.state.capRefusals.last ?? '', /^full: 1501 keys > 1500 \(combined with ltpc\)$/);
});
