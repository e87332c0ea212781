/**
 * @module The Broker interface: what the executor needs from a venue. Implemented by the paper exchange
 * (actors/venues/sim/paper/) and by Upstox (actors/venues/upstox/). Field names follow Upstox where it has one.
 */
import { VolguardError } from '../../runtime/errors.ts';
import type { OrderStatus, OrderType, Product } from '../domain/order.ts';
import type { Side } from '../domain/side.ts';

export interface OrderRequest {
  /** Deterministic client id; sent as Upstox `tag` (≤ 40 chars). */
  readonly clientOrderId: string;
  readonly instrumentKey: string;
  readonly side: Side;
  /** Units (a multiple of the lot size). */
  readonly quantity: number;
  readonly orderType: OrderType;
  /** Limit price (₹, on the 0.05 tick); for MARKET the protection price, if any. */
  readonly price?: number;
  readonly product: Product;
  readonly validity: 'DAY' | 'IOC';
  /** Multi-order correlation id (≤ 20 chars). */
  readonly correlationId?: string;
}

export interface PlaceResult {
  readonly clientOrderId: string;
  readonly brokerOrderIds: readonly string[];
}

/** One line of a multi-order answer: placed, or refused with a reason (HTTP 207 partial success). */
export type MultiPlaceLine =
  | { readonly ok: true; readonly clientOrderId: string; readonly brokerOrderIds: readonly string[] }
  | { readonly ok: false; readonly clientOrderId: string; readonly error: BrokerError };

export interface BrokerOrder {
  readonly brokerOrderId: string;
  /** Our clientOrderId as echoed back by the broker (Upstox `tag`). */
  readonly clientOrderId: string | null;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly averagePrice: number;
  readonly price: number;
  readonly orderType: OrderType;
  readonly status: OrderStatus;
  readonly statusMessage?: string;
  readonly updatedAt: number;
}

export interface BrokerTrade {
  readonly tradeId: string;
  readonly brokerOrderId: string;
  readonly clientOrderId: string | null;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  readonly ts: number;
}

export interface BrokerPosition {
  readonly instrumentKey: string;
  /** Net signed units: positive long, negative short. */
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realisedPnl: number;
  readonly lastPrice?: number;
}

export interface Funds {
  readonly availableMargin: number;
  readonly usedMargin: number;
}

export interface MarginLeg {
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price?: number;
}

export interface MarginEstimate {
  readonly requiredMargin: number;
  readonly finalMargin: number;
}

export type BrokerErrorKind =
  | 'REJECTED' // the broker said no: insufficient margin, freeze quantity, price band, …
  | 'AMBIGUOUS' // transport failure or timeout on an order call: fate unknown, never retried blindly
  | 'AUTH' // token invalid or expired
  | 'RATE_LIMIT'
  | 'MARKET_CLOSED'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'SERVER';

export class BrokerError extends VolguardError {
  readonly kind: BrokerErrorKind;
  /** Broker's own code, e.g. `UDAPI100050`. */
  readonly brokerCode: string | undefined;
  constructor(kind: BrokerErrorKind, message: string, opts: { brokerCode?: string; cause?: unknown } = {}) {
    super(`BROKER_${kind}`, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.brokerCode = opts.brokerCode;
  }
}

export interface Broker {
  readonly name: string;
  placeOrder(req: OrderRequest): Promise<PlaceResult>;
  /** BUY lines first (the caller orders them); ≤ 25 lines. */
  placeMultiOrder(reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]>;
  modifyOrder(brokerOrderId: string, change: { readonly price?: number; readonly quantity?: number }): Promise<void>;
  cancelOrder(brokerOrderId: string): Promise<void>;
  cancelAll(): Promise<readonly string[]>;
  exitAll(): Promise<readonly string[]>;
  getOrderBook(): Promise<readonly BrokerOrder[]>;
  getOrder(brokerOrderId: string): Promise<BrokerOrder>;
  getOrderHistory(brokerOrderId: string): Promise<readonly BrokerOrder[]>;
  getTrades(): Promise<readonly BrokerTrade[]>;
  getPositions(): Promise<readonly BrokerPosition[]>;
  getFunds(): Promise<Funds>;
  getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate>;
  /** Order updates as they happen (paper: synchronous callbacks; Upstox: portfolio stream). Returns unsubscribe. */
  onOrderUpdate(listener: (order: BrokerOrder) => void): () => void;
  close(): Promise<void>;
}
