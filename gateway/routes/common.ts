/**
 * @module Shared pieces of every route file: the context routes get, role documentation, error responses, the
 * audit-then-act helper, and the zod schemas several areas use.
 */
import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { GatewayDepsExt, GatewayLog } from '../deps-ext.ts';
import { requireRole, type Role } from '../auth.ts';
import type { MiddlewareHandler } from 'hono';
import { randomUUID } from 'node:crypto';
import { ApiError, toErrorResponse } from '../errors.ts';
import { scrub } from '../redact.ts';

/** Reads from actors never wait longer than this: the gateway must not hold a caller hostage to a slow actor. */
export const ACTOR_TIMEOUT_MS = 2_000;

export interface RouteCtx {
  readonly app: OpenAPIHono;
  readonly deps: GatewayDepsExt;
  readonly log: GatewayLog | undefined;
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'FORBIDDEN' }),
      message: z.string().openapi({ example: 'expected the admin role, was operator' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** Error responses every authenticated route can give (documented once, used by each route). */
export function errorResponses(role: Role | null, extra: readonly (400 | 404 | 409 | 413 | 415 | 422)[] = []) {
  const out: Record<number, ReturnType<typeof errorResponse>> = {};
  if (role !== null) {
    out[401] = errorResponse('missing or wrong bearer token');
    out[403] = errorResponse(`below the ${role} role`);
    out[429] = errorResponse('too many failed authentications from this address');
  }
  for (const s of extra) out[s] = errorResponse({ 400: 'malformed JSON or too deeply nested', 404: 'not found', 409: 'refused in the current state', 413: 'body too large', 415: 'not JSON', 422: 'invalid fields' }[s]);
  out[503] = errorResponse('an actor is unavailable or did not answer in time');
  return out;
}

/** OpenAPI fields stating who may call a route (`x-role` is read by the auth-matrix test and the docs). */
export function roleDoc(role: Role | null): { security: Record<string, string[]>[]; 'x-role': string } {
  return role === null ? { security: [], 'x-role': 'none' } : { security: [{ bearerAuth: [] }], 'x-role': role };
}

/** Role documentation plus the 403 guard, spread into a `createRoute` config. */
export function guard(role: Role): { security: Record<string, string[]>[]; 'x-role': string; middleware: MiddlewareHandler[] } {
  return { ...roleDoc(role), middleware: [requireRole(role)] };
}

export const BODY_ERRORS = [400, 413, 415, 422] as const;

/** Control characters (NUL, newlines, escapes) and lone surrogates (half a UTF-16 pair: not text, not storable as UTF-8). */
const NOT_TEXT = /[\p{Cc}\p{Cs}]/u;

/** One line a person typed (a reason, a name): trimmed, bounded, with no control characters and no lone surrogates. */
export function Text(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => !NOT_TEXT.test(s), { message: 'expected one line of text, was a string with control characters or lone surrogates' })
    .openapi({ description: `${min}–${max} characters of one-line text (no control characters, no lone surrogates)` });
}

export const Reason = Text(3, 500).openapi({ example: 'manual drill' });

/** Smallest positive normal double; anything closer to zero is a subnormal, which no amount or duration of ours is. */
export const MIN_NORMAL = 2.2250738585072014e-308;

/** A finite number that is 0 or of normal magnitude (`5e-324` is refused, not rounded to a silent zero). */
export function Num() {
  return z
    .number()
    .finite()
    .refine((x) => x === 0 || Math.abs(x) >= MIN_NORMAL, { message: 'expected 0 or a number of normal magnitude, was a subnormal' });
}

export const OkSchema = z
  .object({ ok: z.literal(true), action: z.string(), result: z.unknown().optional(), audited: z.boolean(), requestId: z.string().openapi({ description: 'pairs the audit records of this request (requested, then done)' }) })
  .openapi('ActionResult');

export const json = <T extends z.ZodType>(schema: T, description = 'ok') => ({ description, content: { 'application/json': { schema } } });

export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ required, content: { 'application/json': { schema } } });

/** A result the action's owner answered but that means "no": the route answers it as this error. */
export interface Refusal {
  readonly status: 404 | 409 | 422;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export interface AuditOptions<T> {
  /** Emergency paths only: act even when the journal cannot record the request (answer `audited: false`). */
  readonly failOpen?: boolean;
  /** Reads a successful reply that is a refusal (a reset refused while its cause holds, an approval no longer pending). */
  readonly refusal?: (result: T) => Refusal | undefined;
}

/**
 * Journals the request (outcome `requested`: who, role, reason, details), runs it, then journals its outcome under the
 * same `requestId`: `done`, `refused` (a 4xx: the owner said no, with its code and reason) or `failed` (a 5xx).
 * If the journal refuses the request record, the action does not run (503): an unrecorded control action is worse than
 * a refused one. `failOpen` is for the emergency paths only: safety must not wait on the journal, so they act anyway
 * and say `audited: false`. A lost outcome record is logged; the action's answer stands.
 */
export async function audited<T>(
  ctx: RouteCtx,
  c: Context,
  action: string,
  reason: string | undefined,
  details: unknown,
  run: () => Promise<T>,
  opts: AuditOptions<T> = {},
): Promise<{ ok: true; action: string; result: T; audited: boolean; requestId: string }> {
  const p = c.get('principal');
  const requestId = randomUUID();
  const base = { who: p.who, role: p.role, action, requestId, ...(reason !== undefined ? { reason } : {}), ...(details !== undefined ? { details } : {}) };
  let wasAudited = true;
  try {
    await ctx.deps.audit({ ...base, outcome: 'requested' });
  } catch (err) {
    if (opts.failOpen !== true) throw err;
    wasAudited = false;
    ctx.log?.error({ action, who: p.who, err: { message: (err as Error).message } }, 'audit failed; emergency action goes ahead');
  }
  ctx.log?.info({ action, who: p.who, role: p.role, reason, requestId }, 'control action');
  const outcome = async (o: 'done' | 'refused' | 'failed', result?: { code: string; message: string }) => {
    try {
      await ctx.deps.audit({ ...base, outcome: o, ...(result !== undefined ? { result } : {}) });
    } catch (err) {
      wasAudited = false;
      ctx.log?.error({ action, who: p.who, requestId, outcome: o, err: { message: (err as Error).message } }, 'audit of the outcome failed');
    }
  };
  let result: T;
  try {
    result = await run();
  } catch (err) {
    // What the client is told is what the journal keeps: the mapped code and message, scrubbed of every secret.
    const { status, body } = toErrorResponse(err);
    await outcome(status < 500 ? 'refused' : 'failed', { code: body.error.code, message: scrub(body.error.message, gatewaySecrets(ctx.deps)) });
    throw err;
  }
  const refused = opts.refusal?.(result);
  if (refused !== undefined) {
    await outcome('refused', { code: refused.code, message: scrub(refused.message, gatewaySecrets(ctx.deps)) });
    throw new ApiError(refused.status, refused.code, refused.message, refused.details);
  }
  await outcome('done');
  return { ok: true, action, result, audited: wasAudited, requestId };
}

/** Every secret the gateway knows (tokens by role, the Telegram bot token). */
export function gatewaySecrets(deps: GatewayDepsExt): string[] {
  const c = deps.config;
  return [deps.tokens.admin, deps.tokens.operator, deps.tokens.viewer, c.TELEGRAM_BOT_TOKEN].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * A route whose body is optional gets no validated value when the client sent none (the validator only runs for
 * JSON content); this gives `{}` then, so handlers read optional fields the same way either way.
 */
export function optionalBody<T extends object>(value: T | undefined): Partial<T> {
  return value ?? {};
}
