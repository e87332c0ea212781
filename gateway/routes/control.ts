/**
 * @module Control actions: loop start/stop, emergency flatten/stop, kill-switch view and reset, the broker's own kill
 * switch (view; release by an admin), capital buckets, Upstox token hot-swap (the phase: governance.ts). Every action is journaled (who, role, reason) before it runs, and its
 * outcome after.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { scrub } from '../redact.ts';
import { ACTOR_TIMEOUT_MS, BODY_ERRORS, Num, OkSchema, Reason, audited, errorResponses, json, jsonBody, optionalBody, guard, type RouteCtx } from './common.ts';

/** Flattening can take several broker round trips; the kill switch answers once it is done or handed to the executor. */
const EMERGENCY_TIMEOUT_MS = 15_000;

const OptionalReason = z.strictObject({ reason: Reason.optional() }).openapi('OptionalReason');

/** A cause as the kill switch reports it: a code, a sentence, and the numbers behind it. */
const Cause = z
  .looseObject({ code: z.string(), message: z.string(), evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])) })
  .openapi('KillSwitchCause');

const KillSwitch = z
  .looseObject({
    state: z.enum(['NORMAL', 'DEGRADED', 'HALTED', 'EMERGENCY', 'SHUTDOWN']),
    since: z.number(),
    cause: Cause.nullable(),
    history: z.array(z.looseObject({ at: z.number(), from: z.string(), to: z.string(), cause: Cause, cycleId: z.string().optional() })),
  })
  .openapi('KillSwitch');

