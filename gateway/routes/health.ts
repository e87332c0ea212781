/**
 * @module GET /health (liveness) and GET /health/ready (readiness), no auth: load balancers and systemd probes call them.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { readiness } from '../readiness.ts';
import { json, roleDoc, type RouteCtx } from './common.ts';

const Health = z.object({ ok: z.boolean(), reasons: z.array(z.string()) }).openapi('Health');

const Ready = z
  .object({
    ok: z.boolean(),
    reasons: z.array(z.string()),
    killswitch: z.object({ state: z.string(), cause: z.string().nullable() }).nullable(),
    dataQuality: z.number().nullable(),
    phase: z.object({ configured: z.string(), effective: z.string() }),
    loop: z.enum(['running', 'stopped']),
  })
  .openapi('Readiness');

export function registerHealth(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      tags: ['system'],
      summary: 'liveness: 200 when every permanent actor runs and the last cycle is fresh (a HALTED system is alive)',
      ...roleDoc(null),
      responses: { 200: json(Health, 'alive'), 503: json(Health, 'not alive, with reasons') },
    }),
    (c) => {
      const h = deps.health();
      const body = { ok: h.ok, reasons: [...h.reasons] };
      return h.ok ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/ready',
      operationId: 'getReadiness',
      tags: ['system'],
      summary: 'readiness: 200 when the system can trade, else 503 with reasons (kill switch HALTED/EMERGENCY, data quality, loop stopped, actors, stale cycle)',
      ...roleDoc(null),
      responses: { 200: json(Ready, 'ready to trade'), 503: json(Ready, 'not ready, with reasons') },
    }),
    (c) => {
      const facts = deps.readiness();
      const loop = deps.loop.status().loop;
      const cfg = deps.config;
      const r = readiness({ ...facts, liveness: deps.health(), loop, thresholds: { fullAuto: cfg.KS_FULL_AUTO_QUALITY, shadow: cfg.KS_SHADOW_QUALITY } });
      const body = { ok: r.ok, reasons: r.reasons, killswitch: facts.killswitch, dataQuality: facts.dataQuality, phase: facts.phase, loop };
      return r.ok ? c.json(body, 200) : c.json(body, 503);
    },
  );
}
