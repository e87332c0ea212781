/**
 * @module GET / (the live dashboard) and its assets. No auth: the page holds no data; it asks for a token and
 * gets everything over the authenticated WebSocket and API.
 */
import type { RouteCtx } from './common.ts';
import { ASSET_PATHS, asset } from './assets.ts';

/** Only our own files; the WebSocket on the same origin. Inline scripts are not allowed. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function registerStatic(ctx: RouteCtx): void {
  for (const p of ASSET_PATHS) {
    ctx.app.get(p, (c) => {
      const a = asset(p);
      if (a === undefined) return c.notFound();
      c.header('Content-Type', a.type);
      c.header('Cache-Control', p === '/' ? 'no-store' : 'public, max-age=300');
      c.header('Content-Security-Policy', CSP);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      return c.body(a.body, 200);
    });
  }
}
