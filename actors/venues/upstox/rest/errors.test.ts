/**
 * Upstox's refusals, each classified by its own code into a kind (what the caller does), a reason (why) and an
 * operator message (what a person does about it). The codes are Upstox's (error-codes page, v3 place-order, static-IP
 * and kill-switch pages); the rejection texts are the RMS/exchange words Upstox puts in `status_message(_raw)`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, errorFromResponse, OPERATOR_ACTIONS, rejectionReason } from './errors.ts';

const body = (code: string, message: string) => ({ status: 'error', errors: [{ error_code: code, message, property_path: null, invalid_value: null }] });

test('an order write refused for the IP (403 UDAPI1154) is FORBIDDEN / STATIC_IP, never a token problem', () => {
  const e = errorFromResponse('POST /v3/order/place', 403, body('UDAPI1154', 'Access to this API is blocked due to static IP restrictions.'), true);
  assert.equal(e.kind, 'FORBIDDEN');
  assert.equal(e.reason, 'STATIC_IP');
  assert.equal(e.brokerCode, 'UDAPI1154');
  assert.equal(e.action, OPERATOR_ACTIONS.STATIC_IP);
  assert.match(e.message, /registered static IP/);
  assert.match(e.message, /The access token is fine/);
  assert.doesNotMatch(e.message, /volguard token|refresh/i);
});

test('a 403 with no code we know is FORBIDDEN, not AUTH (the token answers 401)', () => {
  assert.equal(classify(403, undefined, true), 'FORBIDDEN');
  assert.equal(classify(403, 'UDAPI999999', false), 'FORBIDDEN');
  assert.equal(classify(401, undefined, false), 'AUTH');
});

test('each documented code gets its kind and reason', () => {
  const cases: Array<[number, string, string, string | undefined]> = [
    [401, 'UDAPI100050', 'AUTH', 'TOKEN'],
    [429, 'UDAPI10005', 'RATE_LIMIT', 'RATE'],
    [400, 'UDAPI1156', 'FORBIDDEN', 'ALGO_NAME'],
    [400, 'UDAPI1158', 'REJECTED', 'MARKET_ORDER_BLOCKED'],
    [400, 'UDAPI100057', 'MARKET_CLOSED', 'MARKET_CLOSED'],
    [400, 'UDAPI1184', 'REJECTED', 'POSITIONS_OPEN'],
    [400, 'UDAPI1185', 'REJECTED', 'COOLING_PERIOD'],
    [400, 'UDAPI1040', 'VALIDATION', undefined],
    [503, 'UDAPI100500', 'AMBIGUOUS', undefined],
  ];
  for (const [status, code, kind, reason] of cases) {
    const e = errorFromResponse('POST /v3/order/place', status, body(code, 'x'), true);
    assert.deepEqual([e.kind, e.reason], [kind, reason], code);
    if (reason !== undefined) assert.ok(e.message.endsWith(OPERATOR_ACTIONS[reason as keyof typeof OPERATOR_ACTIONS]), code);
  }
  // A 5xx on a read is SERVER (retried), on an order write AMBIGUOUS (never retried).
  assert.equal(errorFromResponse('GET /v2/user/profile', 503, body('UDAPI100500', 'x'), false).kind, 'SERVER');
});

test('rejected orders are classified from the broker\'s words: margin (with figures), freeze, price band, market closed', () => {
  // Upstox's own order-book example of an RMS margin rejection.
  assert.equal(rejectionReason('You need to add Rs. 138385.27 in your account to place this trade.', 'RMS:Margin Exceeds,Required:153892.45, Available:15507.18 for entity account-****** across exchange across segment across product '), 'INSUFFICIENT_MARGIN');
  assert.equal(rejectionReason('Order quantity 1820 exceeds the freeze quantity 1800 for NIFTY26DEC26000CE: slice the order'), 'FREEZE_QUANTITY');
  assert.equal(rejectionReason('16283 : Order price is out of the day\'s price range'), 'PRICE_BAND');
  assert.equal(rejectionReason(null, 'Markets are closed right now'), 'MARKET_CLOSED');
  assert.equal(rejectionReason('Trading in NSE_FO is blocked: the kill switch is engaged for the segment'), 'SEGMENT_BLOCKED');
  assert.equal(rejectionReason('some other reason'), undefined);
  assert.equal(rejectionReason(undefined, undefined), undefined);
});
