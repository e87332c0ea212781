/**
 * @module `createApp(deps)`: the whole HTTP control plane as a Hono app, without a socket (tests call
 * `app.request()`; gateway/server.ts listens).
 *
 * Order of checks on /api/*: authenticate (401/429) → body size/type/syntax/depth (413/415/400) → route role (403)
 * → route schema (422) → handler. So an anonymous caller learns nothing about a route's body rules.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { AuthLimiter, authMiddleware } from './auth.ts';
import { bodyGuard } from './body-guard.ts';
import type { GatewayDepsExt } from './deps-ext.ts';
import { ApiError, errorBody, makeOnError, type ErrorBody } from './errors.ts';
import { scrubValue } from './redact.ts';
import { registerAccount } from './routes/account.ts';
import { registerChaos } from './routes/chaos.ts';
import { gatewaySecrets, type RouteCtx } from './routes/common.ts';
import { registerControl } from './routes/control.ts';
import { registerDashboard } from './routes/dashboard.ts';
import { registerDocs } from './routes/docs.ts';
import { registerGovernance } from './routes/governance.ts';
import { registerHealth } from './routes/health.ts';
import { registerInspector } from './routes/inspector.ts';
import { registerPnl } from './routes/pnl.ts';
import { registerReports } from './routes/reports.ts';
import { registerRisk } from './routes/risk.ts';
import { registerStatic } from './routes/static.ts';
import { registerTrading } from './routes/trading.ts';

export interface AppOptions {
  /** Shared with the WebSocket so failed attempts there count against the same address. */
  readonly limiter?: AuthLimiter;
}

export { gatewaySecrets };

export function createApp(deps: GatewayDepsExt, opts: AppOptions = {}): OpenAPIHono {
  const cfg = deps.config;
  const limiter = opts.limiter ?? new AuthLimiter(deps.clock, cfg.VOLGUARD_AUTH_MAX_FAILURES, cfg.VOLGUARD_AUTH_WINDOW_MS, deps.log);
  const app = new OpenAPIHono({
    // Schema failures (params and bodies) become 422 with zod's issues: path and message, never the input value.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
        const where = issues[0] === undefined ? '' : `${issues[0].path === '' ? 'body' : issues[0].path}: ${issues[0].message}`;
        // Zod names unknown keys; a client that put a token in a key name must not get it echoed.
        return c.json(scrubValue(errorBody('VALIDATION', `invalid request: ${where}`, { issues }), gatewaySecrets(deps)) as ErrorBody, 422);
      }
      return undefined;
    },
  });

  app.onError(makeOnError(deps.log, () => gatewaySecrets(deps)));
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', c.res.headers.get('Cache-Control') ?? 'no-store');
  });
  app.use('/api/*', authMiddleware(deps.tokens, limiter));
  for (const m of bodyGuard(cfg.VOLGUARD_BODY_LIMIT)) app.on(['POST', 'PUT', 'PATCH', 'DELETE'], ['/api/*'], m);

  const ctx: RouteCtx = { app, deps, log: deps.log };
  registerHealth(ctx);
  registerDashboard(ctx);
  registerInspector(ctx);
  registerTrading(ctx);
  registerAccount(ctx);
  registerPnl(ctx);
  registerReports(ctx);
  registerRisk(ctx);
  registerControl(ctx);
  registerGovernance(ctx);
  if (cfg.VOLGUARD_CHAOS) registerChaos(ctx);
  registerDocs(ctx);
  registerStatic(ctx);
  return app;
}

export { ApiError };
