/**
 * @module UpstoxBroker: the Broker interface over the REST client, with order updates from the portfolio stream.
 * Order writes are never retried here; an AMBIGUOUS failure is resolved with `findByClientOrderId` (order book by tag).
 */
import {
  BrokerError, type Broker, type BrokerOrder, type BrokerPosition, type BrokerTrade, type Funds, type MarginEstimate,
  type MarginLeg, type MultiPlaceLine, type OrderRequest, type PlaceResult,
} from '../broker.ts';
import type { UpstoxRest, MultiLine, PlaceBody } from './rest/client.ts';
import { classify, parseErrorLines } from './rest/errors.ts';
import { toBrokerOrder, toBrokerPosition, toBrokerTrade } from './rest/map.ts';
import type { PortfolioStream } from './portfolio/stream.ts';
import type { TokenStore } from './token/store.ts';

export const MAX_MULTI_LINES = 25;
export const MAX_CORRELATION_ID = 20;
export const MAX_TAG = 40;

export class UpstoxBroker implements Broker {
  readonly name = 'upstox';
  readonly #rest: UpstoxRest;
  readonly #stream: PortfolioStream | undefined;
  readonly #now: () => number;
  readonly #listeners = new Set<(o: BrokerOrder) => void>();
  #offStream: (() => void) | undefined;
  /** The venue's token store (hot swap, expiry events); the token itself only leaves through `current()`. */
  readonly tokens: TokenStore | undefined;

  constructor(rest: UpstoxRest, opts: { stream?: PortfolioStream; now?: () => number; tokens?: TokenStore } = {}) {
    this.#rest = rest;
    this.tokens = opts.tokens;
    this.#stream = opts.stream;
    this.#now = opts.now ?? Date.now;
  }

  async placeOrder(req: OrderRequest): Promise<PlaceResult> {
    const ids = await this.#rest.placeV3({ ...placeBody(req), slice: true });
    return { clientOrderId: req.clientOrderId, brokerOrderIds: ids };
  }

  async placeMultiOrder(reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]> {
    if (reqs.length === 0 || reqs.length > MAX_MULTI_LINES) {
      throw new BrokerError('VALIDATION', `multi-order: expected 1-${MAX_MULTI_LINES} lines, was ${reqs.length}`);
    }
    const lines = reqs.map((r, i): MultiLine => ({ ...placeBody(r), correlation_id: r.correlationId ?? `L${i}`, slice: true }));
    const seen = new Set<string>();
    for (const l of lines) {
      if (l.correlation_id.length > MAX_CORRELATION_ID) throw new BrokerError('VALIDATION', `multi-order: expected correlation_id of at most ${MAX_CORRELATION_ID} chars, was ${l.correlation_id.length} (${l.correlation_id})`);
      if (seen.has(l.correlation_id)) throw new BrokerError('VALIDATION', `multi-order: expected unique correlation_ids, was ${l.correlation_id} twice`);
      seen.add(l.correlation_id);
    }
    // Hedges first: a BUY placed after its SELL would leave the short naked (and cost full margin) meanwhile.
    const ordered = [...lines.filter((l) => l.transaction_type === 'BUY'), ...lines.filter((l) => l.transaction_type === 'SELL')];
    const res = await this.#rest.placeMulti(ordered);
    const placed = new Map<string, string[]>();
    for (const d of res.data ?? []) placed.set(d.correlation_id, [...(placed.get(d.correlation_id) ?? []), d.order_id]);
    const failed = new Map<string, BrokerError>();
    const lineErrors = parseErrorLines({ errors: res.errors ?? [] });
    const payloadErrors = res.summary?.payload_error ?? 0;
    for (const e of lineErrors) {
      if (e.correlationId === undefined) continue;
      const kind = classify(400, e.errorCode, true);
      failed.set(e.correlationId, new BrokerError(kind, `multi-order line ${e.correlationId}: ${e.errorCode ?? 'no code'}: ${e.message}`, e.errorCode !== undefined ? { brokerCode: e.errorCode } : {}));
    }
    return lines.map((l, i): MultiPlaceLine => {
      const clientOrderId = reqs[i]!.clientOrderId;
      const ids = placed.get(l.correlation_id);
      if (ids !== undefined) return { ok: true, clientOrderId, brokerOrderIds: ids };
      const err = failed.get(l.correlation_id)
        ?? (payloadErrors > 0 || res.status === 'error'
          ? new BrokerError('VALIDATION', `multi-order line ${l.correlation_id}: batch rejected (${lineErrors.map((e) => e.message).join('; ') || res.status})`)
          // Neither placed nor refused: the answer does not say, so the order may exist.
          : new BrokerError('AMBIGUOUS', `multi-order line ${l.correlation_id}: expected an order_id or an error, was neither; reconcile by tag`));
      return { ok: false, clientOrderId, error: err };
    });
  }

