/**
 * Fidelity: the official upstox-js-sdk (CommonJS) as the client against our fake on loopback. Where the SDK and
 * the reference disagree, the SDK wins.
 */
import { test, after, before } from 'node:test';
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
before(async () => {
  fake = await startFakeUpstox({ token: TOKEN });
  const client = Upstox.ApiClient.instance;
  client.basePath = fake.url;
  client.orderBasePath = fake.url;
  client.authentications['OAUTH2'].accessToken = TOKEN;
});
after(async () => { await fake.close(); });

/** The SDK is callback-style: (error, data, response). */
function call<T = Any>(fn: (cb: (err: Any, data: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, data) => (err ? reject(new Error(`${err.message}: ${err.response?.text ?? ""}`)) : resolve(data))));
}

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
  const positions = await call((cb) => new Upstox.PortfolioApi().getPositions('2.0', cb));
  assert.ok(Array.isArray(positions.data));
});

test('SDK: option contracts, option chain and LTP v3', async () => {
  const k = niftyKeys(fake);
  const options = new Upstox.OptionsApi();
  const contracts = await call((cb) => options.getOptionContracts('NSE_INDEX|Nifty 50', { expiryDate: k.expiry }, cb));
  const c0 = contracts.data[0];
  assert.equal(c0.lotSize, 65);
  assert.equal(c0.instrumentType, 'CE');
  assert.equal(c0.underlyingKey, 'NSE_INDEX|Nifty 50');
  const chain = await call((cb) => options.getPutCallOptionChain('NSE_INDEX|Nifty 50', k.expiry, cb));
  assert.equal(chain.data.length, 21);
  assert.ok(chain.data[10].callOptions.marketData.ltp > 0);
  assert.ok(chain.data[10].putOptions.optionGreeks.delta < 0);
  const ltp = await call((cb) => new Upstox.MarketQuoteV3Api().getLtp({ instrumentKey: `${k.call},NSE_INDEX|Nifty 50` }, cb));
  const entries = Object.entries(ltp.data) as Array<[string, Any]>;
  assert.equal(entries.length, 2);
  assert.ok(entries.some(([key, v]) => key.startsWith('NSE_FO:') && v.instrumentToken === k.call && v.lastPrice > 0));
});

test('SDK: place v3 (order host), order book, multi-order', async () => {
  const k = niftyKeys(fake);
  // The v3 SDK method takes a camelCase model and writes snake_case on the wire; multi-order sends its models as is.
  const v3 = { quantity: 65, product: 'D', validity: 'DAY', price: 0, tag: 'sdk-1', instrumentToken: k.wing, orderType: 'MARKET', transactionType: 'BUY', disclosedQuantity: 0, triggerPrice: 0, isAmo: false, slice: true };
  const placed = await call((cb) => new Upstox.OrderApiV3().placeOrder(v3, {}, cb));
  assert.equal(placed.status, 'success');
  assert.equal(placed.data.orderIds.length, 1);
  assert.equal(typeof placed.metadata.latency, 'number');
  const book = await call((cb) => new Upstox.OrderApi().getOrderBook('2.0', cb));
  const mine = book.data.find((o: Any) => o.tag === 'sdk-1');
  assert.equal(mine.status, 'complete');
  assert.equal(mine.orderId, placed.data.orderIds[0]);
  const line = (corr: string, key: string, side: string) => {
    const m = new Upstox.MultiOrderRequest(65, 'D', 'DAY', 0, true, key, 'MARKET', side, 0, 0, false, corr);
    m.tag = `sdk-${corr}`;
    return m;
  };
  const multi = await call((cb) => new Upstox.OrderApi().placeMultiOrder([line('m1', k.wing, 'BUY'), line('m2', k.call, 'SELL')], cb));
  assert.equal(multi.status, 'success');
  assert.deepEqual(multi.data.map((d: Any) => d.correlationId).sort(), ['m1', 'm2']);
  assert.equal(multi.summary.total, 2);
});

test('SDK: feed authorize, then frames decode with the official MarketDataFeedV3.proto', async () => {
  const k = niftyKeys(fake);
  const auth = await call((cb) => new Upstox.WebsocketApi().getMarketDataFeedAuthorizeV3(cb));
  const uri: string = auth.data.authorizedRedirectUri;
  assert.match(uri, /^ws:\/\/127\.0\.0\.1:\d+\/.*code=/);
  const root = await protobuf.load(path.join(path.dirname(require.resolve('upstox-js-sdk/package.json')), 'dist/feeder/proto/MarketDataFeedV3.proto'));
  const FeedResponse = root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse');
  const ws = new WebSocket(uri, { headers: { Authorization: `Bearer ${TOKEN}` }, followRedirects: true });
  const frames: Any[] = [];
  const got = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      frames.push(FeedResponse.toObject(FeedResponse.decode(data), { enums: String, longs: Number, defaults: true }));
      if (frames.length === 1) ws.send(Buffer.from(JSON.stringify({ guid: 'g1', method: 'sub', data: { mode: 'full', instrumentKeys: [k.call] } })));
      if (frames.length === 2) fake.tick();
      if (frames.length === 3) resolve();
    });
  });
  await got;
  ws.close();
  assert.equal(frames[0].type, 'market_info');
  assert.equal(frames[0].marketInfo.segmentStatus.NSE_FO, 'NORMAL_OPEN');
  assert.equal(frames[1].type, 'initial_feed');
  assert.equal(frames[2].type, 'live_feed');
  const ff = frames[2].feeds[k.call].fullFeed.marketFF;
  assert.equal(ff.marketLevel.bidAskQuote.length, 5);
  assert.ok(ff.ltpc.ltp > 0 && ff.optionGreeks.delta > 0 && ff.vtt > 0);
  assert.equal(frames[2].feeds[k.call].requestMode, 'full_d5');
});
