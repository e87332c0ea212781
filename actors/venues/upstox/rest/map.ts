/**
 * @module Translations between Upstox shapes and the venue-neutral Broker types (both directions, so the fake
 * and the client agree by construction on one table).
 */
import type { BrokerOrder, BrokerPosition, BrokerTrade } from '../../broker.ts';
import type { OrderStatus, Product } from '../../../domain/order.ts';
import { rejectionReason } from './errors.ts';
import type { UpstoxOrder, UpstoxPosition, UpstoxTrade } from './schemas.ts';
import { IST_OFFSET_MS } from '../../../domain/calendar.ts';

/** Upstox status strings (lower-case) → our status. Partial fill = `open` with filled_quantity > 0. */
export function mapStatus(status: string, filled: number, quantity: number): OrderStatus {
  switch (status.toLowerCase()) {
    case 'put order req received':
    case 'validation pending':
    case 'after market order req received':
      return 'pending';
    case 'open pending':
      return 'sent';
    case 'open':
    case 'trigger pending':
    case 'modify pending':
    case 'modify validation pending':
    case 'modified':
    case 'not modified':
    case 'cancel pending':
    case 'not cancelled':
    case 'modify after market order req received':
      return filled > 0 ? (filled >= quantity ? 'filled' : 'partially_filled') : 'open';
    case 'complete':
      return 'filled';
    case 'rejected':
      return 'rejected';
    case 'cancelled':
    case 'cancelled after market order':
      // Over, whatever it filled: the fill is in `filledQuantity`, the rest works nowhere (it used to read as
      // `partially_filled` — still working — so an exit cancelled for a re-price was cancelled again forever).
      return 'cancelled';
    default:
      return 'unknown';
  }
}

/** Our status → the Upstox string the fake reports. */
export function toUpstoxStatus(status: OrderStatus): string {
  switch (status) {
    case 'pending': return 'put order req received';
    case 'sent': return 'open pending';
    case 'open':
    case 'partially_filled': return 'open';
    case 'filled': return 'complete';
    case 'rejected': return 'rejected';
    case 'cancelled':
    case 'expired': return 'cancelled';
    case 'unknown': return 'validation pending';
  }
}

/** `"YYYY-MM-DD HH:mm:ss"` IST → epoch ms; `fallback` when absent or unreadable. */
export function parseIstTimestamp(text: string | null | undefined, fallback: number): number {
  if (text === null || text === undefined) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (m === null) return fallback;
  const [, y, mo, d, h, mi, s] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - IST_OFFSET_MS;
}

export function formatIstTimestamp(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Upstox's product letter → ours. `I` is intraday; everything else we can hold in F&O (`D`, and the legacy `CO`/`MTF`
 *  that never apply to index options) reads as carry-forward, so a position is never silently dropped. */
export function toProduct(p: string | null | undefined): Product {
  return p === 'I' ? 'I' : 'D';
}

export function toBrokerOrder(o: UpstoxOrder, now: number): BrokerOrder {
  const status = mapStatus(o.status, o.filled_quantity, o.quantity);
  const why = status === 'rejected' ? rejectionReason(o.status_message, o.status_message_raw) : undefined;
  return {
    brokerOrderId: o.order_id,
    clientOrderId: o.tag === undefined || o.tag === null || o.tag === '' ? null : o.tag,
    instrumentKey: o.instrument_token,
    side: o.transaction_type,
    quantity: o.quantity,
    filledQuantity: o.filled_quantity,
    averagePrice: o.average_price ?? 0,
    price: o.price ?? 0,
    orderType: o.order_type === 'MARKET' ? 'MARKET' : 'LIMIT',
    product: toProduct(o.product),
    status,
    ...(statusText(o) !== undefined ? { statusMessage: statusText(o)! } : {}),
    ...(why !== undefined ? { rejectReason: why } : {}),
    updatedAt: parseIstTimestamp(o.exchange_timestamp ?? o.order_timestamp, now),
  };
}

/** Both of Upstox's words: the friendly one and the RMS's raw one (it carries the figures: "Required:…, Available:…"). */
function statusText(o: UpstoxOrder): string | undefined {
  const parts = [o.status_message, o.status_message_raw].filter((m): m is string => typeof m === 'string' && m.trim() !== '');
  return parts.length === 0 ? undefined : [...new Set(parts)].join(' | ');
}

/** Upstox trades carry no `tag` (TradeData has none): the caller joins on the order (`tags` = order_id → tag). */
export function toBrokerTrade(t: UpstoxTrade, now: number, tags?: ReadonlyMap<string, string | null>): BrokerTrade {
  return {
    tradeId: t.trade_id,
    brokerOrderId: t.order_id,
    clientOrderId: tags?.get(t.order_id) ?? null,
    instrumentKey: t.instrument_token,
    side: t.transaction_type,
    quantity: t.quantity,
    price: t.average_price,
    product: toProduct(t.product),
    ts: parseIstTimestamp(t.exchange_timestamp ?? t.order_timestamp, now),
  };
}

export function toBrokerPosition(p: UpstoxPosition): BrokerPosition {
  return {
    instrumentKey: p.instrument_token,
    product: toProduct(p.product),
    quantity: p.quantity,
    averagePrice: p.average_price ?? 0,
    realisedPnl: p.realised ?? 0,
    ...(p.last_price !== undefined && p.last_price !== null ? { lastPrice: p.last_price } : {}),
  };
}
