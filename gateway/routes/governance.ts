/**
 * @module The deployment phase: view it, ask for one, approve a FULL_AUTO request (the executor holds the decision; the
 * rule is actors/domain/phase-governance.ts, which the kill switch applies to the phase in force).
 *
 * SHADOW and SEMI_AUTO are set at once (200). FULL_AUTO is checked first (data quality, history on this venue; 409 with
 * the checks when one fails). On paper it is then set (200), the waivers listed in `result.checks`. On live the POST
 * only journals a request (202 with `result.pending`): it takes effect when a second, separate POST
 * /api/v1/phase/approve gives its own reason (the asking request never grants itself).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ACTOR_TIMEOUT_MS, BODY_ERRORS, OkSchema, Reason, Text, audited, errorResponses, guard, json, jsonBody, type Refusal, type RouteCtx } from './common.ts';

const PhaseName = z.enum(['SHADOW', 'SEMI_AUTO', 'FULL_AUTO']);

const Check = z
  .object({ name: z.string(), ok: z.boolean(), waived: z.boolean().optional(), detail: z.string() })
  .openapi('PhaseCheck', { description: 'one governance rule and how it stands; `waived`: passed only by a paper waiver' });

const Request = z
  .looseObject({ id: z.string(), phase: PhaseName, approver: z.string(), reason: z.string(), venue: z.enum(['paper', 'live']), ts: z.number(), expiresAt: z.number() })
  .openapi('PhaseRequest');

const PhaseView = z
  .looseObject({
    configured: PhaseName,
    effective: PhaseName.nullable(),
    venue: z.enum(['paper', 'live']),
    governance: z.looseObject({ phase: PhaseName, approver: z.string(), reason: z.string(), ts: z.number() }).nullable(),
    pending: Request.nullable(),
    history: z.object({ SHADOW: z.number(), SEMI_AUTO: z.number() }),
    fullAuto: z.array(Check),
  })
  .openapi('Phase');

type PhaseAnswer =
  | { readonly ok: true; readonly applied: boolean; readonly phase: string; readonly pending?: unknown; readonly checks: readonly unknown[] }
  | { readonly ok: false; readonly code: string; readonly refused: string; readonly checks: readonly unknown[] };

/** The executor's refusal as an HTTP error: its code kept, its checks in the details. */
function refusalOf(a: PhaseAnswer): Refusal | undefined {
  if (a.ok) return undefined;
  const status = a.code === 'NOT_FOUND' ? 404 : a.code === 'VALIDATION' ? 422 : 409;
  return { status, code: a.code, message: a.refused, details: { checks: a.checks } };
}

export function registerGovernance(ctx: RouteCtx): void {
  const { app, deps } = ctx;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/phase',
      operationId: 'getPhase',
      tags: ['governance'],
      summary: 'the phase decision, a pending FULL_AUTO request, this venue\'s history and the FULL_AUTO checks as they stand',
      ...guard('viewer'),
      responses: { 200: json(PhaseView), ...errorResponses('viewer') },
    }),
    async (c) => c.json(await deps.request<z.input<typeof PhaseView>>('executor', 'executor.phase', {}, ACTOR_TIMEOUT_MS), 200),
  );

  const PhaseBody = z.strictObject({ phase: PhaseName, approver: Text(2, 100), reason: Reason }).openapi('PhaseBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/phase',
      operationId: 'setPhase',
      tags: ['governance'],
      summary: 'change the deployment phase; FULL_AUTO is checked (409 with the checks), and on live only requested (202) until approved separately',
      ...guard('admin'),
      request: { body: jsonBody(PhaseBody) },
      responses: {
        200: json(OkSchema, 'set; `result.checks` lists what FULL_AUTO passed, paper waivers flagged'),
        202: json(OkSchema, 'FULL_AUTO on live: requested (`result.pending.id`); POST /api/v1/phase/approve with another reason applies it'),
        ...errorResponses('admin', [...BODY_ERRORS, 409]),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const out = await audited(ctx, c, 'phase.set', body.reason, { phase: body.phase, approver: body.approver }, () => deps.request<PhaseAnswer>('executor', 'executor.setPhase', body, ACTOR_TIMEOUT_MS), { refusal: refusalOf });
      return out.result.ok && !out.result.applied ? c.json(out, 202) : c.json(out, 200);
    },
  );

  const ApproveBody = z
    .strictObject({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected a request id of letters, digits and _.:-'), approver: Text(2, 100), reason: Reason })
    .openapi('PhaseApproveBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/phase/approve',
      operationId: 'approvePhase',
      tags: ['governance'],
      summary: 'approve a pending FULL_AUTO request (live): a separate journaled step with its own reason; the checks run again',
      ...guard('admin'),
      request: { body: jsonBody(ApproveBody) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', [...BODY_ERRORS, 404, 409]) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const out = await audited(ctx, c, 'phase.approve', body.reason, { id: body.id, approver: body.approver }, () => deps.request<PhaseAnswer>('executor', 'executor.approvePhase', body, ACTOR_TIMEOUT_MS), { refusal: refusalOf });
      return c.json(out, 200);
    },
  );
}
