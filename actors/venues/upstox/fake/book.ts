/**
 * @module The fake's exchange and account: a small deterministic order book behind the `Broker` interface (the seam
 * where the paper exchange plugs in), with the rules a real Upstox account enforces:
 * - positions per instrument AND product (`I` and `D` never net against each other);
 * - RMS before the exchange, in the broker's order: the account's kill switch for the segment, the exchange freeze
 *   quantity (an order at or above it is rejected: slice below it), then margin — a rejected order is an order in
 *   the book with status `rejected` and Upstox's words ("RMS:Margin Exceeds,Required:…, Available:…"), not an error;
 * - MARKET and marketable LIMIT orders fill at the touch at once; others rest and fill when the market crosses them;
 *   the `partialThenCancel` fault fills part and has the exchange cancel the rest;
 * - positions in a contract whose expiry session has closed settle at intrinsic value off the index's official close
 *   (`settle`), and the account keeps the row, flat, with the realised P&L (as the day's positions list a closed
 *   position); that close is the one the day candle serves (`officialClose`), fixed once; the `settlementLate` fault
 *   holds both back (the broker books the expiry overnight);
 * - the account's own kill switch (engage only when flat — open orders are cancelled — and a 12 h cooling period).
 * Every state change is announced like Upstox does: received → open pending → open → complete / rejected / cancelled.
 *
 * Margin is a crude SPAN-like stand-in (fake-only): a naked short blocks 12 % of the index notional, a short matched
 * by a long of the same underlying, expiry and right 3 %, a long its premium; on its expiry day a short adds 2 % ELM.
 */
import {
  BrokerError, type Broker, type BrokerOrder, type BrokerPosition, type BrokerTrade, type Funds, type MarginEstimate,
  type MarginLeg, type MultiPlaceLine, type OrderRequest, type PlaceResult, type Segment, type SegmentKillSwitch, type StaticIps,
} from '../../broker.ts';
import type { Product } from '../../../domain/order.ts';
import { istDate, sessionCloseMs } from '../../../domain/calendar.ts';
import type { FakeInstrument, FakeMarket } from './market.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const KILL_SWITCH_COOLING_MS = 12 * 3_600_000;
const SEGMENTS: readonly Segment[] = ['NSE_FO', 'NSE_EQ', 'BSE_FO', 'BSE_EQ', 'NCD_FO', 'BCD_FO', 'MCX_FO', 'NSE_COM'];
const NAKED_SHORT = 0.12;
const HEDGED_SHORT = 0.03;
const EXPIRY_DAY_ELM = 0.02;

/** Fault knobs the book reads on every order (the fake's `/__fake/faults`). */
export interface BookFaults {
  /** The next N orders fill part (half, in whole lots, at least one lot when there are two or more), then the exchange
   *  cancels the rest. */
  partialThenCancel: number;
  /** The expiry is not booked yet: `settle` leaves positions as they are and `officialClose` knows no close. */
  settlementLate?: boolean;
}

interface Position {
  readonly instrumentKey: string;
  readonly product: Product;
  qty: number;
  avg: number;
  realised: number;
}

export interface Settlement {
  readonly instrumentKey: string;
  readonly product: Product;
  readonly quantity: number;
  /** Intrinsic value per unit at the index close. */
  readonly price: number;
  readonly indexClose: number;
  readonly realised: number;
  readonly ts: number;
}

export class FakeBook implements Broker {
  readonly name = 'fake-book';
  readonly #market: FakeMarket;
  readonly #now: () => number;
  readonly #faults: () => BookFaults;
  readonly #orders = new Map<string, Mutable<BrokerOrder>>();
  readonly #history = new Map<string, BrokerOrder[]>();
  readonly #trades: BrokerTrade[] = [];
  readonly #positions = new Map<string, Position>();
  readonly #listeners = new Set<(o: BrokerOrder) => void>();
  readonly #killSwitch = new Map<Segment, number>();
  readonly settlements: Settlement[] = [];
  /** Each index's official close per IST date (`<indexKey>|<date>`), fixed the first time it is asked after the close. */
  readonly #closes = new Map<string, number>();
  #seq = 0;
  #tradeSeq = 0;
  /** Cash the account holds (₹): opening capital plus realised P&L; margin is blocked out of it. */
  capital: number;

