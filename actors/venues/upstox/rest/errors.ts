/**
 * @module Maps Upstox error envelopes (`UDAPI…` codes + HTTP status) onto BrokerError kinds, once, at the edge.
 * Order writes differ from reads: a transport failure or a 5xx on an order call is AMBIGUOUS (the order may exist),
 * and an unexplained 4xx is a REJECTED order rather than a VALIDATION problem of ours.
 */
import { BrokerError, type BrokerErrorKind } from '../../broker.ts';

const AUTH_CODES = new Set(['UDAPI100050', 'UDAPI100016', 'UDAPI100067', 'UDAPI100073', 'UDAPI100068']);
const RATE_CODES = new Set(['UDAPI10005']);
const CLOSED_CODES = new Set(['UDAPI100057', 'UDAPI100072']);
const NOT_FOUND_CODES = new Set(['UDAPI100010', 'UDAPI100060', 'UDAPI1108']);
const SERVER_CODES = new Set(['UDAPI100500']);
const VALIDATION_CODES = new Set([
  'UDAPI10000', 'UDAPI100015', 'UDAPI100036', 'UDAPI100038', 'UDAPI1023', 'UDAPI1010', 'UDAPI1004', 'UDAPI1056',
  'UDAPI1007', 'UDAPI1055', 'UDAPI1040', 'UDAPI1105', 'UDAPI1109', 'UDAPI1009', 'UDAPI1011', 'UDAPI1087',
  'UDAPI100043', 'UDAPI100049',
]);

export interface UpstoxErrorLine {
  readonly errorCode: string | undefined;
  readonly message: string;
  readonly propertyPath?: string | null;
  readonly correlationId?: string;
}

/** Reads the error lines out of any Upstox error body (snake_case, with the deprecated camelCase twins as fallback). */
export function parseErrorLines(body: unknown): UpstoxErrorLine[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e): UpstoxErrorLine[] => {
    if (typeof e !== 'object' || e === null) return [];
    const r = e as Record<string, unknown>;
    const code = typeof r['error_code'] === 'string' ? r['error_code'] : typeof r['errorCode'] === 'string' ? r['errorCode'] : undefined;
    const message = typeof r['message'] === 'string' ? r['message'] : 'no message';
    const path = typeof r['property_path'] === 'string' ? r['property_path'] : null;
    const corr = typeof r['correlation_id'] === 'string' ? { correlationId: r['correlation_id'] } : {};
    return [{ errorCode: code, message, propertyPath: path, ...corr }];
  });
}

export function classify(status: number, code: string | undefined, isOrderWrite: boolean): BrokerErrorKind {
  if (code !== undefined) {
    if (AUTH_CODES.has(code)) return 'AUTH';
    if (RATE_CODES.has(code)) return 'RATE_LIMIT';
    if (CLOSED_CODES.has(code)) return 'MARKET_CLOSED';
    if (NOT_FOUND_CODES.has(code)) return 'NOT_FOUND';
    if (VALIDATION_CODES.has(code)) return 'VALIDATION';
    if (SERVER_CODES.has(code)) return isOrderWrite ? 'AMBIGUOUS' : 'SERVER';
  }
  if (status === 401 || status === 403) return 'AUTH';
  if (status === 429) return 'RATE_LIMIT';
  if (status === 404) return 'NOT_FOUND';
  if (status >= 500) return isOrderWrite ? 'AMBIGUOUS' : 'SERVER';
  return isOrderWrite ? 'REJECTED' : 'VALIDATION';
}

/** One BrokerError for an HTTP error answer; the message names the call, the status and Upstox's own words. */
export function errorFromResponse(call: string, status: number, body: unknown, isOrderWrite: boolean): BrokerError {
  const lines = parseErrorLines(body);
  const first = lines[0];
  const kind = classify(status, first?.errorCode, isOrderWrite);
  const detail = lines.length > 0
    ? lines.map((l) => `${l.errorCode ?? 'no code'}: ${l.message}`).join('; ')
    : `no error envelope (body ${describe(body)})`;
  const opts = first?.errorCode !== undefined ? { brokerCode: first.errorCode } : {};
  return new BrokerError(kind, `${call}: expected success, was HTTP ${status} (${detail})`, opts);
}

/** A short description of an unexpected value for "expected X, was Y" messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
