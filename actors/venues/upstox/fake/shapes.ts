/**
 * @module Upstox JSON shapes the fake answers with, built from Broker types + instrument metadata.
 * Field sets follow the reference and what the official SDK models read.
 */
import type { BrokerOrder, BrokerTrade } from '../../broker.ts';
import { formatIstTimestamp, toUpstoxStatus } from '../rest/map.ts';
import type { FakeInstrument } from './market.ts';

export interface OrderMeta {
  readonly product: string;
  readonly validity: string;
  readonly placedAt: number;
}

export function success(data: unknown, latency?: number): Record<string, unknown> {
  return latency === undefined ? { status: 'success', data } : { status: 'success', data, metadata: { latency } };
}

export function errorLine(code: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { errorCode: code, message, propertyPath: null, invalidValue: null, error_code: code, property_path: null, invalid_value: null, instrument_key: null, order_id: null, ...extra };
}

export function errorBody(code: string, message: string): Record<string, unknown> {
  return { status: 'error', errors: [errorLine(code, message)] };
}

export function orderJson(o: BrokerOrder, meta: OrderMeta | undefined, inst: FakeInstrument | undefined): Record<string, unknown> {
  const ts = formatIstTimestamp(o.updatedAt);
  // The book keeps Upstox's two texts as "friendly | raw" (the raw one carries the RMS figures).
  const [friendly, raw] = (o.statusMessage ?? '').split(' | ');
  return {
    exchange: 'NSE_FO'.startsWith(o.instrumentKey.split('|')[0] ?? '') ? 'NFO' : 'NSE',
    product: o.product,
    price: o.price,
    quantity: o.quantity,
    status: toUpstoxStatus(o.status),
    guid: `fake-${o.brokerOrderId}`,
    tag: o.clientOrderId,
    instrument_token: o.instrumentKey,
    placed_by: 'FAKE01',
    trading_symbol: inst?.tradingSymbol ?? o.instrumentKey,
    tradingsymbol: inst?.tradingSymbol ?? o.instrumentKey,
    order_type: o.orderType,
    validity: meta?.validity ?? 'DAY',
    trigger_price: 0,
    disclosed_quantity: 0,
    transaction_type: o.side,
    average_price: o.averagePrice,
    filled_quantity: o.filledQuantity,
    pending_quantity: o.status === 'open' || o.status === 'partially_filled' ? o.quantity - o.filledQuantity : 0,
    status_message: friendly === '' || friendly === undefined ? null : friendly,
    status_message_raw: raw ?? (friendly === '' || friendly === undefined ? null : friendly),
    exchange_order_id: o.status === 'pending' ? '' : `1100000${o.brokerOrderId.slice(-9)}`,
    parent_order_id: null,
    order_id: o.brokerOrderId,
    variety: 'SIMPLE',
    order_timestamp: formatIstTimestamp(meta?.placedAt ?? o.updatedAt),
    exchange_timestamp: o.status === 'pending' ? null : ts,
    is_amo: false,
    order_request_id: '1',
    order_ref_id: `GTT-${o.brokerOrderId}`,
  };
}

/** Upstox's TradeData has no `tag`: a trade names its order, and the order carries the tag. */
export function tradeJson(t: BrokerTrade, meta: OrderMeta | undefined, inst: FakeInstrument | undefined): Record<string, unknown> {
  return {
    exchange: 'NFO', product: t.product ?? meta?.product ?? 'D', trading_symbol: inst?.tradingSymbol ?? t.instrumentKey, tradingsymbol: inst?.tradingSymbol ?? t.instrumentKey,
    instrument_token: t.instrumentKey, order_type: 'LIMIT', transaction_type: t.side, quantity: t.quantity, exchange_order_id: `1100000${t.brokerOrderId.slice(-9)}`,
    order_id: t.brokerOrderId, exchange_timestamp: formatIstTimestamp(t.ts), average_price: t.price, trade_id: t.tradeId, order_ref_id: '1',
    order_timestamp: formatIstTimestamp(t.ts),
  };
}

export function contractJson(i: FakeInstrument): Record<string, unknown> {
  return {
    name: i.underlying, segment: 'NSE_FO', exchange: 'NSE', expiry: i.expiry, weekly: i.weekly === true, instrument_key: i.instrumentKey,
    exchange_token: i.token, trading_symbol: i.contractSymbol, tick_size: 5, lot_size: i.lotSize, instrument_type: i.kind,
    freeze_quantity: i.freezeQty, underlying_key: i.underlyingKey, underlying_type: 'INDEX', underlying_symbol: i.underlying,
    strike_price: i.strike, minimum_lot: i.lotSize,
  };
}

/** Instruments master row: `expiry` is epoch ms there, unlike the contract API's date string. */
export function masterJson(i: FakeInstrument): Record<string, unknown> {
  if (i.kind === 'INDEX') {
    return { segment: 'NSE_INDEX', exchange: 'NSE', name: i.tradingSymbol ?? i.token, trading_symbol: i.contractSymbol, instrument_key: i.instrumentKey, exchange_token: i.token, instrument_type: 'INDEX', tick_size: 0.05 };
  }
  return {
    segment: 'NSE_FO', exchange: 'NSE', name: i.underlying, trading_symbol: i.contractSymbol, instrument_key: i.instrumentKey, exchange_token: i.token,
    instrument_type: i.kind, strike_price: i.strike, expiry: Date.parse(`${i.expiry}T15:30:00+05:30`), lot_size: i.lotSize, tick_size: 5,
    freeze_quantity: i.freezeQty, qty_multiplier: 1, minimum_lot: i.lotSize, weekly: i.weekly === true, underlying_symbol: i.underlying,
    asset_symbol: i.underlying, underlying_key: i.underlyingKey, underlying_type: 'INDEX',
  };
}
