/**
 * @module The read-only views: dashboard data (both seeds' paths) and the supervisor/loop status.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RiskPnl } from '../../actors/risk/messages.ts';
import type { DashboardData } from '../deps-ext.ts';
import type { GatewayDepsExt } from '../deps-ext.ts';
import { moneyView, type MoneyView } from '../views/money.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, json, guard, type RouteCtx } from './common.ts';

const Dashboard = z
  .looseObject({
    ts: z.number(),
    underlyings: z.array(z.object({ name: z.string(), spot: z.number(), vix: z.number().nullable().optional() })),
    pnl: z.object({ day: z.number(), realised: z.number(), unrealised: z.number() }),
    money: z.object({
      date: z.string(), open: z.boolean(),
      day: z.object({ net: z.number(), charges: z.number() }),
      total: z.object({ net: z.number(), charges: z.number() }),
      shadow: z.boolean(),
    }).nullable().optional().openapi({ description: 'the trading day and every journaled day to date, net of charges, with the charges (₹, from GET /api/v1/pnl; the shadow book\'s in SHADOW); null when risk does not answer' }),
    greeks: z.looseObject({ delta: z.number(), gamma: z.number(), vega: z.number(), theta: z.number(), limits: z.record(z.string(), z.number()) }),
    killswitch: z.looseObject({ state: z.string(), cause: z.string().nullable() }),
    phase: z.object({ configured: z.string(), effective: z.string(), reasons: z.array(z.string()).optional().openapi({ description: 'why the phase in force differs from the configured one' }) }),
    clock: z.object({ simulated: z.boolean(), speed: z.number().optional() }).optional().openapi({ description: 'the market clock `ts` is on: simulated (SIM_SPEED×) or real' }),
    book: z.unknown().optional().openapi({ description: 'what is held (reconciled, or the shadow book with shadow: true), grouped by structure / adopted / orphan, with fills, marks and ₹ figures; null before the first cycle' }),
    risk: z.unknown().optional().openapi({ description: 'the last risk report in ₹ (the GET /api/v1/risk shape); null before the first' }),
    events: z.array(z.unknown()).optional().openapi({ description: 'operator events newest first: {ts, kind: order|fill|denial|killswitch|approval|alert|restart, title, detail, ref}' }),
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
export async function dashboardData(deps: GatewayDepsExt): Promise<DashboardData & { actors: unknown[]; supervisors: unknown[]; money: MoneyView | null }> {
  // The money figures are risk's journaled days; a risk actor that does not answer leaves them out, not the page.
  const [d, pnl] = await Promise.all([deps.dashboard(), deps.request<RiskPnl>('risk', 'risk.pnl', {}, ACTOR_TIMEOUT_MS).catch(() => null)]);
  const shadow = (d.book?.shadow ?? false) || d.phase.effective === 'SHADOW';
  return { ...d, money: moneyView(pnl, shadow), actors: [...deps.actors()], supervisors: [...deps.supervisors()] };
}

export function registerDashboard(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  for (const path of ['/api/v1/dashboard', '/api/dashboard/data'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        operationId: path === '/api/v1/dashboard' ? 'getDashboard' : 'getDashboardData',
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
      phase: z.string().openapi({ description: 'the configured deployment phase as the executor holds it now (a phase set through the API shows at once); UNKNOWN when the executor does not answer' }),
      effectivePhase: z.string().nullable().openapi({ description: 'the phase in force at the last cycle (null before the first, or when unknown)' }),
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
      operationId: 'getSupervisorStatus',
      tags: ['dashboard'],
      summary: 'trading loop and kill-switch summary',
      ...guard('viewer'),
      responses: { 200: json(Status), ...errorResponses('viewer') },
    }),
    async (c) => {
      const loop = deps.loop.status();
      // The loop status is still useful while an actor restarts; what it could not tell is UNKNOWN.
      const [ks, phase] = await Promise.all([
        deps.request<{ state?: unknown }>('killswitch', 'killswitch.status', {}, ACTOR_TIMEOUT_MS).catch(() => null),
        // Not the boot PHASE: the executor holds the phase decision (set through POST /api/v1/phase).
        deps.request<{ configured?: unknown; effective?: unknown }>('executor', 'executor.phase', {}, ACTOR_TIMEOUT_MS).catch(() => null),
      ]);
      return c.json({
        state: typeof ks?.state === 'string' ? ks.state : 'UNKNOWN',
        phase: typeof phase?.configured === 'string' ? phase.configured : 'UNKNOWN',
        effectivePhase: typeof phase?.effective === 'string' ? phase.effective : null,
        cycles: loop.cycles,
        lastCycle: loop.lastCycle === null ? null : { ...loop.lastCycle, stages: { ...loop.lastCycle.stages } },
        loop: loop.loop,
        uptimeMs: loop.uptimeMs,
      }, 200);
    },
  );
}
