/**
 * @module The fake's exchange: a small deterministic order book behind the `Broker` interface (the seam where the
 * paper exchange plugs in). MARKET and marketable LIMIT orders fill at the touch at once; others rest and fill when
 * the market crosses them. Every state change is announced like Upstox does: received → open pending → open → complete.
 */
import {
  BrokerError, type Broker, type BrokerOrder, type BrokerPosition, type BrokerTrade, type Funds, type MarginEstimate,
  type MarginLeg, type MultiPlaceLine, type OrderRequest, type PlaceResult,
} from '../../broker.ts';
import type { FakeMarket } from './market.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class FakeBook implements Broker {
  readonly name = 'fake-book';
  readonly #market: FakeMarket;
  readonly #now: () => number;
  readonly #orders = new Map<string, Mutable<BrokerOrder>>();
  readonly #history = new Map<string, BrokerOrder[]>();
  readonly #trades: BrokerTrade[] = [];
  readonly #positions = new Map<string, { qty: number; avg: number; realised: number }>();
  readonly #listeners = new Set<(o: BrokerOrder) => void>();
  #seq = 0;
  #available: number;
  #used = 0;

  constructor(market: FakeMarket, opts: { now: () => number; capital?: number }) {
    this.#market = market;
    this.#now = opts.now;
    this.#available = opts.capital ?? 1_000_000;
  }

  async placeOrder(req: OrderRequest): Promise<PlaceResult> {
    const inst = this.#market.instrument(req.instrumentKey);
    if (inst === undefined) throw new BrokerError('VALIDATION', `instrument ${req.instrumentKey} not found`, { brokerCode: 'UDAPI1087' });
    if (inst.lotSize !== undefined && req.quantity % inst.lotSize !== 0) {
      throw new BrokerError('REJECTED', `quantity ${req.quantity} is not a multiple of lot size ${inst.lotSize}`, { brokerCode: 'UDAPI100036' });
    }
    const now = this.#now();
    const id = `${new Date(now).toISOString().slice(2, 10).replace(/-/g, '')}${String(++this.#seq).padStart(9, '0')}`;
    const o: Mutable<BrokerOrder> = {
      brokerOrderId: id, clientOrderId: req.clientOrderId, instrumentKey: req.instrumentKey, side: req.side, quantity: req.quantity,
      filledQuantity: 0, averagePrice: 0, price: req.orderType === 'MARKET' ? 0 : req.price ?? 0, orderType: req.orderType,
      status: 'pending', updatedAt: now,
    };
    this.#orders.set(id, o);
    this.#emit(o);
    o.status = 'sent';
    this.#emit(o);
    o.status = 'open';
    this.#emit(o);
    this.#match(o);
    return { clientOrderId: req.clientOrderId, brokerOrderIds: [id] };
  }

  async placeMultiOrder(reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]> {
    const out: MultiPlaceLine[] = [];
    for (const r of reqs) {
      try {
        out.push({ ok: true, ...(await this.placeOrder(r)) });
      } catch (err) {
        out.push({ ok: false, clientOrderId: r.clientOrderId, error: err as BrokerError });
      }
    }
    return out;
  }

  async modifyOrder(id: string, change: { readonly price?: number; readonly quantity?: number }): Promise<void> {
    const o = this.#open(id);
    if (change.price !== undefined) o.price = change.price;
    if (change.quantity !== undefined) o.quantity = change.quantity;
    o.updatedAt = this.#now();
    this.#emit(o);
    this.#match(o);
  }

  async cancelOrder(id: string): Promise<void> {
    const o = this.#open(id);
    o.status = 'cancelled';
    o.updatedAt = this.#now();
    this.#emit(o);
  }

  async cancelAll(): Promise<readonly string[]> {
    const ids = [...this.#orders.values()].filter((o) => o.status === 'open' || o.status === 'partially_filled').map((o) => o.brokerOrderId);
    for (const id of ids) await this.cancelOrder(id);
    return ids;
  }

  async exitAll(): Promise<readonly string[]> {
    const open = [...this.#positions.entries()].filter(([, p]) => p.qty !== 0);
    // Buys first, as Upstox does: covering shorts before selling longs keeps margin down.
    open.sort(([, a], [, b]) => a.qty - b.qty);
    const ids: string[] = [];
    for (const [key, p] of open) {
      const r = await this.placeOrder({
        clientOrderId: `exit-${key.split('|')[1] ?? key}`, instrumentKey: key, side: p.qty < 0 ? 'BUY' : 'SELL',
        quantity: Math.abs(p.qty), orderType: 'MARKET', product: 'D', validity: 'DAY',
      });
      ids.push(...r.brokerOrderIds);
    }
    return ids;
  }

  async getOrderBook(): Promise<readonly BrokerOrder[]> {
    return [...this.#orders.values()].map((o) => ({ ...o }));
  }

  async getOrder(id: string): Promise<BrokerOrder> {
    const o = this.#orders.get(id);
    if (o === undefined) throw new BrokerError('NOT_FOUND', `order ${id} not found`, { brokerCode: 'UDAPI100010' });
    return { ...o };
  }

  async getOrderHistory(id: string): Promise<readonly BrokerOrder[]> {
    await this.getOrder(id);
    return this.#history.get(id) ?? [];
  }

  async getTrades(): Promise<readonly BrokerTrade[]> {
    return [...this.#trades];
  }

  async getPositions(): Promise<readonly BrokerPosition[]> {
    return [...this.#positions.entries()].map(([key, p]) => ({
      instrumentKey: key, quantity: p.qty, averagePrice: p.avg, realisedPnl: p.realised,
      ...(this.#market.quote(key) !== undefined ? { lastPrice: this.#market.quote(key)!.ltp } : {}),
    }));
  }

  async getFunds(): Promise<Funds> {
    return { availableMargin: this.#available, usedMargin: this.#used };
  }

  async getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate> {
    let required = 0;
    for (const l of legs) {
      const q = this.#market.quote(l.instrumentKey);
      const inst = this.#market.instrument(l.instrumentKey);
      if (q === undefined || inst === undefined) throw new BrokerError('VALIDATION', `instrument ${l.instrumentKey} not found`, { brokerCode: 'UDAPI1087' });
      required += l.side === 'BUY' ? (l.price ?? q.ltp) * l.quantity : 0.1 * (inst.strike ?? q.ltp) * l.quantity;
    }
    const hedged = legs.some((l) => l.side === 'BUY') && legs.some((l) => l.side === 'SELL');
    return { requiredMargin: round2(required), finalMargin: round2(hedged ? required * 0.35 : required) };
  }

  onOrderUpdate(listener: (order: BrokerOrder) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  /** Re-checks resting orders against the market (call after it moves). */
  matchAll(): void {
    for (const o of this.#orders.values()) if (o.status === 'open') this.#match(o);
  }

  #open(id: string): Mutable<BrokerOrder> {
    const o = this.#orders.get(id);
    if (o === undefined) throw new BrokerError('NOT_FOUND', `order ${id} not found`, { brokerCode: 'UDAPI100010' });
    if (o.status !== 'open' && o.status !== 'partially_filled') {
      throw new BrokerError('REJECTED', `order ${id} is already ${o.status}`, { brokerCode: 'UDAPI100040' });
    }
    return o;
  }

  #match(o: Mutable<BrokerOrder>): void {
    const q = this.#market.quote(o.instrumentKey);
    const best = q?.depth?.[0];
    const touch = best === undefined ? q?.ltp : o.side === 'BUY' ? best.askP : best.bidP;
    if (touch === undefined || touch <= 0) return;
    const crosses = o.orderType === 'MARKET' || (o.side === 'BUY' ? o.price >= touch : o.price <= touch);
    if (!crosses) return;
    const qty = o.quantity - o.filledQuantity;
    const now = this.#now();
    o.averagePrice = touch;
    o.filledQuantity = o.quantity;
    o.status = 'filled';
    o.updatedAt = now;
    this.#trades.push({ tradeId: `T${o.brokerOrderId}`, brokerOrderId: o.brokerOrderId, clientOrderId: o.clientOrderId, instrumentKey: o.instrumentKey, side: o.side, quantity: qty, price: touch, ts: now });
    const p = this.#positions.get(o.instrumentKey) ?? { qty: 0, avg: 0, realised: 0 };
    const signed = o.side === 'BUY' ? qty : -qty;
    if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) {
      p.avg = (p.avg * Math.abs(p.qty) + touch * qty) / (Math.abs(p.qty) + qty);
    } else {
      const closed = Math.min(Math.abs(p.qty), qty);
      p.realised += closed * (p.qty > 0 ? touch - p.avg : p.avg - touch);
      if (Math.abs(signed) > Math.abs(p.qty)) p.avg = touch;
    }
    p.qty += signed;
    this.#positions.set(o.instrumentKey, p);
    const premium = touch * qty;
    if (o.side === 'BUY') { this.#available -= premium; this.#used += premium; } else { this.#available += premium; }
    this.#emit(o);
  }

  #emit(o: BrokerOrder): void {
    const snap = { ...o };
    const h = this.#history.get(o.brokerOrderId) ?? [];
    h.push(snap);
    this.#history.set(o.brokerOrderId, h);
    for (const l of this.#listeners) l(snap);
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
