/**
 * @module Orders, positions and the SEMI_AUTO approval queue (read: viewer; approve/reject: operator, audited).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { ACTOR_TIMEOUT_MS, BODY_ERRORS, OkSchema, Reason, audited, optionalBody, errorResponses, json, jsonBody, guard, type Refusal, type RouteCtx } from './common.ts';

const Orders = z
  .object({
    orders: z.array(
      z.looseObject({
        clientOrderId: z.string(),
        sagaId: z.string(),
        instrumentKey: z.string(),
        side: z.string(),
        quantity: z.number(),
        status: z.enum(['pending', 'sent', 'open', 'partially_filled', 'filled', 'rejected', 'cancelled', 'expired', 'unknown']),
        brokerOrderId: z.string().nullable(),
        filledQuantity: z.number(),
      }),
    ),
  })
  .openapi('Orders');

const Positions = z
  .object({
    positions: z.array(z.looseObject({
      instrumentKey: z.string(),
      // The sign convention is the contract (issue 14): the broker's net quantity, never its absolute value.
      quantity: z.number().int().openapi({ description: 'Net signed units: negative = short, positive = long (the broker\'s sign, never an absolute value).', example: -65 }),
      averagePrice: z.number().openapi({ description: 'Average price of the units held, ₹ per unit: the broker\'s own for a position adopted from it (never a mark).', example: 526.35 }),
      structureId: z.string().nullable(),
    }).openapi({ description: 'A net position in one instrument.' })),
    structures: z.array(z.looseObject({ id: z.string(), kind: z.string(), status: z.string(), legs: z.array(z.unknown()) })),
  })
  .openapi('Positions');

const Approvals = z
  .object({
    approvals: z.array(
      z.looseObject({
        id: z.string(),
        status: z.enum(['pending', 'approved', 'rejected', 'expired', 'invalidated', 'executed', 'failed']),
        createdAt: z.number(),
        expiresAt: z.number(),
        legs: z.array(z.unknown()),
        reason: z.string(),
      }),
    ),
  })
  .openapi('Approvals');

/** Structure ids as the executor makes them (`S-VG1`, `adopted`, a shadow `shadow-…`). */
const StructureId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected a structure id of letters, digits and _.:-').openapi({ param: { name: 'id', in: 'path' }, example: 'S-VG1' });

/** A close sends its first orders before it answers (the broker round trips of the BUY legs). */
const CLOSE_TIMEOUT_MS = 10_000;

const ApprovalId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'expected an approval id of letters, digits and _.:-').openapi({ param: { name: 'id', in: 'path' }, example: 'apr-20260106-0001' });

/** The executor's answer to approve / reject: the approval as it stands afterwards. */
type ApprovalAnswer = { readonly id?: string; readonly status?: string; readonly reason?: string; readonly statusReason?: string } | null;

/**
 * An approve that did not approve (the approval had expired, been invalidated or rejected, or risk refused it when
 * re-checked: `failed`), or a reject of one no longer pending, is a conflict naming the approval's status.
 */
function notPending(id: string, a: ApprovalAnswer, verb: 'approve' | 'reject'): Refusal {
  const status = a?.status ?? 'unknown';
  return status === 'failed'
    ? { status: 409, code: 'APPROVAL_FAILED', message: `approval ${id} was approved but not executed: ${a?.statusReason ?? 'refused when re-checked'}`, details: { id, status } }
    : { status: 409, code: 'APPROVAL_NOT_PENDING', message: `expected approval ${id} to be pending to ${verb} it, was ${status}`, details: { id, status } };
}

/** Actors own these shapes; the gateway passes them through, keeping only what the contract names. */
async function read<T>(ctx: RouteCtx, actor: string, type: string): Promise<T> {
  return ctx.deps.request<T>(actor, type, {}, ACTOR_TIMEOUT_MS);
}

