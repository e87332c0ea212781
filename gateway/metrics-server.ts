/**
 * @module `startMetricsServer(deps, {port, host})`: Prometheus exposition on `GET /metrics`, on its own port so
 * scraping never competes with the control plane and needs no token (bind it where only Prometheus can reach).
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { GatewayDeps } from './deps.ts';
import type { GatewayLog } from './deps-ext.ts';
import { errorBody } from './errors.ts';
import { closeServer, listen, type RunningServer } from './server.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function createMetricsApp(deps: GatewayDeps & { readonly log?: GatewayLog }): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    try {
      const text = await deps.metrics();
      return c.body(text, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
    } catch (err) {
      deps.log?.error({ err: { message: (err as Error).message } }, 'metrics collection failed');
      return c.json(errorBody('METRICS_UNAVAILABLE', 'metrics collection failed'), 503);
    }
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', 'only GET /metrics is served here'), 404));
  return app;
}

export async function startMetricsServer(deps: GatewayDeps & { readonly log?: GatewayLog }, opts: { port: number; host: string }): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: createMetricsApp(deps).fetch }) as Server;
  const port = await listen(server, opts.port, opts.host);
  return { port, close: () => closeServer(server) };
}
