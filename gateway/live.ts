/**
 * @module The dashboard WebSocket (`/ws`): authenticate with the first message, then receive a full dashboard
 * refresh periodically and every live event as it happens.
 *
 * Protocol (JSON text frames):
 *   client → `{"type":"auth","token":"…"}` first (within AUTH_DEADLINE_MS), later `{"type":"refresh"}` at will
 *   server → `{"type":"hello","role"}` · `{"type":"dashboard","data"}` · `{"type":"event","event","body"}` ·
 *            `{"type":"error","code","message"}`
 * Close codes: 4400 bad message before auth, 4401 auth failed or too slow, 4403 below viewer, 4429 rate limited.
 *
 * One dashboard fetch per refresh serves every client, and a slow client is skipped rather than buffered without
 * bound, so the page can never put pressure on the system.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, type AuthLimiter, type Principal } from './auth.ts';
import type { GatewayDepsExt } from './deps-ext.ts';
import { ApiError } from './errors.ts';
import { dashboardData } from './routes/dashboard.ts';

const AUTH_DEADLINE_MS = 10_000;
const MAX_MESSAGE_BYTES = 4096;
/** A client with this much unsent data is skipped until it catches up. */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Client {
  readonly ws: WebSocket;
  principal: Principal | null;
}

export interface LiveHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
  /** Number of authenticated clients (tests and the inspector). */
  clients(): number;
}

function jsonSafe(value: unknown): string {
  // Typed arrays (msgpack round-trips) would serialise as index-keyed objects; send them as arrays.
  return JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
}

export function createLiveHub(deps: GatewayDepsExt, limiter: AuthLimiter): LiveHub {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<Client>();
  const log = deps.log;
  let refreshScheduled = false;
  let closed = false;

  const send = (c: Client, msg: unknown) => {
    if (c.ws.readyState !== c.ws.OPEN || c.ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    c.ws.send(typeof msg === 'string' ? msg : jsonSafe(msg));
  };
  const broadcast = (msg: unknown) => {
    const text = jsonSafe(msg);
    for (const c of clients) if (c.principal !== null) send(c, text);
  };

  const refresh = async (only?: Client) => {
    try {
      const data = await dashboardData(deps);
      const msg = { type: 'dashboard', data };
      if (only !== undefined) send(only, msg);
      else broadcast(msg);
    } catch (err) {
      const e = err instanceof ApiError || err instanceof Error ? err : new Error(String(err));
      const msg = { type: 'error', code: (e as { code?: string }).code ?? 'UNAVAILABLE', message: 'dashboard data unavailable: ' + e.message };
      if (only !== undefined) send(only, msg);
      else broadcast(msg);
    }
  };
  /** Coalesces bursts of events into one refresh. */
  const scheduleRefresh = () => {
    if (refreshScheduled || closed) return;
    refreshScheduled = true;
    setImmediate(() => {
      refreshScheduled = false;
      if (authenticatedCount() > 0) void refresh();
    });
  };
  const authenticatedCount = () => [...clients].filter((c) => c.principal !== null).length;

  const timer = setInterval(() => {
    if (authenticatedCount() > 0) void refresh();
  }, deps.config.VOLGUARD_DASHBOARD_REFRESH_MS);
  timer.unref();

  const unsubscribe = deps.onEvent((type, body) => {
    if (authenticatedCount() === 0) return;
    try {
      broadcast({ type: 'event', event: type, body });
    } catch (err) {
      log?.warn({ event: type, err: { message: (err as Error).message } }, 'event not forwarded to the dashboard');
    }
    scheduleRefresh();
  });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const client: Client = { ws, principal: null };
    clients.add(client);
    const addr = req.socket.remoteAddress ?? 'unknown';
    const deadline = setTimeout(() => ws.close(4401, 'expected an auth message first'), AUTH_DEADLINE_MS);
    deadline.unref();
    ws.on('close', () => {
      clearTimeout(deadline);
      clients.delete(client);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => {
      let msg: unknown;
      try {
        if (isBinary) throw new Error('binary');
        msg = JSON.parse(raw.toString());
      } catch {
        if (client.principal === null) ws.close(4400, 'expected a JSON text message');
        else send(client, { type: 'error', code: 'BAD_MESSAGE', message: 'expected a JSON text message' });
        return;
      }
      const type = typeof msg === 'object' && msg !== null ? (msg as { type?: unknown }).type : undefined;
      if (client.principal === null) {
        const token = (msg as { token?: unknown } | null)?.token;
        if (type !== 'auth' || typeof token !== 'string' || token.length > 512) {
          ws.close(4400, 'expected {"type":"auth","token":"…"} first');
          return;
        }
        try {
          client.principal = authenticate(deps.tokens, limiter, addr, token);
        } catch (err) {
          const code = err instanceof ApiError && err.status === 429 ? 4429 : 4401;
          ws.close(code, code === 4429 ? 'too many failed authentications' : 'unknown token');
          return;
        }
        clearTimeout(deadline);
        send(client, { type: 'hello', role: client.principal.role });
        void refresh(client);
        return;
      }
      if (type === 'refresh') void refresh(client);
      else send(client, { type: 'error', code: 'BAD_MESSAGE', message: `expected type "refresh", was ${JSON.stringify(String(type)).slice(0, 40)}` });
    });
  });

  return {
    handleUpgrade(req, socket, head) {
      if (closed) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      for (const c of clients) c.ws.terminate();
      clients.clear();
      wss.close();
    },
    clients: authenticatedCount,
  };
}
