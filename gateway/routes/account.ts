/**
 * @module The trading account (read: viewer): `GET /api/v1/account` → `{source, equity, availableMargin, usedMargin,
 * asOf}` (INTERFACE.md). The executor owns the figures (actors/executor/messages.ts AccountView): paper from its book
 * and the margin model, upstox from the broker's funds API.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ACTOR_TIMEOUT_MS, errorResponses, guard, json, type RouteCtx } from './common.ts';

const Account = z
  .object({
    source: z.enum(['paper', 'upstox']).openapi({ description: 'paper: from the book (capital + realised net + unrealised) and the margin model; upstox: the funds API' }),
    equity: z.number().openapi({ description: '₹', example: 1_000_000 }),
    availableMargin: z.number().openapi({ description: '₹', example: 850_000 }),
    usedMargin: z.number().openapi({ description: '₹', example: 150_000 }),
    asOf: z.number().int().openapi({ description: 'market-clock epoch ms' }),
  })
  .openapi('Account');

export function registerAccount(ctx: RouteCtx): void {
  ctx.app.openapi(
    createRoute({ method: 'get', path: '/api/v1/account', operationId: 'getAccount', tags: ['trading'], summary: 'the trading account: equity and margin', ...guard('viewer'), responses: { 200: json(Account), ...errorResponses('viewer') } }),
    async (c) => {
      const r = await ctx.deps.request<z.input<typeof Account>>('executor', 'executor.account', {}, ACTOR_TIMEOUT_MS);
      // The executor's answer, checked: a malformed one is an internal fault, never passed on.
      return c.json(Account.parse(r), 200);
    },
  );
}