export function registerControl(ctx: RouteCtx): void {
  const { app, deps } = ctx;
  const as = guard;

  for (const [path, verb] of [['/api/start', 'start'], ['/api/stop', 'stop']] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path,
        operationId: verb === 'start' ? 'startLoop' : 'stopLoop',
        tags: ['control'],
        summary: verb === 'start' ? 'start the trading loop' : 'stop the trading loop (positions stay open)',
        ...as('operator'),
        request: { body: jsonBody(OptionalReason, false) },
        responses: { 200: json(OkSchema), ...errorResponses('operator', BODY_ERRORS) },
      }),
      async (c) => {
        const { reason } = optionalBody(c.req.valid('json'));
        const out = await audited(ctx, c, `loop.${verb}`, reason, undefined, async () => {
          if (verb === 'start') deps.loop.start();
          else deps.loop.stop();
          return { loop: deps.loop.status().loop };
        });
        return c.json(out, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/emergency/flatten',
      operationId: 'emergencyFlatten',
      tags: ['control'],
      summary: 'close every position now (EMERGENCY → HALTED); the loop keeps running',
      ...as('operator'),
      request: { body: jsonBody(OptionalReason, false) },
      responses: { 200: json(OkSchema), ...errorResponses('operator', BODY_ERRORS) },
    }),
    async (c) => {
      const reason = optionalBody(c.req.valid('json')).reason ?? 'emergency flatten via API';
      const who = c.get('principal').who;
      const out = await audited(ctx, c, 'emergency.flatten', reason, undefined, () => deps.request('killswitch', 'killswitch.emergency', { reason, who, stopLoop: false }, EMERGENCY_TIMEOUT_MS), { failOpen: true });
      return c.json(out, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/admin/emergency_stop',
      operationId: 'emergencyStop',
      tags: ['control'],
      summary: 'stop the loop, cancel all, flatten, HALTED',
      ...as('operator'),
      request: { body: jsonBody(OptionalReason, false) },
      responses: { 200: json(OkSchema), ...errorResponses('operator', BODY_ERRORS) },
    }),
    async (c) => {
      const reason = optionalBody(c.req.valid('json')).reason ?? 'emergency stop via API';
      const who = c.get('principal').who;
      const out = await audited(
        ctx,
        c,
        'emergency.stop',
        reason,
        undefined,
        async () => {
          // Loop first: no new cycle may propose while the kill switch flattens.
          deps.loop.stop();
          return deps.request('killswitch', 'killswitch.emergency', { reason, who, stopLoop: true }, EMERGENCY_TIMEOUT_MS);
        },
        { failOpen: true },
      );
      return c.json(out, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/killswitch', operationId: 'getKillSwitch', tags: ['killswitch'], summary: 'kill-switch state, cause and history', ...as('viewer'), responses: { 200: json(KillSwitch), ...errorResponses('viewer') } }),
    async (c) => c.json(await deps.request<z.input<typeof KillSwitch>>('killswitch', 'killswitch.status', {}, ACTOR_TIMEOUT_MS), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/killswitch/reset',
      operationId: 'resetKillSwitch',
      tags: ['killswitch'],
      summary: 'HALTED → NORMAL (latched states need a person and a reason)',
      ...as('admin'),
      request: { body: jsonBody(z.strictObject({ reason: Reason }).openapi('ResetBody')) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', [...BODY_ERRORS, 409]) },
    }),
    async (c) => {
      const { reason } = c.req.valid('json');
      const who = c.get('principal').who;
      const out = await audited(
        ctx,
        c,
        'killswitch.reset',
        reason,
        undefined,
        () => deps.request<{ ok: boolean; refused?: string; holding?: unknown }>('killswitch', 'killswitch.reset', { reason, who }, ACTOR_TIMEOUT_MS),
        // The kill switch refuses while the triggering condition still holds: say so as a conflict, naming the causes.
        { refusal: (r) => (r.ok === false ? { status: 409, code: 'RESET_REFUSED', message: r.refused ?? 'reset refused while the cause holds', details: { holding: r.holding ?? [] } } : undefined) },
      );
      return c.json(out, 200);
    },
  );

  // The broker's own kill switch (live): engaged by the executor after an EMERGENCY flatten proven flat, shown here,
  // released only by an admin with a reason (the broker itself refuses within its 12 h cooling period: 409).
  const VenueKillSwitch = z
    .looseObject({
      available: z.boolean(),
      segments: z.array(z.looseObject({ segment: z.string(), active: z.boolean(), engaged: z.boolean() })),
      last: z.looseObject({ segment: z.string(), engaged: z.boolean(), by: z.enum(['flatten', 'admin']), reason: z.string(), ts: z.number() }).nullable(),
      error: z.string().optional(),
    })
    .openapi('VenueKillSwitch');
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/broker/killswitch', operationId: 'getBrokerKillSwitch', tags: ['killswitch'], summary: "the broker's own kill switch per segment (Upstox), and how VolGuard last set it", ...as('viewer'), responses: { 200: json(VenueKillSwitch), ...errorResponses('viewer') } }),
    async (c) => c.json(await deps.request<z.input<typeof VenueKillSwitch>>('executor', 'executor.venueKillSwitch', {}, ACTOR_TIMEOUT_MS), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/broker/killswitch/release',
      operationId: 'releaseBrokerKillSwitch',
      tags: ['killswitch'],
      summary: "release the broker's F&O kill switch (admin; refused by the broker for 12 h after it was engaged)",
      ...as('admin'),
      request: { body: jsonBody(z.strictObject({ reason: Reason }).openapi('BrokerKillSwitchReleaseBody')) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', [...BODY_ERRORS, 409]) },
    }),
    async (c) => {
      const { reason } = c.req.valid('json');
      const who = c.get('principal').who;
      const out = await audited(ctx, c, 'broker.killswitch.release', reason, undefined, () =>
        deps.request('executor', 'executor.releaseVenueKillSwitch', { who, reason }, EMERGENCY_TIMEOUT_MS));
      return c.json(out, 200);
    },
  );

  // ₹ at the edge, fractions inside: risk keeps buckets as fractions of BASE_CAPITAL. Only rupees are taken here
  // (one unit, no guessing): a value between 0 and ₹1 is almost surely a fraction sent by mistake, and is refused
  // with its rupee equivalent rather than read as paise.
  const capital = deps.config.BASE_CAPITAL;
  const inr = (x: number) => `₹${x.toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;
  const Rupees = Num()
    .min(0)
    .superRefine((x, ctx) => {
      if (x > 0 && x < 1) ctx.addIssue({ code: 'custom', message: `expected rupees (0 or at least ₹1), was ${x}: this route takes ₹, not fractions (${x} of BASE_CAPITAL is ${inr(x * capital)})` });
      else if (Math.abs(x * 100 - Math.round(x * 100)) > 1e-6 * Math.max(1, x)) ctx.addIssue({ code: 'custom', message: `expected whole paise (at most 2 decimals), was ${x}` });
      else if (x > capital) ctx.addIssue({ code: 'custom', message: `expected at most BASE_CAPITAL ${inr(capital)}, was ${inr(x)}` });
    })
    .openapi({ description: `₹, 0 or at least ₹1 (not a fraction), at most BASE_CAPITAL (${capital})`, example: capital / 2 });
  const CapitalBody = z
    .strictObject({ weekly: Rupees, monthly: Rupees, intraday: Rupees, reason: Reason })
    .refine((b) => b.weekly + b.monthly + b.intraday > 0, { message: 'expected at least one bucket above ₹0' })
    .refine((b) => b.weekly + b.monthly + b.intraday <= capital * (1 + 1e-12), { message: `expected buckets summing to at most BASE_CAPITAL ${inr(capital)}` })
    .openapi('CapitalBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/capital/adjust',
      operationId: 'adjustCapital',
      tags: ['governance'],
      summary: 'rebalance the weekly / monthly / intraday capital buckets (₹; their sum at most BASE_CAPITAL)',
      description: 'Amounts are rupees, converted to fractions of BASE_CAPITAL for the risk actor. Fractions are not accepted: a value between 0 and 1 is refused (422) with its rupee equivalent.',
      ...as('admin'),
      request: { body: jsonBody(CapitalBody) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', [...BODY_ERRORS, 409]) },
    }),
    async (c) => {
      const { weekly, monthly, intraday, reason } = c.req.valid('json');
      const who = c.get('principal').who;
      const fractions = { weekly: weekly / capital, monthly: monthly / capital, intraday: intraday / capital };
      const out = await audited(ctx, c, 'capital.adjust', reason, { rupees: { weekly, monthly, intraday }, baseCapital: capital }, () =>
        deps.request('risk', 'risk.adjustCapital', { ...fractions, who, reason }, ACTOR_TIMEOUT_MS),
      );
      return c.json(out, 200);
    },
  );

  const TokenBody = z
    .strictObject({
      accessToken: z.string().min(16).max(4096).regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces'),
      reason: Reason.optional(),
    })
    .openapi('TokenRefreshBody');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/token/refresh',
      operationId: 'refreshUpstoxToken',
      tags: ['governance'],
      summary: 'hot-swap the Upstox access token (never echoed or logged)',
      ...as('admin'),
      request: { body: jsonBody(TokenBody) },
      responses: { 200: json(OkSchema), ...errorResponses('admin', BODY_ERRORS) },
    }),
    async (c) => {
      const { accessToken, reason } = c.req.valid('json');
      // The audit entry records that a swap happened, never the token.
      const out = await audited(ctx, c, 'token.refresh', reason, undefined, async () => {
        try {
          return await deps.tokenRefresh(accessToken);
        } catch (err) {
          // Whatever the broker or venue said, it must not carry the new token back out (nor into the audit record).
          if (err instanceof Error) err.message = scrub(err.message, [accessToken]);
          if (err instanceof Error && err.stack !== undefined) err.stack = scrub(err.stack, [accessToken]);
          throw err instanceof Error ? err : new ApiError(422, 'TOKEN_INVALID', 'the access token was refused');
        }
      });
      return c.json(out, 200);
    },
  );
}
