import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokerOrder } from '../../actors/venues/broker.ts';
import type { SourceStatus, Tick } from '../../actors/venues/market-data.ts';
import { UpstoxMarketData } from '../../actors/venues/upstox/feed/market-data.ts';
import { PortfolioStream } from '../../actors/venues/upstox/portfolio/stream.ts';
import { UpstoxBroker } from '../../actors/venues/upstox/broker.ts';
import { niftyKeys, rig, TOKEN, type Rig } from './upstox-helpers.ts';

let r: Rig;
before(async () => { r = await rig(); });
after(async () => { await r.close(); });

/** Resolves with the first value the predicate accepts (no sleeps: event-driven). */
function waitFor<T>(subscribe: (fn: (v: T) => void) => () => void, pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => { if (pred(v)) { off(); resolve(v); } });
  });
}

test('feed: lists instruments, subscribes, gets initial_feed, live_feed on tick and market status', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'full', log: r.log, backoffInitialMs: 5 });
  const k = niftyKeys(r.fake);
  const insts = await md.instruments();
  assert.ok(insts.some((i) => i.instrumentKey === k.call && i.lotSize === 65 && i.tickSize === 0.05));
  const market = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'market');
  const connected = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  await md.start();
  await connected;
  assert.deepEqual(await market, { kind: 'market', open: true });
  const initial = waitFor<readonly Tick[]>((f) => md.onTicks(f), (t) => t.some((x) => x.instrumentKey === k.call));
  await md.subscribe([k.call, 'NSE_INDEX|Nifty 50']);
  const first = (await initial).find((x) => x.instrumentKey === k.call)!;
  assert.ok(first.bid! > 0 && first.ask! >= first.bid! && first.delta !== undefined);
  const live = waitFor<readonly Tick[]>((f) => md.onTicks(f), (t) => t.length === 2);
  r.fake.tick();
  assert.deepEqual((await live).map((t) => t.instrumentKey).sort(), [k.call, 'NSE_INDEX|Nifty 50'].sort());
  await md.unsubscribe(['NSE_INDEX|Nifty 50']);
  // Expiry roll = subscribe the new keys; unsubscribed keys stop.
  const rolled = waitFor<readonly Tick[]>((f) => md.onTicks(f), (t) => t.some((x) => x.instrumentKey === k.put));
  await md.subscribe([k.put]);
  await rolled;
  const after = waitFor<readonly Tick[]>((f) => md.onTicks(f), () => true);
  r.fake.tick();
  assert.deepEqual((await after).map((t) => t.instrumentKey).sort(), [k.call, k.put].sort());
  await md.stop();
});

test('feed: rejects subscriptions beyond the mode cap', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'full' });
  await assert.rejects(md.subscribe(Array.from({ length: 2001 }, (_, i) => `NSE_FO|${i}`)), /at most 2000 keys in full mode, was 2001/);
});

test('feed: per-mode caps alone and combined — 3,000 option_greeks alone fit; once index keys use ltpc, option_greeks is capped at 2,000; a refused request changes nothing', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'option_greeks' });
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `NSE_FO|${100_000 + i}`);
  await md.subscribe(keys(3000), 'quote');
  assert.equal(md.subscribed.size, 3000);
  await assert.rejects(md.subscribe(['NSE_INDEX|Nifty 50'], 'ltp'), /at most 2000 keys in option_greeks mode combined with ltpc, was 3000/);
  assert.equal(md.subscribed.has('NSE_INDEX|Nifty 50'), false, 'nothing changed');
  await md.unsubscribe(keys(3000).slice(2000));
  await md.subscribe(['NSE_INDEX|Nifty 50', 'NSE_INDEX|Nifty Bank', 'NSE_INDEX|India VIX'], 'ltp');
  assert.deepEqual([...md.subscribed.values()].filter((m) => m === 'ltpc').length, 3);
  // The caps in the feed's terms, for its planner.
  assert.deepEqual(md.caps, { alone: { ltp: 5000, quote: 3000, depth: 2000 }, combined: { ltp: 2000, quote: 2000, depth: 1500 } });
});

