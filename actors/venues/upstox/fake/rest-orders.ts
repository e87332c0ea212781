/**
 * @module The fake's account and order routes (both hosts' paths): profile, funds v2/v3, positions (one row per
 * instrument and product), place v2/v3 (v3 `slice: true` splits below the freeze quantity into several orders under
 * one tag: several order ids), multi place (207 partial success; the `basketSellFirst` fault runs SELL lines before
 * BUY lines), modify, cancel, cancel-all, exit-all, order book/details/history, trades (no `tag`: Upstox's TradeData
 * has none), margin. Order rules of Dec 2026: MARKET without `market_protection` is refused (UDAPI1158); more than
 * 10 orders/s without a registered X-Algo-Name is 429 UDAPI10005 (50/s with one). Orders go to the Broker behind the
 * fake; its BrokerErrors come back as Upstox error envelopes.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { BrokerError, type OrderRequest } from '../../broker.ts';
import { errorBody, errorLine, orderJson, success, tradeJson } from './shapes.ts';
import type { FakeState } from './state.ts';

const placeBody = z.object({
  quantity: z.number().int().positive(),
  product: z.enum(['I', 'D', 'MTF', 'CO']),
  validity: z.enum(['DAY', 'IOC']),
  price: z.number().min(0),
  tag: z.string().max(40).optional().nullable(),
  instrument_token: z.string().min(1),
  order_type: z.enum(['MARKET', 'LIMIT', 'SL', 'SL-M']),
  transaction_type: z.enum(['BUY', 'SELL']),
  disclosed_quantity: z.number().int().min(0),
  trigger_price: z.number().min(0),
  is_amo: z.boolean(),
  slice: z.boolean().optional(),
  market_protection: z.number().optional(),
});
const multiLine = placeBody.extend({ correlation_id: z.string() });
type PlaceBody = z.infer<typeof placeBody>;

const RMS_CODE = 'UDAPI1052';
const ORDER_LIMIT_PER_S = 10;
const ALGO_ORDER_LIMIT_PER_S = 50;
/** Upstox: "When slicing is applicable, a maximum of 25 orders can be placed in a single request." */
const MAX_SLICES = 25;

