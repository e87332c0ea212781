/**
 * @module `GET /api/v1/risk`: the book's risk as the risk actor measured it in the last cycle — greeks in rupees per
 * underlying and per expiry, the beta-weighted totals, the stress grid with its worst cell, every limit row and the
 * breaches, and the portfolio stops (INTERFACE.md). The dashboard's heat map draws `stress.grid`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, json, guard, type RouteCtx } from './common.ts';

const Greeks = z.object({
  delta1pct: z.number().openapi({ description: '₹ P&L of a 1 % move (of the underlying; the total: of NIFTY, beta-weighted)' }),
  gamma1pct: z.number().openapi({ description: '₹ P&L convexity of a 1 % move: ½·Γ·(1 % of spot)² (the total: β²-weighted)' }),
  vega: z.number().openapi({ description: '₹ per vol point' }),
  theta: z.number().openapi({ description: '₹ per calendar day' }),
});

const Limit = z
  .looseObject({
    name: z.enum(['delta', 'vega', 'gamma', 'theta', 'stress', 'dailyLoss', 'capitalAtRisk', 'margin']),
    scope: z.enum(['total', 'underlying', 'expiry']),
    underlying: z.string().optional(),
    expiry: z.string().optional(),
    value: z.number().openapi({ description: 'the measure, absolute (losses positive)' }),
    signed: z.number().optional(),
    limit: z.number().openapi({ description: 'hard level' }),
    soft: z.number().openapi({ description: 'soft level (RISK_SOFT_RATIO × hard)' }),
    utilisation: z.number(),
    unit: z.string(),
  })
  .openapi('RiskLimit');

const Stop = z.looseObject({
  scope: z.string(), pnl: z.number(), gross: z.number(), charges: z.number(), peak: z.number(),
  stopAt: z.number().nullable(), trailArmAt: z.number().nullable(), trailFloor: z.number().nullable(),
  triggered: z.looseObject({ kind: z.enum(['stop', 'trail']), at: z.number(), pnl: z.number(), level: z.number() }).nullable(),
});

const Scenario = z.looseObject({ kind: z.string(), name: z.string(), spotPct: z.number(), volPts: z.number(), pnl: z.number() });

const RiskView = z
  .looseObject({
    cycleId: z.string(),
    ts: z.number().openapi({ description: 'market time of the assessment, epoch ms' }),
    byUnderlying: z.record(z.string(), Greeks.extend({ spot: z.number(), beta: z.number() })).openapi({ example: { NIFTY: { spot: 26_480, beta: 1, delta1pct: -1_200, gamma1pct: -3_840, vega: -2_950, theta: 1_990 } } }),
    byExpiry: z.array(Greeks.extend({ underlying: z.string(), expiry: z.string() })),
    total: Greeks.extend({ deltaRatio: z.number().openapi({ description: 'beta-weighted delta notional / BASE_CAPITAL (MAX_NET_DELTA)' }) }),
    stress: z.looseObject({
      grid: z.array(z.looseObject({
        spotPct: z.number(), volPts: z.number(), pnl: z.number().openapi({ description: '₹, the worse of sticky strike and sticky moneyness' }),
        stickyStrike: z.number(), stickyMoneyness: z.number(),
      })).openapi({ description: 'spot −10 … +10 % (NIFTY; other underlyings β × that) × IV −5 … +15 vol points' }),
      gaps: z.array(Scenario).openapi({ description: 'overnight gaps of ±5, 8, 10 % with IV up as many points' }),
      pins: z.array(Scenario).openapi({ description: 'expiry-day pin at each short strike, ± RISK_EXPIRY_DAY_MOVE' }),
      worst: Scenario,
      loss: z.number(),
      limit: z.number(),
      utilisation: z.number(),
    }),
    limits: z.array(Limit),
    breaches: z.array(z.looseObject({ limit: z.string(), scope: z.string(), level: z.enum(['soft', 'hard']), value: z.number(), threshold: z.number(), managed: z.boolean() })),
    stops: z.looseObject({ date: z.string(), account: Stop, buckets: z.array(Stop), accountBlocked: z.boolean(), blockedBuckets: z.array(z.string()) }),
    pnl: z.looseObject({ day: z.number(), realised: z.number(), unrealised: z.number() }),
  })
  .openapi('Risk');

export function registerRisk(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/risk',
      operationId: 'getRisk',
      tags: ['risk'],
      summary: 'greeks in ₹ per underlying and expiry, beta-weighted totals, the stress grid, limits, breaches, portfolio stops',
      ...guard('viewer'),
      responses: { 200: json(RiskView), ...errorResponses('viewer') },
    }),
    async (c) => {
      const view = await deps.request<unknown>('risk', 'risk.view', {}, ACTOR_TIMEOUT_MS);
      if (view === null || typeof view !== 'object') throw new ApiError(503, 'NOT_READY', 'expected a risk assessment, was none yet (the first cycle has not completed)');
      return c.json(view as z.input<typeof RiskView>, 200);
    },
  );
}
