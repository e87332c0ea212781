/**
 * @module Maps Upstox error envelopes (`UDAPI…` codes + HTTP status) onto BrokerError kinds and reasons, once, at the
 * edge. Order writes differ from reads: a transport failure or a 5xx on an order call is AMBIGUOUS (the order may
 * exist), and an unexplained 4xx is a REJECTED order rather than a VALIDATION problem of ours.
 *
 * Two ways Upstox says no:
 * - synchronously, an error envelope on the call: static IP (UDAPI1154, HTTP 403), algo name (UDAPI1156), token
 *   (UDAPI100050), rate (UDAPI10005), MARKET without protection (UDAPI1158), market closed (UDAPI100057), the kill
 *   switch's own refusals (UDAPI1184/1185);
 * - asynchronously, an order that reaches status `rejected` with the RMS/exchange's words in `status_message` /
 *   `status_message_raw` ("RMS:Margin Exceeds,Required:…, Available:…", freeze quantity, price range, market closed):
 *   `rejectionReason` reads those.
 * Codes from upstox.com/developer/api-documentation (error-codes, v3/place-order, get/update static IPs, kill switch)
 * and the rejections seen in its order-book examples; a code we do not know falls back to the HTTP status.
 */
import { BrokerError, type BrokerErrorKind, type BrokerErrorReason } from '../../broker.ts';

interface CodeRule {
  readonly kind: BrokerErrorKind;
  readonly reason?: BrokerErrorReason;
}

const CODES: Readonly<Record<string, CodeRule>> = {
  UDAPI100050: { kind: 'AUTH', reason: 'TOKEN' }, // invalid token used to access API
  UDAPI100016: { kind: 'AUTH' }, // invalid credentials (token exchange)
  UDAPI100067: { kind: 'AUTH' }, // not permitted with an extended_token
  UDAPI100073: { kind: 'AUTH' }, // client_id inactive
  UDAPI100068: { kind: 'AUTH' }, // client_id / redirect_uri wrong
  UDAPI1154: { kind: 'FORBIDDEN', reason: 'STATIC_IP' }, // access blocked due to static IP restrictions
  UDAPI1156: { kind: 'FORBIDDEN', reason: 'ALGO_NAME' }, // invalid algo name passed in headers
  UDAPI1179: { kind: 'FORBIDDEN' }, // not allowed to access this app (static IP API)
  UDAPI1180: { kind: 'FORBIDDEN' }, // app inactive
  UDAPI10005: { kind: 'RATE_LIMIT', reason: 'RATE' },
  UDAPI100057: { kind: 'MARKET_CLOSED', reason: 'MARKET_CLOSED' },
  UDAPI100072: { kind: 'MARKET_CLOSED' }, // funds service closed 00:00-05:30
  UDAPI100074: { kind: 'MARKET_CLOSED' }, // outside the API's availability window
  UDAPI1158: { kind: 'REJECTED', reason: 'MARKET_ORDER_BLOCKED' },
  UDAPI1184: { kind: 'REJECTED', reason: 'POSITIONS_OPEN' }, // kill switch: positions still open
  UDAPI1185: { kind: 'REJECTED', reason: 'COOLING_PERIOD' }, // kill switch: cooling period
  UDAPI100010: { kind: 'NOT_FOUND' },
  UDAPI100060: { kind: 'NOT_FOUND' },
  UDAPI1108: { kind: 'NOT_FOUND' },
  UDAPI100500: { kind: 'SERVER' },
  ...Object.fromEntries([
    'UDAPI10000', 'UDAPI100015', 'UDAPI100036', 'UDAPI100038', 'UDAPI1023', 'UDAPI1010', 'UDAPI1004', 'UDAPI1056',
    'UDAPI1007', 'UDAPI1055', 'UDAPI1040', 'UDAPI1105', 'UDAPI1109', 'UDAPI1009', 'UDAPI1011', 'UDAPI1087',
    'UDAPI100043', 'UDAPI100049', 'UDAPI1176', 'UDAPI1177', 'UDAPI1186', 'UDAPI1188',
  ].map((c) => [c, { kind: 'VALIDATION' as const }])),
};

/**
 * What an operator does about each reason. The point of a reason is this sentence: a refusal for the IP must never
 * be told as "refresh the token".
 */