export function orderRoutes(app: Hono, state: FakeState): void {
  const b = state.broker;

  app.get('/v2/user/profile', (c) => c.json(success({
    email: 'fake@example.invalid', exchanges: ['NSE', 'NFO', 'BSE', 'CDS', 'BFO', 'BCD'], products: ['D', 'CO', 'I'], broker: 'UPSTOX',
    user_id: 'FAKE01', user_name: 'Fake Trader', order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'], user_type: 'individual', poa: false, ddpi: false, is_active: true,
  })));

  app.get('/v2/user/get-funds-and-margin', async (c) => {
    const f = await b.getFunds();
    const seg = { used_margin: f.usedMargin, payin_amount: 0, span_margin: 0, adhoc_margin: 0, notional_cash: 0, available_margin: f.availableMargin, exposure_margin: 0 };
    const zero = { used_margin: 0, payin_amount: 0, span_margin: 0, adhoc_margin: 0, notional_cash: 0, available_margin: 0, exposure_margin: 0 };
    const segment = c.req.query('segment');
    return c.json(success(segment === 'SEC' ? { equity: seg } : segment === 'COM' ? { commodity: zero } : { equity: seg, commodity: zero }));
  });

  app.get('/v3/user/get-funds-and-margin', async (c) => {
    const f = await b.getFunds();
    const used = { total: f.usedMargin, mtf: 0, loss: { total: 0, realised: 0, unrealised: 0 }, span_exposure: f.usedMargin, cash_margin_var_elm: 0, premium_present: 0, delivery_margin: { total: 0, equity: 0, fo_settlement: 0 } };
    return c.json(success({
      available_to_trade: {
        total: f.availableMargin,
        cash_available_to_trade: { total: f.availableMargin, cash: { opening_balance: f.availableMargin + f.usedMargin, added_today: 0, withdrawn_today: 0, amount_from_stock_sale: 0, unpaid_charges: 0 }, margin_used: used },
        pledge_available_to_trade: { total: 0, margin_from_pledge: { total: 0, equity: 0, mutual_funds: 0 }, margin_used: { ...used, total: 0 } },
      },
      unavailable_to_trade: { cash_unavailable_to_trade: { unsettled_profit: { todays_profit: 0, previous_days: 0 } }, pledge_unavailable_to_trade: { equity: 0, mutual_funds: 0 } },
    }));
  });

  app.get('/v2/portfolio/short-term-positions', async (c) => c.json(success((await b.getPositions()).map((p) => {
    const inst = state.market.instrument(p.instrumentKey);
    const lp = p.lastPrice ?? 0;
    const buyQty = p.quantity > 0 ? p.quantity : 0;
    const sellQty = p.quantity < 0 ? -p.quantity : 0;
    return {
      exchange: 'NFO', multiplier: 1, value: p.quantity * p.averagePrice, pnl: p.realisedPnl + (lp - p.averagePrice) * p.quantity, product: p.product,
      instrument_token: p.instrumentKey, average_price: p.averagePrice, buy_value: buyQty * p.averagePrice, sell_value: sellQty * p.averagePrice,
      buy_price: p.quantity > 0 ? p.averagePrice : 0, sell_price: p.quantity < 0 ? p.averagePrice : 0, overnight_quantity: 0, overnight_buy_amount: 0,
      overnight_buy_quantity: 0, overnight_sell_amount: 0, overnight_sell_quantity: 0, day_buy_value: buyQty * p.averagePrice, day_buy_price: p.averagePrice,
      day_buy_quantity: buyQty, day_sell_value: sellQty * p.averagePrice, day_sell_price: p.averagePrice, day_sell_quantity: sellQty,
      quantity: p.quantity, last_price: lp, close_price: lp, unrealised: (lp - p.averagePrice) * p.quantity, realised: p.realisedPnl,
      trading_symbol: inst?.tradingSymbol ?? p.instrumentKey, tradingsymbol: inst?.tradingSymbol ?? p.instrumentKey,
    };
  }))));

  const place = async (c: Context, version: 2 | 3) => {
    const limited = orderRateLimited(state, c);
    if (limited !== undefined) return limited;
    const body = placeBody.safeParse(await readJson(c));
    if (!body.success) return c.json(validationError(body.error), 400);
    const bad = marketRule(body.data);
    if (bad !== undefined) return c.json(bad, 400);
    const slices = sliceQuantities(state, body.data, version === 3 && body.data.slice === true);
    if (typeof slices === 'string') return c.json(errorBody('UDAPI100038', slices), 400);
    try {
      const ids: string[] = [];
      for (const quantity of slices) {
        const r = await b.placeOrder(toRequest({ ...body.data, quantity }));
        remember(state, r.brokerOrderIds, body.data, c.req.path);
        ids.push(...r.brokerOrderIds);
      }
      return version === 3
        ? c.json(success({ order_ids: ids }, 12))
        : c.json(success({ order_id: ids[0] }));
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  };
  app.post('/v2/order/place', (c) => place(c, 2));
  app.post('/v3/order/place', (c) => place(c, 3));

  app.post('/v2/order/multi/place', async (c) => {
    const limited = orderRateLimited(state, c);
    if (limited !== undefined) return limited;
    const raw = await readJson(c);
    if (!Array.isArray(raw) || raw.length === 0) return c.json(errorBody('UDAPI100038', 'Request body must be a non-empty array of orders'), 400);
    if (raw.length > 25) return c.json(errorBody('UDAPI100038', `Maximum 25 orders allowed in a request, was ${raw.length}`), 400);
    // One payload error rejects the whole batch.
    const payloadErrors: Record<string, unknown>[] = [];
    const lines: Array<z.infer<typeof multiLine>> = [];
    const seen = new Set<string>();
    raw.forEach((r, i) => {
      const p = multiLine.safeParse(r);
      const corr = typeof (r as { correlation_id?: unknown })?.correlation_id === 'string' ? (r as { correlation_id: string }).correlation_id : `#${i}`;
      if (!p.success) payloadErrors.push(errorLine('UDAPI100038', `Invalid input: ${p.error.issues[0]?.path.join('.')}`, { correlation_id: corr }));
      else if (p.data.correlation_id.length === 0 || p.data.correlation_id.length > 20) payloadErrors.push(errorLine('UDAPI100038', 'correlation_id must be 1-20 characters', { correlation_id: corr }));
      else if (seen.has(p.data.correlation_id)) payloadErrors.push(errorLine('UDAPI100038', 'correlation_id must be unique', { correlation_id: corr }));
      else { seen.add(p.data.correlation_id); lines.push(p.data); }
    });
    if (payloadErrors.length > 0) {
      return c.json({ status: 'error', data: null, errors: payloadErrors, summary: { total: raw.length, success: 0, error: raw.length, payload_error: payloadErrors.length } }, 400);
    }
    const data: Array<{ correlation_id: string; order_id: string }> = [];
    const errors: Record<string, unknown>[] = [];
    // Upstox does not keep a basket's order: seen running a SELL line before an earlier BUY line.
    const runOrder = state.faults.basketSellFirst
      ? [...lines.filter((l) => l.transaction_type === 'SELL'), ...lines.filter((l) => l.transaction_type === 'BUY')]
      : lines;
    for (const l of runOrder) {
      if (state.faults.partialSuccess && l.transaction_type === 'SELL') {
        errors.push(errorLine(RMS_CODE, 'Order rejected by RMS: insufficient margin', { correlation_id: l.correlation_id, instrument_key: l.instrument_token }));
        continue;
      }
      const bad = marketRule(l);
      if (bad !== undefined) { errors.push({ ...(bad['errors'] as Record<string, unknown>[])[0], correlation_id: l.correlation_id }); continue; }
      const slices = sliceQuantities(state, l, l.slice === true);
      if (typeof slices === 'string') { errors.push(errorLine('UDAPI100038', slices, { correlation_id: l.correlation_id })); continue; }
      try {
        for (const quantity of slices) {
          const r = await b.placeOrder(toRequest({ ...l, quantity }));
          remember(state, r.brokerOrderIds, l, c.req.path);
          for (const id of r.brokerOrderIds) data.push({ correlation_id: l.correlation_id, order_id: id });
        }
      } catch (err) {
        const e = err instanceof BrokerError ? err : new BrokerError('REJECTED', String(err));
        errors.push(errorLine(e.brokerCode ?? RMS_CODE, e.message, { correlation_id: l.correlation_id, instrument_key: l.instrument_token }));
      }
    }
    const summary = { total: lines.length, success: lines.length - errors.length, error: errors.length, payload_error: 0 };
    if (errors.length === 0) return c.json({ status: 'success', data, errors: null, summary }, 200);
    if (data.length === 0) return c.json({ status: 'error', data: null, errors, summary }, 400);
    return c.json({ status: 'partial_success', data, errors, summary }, 207);
  });

  const modify = async (c: Context, version: 2 | 3) => {
    const limited = orderRateLimited(state, c);
    if (limited !== undefined) return limited;
    const body = z.object({
      order_id: z.string().min(1), validity: z.enum(['DAY', 'IOC']), price: z.number().min(0), order_type: z.enum(['MARKET', 'LIMIT', 'SL', 'SL-M']),
      trigger_price: z.number().min(0), quantity: z.number().int().positive().optional(), disclosed_quantity: z.number().int().optional(),
    }).safeParse(await readJson(c));
    if (!body.success) return c.json(validationError(body.error), 400);
    try {
      await b.modifyOrder(body.data.order_id, { price: body.data.price, ...(body.data.quantity !== undefined ? { quantity: body.data.quantity } : {}) });
      return c.json(version === 3 ? success({ order_id: body.data.order_id }, 9) : success({ order_id: body.data.order_id }));
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  };
  app.put('/v2/order/modify', (c) => modify(c, 2));
  app.put('/v3/order/modify', (c) => modify(c, 3));

  const cancel = async (c: Context, version: 2 | 3) => {
    const limited = orderRateLimited(state, c);
    if (limited !== undefined) return limited;
    const id = c.req.query('order_id');
    if (id === undefined || id === '') return c.json(errorBody('UDAPI1023', 'Order id is required'), 400);
    if (!/^[A-Za-z0-9-]+$/.test(id)) return c.json(errorBody('UDAPI1010', 'Order id accepts only alphanumeric characters and \'-\'.'), 400);
    try {
      await b.cancelOrder(id);
      return c.json(version === 3 ? success({ order_id: id }, 8) : success({ order_id: id }));
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  };
  app.delete('/v2/order/cancel', (c) => cancel(c, 2));
  app.delete('/v3/order/cancel', (c) => cancel(c, 3));

  app.delete('/v2/order/multi/cancel', async (c) => {
    const ids = await b.cancelAll();
    return c.json({ status: 'success', data: { order_ids: ids }, errors: null, summary: { total: ids.length, success: ids.length, error: 0 } });
  });

  app.post('/v2/order/positions/exit', async (c) => {
    const open = (await b.getPositions()).filter((p) => p.quantity !== 0);
    if (open.length === 0) return c.json(errorBody('UDAPI1108', 'You have no open positions to exit'), 400);
    const ids = await b.exitAll();
    for (const id of ids) state.meta.set(id, { product: (await b.getOrder(id)).product, validity: 'DAY', placedAt: state.now() });
    return c.json({ status: 'success', data: { order_ids: ids }, errors: null, summary: { total: ids.length, success: ids.length, error: 0 } });
  });

  const orderOut = (o: Parameters<typeof orderJson>[0]) => orderJson(o, state.meta.get(o.brokerOrderId), state.market.instrument(o.instrumentKey));

  app.get('/v2/order/retrieve-all', async (c) => c.json(success((await b.getOrderBook()).map(orderOut))));

  app.get('/v2/order/details', async (c) => {
    const id = c.req.query('order_id');
    if (id === undefined || id === '') return c.json(errorBody('UDAPI1023', 'Order id is required'), 400);
    try {
      return c.json(success(orderOut(await b.getOrder(id))));
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  });

  app.get('/v2/order/history', async (c) => {
    const id = c.req.query('order_id');
    const tag = c.req.query('tag');
    try {
      if (id !== undefined && id !== '') {
        const h = await b.getOrderHistory(id);
        return c.json(success(h.filter((o) => tag === undefined || o.clientOrderId === tag).map(orderOut)));
      }
      if (tag !== undefined) return c.json(success((await b.getOrderBook()).filter((o) => o.clientOrderId === tag).map(orderOut)));
      return c.json(errorBody('UDAPI1023', 'Order id or tag is required'), 400);
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  });

  const tradeOut = (t: Parameters<typeof tradeJson>[0]) => tradeJson(t, state.meta.get(t.brokerOrderId), state.market.instrument(t.instrumentKey));
  app.get('/v2/order/trades/get-trades-for-day', async (c) => c.json(success((await b.getTrades()).map(tradeOut))));
  app.get('/v2/order/trades', async (c) => {
    const id = c.req.query('order_id');
    if (id === undefined || id === '') return c.json(errorBody('UDAPI1023', 'Order id is required'), 400);
    return c.json(success((await b.getTrades()).filter((t) => t.brokerOrderId === id).map(tradeOut)));
  });

  app.post('/v2/charges/margin', async (c) => {
    const body = z.object({ instruments: z.array(z.object({
      instrument_key: z.string(), quantity: z.number().int().positive(), product: z.string(), transaction_type: z.enum(['BUY', 'SELL']), price: z.number().optional(),
    })).min(1).max(20) }).safeParse(await readJson(c));
    if (!body.success) return c.json(validationError(body.error), 400);
    try {
      const legs = body.data.instruments.map((i) => ({
        instrumentKey: i.instrument_key, side: i.transaction_type, quantity: i.quantity, product: i.product === 'I' ? 'I' as const : 'D' as const,
        ...(i.price !== undefined ? { price: i.price } : {}),
      }));
      const total = await b.getMargin(legs);
      return c.json(success({
        margins: legs.map((_, i) => {
          const m = total.legs?.[i];
          return {
            equity_margin: 0, total_margin: m?.totalMargin ?? 0, exposure_margin: m?.exposureMargin ?? 0, tender_margin: 0,
            span_margin: m?.spanMargin ?? 0, net_buy_premium: m?.premium ?? 0, additional_margin: 0,
          };
        }),
        required_margin: total.requiredMargin, final_margin: total.finalMargin,
      }));
    } catch (err) {
      return brokerErrorResponse(c, err);
    }
  });
}

async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

function toRequest(p: PlaceBody & { correlation_id?: string }): OrderRequest {
  return {
    clientOrderId: p.tag ?? '', instrumentKey: p.instrument_token, side: p.transaction_type, quantity: p.quantity,
    orderType: p.order_type === 'MARKET' || p.order_type === 'SL-M' ? 'MARKET' : 'LIMIT',
    ...(p.order_type === 'MARKET' ? {} : { price: p.price }),
    product: p.product === 'I' ? 'I' : 'D', validity: p.validity,
    ...(p.market_protection !== undefined ? { marketProtection: p.market_protection } : {}),
    ...(p.correlation_id !== undefined ? { correlationId: p.correlation_id } : {}),
  };
}

function remember(state: FakeState, ids: readonly string[], p: PlaceBody, path: string): void {
  const at = state.now();
  for (const id of ids) state.meta.set(id, { product: p.product, validity: p.validity, placedAt: at });
  state.orderLog.push({ path, order_type: p.order_type, transaction_type: p.transaction_type, quantity: p.quantity, product: p.product, tag: p.tag ?? null, slice: p.slice === true, at });
}

/**
 * MARKET orders: a price is refused (UDAPI1040); since exchanges refuse algo MARKET orders, one without market
 * protection (0 = none) is refused (UDAPI1158); protection is 0–25 % or -1 (automatic), else UDAPI1176.
 */
function marketRule(p: PlaceBody): Record<string, unknown> | undefined {
  if (p.order_type !== 'MARKET' && p.order_type !== 'SL-M') return undefined;
  if (p.order_type === 'MARKET' && p.price !== 0) return errorBody('UDAPI1040', 'Price not required');
  const mp = p.market_protection ?? 0;
  if (!(mp === -1 || (mp >= 0 && mp <= 25))) return errorBody('UDAPI1176', 'Market protection cannot exceed 25%');
  if (mp === 0) return errorBody('UDAPI1158', 'Market orders are not allowed. Try placing orders using the Market Protection feature instead.');
  return undefined;
}

/**
 * The quantities one request becomes: itself, or with `slice` the largest whole-lot orders strictly below the
 * instrument's freeze quantity (Upstox's auto-slicing), at most 25 — a message when more would be needed.
 */
function sliceQuantities(state: FakeState, p: PlaceBody, slice: boolean): number[] | string {
  const inst = state.market.instrument(p.instrument_token);
  if (!slice || inst?.freezeQty === undefined || inst.lotSize === undefined || p.quantity < inst.freezeQty) return [p.quantity];
  const perOrder = Math.floor((inst.freezeQty - 1) / inst.lotSize) * inst.lotSize;
  const n = Math.ceil(p.quantity / perOrder);
  if (n > MAX_SLICES) return `quantity ${p.quantity} needs ${n} slices of at most ${perOrder}; at most ${MAX_SLICES} are placed in one request`;
  const out: number[] = [];
  for (let left = p.quantity; left > 0; left -= perOrder) out.push(Math.min(perOrder, left));
  return out;
}

function validationError(err: z.ZodError): Record<string, unknown> {
  const i = err.issues[0];
  return { status: 'error', errors: [errorLine('UDAPI100038', `Invalid input: ${i?.message ?? 'bad body'}`, { property_path: i?.path.join('.') ?? null, propertyPath: i?.path.join('.') ?? null })] };
}

function brokerErrorResponse(c: Context, err: unknown): Response {
  if (!(err instanceof BrokerError)) throw err;
  const status = err.kind === 'NOT_FOUND' ? 404 : err.kind === 'AUTH' ? 401 : 400;
  return c.json(errorBody(err.brokerCode ?? 'UDAPI100500', err.message), status);
}

/** The fake enforces Upstox's 10 orders/s (50/s with a registered X-Algo-Name, checked in app.ts) so a client
 *  without a limiter meets 429 UDAPI10005 here too. */
function orderRateLimited(state: FakeState, c: Context): Response | undefined {
  const now = state.now();
  const limit = c.req.header('X-Algo-Name') !== undefined ? ALGO_ORDER_LIMIT_PER_S : ORDER_LIMIT_PER_S;
  while (state.orderTimes.length > 0 && state.orderTimes[0]! <= now - 1000) state.orderTimes.shift();
  if (state.orderTimes.length >= limit) return Response.json(errorBody('UDAPI10005', 'Too Many Request Sent'), { status: 429 });
  state.orderTimes.push(now);
  return undefined;
}
