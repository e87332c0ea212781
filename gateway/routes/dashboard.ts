/**
 * @module The read-only views: dashboard data (both seeds' paths) and the supervisor/loop status.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { DashboardData } from '../deps-ext.ts';
import type { GatewayDepsExt } from '../deps-ext.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, json, guard, type RouteCtx } from './common.ts';

const Dashboard = z
  .looseObject({
    ts: z.number(),
    underlyings: z.array(z.object({ name: z.string(), spot: z.number(), vix: z.number().nullable().optional() })),
    pnl: z.object({ day: z.number(), realised: z.number(), unrealised: z.number() }),
    greeks: z.looseObject({ delta: z.number(), gamma: z.number(), vega: z.number(), theta: z.number(), limits: z.record(z.string(), z.number()) }),
    killswitch: z.looseObject({ state: z.string(), cause: z.string().nullable() }),
    phase: z.object({ configured: z.string(), effective: z.string() }),
    dataQuality: z.object({ score: z.number(), components: z.record(z.string(), z.number()) }),
    lastCycle: z.unknown().openapi({ description: '{id, ts, durationMs, stages} or null' }),
    structures: z.array(z.unknown()).openapi({ description: 'open structures with their legs' }),
    approvalsPending: z.number(),
    approvals: z.array(z.unknown()).optional(),
    smiles: z.array(z.unknown()).openapi({ description: '[{underlying, expiry, strikes, marketIv, fitIv}] — market IVs vs fitted SABR' }),
    actors: z.array(z.unknown()),
    supervisors: z.array(z.unknown()),
  })
  .openapi('Dashboard');

/** The dashboard view with the inspector's tree added (the WebSocket pushes the same object). */
export async function dashboardData(deps: GatewayDepsExt): Promise<DashboardData & { actors: unknown[]; supervisors: unknown[] }> {
  const d = await deps.dashboard();
  return { ...d, actors: [...deps.actors()], supervisors: [...deps.supervisors()] };
}

export function registerDashboard(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  for (const path of ['/api/v1/dashboard', '/api/dashboard/data'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['dashboard'],
        summary: path === '/api/v1/dashboard' ? 'everything the dashboard shows' : 'alias of /api/v1/dashboard',
        ...guard('viewer'),
        responses: { 200: json(Dashboard), ...errorResponses('viewer') },
      }),
      async (c) => c.json((await dashboardData(deps)) as z.input<typeof Dashboard>, 200),
    );
  }

  const Status = z
    .object({
      state: z.string().openapi({ description: 'kill-switch state, UNKNOWN when the kill switch does not answer' }),
      phase: z.string().openapi({ description: 'configured deployment phase' }),
      cycles: z.number(),
      lastCycle: z.object({ id: z.string(), ts: z.number(), durationMs: z.number(), stages: z.record(z.string(), z.number()), overrun: z.boolean() }).nullable(),
      loop: z.enum(['running', 'stopped']),
      uptimeMs: z.number(),
    })
    .openapi('SupervisorStatus');
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/supervisor/status',
      tags: ['dashboard'],
      summary: 'trading loop and kill-switch summary',
      ...guard('viewer'),
      responses: { 200: json(Status), ...errorResponses('viewer') },
    }),
    async (c) => {
      const loop = deps.loop.status();
      let state = 'UNKNOWN';
      try {
        const ks = await deps.request<{ state?: unknown }>('killswitch', 'killswitch.status', {}, ACTOR_TIMEOUT_MS);
        if (typeof ks?.state === 'string') state = ks.state;
      } catch {
        // The loop status is still useful while the kill switch restarts; the state says it is unknown.
      }
      return c.json({ state, phase: deps.config.PHASE, cycles: loop.cycles, lastCycle: loop.lastCycle === null ? null : { ...loop.lastCycle, stages: { ...loop.lastCycle.stages } }, loop: loop.loop, uptimeMs: loop.uptimeMs }, 200);
    },
  );
}
