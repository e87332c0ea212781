/**
 * @module zod schemas for every Upstox answer we read. Objects are loose (Upstox adds fields without notice);
 * the fields we depend on are required with their types, so a changed shape fails loudly at the edge.
 */
import { z } from 'zod';

const num = z.number();
const numOrNull = z.number().nullable();
const str = z.string();

export const successEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ status: z.literal('success'), data, metadata: z.object({ latency: num }).partial().optional() });

/** Token exchange answers a flat object (no status/data envelope). */
export const tokenResponse = z.object({
  access_token: str.min(1),
  user_id: str,
  user_name: str.optional(),
  email: str.optional(),
  broker: str.optional(),
  extended_token: str.nullable().optional(),
});

export const profile = z.object({
  user_id: str,
  user_name: str,
  email: str.optional(),
  broker: str.optional(),
  exchanges: z.array(str),
  products: z.array(str),
  order_types: z.array(str).optional(),
  user_type: str.optional(),
  is_active: z.boolean(),
});

const segmentFunds = z.object({
  used_margin: num,
  payin_amount: num,
  span_margin: num,
  adhoc_margin: num,
  notional_cash: num,
  available_margin: num,
  exposure_margin: num,
});
export const fundsV2 = z.object({ equity: segmentFunds.optional(), commodity: segmentFunds.optional() });

const marginUsed = z.object({ total: num }).loose();
export const fundsV3 = z.object({
  available_to_trade: z.object({
    total: num,
    cash_available_to_trade: z.object({
      total: num,
      cash: z.object({ opening_balance: num }).loose().optional(),
      margin_used: marginUsed,
    }).loose(),
    pledge_available_to_trade: z.object({ total: num, margin_used: marginUsed.optional() }).loose().optional(),
  }).loose(),
}).loose();

export const killSwitchRow = z.object({ segment: str, segment_status: str, kill_switch_enabled: z.boolean() }).loose();

export const userIps = z.object({
  primary_ip: str.nullable().optional(),
  secondary_ip: str.nullable().optional(),
  primary_ip_updated_at: str.nullable().optional(),
  secondary_ip_updated_at: str.nullable().optional(),
  access_tokens_invalidated: z.boolean().optional(),
}).loose();

export const position = z.object({
  instrument_token: str,
  quantity: num,
  average_price: numOrNull,
  realised: numOrNull,
  unrealised: numOrNull.optional(),
  last_price: numOrNull.optional(),
  product: str,
  trading_symbol: str.optional(),
  exchange: str.optional(),
});

export const order = z.object({
  order_id: str,
  tag: str.nullable().optional(),
  instrument_token: str,
  transaction_type: z.enum(['BUY', 'SELL']),
  quantity: num,
  filled_quantity: num,
  pending_quantity: num.optional(),
  average_price: numOrNull,
  price: numOrNull,
  order_type: str,
  status: str,
  status_message: str.nullable().optional(),
  status_message_raw: str.nullable().optional(),
  product: str.optional(),
  validity: str.optional(),
  trading_symbol: str.optional(),
  exchange: str.optional(),
  order_timestamp: str.nullable().optional(),
  exchange_timestamp: str.nullable().optional(),
});

export const trade = z.object({
  trade_id: str,
  order_id: str,
  instrument_token: str,
  transaction_type: z.enum(['BUY', 'SELL']),
  quantity: num,
  average_price: num,
  exchange_timestamp: str.nullable().optional(),
  order_timestamp: str.nullable().optional(),
  product: str.optional(),
});

export const placeV3 = z.object({ order_ids: z.array(str).min(1) });
export const orderIdData = z.object({ order_id: str });

export const multiPlace = z.object({
  status: z.enum(['success', 'partial_success', 'error']),
  data: z.array(z.object({ correlation_id: str, order_id: str })).nullable().optional(),
  errors: z.array(z.unknown()).nullable().optional(),
  summary: z.object({ total: num, success: num, error: num, payload_error: num.optional() }).optional(),
});

