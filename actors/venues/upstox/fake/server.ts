/**
 * @module startFakeUpstox: the fake on 127.0.0.1 — REST (Hono), market feed V3 (protobuf frames: market_info on
 * connect, initial_feed after each sub, live_feed as the market moves) and the portfolio stream (JSON text order
 * updates). Market and broker are injectable (the seams for SimMarket and the paper exchange).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Broker, BrokerOrder } from '../../broker.ts';
import { encodeFeedResponse, type EncodeMode, type FeedQuote } from '../feed/proto-encode.ts';
import { createFakeApp } from './app.ts';
import { FakeBook } from './book.ts';
import { DeterministicMarket, type FakeMarket } from './market.ts';
import { orderJson } from './shapes.ts';
import { createState, newCode, tokenAccepted, type FakeState } from './state.ts';

export interface FakeUpstoxOptions {
  readonly port?: number;
  readonly token?: string | undefined;
  readonly market?: FakeMarket;
  readonly broker?: Broker;
  /** Live-feed period; 0 = only on `POST /__fake/tick` (deterministic tests). */
  readonly liveIntervalMs?: number;
  /** Share of each client's option keys quoted per timed step, rotating (default 0.2: every key at least every 5
   *  steps). `tick()` and `POST /__fake/tick` always quote every subscribed key. */
  readonly liveFraction?: number;
  readonly now?: () => number;
  readonly seed?: number;
  /** `Last-Modified` of the instruments master (default: today's build, see FakeState.masterBuiltAt). */
  readonly masterBuiltAt?: number;
  /** The account's cash (₹, default 1 crore): the fake's RMS blocks margin out of it. */
  readonly capital?: number;
}

export interface FakeUpstox {
  readonly url: string;
  readonly port: number;
  readonly state: FakeState;
  /** Advances the market one step and pushes live_feed frames. */
  tick(): void;
  /** Number of open feed / portfolio sockets. */
  sockets(): { feed: number; portfolio: number };
  /** Keys subscribed per mode, per open feed socket. */
  subscriptions(): Array<Record<EncodeMode, number>>;
  close(): Promise<void>;
}

interface FeedClient {
  readonly ws: WebSocket;
  readonly modes: Map<string, EncodeMode>;
  /** Where the next timed step's rotating share starts. */
  cursor: number;
}

const MARKET_STATUS = { NORMAL_OPEN: 2, NORMAL_CLOSE: 3 } as const;

/** Market feed V3 caps per connection: keys per mode when one mode is used alone, and when modes are combined. */
export const FEED_CAPS = {
  alone: { ltpc: 5000, option_greeks: 3000, full: 2000 },
  combined: { ltpc: 2000, option_greeks: 2000, full: 1500 },
} as const;

/** A description of the first cap the subscription set breaks, or undefined. */
export function capExceeded(modes: ReadonlyMap<string, EncodeMode>): string | undefined {
  const counts: Record<EncodeMode, number> = { ltpc: 0, option_greeks: 0, full: 0 };
  for (const m of modes.values()) counts[m]++;
  const used = (Object.keys(counts) as EncodeMode[]).filter((m) => counts[m] > 0);
  const caps = used.length > 1 ? FEED_CAPS.combined : FEED_CAPS.alone;
  for (const m of used) {
    if (counts[m] > caps[m]) return `${m}: ${counts[m]} keys > ${caps[m]} (${used.length > 1 ? `combined with ${used.filter((x) => x !== m).join(', ')}` : 'alone'})`;
  }
  return undefined;
}