  async modifyOrder(brokerOrderId: string, change: { readonly price?: number; readonly quantity?: number }): Promise<void> {
    // Upstox requires validity, order_type, price and trigger_price on every modify; keep the order's own.
    const cur = await this.#rest.orderDetails(brokerOrderId);
    await this.#rest.modifyV3({
      order_id: brokerOrderId,
      validity: cur.validity === 'IOC' ? 'IOC' : 'DAY',
      order_type: cur.order_type === 'MARKET' ? 'MARKET' : 'LIMIT',
      price: change.price ?? cur.price ?? 0,
      trigger_price: 0,
      ...(change.quantity !== undefined ? { quantity: change.quantity } : {}),
    });
  }

  async cancelOrder(brokerOrderId: string): Promise<void> {
    await this.#rest.cancelV3(brokerOrderId);
  }

  async cancelAll(): Promise<readonly string[]> {
    return batchIds('cancel-all', await this.#rest.cancelAll({ segment: 'NSE_FO' }));
  }

  async exitAll(): Promise<readonly string[]> {
    return batchIds('exit-all', await this.#rest.exitAll({ segment: 'NSE_FO' }));
  }

  async getOrderBook(): Promise<readonly BrokerOrder[]> {
    const now = this.#now();
    return (await this.#rest.orderBook()).map((o) => toBrokerOrder(o, now));
  }

  async getOrder(brokerOrderId: string): Promise<BrokerOrder> {
    return toBrokerOrder(await this.#rest.orderDetails(brokerOrderId), this.#now());
  }

  async getOrderHistory(brokerOrderId: string): Promise<readonly BrokerOrder[]> {
    const now = this.#now();
    return (await this.#rest.orderHistory({ orderId: brokerOrderId })).map((o) => toBrokerOrder(o, now));
  }

  /** Resolves an AMBIGUOUS order: every order today carrying our clientOrderId as `tag` (empty = never placed). */
  async findByClientOrderId(clientOrderId: string): Promise<readonly BrokerOrder[]> {
    return (await this.getOrderBook()).filter((o) => o.clientOrderId === clientOrderId);
  }

  async getTrades(): Promise<readonly BrokerTrade[]> {
    const now = this.#now();
    return (await this.#rest.tradesForDay()).map((t) => toBrokerTrade(t, now));
  }

  async getPositions(): Promise<readonly BrokerPosition[]> {
    return (await this.#rest.positions()).map(toBrokerPosition);
  }

  async getFunds(): Promise<Funds> {
    const f = await this.#rest.fundsV2('SEC');
    if (f.equity === undefined) throw new BrokerError('SERVER', 'funds: expected an equity segment, was none');
    return { availableMargin: f.equity.available_margin, usedMargin: f.equity.used_margin };
  }

  async getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate> {
    const m = await this.#rest.margin(legs.map((l) => ({
      instrument_key: l.instrumentKey, quantity: l.quantity, product: 'D' as const, transaction_type: l.side,
      ...(l.price !== undefined ? { price: l.price } : {}),
    })));
    return { requiredMargin: m.required_margin, finalMargin: m.final_margin };
  }

  onOrderUpdate(listener: (order: BrokerOrder) => void): () => void {
    this.#listeners.add(listener);
    if (this.#stream !== undefined && this.#offStream === undefined) {
      this.#offStream = this.#stream.onOrder((o) => { for (const l of this.#listeners) l(o); });
      this.#stream.start();
    }
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#offStream?.();
    this.#offStream = undefined;
    await this.#stream?.stop();
  }
}

function placeBody(req: OrderRequest): PlaceBody {
  if (req.clientOrderId.length === 0 || req.clientOrderId.length > MAX_TAG) {
    throw new BrokerError('VALIDATION', `order: expected a clientOrderId (tag) of 1-${MAX_TAG} chars, was ${req.clientOrderId.length}`);
  }
  if (!Number.isInteger(req.quantity) || req.quantity <= 0) throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: expected a positive integer quantity, was ${req.quantity}`);
  if (req.orderType === 'LIMIT' && !(req.price !== undefined && req.price > 0)) throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: expected a positive LIMIT price, was ${req.price}`);
  return {
    quantity: req.quantity, product: req.product, validity: req.validity,
    // Upstox refuses a non-zero price on MARKET (UDAPI1040).
    price: req.orderType === 'MARKET' ? 0 : req.price ?? 0,
    tag: req.clientOrderId, instrument_token: req.instrumentKey, order_type: req.orderType, transaction_type: req.side,
    disclosed_quantity: 0, trigger_price: 0, is_amo: false,
  };
}

function batchIds(call: string, res: { status: string; data?: { order_ids: string[] } | null | undefined; errors?: unknown[] | null | undefined }): string[] {
  const ids = res.data?.order_ids ?? [];
  if (res.status === 'error' && ids.length === 0) {
    const lines = parseErrorLines({ errors: res.errors ?? [] });
    const first = lines[0];
    // "nothing to cancel / no open position" is an answer, not a failure.
    if (first?.errorCode === 'UDAPI1108' || first?.errorCode === 'UDAPI100010') return [];
    throw new BrokerError(classify(400, first?.errorCode, true), `${call}: expected success, was error (${lines.map((l) => `${l.errorCode}: ${l.message}`).join('; ')})`, first?.errorCode !== undefined ? { brokerCode: first.errorCode } : {});
  }
  return ids;
}
