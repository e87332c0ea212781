/**
 * @module The fake's Hono app (no listen): login, fault middleware, bearer auth, WebSocket authorize endpoints,
 * admin (`/__fake/*`), then the market and order routes.
 */
import { Hono, type Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { isOrderHostPath } from '../hosts.ts';
import { normaliseIp } from '../static-ip.ts';
import { FakeBook } from './book.ts';
import { faultsSchema, pathMatches } from './faults.ts';
import { marketRoutes } from './rest-market.ts';
import { orderRoutes } from './rest-orders.ts';
import { accountRoutes } from './rest-account.ts';
import { errorBody, success } from './shapes.ts';
import { issueToken, newCode, tokenAccepted, type FakeState } from './state.ts';

// Historical candles need no token: the official SDK's HistoryApi/HistoryV3Api send none (authNames empty).
const OPEN_PATHS = ['/v2/login/authorization/dialog', '/v2/login/authorization/token', '/market-quote/instruments/', '/v3/historical-candle/', '/__fake/'];

export function createFakeApp(state: FakeState, hooks: { onFaultAction?: (action: 'feedDrop') => void; onTick?: () => void } = {}): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/__fake/')) return next();
    state.requests++;
    const call = `${c.req.method} ${path}`;
    state.calls.set(call, (state.calls.get(call) ?? 0) + 1);
    const f = state.faults;
    const isWrite = c.req.method !== 'GET' && (isOrderHostPath(path) || path.startsWith('/v2/order/'));
    const hang = () => new Promise<Response>((resolve) => {
      const release = () => resolve(Response.json(errorBody('UDAPI100500', 'Fake shutting down'), { status: 503 }));
      state.hanging.add(release);
    });
    if (pathMatches(f, path)) {
      if (f.rateLimit > 0) { f.rateLimit--; return c.json(errorBody('UDAPI10005', 'Too Many Request Sent'), 429); }
      if (f.serverError > 0) {
        f.serverError--;
        const failure = () => Response.json(errorBody('UDAPI100500', 'Something went wrong, please try again'), { status: 503 });
        if (f.afterCommit && isWrite) {
          await next();
          // After next() the context is finalized: a returned response would be ignored, so replace it.
          c.res = undefined as unknown as Response;
          c.res = failure();
          return;
        }
        return failure();
      }
      if (f.timeout > 0) {
        f.timeout--;
        if (f.afterCommit && isWrite) await next();
        return hang();
      }
    }
    if (OPEN_PATHS.some((p) => path.startsWith(p))) return next();
    if (f.tokenExpired || !tokenAccepted(state, c.req.header('Authorization'))) {
      return c.json(errorBody('UDAPI100050', 'Invalid token used to access API'), 401);
    }
    if (isWrite) {
      // SEBI retail-algo framework (Upstox, 1 Apr 2026): order writes only from a registered static IP; reads exempt.
      const from = remoteAddress(c);
      const registered = [state.staticIps.primary, state.staticIps.secondary].filter((ip): ip is string => ip !== null).map(normaliseIp);
      if (f.unregisteredIp || from === undefined || !registered.includes(from)) {
        return c.json(errorBody('UDAPI1154', 'Access to this API is blocked due to static IP restrictions.'), 403);
      }
      const algo = c.req.header('X-Algo-Name');
      if (algo !== undefined && !state.algoNames.has(algo)) return c.json(errorBody('UDAPI1156', 'Invalid Algo name passed in headers'), 400);
    }
    return next();
  });

  app.get('/v2/login/authorization/dialog', (c) => {
    const redirect = c.req.query('redirect_uri');
    if (c.req.query('client_id') === undefined || redirect === undefined || c.req.query('response_type') !== 'code') {
      return c.json(errorBody('UDAPI100068', 'Check your client_id and redirect_uri; one or both are incorrect'), 400);
    }
    const code = newCode();
    state.loginCodes.add(code);
    const url = new URL(redirect);
    url.searchParams.set('code', code);
    const st = c.req.query('state');
    if (st !== undefined) url.searchParams.set('state', st);
    return c.redirect(url.toString(), 302);
  });

  app.post('/v2/login/authorization/token', async (c) => {
    const form = await c.req.parseBody();
    const code = typeof form['code'] === 'string' ? form['code'] : '';
    const fields = ['code', 'client_id', 'client_secret', 'redirect_uri', 'grant_type'];
    const missing = fields.filter((k) => typeof form[k] !== 'string' || form[k] === '');
    if (missing.length > 0 || form['grant_type'] !== 'authorization_code') {
      return c.json(errorBody('UDAPI100016', `Invalid Credentials (missing ${missing.join(', ') || 'grant_type=authorization_code'})`), 401);
    }
    // Single-use even when the exchange fails.
    const known = state.loginCodes.delete(code);
    if (!known) return c.json(errorBody('UDAPI100016', 'Invalid Credentials'), 401);
    return c.json({
      email: 'fake@example.invalid', exchanges: ['NSE', 'NFO', 'BSE', 'CDS', 'BFO', 'BCD'], products: ['D', 'CO', 'I'], broker: 'UPSTOX', user_id: 'FAKE01',
      user_name: 'Fake Trader', order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'], user_type: 'individual', poa: false, is_active: true,
      access_token: issueToken(state, 'FAKE01'), extended_token: null,
    });
  });

  const authorize = (kind: 'market' | 'portfolio', path: string) => {
    const code = newCode();
    state.wsCodes.set(code, kind);
    const uri = `${state.wsBase}${path}?requestId=${newCode()}&code=${code}`;
    return success({ authorized_redirect_uri: uri, authorizedRedirectUri: uri });
  };
  app.get('/v3/feed/market-data-feed/authorize', (c) => c.json(authorize('market', '/fake-ws/market-data-feed')));
  app.get('/v2/feed/portfolio-stream-feed/authorize', (c) => c.json(authorize('portfolio', '/fake-ws/portfolio-stream-feed')));

  app.post('/__fake/faults', async (c) => {
    let raw: unknown;
    try { raw = await c.req.json(); } catch { raw = undefined; }
    const patch = faultsSchema.safeParse(raw);
    if (!patch.success) return c.json({ error: `expected a fault patch, was invalid: ${patch.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` }, 400);
    const { feedDrop, capital, ...rest } = patch.data;
    Object.assign(state.faults, rest);
    if (capital !== undefined && state.broker instanceof FakeBook) state.broker.capital = capital;
    if (feedDrop === true) hooks.onFaultAction?.('feedDrop');
    return c.json({ faults: state.faults });
  });
  app.get('/__fake/state', (c) => c.json({
    faults: state.faults, requests: state.requests, calls: Object.fromEntries(state.calls), staticIps: state.staticIps, capRefusals: state.capRefusals,
    orderLog: state.orderLog, settlements: state.broker instanceof FakeBook ? state.broker.settlements : [],
  }));
  app.post('/__fake/tick', (c) => { hooks.onTick?.(); return c.json({ ok: true }); });
  /** The caller's address as the fake sees it, as plain text (an UPSTOX_EGRESS_IP_URL for tests). */
  app.get('/__fake/whoami', (c) => c.text(remoteAddress(c) ?? 'unknown'));
  /** Expiry settlement now (the tick runs it too): positions in contracts whose session closed settle at intrinsic. */
  app.post('/__fake/settle', (c) => c.json({ settled: state.broker instanceof FakeBook ? state.broker.settle(state.now()) : [] }));

  marketRoutes(app, state);
  accountRoutes(app, state);
  orderRoutes(app, state);
  app.notFound((c) => c.json(errorBody('UDAPI100060', 'Resource not Found.'), 404));
  return app;
}

function remoteAddress(c: Context): string | undefined {
  try {
    const a = getConnInfo(c).remote.address;
    return a === undefined ? undefined : normaliseIp(a);
  } catch {
    return undefined;
  }
}