test('feed: each key in the mode its need asks for (index ltpc, options option_greeks, depth full); a changed need re-subscribes', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'option_greeks', backoffInitialMs: 5 });
  const k = niftyKeys(r.fake);
  const up = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  await md.start();
  await up;
  const both = waitFor<readonly Tick[]>((f) => md.onTicks(f), (t) => t.some((x) => x.instrumentKey === k.call));
  await md.subscribe(['NSE_INDEX|Nifty 50'], 'ltp');
  await md.subscribe([k.call], 'quote');
  const tick = (await both).find((x) => x.instrumentKey === k.call)!;
  assert.ok(tick.iv !== undefined && tick.gamma !== undefined && tick.bid !== undefined, 'option_greeks carries bid/ask, IV and greeks');
  await md.subscribe([k.call], 'depth');
  assert.equal(md.subscribed.get(k.call), 'full');
  assert.equal(md.subscribed.get('NSE_INDEX|Nifty 50'), 'ltpc');
  await md.stop();
});

test('feed: after a drop it re-authorizes, reconnects (following a 307) and resubscribes', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'ltpc', backoffInitialMs: 5 });
  const k = niftyKeys(r.fake);
  const initial = waitFor<readonly Tick[]>((f) => md.onTicks(f), () => true);
  await md.subscribe([k.call]);
  await md.start();
  await initial;
  await r.faults({ redirect: true });
  const dropped = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'disconnected');
  const again = waitFor<readonly Tick[]>((f) => md.onTicks(f), (t) => t[0]?.instrumentKey === k.call);
  await r.faults({ feedDrop: true });
  assert.equal((await dropped).kind, 'disconnected');
  await again;
  await r.faults({ redirect: false });
  await md.stop();
});

test('feed: a connection that stops answering pings is replaced (liveness is ping/pong, not data)', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'ltpc', pingIntervalMs: 50, backoffInitialMs: 5 });
  const up = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  await md.start();
  await up;
  const lost = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'disconnected');
  const back = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  await r.faults({ noPong: true });
  assert.match((await lost as { reason: string }).reason, /closed 1006/);
  await r.faults({ noPong: false });
  await back;
  await md.stop();
});

test('feed: a hot token swap re-authorizes the socket without a restart', async () => {
  const md = new UpstoxMarketData(r.rest, r.tokens, { mode: 'ltpc', backoffInitialMs: 5 });
  const up = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  await md.start();
  await up;
  const reconnected = waitFor<SourceStatus>((f) => md.onStatus(f), (s) => s.kind === 'connected');
  r.tokens.set(TOKEN, Date.now() + 7_200_000);
  await reconnected;
  await md.stop();
});

test('portfolio stream: order updates arrive as BrokerOrders through onOrderUpdate, received → complete', async () => {
  const stream = new PortfolioStream(r.rest, r.tokens, { backoffInitialMs: 5 });
  const broker = new UpstoxBroker(r.rest, { stream });
  const k = niftyKeys(r.fake);
  const up = waitFor<SourceStatus>((f) => stream.onStatus(f), (s) => s.kind === 'connected');
  const seen: BrokerOrder[] = [];
  const filled = waitFor<BrokerOrder>((f) => broker.onOrderUpdate((o) => { seen.push(o); f(o); }), (o) => o.clientOrderId === 'vg-ps-1' && o.status === 'filled');
  await up;
  await broker.placeOrder({ clientOrderId: 'vg-ps-1', instrumentKey: k.wing, side: 'BUY', quantity: 65, orderType: 'MARKET', marketProtection: 5, product: 'D', validity: 'DAY' });
  const o = await filled;
  assert.equal(o.filledQuantity, 65);
  assert.deepEqual(seen.filter((x) => x.clientOrderId === 'vg-ps-1').map((x) => x.status), ['pending', 'sent', 'open', 'filled']);
  await broker.close();
});