  constructor(market: FakeMarket, opts: { now: () => number; capital?: number; faults?: () => BookFaults }) {
    this.#market = market;
    this.#now = opts.now;
    this.capital = opts.capital ?? 10_000_000;
    this.#faults = opts.faults ?? (() => ({ partialThenCancel: 0 }));
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
      product: req.product, status: 'pending', updatedAt: now,
    };
    this.#orders.set(id, o);
    this.#emit(o);
    const refusal = this.#rms(o, inst);
    if (refusal !== undefined) {
      o.status = 'rejected';
      o.statusMessage = refusal;
      this.#emit(o);
      return { clientOrderId: req.clientOrderId, brokerOrderIds: [id] };
    }
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

  /** Opposite-side order per open position in its own product, BUYs first, auto-sliced below the freeze quantity
   *  (as Upstox documents exit-all). */
  async exitAll(): Promise<readonly string[]> {
    const open = [...this.#positions.values()].filter((p) => p.qty !== 0);
    // Buys first, as Upstox does: covering shorts before selling longs keeps margin down.
    open.sort((a, b) => a.qty - b.qty);
    const ids: string[] = [];
    for (const p of open) {
      const inst = this.#market.instrument(p.instrumentKey);
      const perOrder = inst?.freezeQty !== undefined && inst.lotSize !== undefined ? Math.floor((inst.freezeQty - 1) / inst.lotSize) * inst.lotSize : Math.abs(p.qty);
      for (let left = Math.abs(p.qty); left > 0; left -= perOrder) {
        const r = await this.placeOrder({
          clientOrderId: `exit-${p.instrumentKey.split('|')[1] ?? p.instrumentKey}`, instrumentKey: p.instrumentKey, side: p.qty < 0 ? 'BUY' : 'SELL',
          quantity: Math.min(perOrder, left), orderType: 'MARKET', product: p.product, validity: 'DAY',
        });
        ids.push(...r.brokerOrderIds);
      }
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
    return [...this.#positions.values()].map((p) => {
      const q = this.#market.quote(p.instrumentKey);
      return {
        instrumentKey: p.instrumentKey, product: p.product, quantity: p.qty, averagePrice: p.avg, realisedPnl: p.realised,
        ...(q !== undefined ? { lastPrice: q.ltp } : {}),
      };
    });
  }

  async getFunds(): Promise<Funds> {
    const used = this.#blocked();
    return { availableMargin: round2(this.#cash() - used), usedMargin: round2(used), openingBalance: this.capital, pledgeAvailable: 0 };
  }

  async getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate> {
    const exposures = legs.map((l) => {
      const inst = this.#market.instrument(l.instrumentKey);
      const q = this.#market.quote(l.instrumentKey);
      if (q === undefined || inst === undefined) throw new BrokerError('VALIDATION', `instrument ${l.instrumentKey} not found`, { brokerCode: 'UDAPI1087' });
      return { inst, qty: l.side === 'BUY' ? l.quantity : -l.quantity, price: l.price ?? q.ltp };
    });
    const each = exposures.map((e) => this.#marginOf([e]));
    const required = each.reduce((a, m) => a + m.total, 0);
    return {
      requiredMargin: round2(required), finalMargin: round2(this.#marginOf(exposures).total),
      legs: each.map((m) => ({ totalMargin: round2(m.total), spanMargin: round2(m.span), exposureMargin: round2(m.exposure), premium: round2(m.premium) })),
    };
  }

  async getKillSwitch(): Promise<readonly SegmentKillSwitch[]> {
    return SEGMENTS.map((segment) => ({ segment, active: segment !== 'MCX_FO' && segment !== 'NSE_COM', engaged: this.#killSwitch.has(segment) }));
  }

  /** Why `setKillSwitch(segment, engaged)` would be refused now, or undefined (the REST route checks every line of a
   *  request first, so a request is all-or-nothing). */
  killSwitchRefusal(segment: Segment, engaged: boolean): BrokerError | undefined {
    if (!SEGMENTS.includes(segment)) return new BrokerError('VALIDATION', `The specified segment does not exist: ${segment}`, { brokerCode: 'UDAPI1186' });
    const since = this.#killSwitch.get(segment);
    if (engaged && since === undefined) {
      const open = [...this.#positions.values()].filter((p) => p.qty !== 0 && p.instrumentKey.startsWith(`${segment}|`));
      if (open.length > 0) return new BrokerError('REJECTED', 'Segment status cannot be changed until all open positions are closed.', { brokerCode: 'UDAPI1184', reason: 'POSITIONS_OPEN' });
    }
    if (!engaged && since !== undefined && this.#now() - since < KILL_SWITCH_COOLING_MS) {
      return new BrokerError('REJECTED', 'Cannot enable segment — cooling period is still in effect.', { brokerCode: 'UDAPI1185', reason: 'COOLING_PERIOD' });
    }
    return undefined;
  }

  async setKillSwitch(segment: Segment, engaged: boolean): Promise<readonly SegmentKillSwitch[]> {
    const refusal = this.killSwitchRefusal(segment, engaged);
    if (refusal !== undefined) throw refusal;
    const now = this.#now();
    if (engaged && !this.#killSwitch.has(segment)) {
      for (const o of this.#orders.values()) {
        if ((o.status === 'open' || o.status === 'partially_filled') && o.instrumentKey.startsWith(`${segment}|`)) {
          o.status = 'cancelled';
          o.statusMessage = 'Cancelled: kill switch engaged for the segment';
          o.updatedAt = now;
          this.#emit(o);
        }
      }
      this.#killSwitch.set(segment, now);
    } else if (!engaged) {
      this.#killSwitch.delete(segment);
    }
    return this.getKillSwitch();
  }

  /** The fake's static-IP registration lives in the REST layer (state.ts); the book has none. */
  async getStaticIps(): Promise<StaticIps | null> {
    return null;
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

  /**
   * Expiry settlement: every position in a contract whose expiry session closed by `nowMs` is closed at its intrinsic
   * value off the index's last price (the close), realising the P&L. Returns what was settled.
   */
  settle(nowMs: number): Settlement[] {
    const done: Settlement[] = [];
    for (const [k, p] of this.#positions) {
      if (p.qty === 0) continue;
      const inst = this.#market.instrument(p.instrumentKey);
      if (inst?.expiry === undefined || inst.strike === undefined || inst.underlyingKey === undefined) continue;
      const index = this.officialClose(inst.underlyingKey, inst.expiry, nowMs);
      if (index === undefined) continue;
      const price = round2(Math.max(0, inst.kind === 'CE' ? index - inst.strike : inst.strike - index));
      const realised = round2((price - p.avg) * p.qty);
      const s: Settlement = { instrumentKey: p.instrumentKey, product: p.product, quantity: p.qty, price, indexClose: index, realised, ts: nowMs };
      p.realised = round2(p.realised + realised);
      this.capital = round2(this.capital + realised);
      p.qty = 0;
      this.#positions.set(k, p);
      done.push(s);
    }
    this.settlements.push(...done);
    return done;
  }

  /**
   * The index's official close on IST `date` once that session has closed by `nowMs` (and the expiry is not held back
   * by `settlementLate`): the index's price when first asked, then fixed — settlement and the day candle agree.
   */
  officialClose(indexKey: string, date: string, nowMs: number): number | undefined {
    const id = `${indexKey}|${date}`;
    const fixed = this.#closes.get(id);
    if (fixed !== undefined) return fixed;
    if (this.#faults().settlementLate === true || nowMs < sessionCloseMs(date)) return undefined;
    const ltp = this.#market.quote(indexKey)?.ltp;
    if (ltp === undefined) return undefined;
    this.#closes.set(id, ltp);
    return ltp;
  }

  #open(id: string): Mutable<BrokerOrder> {
    const o = this.#orders.get(id);
    if (o === undefined) throw new BrokerError('NOT_FOUND', `order ${id} not found`, { brokerCode: 'UDAPI100010' });
    if (o.status !== 'open' && o.status !== 'partially_filled') {
      throw new BrokerError('REJECTED', `order ${id} is already ${o.status}`, { brokerCode: 'UDAPI100040' });
    }
    return o;
  }

  /** The broker's checks before the exchange sees the order; the rejection text is Upstox's style. */
  #rms(o: BrokerOrder, inst: FakeInstrument): string | undefined {
    const segment = o.instrumentKey.split('|')[0] as Segment;
    if (this.#killSwitch.has(segment)) return `Trading in ${segment} is blocked: the kill switch is engaged for the segment`;
    if (inst.freezeQty !== undefined && o.quantity >= inst.freezeQty) {
      return `Order quantity ${o.quantity} exceeds the freeze quantity ${inst.freezeQty} for ${inst.tradingSymbol ?? o.instrumentKey}: slice the order`;
    }
    const q = this.#market.quote(o.instrumentKey);
    const price = o.orderType === 'LIMIT' ? o.price : (q?.ltp ?? 0);
    const signed = o.side === 'BUY' ? o.quantity : -o.quantity;
    const before = this.#blocked();
    const after = this.#marginOf([...this.#exposures(), { inst, qty: signed, price }]).total;
    // A closing order frees margin; only an increase needs room.
    const required = Math.max(0, after - before);
    const available = this.#cash() - before;
    if (required > available) {
      return `You need to add Rs. ${round2(required - available).toFixed(2)} in your account to place this trade. | RMS:Margin Exceeds,Required:${round2(required).toFixed(2)}, Available:${round2(available).toFixed(2)} for entity account-FAKE01 across exchange across segment across product`;
    }
    return undefined;
  }

  #cash(): number {
    return this.capital;
  }

  /** Margin blocked now: positions plus the unfilled rest of working orders. */
  #blocked(): number {
    return this.#marginOf(this.#exposures()).total;
  }

  #exposures(): { inst: FakeInstrument; qty: number; price: number }[] {
    const out: { inst: FakeInstrument; qty: number; price: number }[] = [];
    for (const p of this.#positions.values()) {
      const inst = this.#market.instrument(p.instrumentKey);
      if (p.qty !== 0 && inst !== undefined) out.push({ inst, qty: p.qty, price: this.#market.quote(p.instrumentKey)?.ltp ?? p.avg });
    }
    for (const o of this.#orders.values()) {
      if (o.status !== 'open' && o.status !== 'partially_filled') continue;
      const inst = this.#market.instrument(o.instrumentKey);
      const rest = o.quantity - o.filledQuantity;
      if (inst !== undefined && rest > 0) out.push({ inst, qty: o.side === 'BUY' ? rest : -rest, price: o.price > 0 ? o.price : this.#market.quote(o.instrumentKey)?.ltp ?? 0 });
    }
    return out;
  }

  /** The stand-in SPAN: see the module comment. */
  #marginOf(exposures: readonly { inst: FakeInstrument; qty: number; price: number }[]): { total: number; span: number; exposure: number; premium: number } {
    const net = new Map<string, { inst: FakeInstrument; qty: number; price: number }>();
    for (const e of exposures) {
      const n = net.get(e.inst.instrumentKey) ?? { inst: e.inst, qty: 0, price: e.price };
      n.qty += e.qty;
      net.set(e.inst.instrumentKey, n);
    }
    let span = 0;
    let exposure = 0;
    let premium = 0;
    // Shorts matched by longs of the same underlying, expiry and right are hedged.
    const longs = new Map<string, number>();
    for (const n of net.values()) if (n.qty > 0) longs.set(group(n.inst), (longs.get(group(n.inst)) ?? 0) + n.qty);
    const today = istDate(this.#now());
    for (const n of net.values()) {
      if (n.qty > 0) {
        premium += n.qty * n.price;
        continue;
      }
      if (n.qty === 0) continue;
      const spot = this.#market.quote(n.inst.underlyingKey ?? '')?.ltp ?? n.inst.strike ?? 0;
      let units = -n.qty;
      const cover = Math.min(units, longs.get(group(n.inst)) ?? 0);
      longs.set(group(n.inst), (longs.get(group(n.inst)) ?? 0) - cover);
      units -= cover;
      span += (units * NAKED_SHORT + cover * HEDGED_SHORT) * spot * 0.75;
      exposure += (units * NAKED_SHORT + cover * HEDGED_SHORT) * spot * 0.25;
      if (n.inst.expiry === today) exposure += -n.qty * spot * EXPIRY_DAY_ELM;
    }
    return { total: span + exposure + premium, span, exposure, premium };
  }

  #match(o: Mutable<BrokerOrder>): void {
    const q = this.#market.quote(o.instrumentKey);
    const best = q?.depth?.[0];
    const touch = best === undefined ? q?.ltp : o.side === 'BUY' ? best.askP : best.bidP;
    if (touch === undefined || touch <= 0) return;
    const crosses = o.orderType === 'MARKET' || (o.side === 'BUY' ? o.price >= touch : o.price <= touch);
    if (!crosses) return;
    const faults = this.#faults();
    const lot = this.#market.instrument(o.instrumentKey)?.lotSize ?? 1;
    const left = o.quantity - o.filledQuantity;
    let qty = left;
    let cancelRest = false;
    if (faults.partialThenCancel > 0) {
      faults.partialThenCancel--;
      qty = Math.floor(left / lot / 2) * lot;
      cancelRest = true;
    }
    const now = this.#now();
    if (qty > 0) {
      o.averagePrice = round2((o.averagePrice * o.filledQuantity + touch * qty) / (o.filledQuantity + qty));
      o.filledQuantity += qty;
      o.status = o.filledQuantity >= o.quantity ? 'filled' : 'partially_filled';
      o.updatedAt = now;
      this.#trades.push({
        tradeId: `T${o.brokerOrderId}-${++this.#tradeSeq}`, brokerOrderId: o.brokerOrderId, clientOrderId: o.clientOrderId, instrumentKey: o.instrumentKey,
        side: o.side, quantity: qty, price: touch, product: o.product, ts: now,
      });
      this.#fill(o, qty, touch);
      this.#emit(o);
    }
    if (cancelRest && o.filledQuantity < o.quantity) {
      o.status = 'cancelled';
      o.statusMessage = `Exchange cancelled the remaining ${o.quantity - o.filledQuantity} after a partial fill of ${o.filledQuantity}`;
      o.updatedAt = now;
      this.#emit(o);
    }
  }

  #fill(o: BrokerOrder, qty: number, price: number): void {
    const key = `${o.instrumentKey}#${o.product}`;
    const p = this.#positions.get(key) ?? { instrumentKey: o.instrumentKey, product: o.product, qty: 0, avg: 0, realised: 0 };
    const signed = o.side === 'BUY' ? qty : -qty;
    if (p.qty === 0 || Math.sign(p.qty) === Math.sign(signed)) {
      p.avg = (p.avg * Math.abs(p.qty) + price * qty) / (Math.abs(p.qty) + qty);
    } else {
      const closed = Math.min(Math.abs(p.qty), qty);
      const pnl = closed * (p.qty > 0 ? price - p.avg : p.avg - price);
      p.realised += pnl;
      this.capital += pnl;
      if (Math.abs(signed) > Math.abs(p.qty)) p.avg = price;
    }
    p.qty += signed;
    if (p.qty === 0) p.avg = 0;
    this.#positions.set(key, p);
  }

  #emit(o: BrokerOrder): void {
    const snap = { ...o };
    const h = this.#history.get(o.brokerOrderId) ?? [];
    h.push(snap);
    this.#history.set(o.brokerOrderId, h);
    for (const l of this.#listeners) l(snap);
  }
}

function group(i: FakeInstrument): string {
  return `${i.underlying}|${i.expiry}|${i.kind}`;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