export function registerTrading(ctx: RouteCtx): void {
  const { app } = ctx;
  const viewer = guard('viewer');
  const operator = guard('operator');

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/orders', operationId: 'listOrders', tags: ['trading'], summary: 'orders the executor knows', ...viewer, responses: { 200: json(Orders), ...errorResponses('viewer') } }),
    async (c) => {
      const r = await read<{ orders?: unknown }>(ctx, 'executor', 'executor.orders');
      return c.json({ orders: Array.isArray(r?.orders) ? r.orders : [] } as z.input<typeof Orders>, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/positions', operationId: 'getPositions', tags: ['trading'], summary: 'positions (quantity signed: negative = short) and the structures they belong to', ...viewer, responses: { 200: json(Positions), ...errorResponses('viewer') } }),
    async (c) => {
      const r = await read<{ positions?: unknown; structures?: unknown }>(ctx, 'executor', 'executor.positions');
      return c.json({ positions: Array.isArray(r?.positions) ? r.positions : [], structures: Array.isArray(r?.structures) ? r.structures : [] } as z.input<typeof Positions>, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/approvals', operationId: 'listApprovals', tags: ['approvals'], summary: 'the SEMI_AUTO approval queue', ...viewer, responses: { 200: json(Approvals), ...errorResponses('viewer') } }),
    async (c) => {
      const r = await read<{ approvals?: unknown }>(ctx, 'executor', 'executor.approvals');
      return c.json({ approvals: Array.isArray(r?.approvals) ? r.approvals : [] } as z.input<typeof Approvals>, 200);
    },
  );

  const ApproveBody = z.strictObject({ reason: Reason.optional() }).openapi('ApproveBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/approvals/{id}/approve',
      operationId: 'approveProposal',
      tags: ['approvals'],
      summary: 'approve a pending proposal (the executor re-validates drift and risk before sending)',
      ...operator,
      request: { params: z.object({ id: ApprovalId }), body: jsonBody(ApproveBody, false) },
      responses: { 200: json(OkSchema), ...errorResponses('operator', [...BODY_ERRORS, 404, 409]) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const reason = optionalBody(c.req.valid('json')).reason;
      const who = c.get('principal').who;
      const out = await audited(ctx, c, 'approval.approve', reason, { id }, () => ctx.deps.request<ApprovalAnswer>('executor', 'executor.approve', { id, who }, ACTOR_TIMEOUT_MS), {
        refusal: (a) => (a?.status === 'approved' || a?.status === 'executed' ? undefined : notPending(id, a, 'approve')),
      });
      return c.json(out, 200);
    },
  );

  const RejectBody = z.strictObject({ reason: Reason }).openapi('RejectBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/approvals/{id}/reject',
      operationId: 'rejectProposal',
      tags: ['approvals'],
      summary: 'reject a pending proposal',
      ...operator,
      request: { params: z.object({ id: ApprovalId }), body: jsonBody(RejectBody) },
      responses: { 200: json(OkSchema), ...errorResponses('operator', [...BODY_ERRORS, 404, 409]) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const who = c.get('principal').who;
      const out = await audited(ctx, c, 'approval.reject', reason, { id }, () => ctx.deps.request<ApprovalAnswer>('executor', 'executor.reject', { id, who, reason }, ACTOR_TIMEOUT_MS), {
        refusal: (a) => (a?.status === 'rejected' ? undefined : notPending(id, a, 'reject')),
      });
      return c.json(out, 200);
    },
  );

  // Close one structure (the book panel's typed confirmation): the body repeats the structure's id, so a request meant
  // for another row, or a click without reading, closes nothing. The executor refuses what is not open (409), an id it
  // does not know (404), and what the kill switch does not permit (409, journaled as a denial).
  const CloseBody = z
    .strictObject({
      confirm: z.string().openapi({ description: 'the structure id typed again, exactly as in the path', example: 'S-VG1' }),
      reason: Reason,
    })
    .openapi('CloseStructureBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/structures/{id}/close',
      operationId: 'closeStructure',
      tags: ['trading'],
      summary: 'close one open structure: reduce-only marketable LIMIT exits, journaled with who and why (operator; typed confirmation)',
      description: 'The executor buys back the structure\'s shorts, then sells its wings, never more than the book holds; an exit a person decided (`approvedExit`): permitted NORMAL, DEGRADED and HALTED, refused during an EMERGENCY or a flatten. 404 unknown structure; 409 not open, an exit already working, refused by the kill switch, or SHADOW (no orders).',
      ...operator,
      request: { params: z.object({ id: StructureId }), body: jsonBody(CloseBody) },
      responses: { 200: json(OkSchema), ...errorResponses('operator', [...BODY_ERRORS, 404, 409]) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { confirm, reason } = c.req.valid('json');
      if (confirm !== id) throw new ApiError(422, 'VALIDATION', `expected confirm to repeat the structure id ${JSON.stringify(id)}, was ${JSON.stringify(confirm.slice(0, 64))}`);
      const who = c.get('principal').who;
      const out = await audited(ctx, c, 'structure.close', reason, { id }, () => ctx.deps.request('executor', 'executor.closeStructure', { id, who, reason }, CLOSE_TIMEOUT_MS));
      return c.json(out, 200);
    },
  );
}
