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
  /** MARKET only: the worst fill as a % band around the last price (0–25), or -1 for the broker's automatic band.
   *  Exchanges refuse algo MARKET orders without it (Upstox UDAPI1158); prefer a marketable LIMIT. */
  readonly marketProtection?: number;
  /** Multi-order correlation id (≤ 20 chars). */
  readonly correlationId?: string;
  /** Let the broker split an order at or above the freeze quantity into several orders under this one tag (Upstox
   *  `slice: true`). Default false: the executor slices below the freeze quantity itself, one tag per order. */
  readonly brokerSlice?: boolean;
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
  readonly product: Product;
  readonly status: OrderStatus;
  readonly statusMessage?: string;
  /** Why a rejected order was refused, when the broker's words say (margin, freeze, price band, market closed…). */
  readonly rejectReason?: BrokerErrorReason;
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
  readonly product?: Product;
  readonly ts: number;
}

/** One position per instrument AND product (an `I` and a `D` position in the same contract are two positions). */
export interface BrokerPosition {
  readonly instrumentKey: string;
  readonly product: Product;
  /** Net signed units: positive long, negative short. */
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realisedPnl: number;
  readonly lastPrice?: number;
}

/** Upstox funds v3 (`available_to_trade`), the venue-neutral part. ₹. */
export interface Funds {
  /** Available to trade now (cash + pledge), after margin already blocked. */
  readonly availableMargin: number;
  /** Margin blocked by positions and open orders (cash + pledge). */
  readonly usedMargin: number;
  /** Cash at the start of the day, when the venue reports it. */
  readonly openingBalance?: number;
  /** The part of `availableMargin` that comes from pledged collateral, when the venue reports it. */
  readonly pledgeAvailable?: number;
}

export interface MarginLeg {
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price?: number;
  /** Default D. */
  readonly product?: Product;
}

export interface MarginEstimate {
  /** Sum of every leg's own margin. */
  readonly requiredMargin: number;
  /** What the basket blocks after the hedge benefit: compare this with `Funds.availableMargin`. */
  readonly finalMargin: number;
  /** Per leg, in the order asked (when the venue itemises). */
  readonly legs?: readonly { readonly totalMargin: number; readonly spanMargin?: number; readonly exposureMargin?: number; readonly premium?: number }[];
}

/** Exchange segments the broker's own kill switch acts on. */
export type Segment = 'NSE_FO' | 'NSE_EQ' | 'BSE_FO' | 'BSE_EQ' | 'NCD_FO' | 'BCD_FO' | 'MCX_FO' | 'NSE_COM';

/** The broker's account-level kill switch for one segment (Upstox `/v2/user/kill-switch`). */
export interface SegmentKillSwitch {
  readonly segment: Segment;
  /** The segment itself is enabled for the account (independent of the kill switch). */
  readonly active: boolean;
  /** True while the kill switch blocks trading in the segment. */
  readonly engaged: boolean;
}

/** Addresses order writes must come from (Upstox `/v2/user/ip`). */
export interface StaticIps {
  readonly primary: string | null;
  readonly secondary: string | null;
}

/** What the caller does with the failure. */
export type BrokerErrorKind =
  | 'REJECTED' // the broker said no: insufficient margin, freeze quantity, price band, …
  | 'AMBIGUOUS' // transport failure or timeout on an order call: fate unknown, never retried blindly
  | 'AUTH' // token invalid or expired
  | 'FORBIDDEN' // the broker refuses this caller (static IP, algo name): nothing was placed; an operator must act
  | 'RATE_LIMIT'
  | 'MARKET_CLOSED'
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'SERVER';

/** Why, finer than the kind: each has its own operator message (actors/venues/upstox/rest/errors.ts). */
export type BrokerErrorReason =
  | 'STATIC_IP' // order writes from an address not registered with the broker
  | 'ALGO_NAME' // X-Algo-Name not a registered algo
  | 'TOKEN' // access token invalid or expired
  | 'RATE' // too many requests (the broker's 429, or our own limiter refusing to queue longer)
  | 'INSUFFICIENT_MARGIN'
  | 'MARKET_CLOSED'
  | 'FREEZE_QUANTITY'
  | 'PRICE_BAND'
  | 'MARKET_ORDER_BLOCKED' // MARKET without market protection
  | 'SEGMENT_BLOCKED' // the broker's kill switch is engaged for the segment
  | 'POSITIONS_OPEN' // the broker's kill switch cannot be engaged while positions are open
  | 'COOLING_PERIOD'; // the broker's kill switch cannot be released yet

export class BrokerError extends VolguardError {
  readonly kind: BrokerErrorKind;
  /** Broker's own code, e.g. `UDAPI100050`. */
  readonly brokerCode: string | undefined;
  readonly reason: BrokerErrorReason | undefined;
  /** What an operator should do about it, in words (shown on the dashboard and in alerts). */
  readonly action: string | undefined;
  constructor(kind: BrokerErrorKind, message: string, opts: { brokerCode?: string | undefined; reason?: BrokerErrorReason | undefined; action?: string | undefined; cause?: unknown } = {}) {
    super(`BROKER_${kind}`, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.brokerCode = opts.brokerCode;
    this.reason = opts.reason;
    this.action = opts.action;
  }
}

/** What the venue learns that changes what trading is allowed; the executor passes these to the kill switch. */
export type VenueEvent =
  /** Order writes are refused for the address they come from (or the pre-flight proved they would be). */
  | { readonly type: 'staticIpRefused'; readonly message: string; readonly action: string; readonly evidence: Readonly<Record<string, string | number | boolean | null>> }
  /** Order writes from this address are accepted again (a write went through, or the pre-flight matched). */
  | { readonly type: 'staticIpCleared'; readonly message: string };

export interface VenueEvents {
  /** Subscribes; a listener added after a refusal hears the standing refusal at once. Returns the unsubscribe. */
  on(listener: (e: VenueEvent) => void): () => void;
}

export interface Broker {
  readonly name: string;
  /** Live venues only: compliance events (static IP). */
  readonly events?: VenueEvents;
  /** Live venues only: checks that order writes will be accepted from here (static IP); a failure also raises a
   *  `staticIpRefused` event, a pass clears one. */
  preflight?(): Promise<{ readonly name: string; readonly ok: boolean; readonly warning: boolean; readonly detail: string }>;
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
  /** The margin a basket would block (hedge benefit included), before sending it. */
  getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate>;
  /** The broker's own kill switch, per segment (paper: modelled). */
  getKillSwitch(): Promise<readonly SegmentKillSwitch[]>;
  /** Engage (true) or release the broker's kill switch for one segment. Engaging needs the segment flat (positions
   *  closed; open orders are cancelled by the broker); releasing is refused during the broker's cooling period. */
  setKillSwitch(segment: Segment, engaged: boolean): Promise<readonly SegmentKillSwitch[]>;
  /** Registered static IPs for order writes; null when the venue has no such rule (paper). */
  getStaticIps(): Promise<StaticIps | null>;
  /** Order updates as they happen (paper: synchronous callbacks; Upstox: portfolio stream). Returns unsubscribe. */
  onOrderUpdate(listener: (order: BrokerOrder) => void): () => void;
  close(): Promise<void>;
}