export const OPERATOR_ACTIONS: Readonly<Record<BrokerErrorReason, string>> = {
  STATIC_IP: 'Upstox refuses order writes from this machine\'s IP: run VolGuard from the registered static IP, or register this machine\'s public IP (Upstox My Apps or PUT /v2/user/ip; at most once a week, and it invalidates the token, so install a new one after). The access token is fine.',
  ALGO_NAME: 'Upstox does not know the algo name sent as X-Algo-Name: set UPSTOX_ALGO_NAME to the exchange-registered name shown in My Apps, or unset it (then orders are capped at 10/s).',
  TOKEN: 'The Upstox access token is invalid or expired: run `volguard token` or POST /api/token/refresh with a new one.',
  RATE: 'Too many requests for Upstox\'s limits (orders 10/s without a registered algo, 500/min, 2000/30 min): slow down; nothing was placed.',
  INSUFFICIENT_MARGIN: 'The account lacks the margin for this order: add funds or trade smaller; the broker\'s figures are in the message.',
  MARKET_CLOSED: 'The market (or this Upstox service) is closed now: retry in session.',
  FREEZE_QUANTITY: 'The order is above the exchange freeze quantity: slice it into orders below the freeze quantity.',
  PRICE_BAND: 'The limit price is outside the exchange\'s price band for the contract: re-price from the current quote.',
  MARKET_ORDER_BLOCKED: 'The exchange refuses MARKET orders from algos: send a marketable LIMIT (or MARKET with market_protection).',
  SEGMENT_BLOCKED: 'Upstox\'s own kill switch is engaged for this segment: an admin releases it (after its cooling period) once the cause is understood.',
  POSITIONS_OPEN: 'Upstox engages its kill switch only on a flat segment: close every position in the segment first.',
  COOLING_PERIOD: 'Upstox\'s kill switch stays engaged for 12 hours after it was engaged: wait for the cooling period to end.',
};

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
  return rule(status, code, isOrderWrite).kind;
}

function rule(status: number, code: string | undefined, isOrderWrite: boolean): CodeRule {
  const known = code === undefined ? undefined : CODES[code];
  if (known !== undefined) return known.kind === 'SERVER' && isOrderWrite ? { kind: 'AMBIGUOUS' } : known;
  // A 403 without a code we know is not a token problem (the token answers 401): say forbidden, not AUTH.
  if (status === 401) return { kind: 'AUTH', reason: 'TOKEN' };
  if (status === 403) return { kind: 'FORBIDDEN' };
  if (status === 429) return { kind: 'RATE_LIMIT', reason: 'RATE' };
  if (status === 404) return { kind: 'NOT_FOUND' };
  if (status >= 500) return { kind: isOrderWrite ? 'AMBIGUOUS' : 'SERVER' };
  return { kind: isOrderWrite ? 'REJECTED' : 'VALIDATION' };
}

/** A BrokerError for one error line of a batch answer (multi-order, cancel-all, exit-all). */
export function lineError(line: UpstoxErrorLine, isOrderWrite: boolean, prefix: string): BrokerError {
  const r = rule(400, line.errorCode, isOrderWrite);
  return brokerError(r, `${prefix}: ${line.errorCode ?? 'no code'}: ${line.message}`, line.errorCode);
}

/** One BrokerError for an HTTP error answer; the message names the call, the status and Upstox's own words. */
export function errorFromResponse(call: string, status: number, body: unknown, isOrderWrite: boolean): BrokerError {
  const lines = parseErrorLines(body);
  const first = lines[0];
  const r = rule(status, first?.errorCode, isOrderWrite);
  const detail = lines.length > 0
    ? lines.map((l) => `${l.errorCode ?? 'no code'}: ${l.message}`).join('; ')
    : `no error envelope (body ${describe(body)})`;
  return brokerError(r, `${call}: expected success, was HTTP ${status} (${detail})`, first?.errorCode);
}

function brokerError(r: CodeRule, message: string, code: string | undefined): BrokerError {
  const action = r.reason === undefined ? undefined : OPERATOR_ACTIONS[r.reason];
  return new BrokerError(r.kind, action === undefined ? message : `${message}. ${action}`, { brokerCode: code, reason: r.reason, action });
}

/**
 * Why Upstox rejected an order, from its status messages (RMS and exchange words, not codes). Undefined when the
 * words match none of the reasons we act on.
 */
export function rejectionReason(message: string | null | undefined, raw?: string | null): BrokerErrorReason | undefined {
  const text = `${message ?? ''} ${raw ?? ''}`;
  if (text.trim() === '') return undefined;
  if (/RMS:\s*Margin Exceeds|insufficient (funds|margin)|need to add Rs/i.test(text)) return 'INSUFFICIENT_MARGIN';
  if (/freeze/i.test(text)) return 'FREEZE_QUANTITY';
  if (/price (band|range)|circuit|\bDPR\b|\bLPP\b|out of (the )?day'?s? (price )?range/i.test(text)) return 'PRICE_BAND';
  if (/market(s)? (is |are )?closed/i.test(text)) return 'MARKET_CLOSED';
  if (/static ip/i.test(text)) return 'STATIC_IP';
  if (/kill switch|segment (is )?(blocked|disabled)/i.test(text)) return 'SEGMENT_BLOCKED';
  return undefined;
}

/** A short description of an unexpected value for "expected X, was Y" messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
