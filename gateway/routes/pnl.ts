/**
 * @module `GET /api/v1/pnl` (viewer): the trading days the risk actor journaled (money.dayClosed) and the open one,
 * with totals and equity (INTERFACE.md). Risk owns the day (actors/risk/day.ts); the gateway passes its view through.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RiskPnl } from '../../actors/risk/messages.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, json, guard, type RouteCtx } from './common.ts';

const Day = z.object({
  date: z.string().openapi({ example: '2026-12-07' }),
  gross: z.number().openapi({ description: 'realised P&L of closing trades, before charges, ₹' }),
  charges: z.number().openapi({ description: 'brokerage, STT, exchange, SEBI, stamp duty, GST booked that day, ₹ (a cost)' }),
  settlement: z.number().openapi({ description: 'P&L of positions settled at expiry, ₹' }),
  net: z.number().openapi({ description: 'equity at the end − equity at the day\'s start = realised + unrealised, ₹' }),
  realised: z.number().openapi({ description: 'gross + settlement − charges, ₹' }),
  unrealised: z.number().openapi({ description: 'change in unrealised P&L over the day, ₹' }),
  trades: z.number(),
  maxDrawdown: z.number().openapi({ description: 'largest fall of the day P&L from its running peak, ₹' }),
  safetyEvents: z.number(),
  open: z.boolean().openapi({ description: 'true for the day still running (its figures so far)' }),
});
const Equity = z.object({ start: z.number().nullable(), dayStart: z.number().nullable(), now: z.number().nullable() });
const Pnl = z
  .object({
    days: z.array(Day),
    total: z.object({ gross: z.number(), charges: z.number(), settlement: z.number(), net: z.number() }),
    equity: Equity.openapi({ description: 'start: equity when the first journaled day opened; dayStart: today\'s start; now' }),
    shadow: z.object({
      days: z.array(z.object({ date: z.string(), net: z.number(), charges: z.number(), open: z.boolean() })),
      total: z.object({ charges: z.number(), net: z.number() }),
      equity: Equity,
    }).optional().openapi({ description: 'the shadow book (SHADOW phase), when one was tracked' }),
  })
  .openapi('Pnl');

export function registerPnl(ctx: RouteCtx): void {
  ctx.app.openapi(
    createRoute({
      method: 'get', path: '/api/v1/pnl', operationId: 'getPnl', tags: ['money'],
      summary: 'P&L by trading day (gross, charges, settlement, net), totals and equity', ...guard('viewer'),
      responses: { 200: json(Pnl), ...errorResponses('viewer') },
    }),
    async (c) => c.json(await ctx.deps.request<RiskPnl>('risk', 'risk.pnl', {}, ACTOR_TIMEOUT_MS) as z.input<typeof Pnl>, 200),
  );
}
