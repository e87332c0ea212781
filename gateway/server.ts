/**
 * @module `startGateway(deps, {port, host})`: the control plane on one HTTP server — the Hono app for every route
 * and the dashboard WebSocket on `/ws`. Resolves once listening; `close()` ends every connection.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from './app.ts';
import { AuthLimiter } from './auth.ts';
import type { GatewayDepsExt } from './deps-ext.ts';
import { createLiveHub } from './live.ts';

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would hold close() open until they time out.
    server.closeAllConnections();
  });
}

export async function startGateway(deps: GatewayDepsExt, opts: { port: number; host: string }): Promise<RunningServer & { liveClients(): number }> {
  const cfg = deps.config;
  const limiter = new AuthLimiter(deps.clock, cfg.VOLGUARD_AUTH_MAX_FAILURES, cfg.VOLGUARD_AUTH_WINDOW_MS, deps.log);
  const app = createApp(deps, { limiter });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // Slow-loris protection: a client must finish its headers and body promptly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const hub = createLiveHub(deps, limiter);
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    hub.handleUpgrade(req, socket, head);
  });
  const port = await listen(server, opts.port, opts.host);
  deps.log?.info({ port, host: opts.host }, 'gateway listening');
  return {
    port,
    liveClients: () => hub.clients(),
    async close() {
      hub.close();
      await closeServer(server);
    },
  };
}