export const batchOrderIds = z.object({
  status: z.enum(['success', 'partial_success', 'error']),
  data: z.object({ order_ids: z.array(str) }).nullable().optional(),
  errors: z.array(z.unknown()).nullable().optional(),
  summary: z.object({ total: num, success: num, error: num }).optional(),
});

export const margin = z.object({
  required_margin: num,
  final_margin: num,
  margins: z.array(z.object({ total_margin: num, span_margin: num.optional(), exposure_margin: num.optional(), net_buy_premium: num.optional() }).loose()),
});

const marketData = z.object({
  ltp: num, volume: num, oi: num, close_price: num, bid_price: num, bid_qty: num, ask_price: num, ask_qty: num,
  prev_oi: num.optional(),
});
const greeks = z.object({ vega: num, theta: num, gamma: num, delta: num, iv: num, pop: num.optional() });
const chainSide = z.object({ instrument_key: str, market_data: marketData, option_greeks: greeks });
export const chainRow = z.object({
  expiry: str,
  pcr: num.optional(),
  strike_price: num,
  underlying_key: str,
  underlying_spot_price: num,
  call_options: chainSide,
  put_options: chainSide,
});

export const contract = z.object({
  name: str.optional(),
  segment: str,
  exchange: str,
  expiry: str,
  instrument_key: str,
  exchange_token: str.optional(),
  trading_symbol: str,
  tick_size: num,
  lot_size: num,
  instrument_type: z.enum(['CE', 'PE']),
  freeze_quantity: num,
  underlying_key: str,
  underlying_symbol: str.optional(),
  strike_price: num,
  minimum_lot: num.optional(),
  weekly: z.boolean().optional(),
}).loose();

export const ltpEntry = z.object({
  last_price: num,
  instrument_token: str,
  ltq: num.nullable().optional(),
  volume: num.nullable().optional(),
  cp: num.nullable().optional(),
});

export const quoteEntry = z.object({
  instrument_token: str,
  last_price: num,
  volume: num.optional(),
  oi: num.optional(),
  timestamp: str.optional(),
  depth: z.object({
    buy: z.array(z.object({ quantity: num, price: num, orders: num })),
    sell: z.array(z.object({ quantity: num, price: num, orders: num })),
  }).optional(),
}).loose();

export const greekEntry = z.object({
  instrument_token: str, last_price: num, iv: num, delta: num, gamma: num, theta: num, vega: num, oi: num.optional(),
}).loose();

export const feedAuthorize = z.object({ authorized_redirect_uri: str.min(1) });

export const masterRow = z.object({
  segment: str,
  exchange: str.optional(),
  instrument_key: str,
  trading_symbol: str,
  instrument_type: str,
  name: str.optional(),
  expiry: num.optional(),
  strike_price: num.optional(),
  lot_size: num.optional(),
  tick_size: num,
  freeze_quantity: num.optional(),
  weekly: z.boolean().optional(),
  underlying_symbol: str.optional(),
  underlying_key: str.optional(),
}).loose();

export type ChainRow = z.infer<typeof chainRow>;
export type Contract = z.infer<typeof contract>;
export type UpstoxOrder = z.infer<typeof order>;
export type UpstoxTrade = z.infer<typeof trade>;
/**
 * Historical candles v3 (`GET /v3/historical-candle/{key}/{unit}/{interval}/{to}/{from}`): `data.candles` rows of
 * `[timestamp (ISO, +05:30), open, high, low, close, volume, oi]`, newest first.
 */
export const candles = z.object({
  candles: z.array(z.tuple([str, num, num, num, num]).rest(numOrNull)),
});

export type UpstoxPosition = z.infer<typeof position>;
export type MasterRow = z.infer<typeof masterRow>;
export type Profile = z.infer<typeof profile>;
export type KillSwitchRow = z.infer<typeof killSwitchRow>;
export type UserIps = z.infer<typeof userIps>;
