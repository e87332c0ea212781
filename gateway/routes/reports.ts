/**
 * @module The reports the dashboard links (issues 19, 20), read-only for a viewer:
 * - `GET /api/v1/reports`: the session and backtest reports under DATA_DIR/reports, newest first, and the trading
 *   day's P&L net of charges from the risk actor (the `volguard report day` figures; null when risk does not answer).
 * - `GET /api/v1/reports/{name}`: that report's self-contained report.html. The name is a folder name, never a path
 *   (gateway/reports.ts confines it to DATA_DIR/reports); the page gets a CSP that lets its inline uPlot run and
 *   nothing reach the network.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import type { RiskPnl } from '../../actors/risk/messages.ts';
import { ApiError } from '../errors.ts';
import { listReports, REPORT_NAME, reportFile } from '../reports.ts';
import { ACTOR_TIMEOUT_MS, errorResponses, guard, json, type RouteCtx } from './common.ts';

/** The report's own scripts and styles are inline; it fetches nothing, is framed by no one, and submits nowhere. */
const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const Report = z.object({
  name: z.string().openapi({ example: 'session-2026-12-07T10-15-00-000Z', description: 'the folder under DATA_DIR/reports; GET /api/v1/reports/{name} serves its report.html' }),
  kind: z.enum(['session', 'backtest']),
  time: z.number().int().openapi({ description: 'when report.html was written (file time, epoch ms)' }),
});

const Reports = z
  .object({
    reports: z.array(Report).openapi({ description: 'newest first, at most 20' }),
    day: z
      .object({
        date: z.string().openapi({ example: '2026-12-08' }),
        net: z.number().openapi({ description: 'the day\'s P&L net of charges, ₹' }),
        charges: z.number().openapi({ description: 'charges booked that day, ₹' }),
        open: z.boolean(),
      })
      .nullable()
      .openapi({ description: 'the latest trading day (the `volguard report day` figures; full view at GET /api/v1/pnl); null when the risk actor does not answer or has no day' }),
  })
  .openapi('Reports');

const Name = z.object({
  name: z.string().regex(REPORT_NAME).refine((s) => !s.includes('..'), { message: 'expected a report name, was a path' })
    .openapi({ param: { name: 'name', in: 'path' }, example: 'backtest-2026-01-05_2026-01-13', description: '`session-…` or `backtest-…`: a folder name under DATA_DIR/reports, never a path' }),
});

export function registerReports(ctx: RouteCtx): void {
  const root = () => path.resolve(ctx.deps.config.DATA_DIR, 'reports');
  ctx.app.openapi(
    createRoute({
      method: 'get', path: '/api/v1/reports', operationId: 'listReports', tags: ['money'],
      summary: 'the latest session and backtest reports, and the trading day\'s net P&L', ...guard('viewer'),
      responses: { 200: json(Reports), ...errorResponses('viewer') },
    }),
    async (c) => {
      // The list stands without risk: a restarting risk actor leaves the day out, not the reports.
      const pnl = await ctx.deps.request<RiskPnl>('risk', 'risk.pnl', {}, ACTOR_TIMEOUT_MS).catch(() => null);
      const last = pnl?.days[pnl.days.length - 1];
      const day = last === undefined ? null : { date: last.date, net: last.net, charges: last.charges, open: last.open };
      return c.json({ reports: listReports(root()), day }, 200);
    },
  );
  ctx.app.openapi(
    createRoute({
      method: 'get', path: '/api/v1/reports/{name}', operationId: 'getReport', tags: ['money'],
      summary: 'one report\'s self-contained HTML (read-only)', ...guard('viewer'), request: { params: Name },
      responses: { 200: { description: 'report.html', content: { 'text/html': { schema: z.string() } } }, ...errorResponses('viewer', [404, 422]) },
    }),
    (c) => {
      const { name } = c.req.valid('param');
      const file = reportFile(root(), name);
      if (file === null) throw new ApiError(404, 'NOT_FOUND', `expected a report ${JSON.stringify(name)} under DATA_DIR/reports, was none`);
      c.header('Content-Security-Policy', REPORT_CSP);
      c.header('Referrer-Policy', 'no-referrer');
      return c.html(readFileSync(file, 'utf8'), 200);
    },
  );
}