export async function startFakeUpstox(opts: FakeUpstoxOptions = {}): Promise<FakeUpstox> {
  const now = opts.now ?? Date.now;
  const market = opts.market ?? new DeterministicMarket({ seed: opts.seed ?? 1, nowMs: now() });
  // The book reads its fault knobs from the state, which needs the book: a late-bound getter.
  const holder: { state?: FakeState } = {};
  const broker = opts.broker ?? new FakeBook(market, { now, ...(opts.capital !== undefined ? { capital: opts.capital } : {}), faults: () => holder.state!.faults });
  const state = createState(market, broker, { token: opts.token, now, masterBuiltAt: opts.masterBuiltAt });
  holder.state = state;
  const feedClients = new Set<FeedClient>();
  const portfolioClients = new Set<WebSocket>();

  const marketInfo = () => encodeFeedResponse({
    type: 2, currentTs: now(),
    segmentStatus: Object.fromEntries(['NSE_EQ', 'NSE_FO', 'NSE_INDEX', 'BSE_EQ', 'BSE_FO'].map((s) => [s, state.faults.marketOpen ? MARKET_STATUS.NORMAL_OPEN : MARKET_STATUS.NORMAL_CLOSE])),
  });
  const frameFor = (client: FeedClient, keys: Iterable<string>, type: 0 | 1) => {
    const feeds = new Map<string, { quote: FeedQuote; mode: EncodeMode }>();
    for (const k of keys) {
      const mode = client.modes.get(k);
      const q = market.quote(k);
      if (mode !== undefined && q !== undefined) feeds.set(k, { quote: q, mode });
    }
    return feeds.size === 0 ? undefined : encodeFeedResponse({ type, currentTs: now(), feeds });
  };

  /** One market step. `fraction` < 1: each client hears a rotating share of its option keys (every index key always),
   *  as a real feed reports only what traded or requoted — at real scale, quoting all of them every step would cost
   *  the fake's thread (the system under test's main thread in tests) far more than Upstox's servers. */
  const step = (fraction: number) => {
    const changed = market.advance(now());
    if (broker instanceof FakeBook) {
      broker.matchAll();
      // After an expiry's session closes its positions settle at intrinsic value off the index close.
      broker.settle(now());
    }
    for (const c of feedClients) {
      let keys: Iterable<string> = changed;
      if (fraction < 1) {
        const all = [...c.modes.keys()];
        const options = all.filter((k) => !k.startsWith('NSE_INDEX|'));
        const n = Math.max(1, Math.ceil(options.length * fraction));
        const slice: string[] = all.filter((k) => k.startsWith('NSE_INDEX|'));
        for (let i = 0; i < n && options.length > 0; i++) slice.push(options[(c.cursor + i) % options.length]!);
        c.cursor = options.length === 0 ? 0 : (c.cursor + n) % options.length;
        keys = slice;
      }
      const frame = frameFor(c, keys, 1);
      if (frame !== undefined && c.ws.readyState === c.ws.OPEN) c.ws.send(frame);
    }
  };
  const tick = () => step(1);

  const app = createFakeApp(state, {
    onFaultAction: () => {
      for (const c of feedClients) c.ws.terminate();
      for (const ws of portfolioClients) ws.terminate();
    },
    onTick: tick,
  });

  const offOrders = broker.onOrderUpdate((o: BrokerOrder) => {
    const json = JSON.stringify({ ...orderJson(o, state.meta.get(o.brokerOrderId), market.instrument(o.instrumentKey)), update_type: 'order', user_id: 'FAKE01', userId: 'FAKE01', instrument_key: o.instrumentKey });
    for (const ws of portfolioClients) if (ws.readyState === ws.OPEN) ws.send(json);
  });

  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage & { streamKind?: 'market' | 'portfolio' }) => {
    ws.on('ping', (data) => { if (!state.faults.noPong) ws.pong(data); });
    if (req.streamKind === 'portfolio') {
      portfolioClients.add(ws);
      ws.on('close', () => portfolioClients.delete(ws));
      return;
    }
    const client: FeedClient = { ws, modes: new Map(), cursor: 0 };
    feedClients.add(client);
    ws.on('close', () => feedClients.delete(client));
    ws.send(marketInfo());
    ws.on('message', (data, isBinary) => {
      // Upstox reads requests only from binary frames; text frames are ignored.
      if (!isBinary) return;
      let req: { method?: unknown; data?: { mode?: unknown; instrumentKeys?: unknown } };
      try { req = JSON.parse(Buffer.from(data as Buffer).toString('utf8')); } catch { return; }
      const keys = Array.isArray(req.data?.instrumentKeys) ? req.data.instrumentKeys.filter((k): k is string => typeof k === 'string') : [];
      if (req.method === 'unsub') { for (const k of keys) client.modes.delete(k); return; }
      if (req.method !== 'sub' && req.method !== 'change_mode') return;
      const mode: EncodeMode = req.data?.mode === 'full' || req.data?.mode === 'option_greeks' ? req.data.mode : 'ltpc';
      const next = new Map(client.modes);
      for (const k of keys) next.set(k, mode);
      const over = capExceeded(next);
      if (over !== undefined) {
        // Upstox does not document its answer to a request beyond the caps: the fake ignores the whole request.
        state.capRefusals.count++;
        state.capRefusals.last = over;
        return;
      }
      for (const k of keys) client.modes.set(k, mode);
      const frame = frameFor(client, keys, 0);
      if (frame !== undefined) ws.send(frame);
    });
  });

  const server = createServer(getRequestListener(app.fetch));
  server.on('upgrade', (req: IncomingMessage & { streamKind?: 'market' | 'portfolio' }, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
    };
    const redirect = (location: string) => socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${location}\r\nConnection: close\r\n\r\n`);
    if (state.faults.tokenExpired) return refuse(401, 'Unauthorized');
    // Direct connect with a bearer: Upstox answers 307 to an authorized URL.
    const direct: Record<string, 'market' | 'portfolio'> = { '/v3/feed/market-data-feed': 'market', '/v2/feed/portfolio-stream-feed': 'portfolio' };
    const directKind = direct[url.pathname];
    if (directKind !== undefined) {
      if (!tokenAccepted(state, req.headers.authorization)) return refuse(401, 'Unauthorized');
      const code = newCode();
      state.wsCodes.set(code, directKind);
      return redirect(`${state.wsBase}/fake-ws/${directKind === 'market' ? 'market-data-feed' : 'portfolio-stream-feed'}?code=${code}`);
    }
    const code = url.searchParams.get('code') ?? '';
    const kind = state.wsCodes.get(code);
    state.wsCodes.delete(code);
    if (kind === undefined) return refuse(403, 'Forbidden');
    if (state.faults.redirect && url.searchParams.get('redirected') !== '1') {
      const next = newCode();
      state.wsCodes.set(next, kind);
      return redirect(`${state.wsBase}${url.pathname}?code=${next}&redirected=1`);
    }
    req.streamKind = kind;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.wsBase = `ws://127.0.0.1:${port}`;
  const liveFraction = opts.liveFraction ?? 0.2;
  const timer = opts.liveIntervalMs !== undefined && opts.liveIntervalMs > 0 ? setInterval(() => step(liveFraction), opts.liveIntervalMs) : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    tick,
    sockets: () => ({ feed: feedClients.size, portfolio: portfolioClients.size }),
    subscriptions: () => [...feedClients].map((c) => {
      const counts: Record<EncodeMode, number> = { ltpc: 0, option_greeks: 0, full: 0 };
      for (const m of c.modes.values()) counts[m]++;
      return counts;
    }),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      offOrders();
      for (const release of state.hanging) release();
      state.hanging.clear();
      for (const c of feedClients) c.ws.terminate();
      for (const ws of portfolioClients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
