/**
 * @module The one place errors become HTTP responses: `{error: {code, message, details?}}`.
 *
 * Bad input is a 4xx with the reason; runtime/errors.ts types map to fixed statuses; a remote actor's refusal keeps
 * its code; anything unexpected is a 500 whose body says nothing about internals (the log has the detail).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ActorUnavailableError, ConfigError, RequestTimeoutError, VolguardError } from '../runtime/errors.ts';
import type { GatewayLog } from './deps-ext.ts';
import { scrub, scrubValue } from './redact.ts';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** A refusal the gateway itself decides (auth, validation, chaos off); thrown and mapped by `onError`. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * Codes an actor may reply with when it refuses a command (a refusal crosses the thread boundary as an error with
 * its code kept). Unknown codes of a VolguardError are treated as a conflict with the system's state.
 */
const REMOTE_CODE_STATUS: Readonly<Record<string, ContentfulStatusCode>> = {
  NOT_FOUND: 404,
  UNKNOWN_APPROVAL: 404,
  VALIDATION: 422,
  INVALID: 422,
  TOKEN_INVALID: 422,
  CONFLICT: 409,
  INVALID_STATE: 409,
  INVALID_TRANSITION: 409,
  EXPIRED: 409,
  GOVERNANCE: 409,
  ACTOR_UNAVAILABLE: 503,
  REQUEST_TIMEOUT: 503,
  CONFIG: 400,
};

/** Codes that mean "our own bug or a broken store": never shown to the client. */
const INTERNAL_CODES = new Set(['INVARIANT', 'REMOTE']);

export function toErrorResponse(err: unknown): { status: ContentfulStatusCode; body: ErrorBody; internal: boolean } {
  if (err instanceof ApiError) return { status: err.status, body: errorBody(err.code, err.message, err.details), internal: false };
  if (err instanceof ActorUnavailableError) return { status: 503, body: errorBody(err.code, err.message, { actor: err.actor }), internal: false };
  if (err instanceof RequestTimeoutError) return { status: 503, body: errorBody(err.code, err.message), internal: false };
  if (err instanceof ConfigError) return { status: 400, body: errorBody(err.code, err.message, { issues: err.issues }), internal: false };
  if (err instanceof HTTPException) {
    // Hono's own refusals (malformed JSON in its validator, 415 media type gate, body limit).
    const status = err.status as ContentfulStatusCode;
    const code = status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
    return { status, body: errorBody(code, status < 500 ? err.message : 'internal error'), internal: status >= 500 };
  }
  if (err instanceof VolguardError || (err instanceof Error && typeof (err as { code?: unknown }).code === 'string')) {
    const code = (err as unknown as { code: string }).code;
    if (code.startsWith('JOURNAL_')) return { status: 503, body: errorBody(code, 'the journal could not record the action'), internal: true };
    if (!INTERNAL_CODES.has(code)) {
      return { status: REMOTE_CODE_STATUS[code] ?? 409, body: errorBody(code, err.message), internal: false };
    }
  }
  return { status: 500, body: errorBody('INTERNAL', 'internal error; see the server log'), internal: true };
}

/**
 * `app.onError`: maps, logs internals with the request line (never headers or query), and answers. Both the body
 * and the log line are scrubbed of every known secret, whatever message an actor put in its error.
 */
export function makeOnError(log: GatewayLog | undefined, secrets: () => readonly string[]) {
  return (err: unknown, c: Context) => {
    const { status, body, internal } = toErrorResponse(err);
    const s = secrets();
    if (internal) {
      const e = err instanceof Error ? { name: err.name, message: scrub(err.message, s), stack: scrub(err.stack ?? '', s) } : { message: scrub(String(err), s) };
      log?.error({ err: e, method: c.req.method, path: c.req.path, status }, 'request failed');
    }
    return c.json(scrubValue(body, s) as ErrorBody, status);
  };
}
