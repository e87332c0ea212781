/**
 * @module GET /health — liveness and readiness, no auth (load balancers and systemd probes call it).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { json, roleDoc, type RouteCtx } from './common.ts';

const Health = z.object({ ok: z.boolean(), reasons: z.array(z.string()) }).openapi('Health');

export function registerHealth(ctx: RouteCtx): void {
  const route = createRoute({
    method: 'get',
    path: '/health',
    tags: ['system'],
    summary: 'liveness/readiness: 200 when every permanent actor runs and the last cycle is fresh',
    ...roleDoc(null),
    responses: { 200: json(Health, 'healthy'), 503: json(Health, 'unhealthy, with reasons') },
  });
  ctx.app.openapi(route, (c) => {
    const h = ctx.deps.health();
    const body = { ok: h.ok, reasons: [...h.reasons] };
    return h.ok ? c.json(body, 200) : c.json(body, 503);
  });
}
