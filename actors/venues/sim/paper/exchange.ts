/**
 * @module The paper exchange: a `Broker` that matches orders against a quote provider, keeps its books on disk and
 * behaves like a real broker where it matters for safety:
 * - RMS rejections (insufficient margin, freeze quantity, price band, market closed) are orders in the book with
 *   status `rejected` and a `statusMessage`, reported through the order-update stream — not exceptions;
 * - request validation (bad tag, bad quantity) throws `BrokerError('VALIDATION')` and records nothing;
 * - it never de-duplicates by tag (real brokers don't): sending twice makes two orders — the drills look for that;
 * - fills take at most the displayed size per matching pass (partial fills), never before `latencyMs` has passed.
 *
 * Matching happens on `place`, and again on `match()` (call it when quotes or time move).
 */
import {
  BrokerError, type Broker, type BrokerOrder, type BrokerPosition, type BrokerTrade, type Funds, type MarginEstimate, type MarginLeg,
  type MultiPlaceLine, type OrderRequest, type PlaceResult, type Segment, type SegmentKillSwitch, type StaticIps,
} from '../../broker.ts';
import type { OrderStatus, Product } from '../../../domain/order.ts';
import type { Clock } from '../../../../runtime/clock.ts';
import { roundToTick, TICK_SIZE } from '../../../domain/units.ts';
import { isMarketOpen as nseMarketOpen, istDate, sessionCloseMs } from '../../../domain/calendar.ts';
import { orderCharges, settlementCharges, type ChargesSchedule } from '../../../domain/charges.ts';
import { PaperLog, type PaperRecord, type PlacedRecord } from './log.ts';
import { standInMargin, type MarginExposure, type MarginModel } from './margin.ts';
import type { InstrumentLookup, QuoteProvider, SettlementLookup } from './quotes.ts';
import { PaperFaults } from './faults.ts';

export const TAG_MAX = 40;
export const CORRELATION_ID_MAX = 20;
export const MULTI_ORDER_MAX = 25;

export interface PaperOptions {
  /** Directory for the exchange's books (DATA_DIR/paper). */
  readonly dir: string;
  readonly clock: Clock;
  readonly quotes: QuoteProvider;
  readonly instruments?: InstrumentLookup;
  /** Account cash (₹). */
  readonly capital: number;
  readonly margin?: MarginModel;
  /** Time from acceptance before an order can fill. Default 0. */
  readonly latencyMs?: number;
  /** A LIMIT price further than this fraction from the last price is outside the band. Default 0.5. */
  readonly priceBandPct?: number;
  /**
   * …but the band is never narrower than this many ₹ either side. Default 20. A cheap wing's LTP (₹0.50) lags its
   * quote by more than half its price routinely (an ask of 0.90 is +80%), and index options' real operating ranges
   * are contract-specific and wide — a pure ±50% band refused ordinary orders at the touch on paper.
   */
  readonly priceBandMinAbs?: number;
  /** MARKET orders without a price never fill worse than touch × (1 ± this). Default 0.05. */
  readonly marketProtectionPct?: number;
  readonly isMarketOpen?: (nowMs: number) => boolean;
  /**
   * How contracts settle at expiry. After an expiry's close every position in it settles at its value (cash-settled
   * index options: intrinsic at the final settlement price) and leaves the book with the P&L realised — as a broker
   * books it. Without one, expired positions stay (a quote source that knows no settlement).
   */
  readonly settlement?: SettlementLookup;
  /**
   * The charges schedule: the account pays each executed order's charges (and exercise STT at settlement) out of its
   * cash, as a broker's ledger does. Without one, no charges (unit tests of matching).
   */
  readonly charges?: ChargesSchedule;
}

interface OrderState {
  placed: PlacedRecord;
  quantity: number;
  price: number;
  filledQuantity: number;
  notional: number;
  status: OrderStatus;
  statusMessage?: string;
  updatedAt: number;
  history: BrokerOrder[];
  /** Charges of its fills so far, ₹ (as one contract-note order, on the date of its first fill). */
  charges: number;
  firstFillTs?: number;
}

interface PositionState {
  instrumentKey: string;
  product: Product;
  quantity: number;
  averagePrice: number;
  realisedPnl: number;
  lastPrice: number;
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['open', 'partially_filled']);
/** Upstox's cooling period before a disabled segment can be re-enabled. */
export const KILL_SWITCH_COOLING_MS = 12 * 3_600_000;
const PAPER_SEGMENTS: readonly Segment[] = ['NSE_FO', 'NSE_EQ', 'BSE_FO', 'BSE_EQ', 'NCD_FO', 'BCD_FO', 'MCX_FO', 'NSE_COM'];

/** A position's key: one per instrument AND product, as brokers keep them. */
function positionKey(instrumentKey: string, product: Product): string {
  return `${instrumentKey}#${product}`;
}

/**
 * The LIMIT price band around `ltp`: ltp ± max(ltp × pct, minAbs), widened outward to whole ticks (prices are ticks; a band edge
 * between two ticks admits the tick beyond it, so the band always holds the ticks next to the LTP), never below one
 * tick. Both bounds are inclusive and the comparison is in whole ticks, so a price that prints as the bound (0.1 for
 * "0.05..0.1") is inside — never lost to binary fractions like 0.1 × 1.5 = 0.15000000000000002.
 */
export function priceBand(ltp: number, pct: number, minAbs = 0, tick = TICK_SIZE): { lo: number; hi: number; contains(price: number): boolean } {
  if (!(Number.isFinite(ltp) && ltp > 0)) throw new RangeError(`expected a positive finite last price, was ${ltp}`);
  if (!(Number.isFinite(pct) && pct >= 0)) throw new RangeError(`expected a non-negative band fraction, was ${pct}`);
  if (!(Number.isFinite(minAbs) && minAbs >= 0)) throw new RangeError(`expected a non-negative minimum band width (₹), was ${minAbs}`);
  if (!(Number.isFinite(tick) && tick > 0)) throw new RangeError(`expected a positive tick, was ${tick}`);
  const half = Math.max(ltp * pct, minAbs);
  // 1e-9 of a tick absorbs the representation error of the products before they are floored/ceiled to ticks.
  const loTicks = Math.max(1, Math.floor((ltp - half) / tick + 1e-9));
  const hiTicks = Math.max(loTicks, Math.ceil((ltp + half) / tick - 1e-9));
  return {
    lo: roundToTick(loTicks * tick, tick),
    hi: roundToTick(hiTicks * tick, tick),
    contains: (price) => {
      const t = Math.round(price / tick);
      return Number.isFinite(price) && t >= loTicks && t <= hiTicks;
    },
  };
}

/** `NSE_FO|123` → `NSE_FO` (index keys and equities map to their own segment). */
function segmentOf(instrumentKey: string): string {
  return instrumentKey.split('|')[0] ?? '';
}

export class PaperBroker implements Broker {
  readonly name = 'paper';
  readonly faults = new PaperFaults();
  readonly #opts: PaperOptions;
  readonly #log: PaperLog;
  readonly #margin: MarginModel;
  readonly #orders = new Map<string, OrderState>();
  readonly #trades: BrokerTrade[] = [];
  readonly #positions = new Map<string, PositionState>();
  readonly #listeners = new Set<(o: BrokerOrder) => void>();
  #chargesPaid = 0;
  /** The modelled broker kill switch: segment → when it was engaged (absent = released). */
  readonly #killSwitch = new Map<string, number>();
  /** Orders the `partialThenCancel` fault marked: they fill part, then the exchange cancels the rest. */
  readonly #partialThenCancel = new Set<string>();
  /** Displayed size already taken at one instant, so several orders cannot each take the whole touch. */
  #taken = new Map<string, number>();
  #takenAt = Number.NaN;
  #seq = 0;
  #closed = false;

  constructor(opts: PaperOptions) {
    this.#opts = opts;
    this.#margin = opts.margin ?? standInMargin();
    const { log, records } = PaperLog.open(opts.dir);
    this.#log = log;
    for (const r of records) this.#apply(r, false);
  }

  // ---- state transitions (the same code replays the log and applies live records) ----

  #record(r: PaperRecord): void {
    this.#log.append(r);
    this.#apply(r, true);
  }

  #apply(r: PaperRecord, live: boolean): void {
    if (r.k === 'settle') {
      // Every position in the contract (any product) closes at its value: a long gains (value − average) per unit,
      // a short (average − value).
      for (const p of this.#positions.values()) {
        if (p.instrumentKey !== r.instrumentKey || p.quantity === 0) continue;
        // A long in the money is exercised: STT on its intrinsic value (the strike is what makes the value).
        if (this.#opts.charges !== undefined && r.value > 0 && p.quantity > 0) {
          this.#chargesPaid += settlementCharges(this.#opts.charges, istDate(r.ts), { right: 'CE', strike: r.settlementPrice - r.value, settlementPrice: r.settlementPrice, quantity: p.quantity }).total;
        }
        p.realisedPnl += (r.value - p.averagePrice) * p.quantity;
        p.quantity = 0;
        p.averagePrice = 0;
        p.lastPrice = r.value;
      }
      return;
    }
    if (r.k === 'ks') {
      if (r.engaged) this.#killSwitch.set(r.segment, r.ts);
      else this.#killSwitch.delete(r.segment);
      return;
    }
    if (r.k === 'place') {
      this.#seq++;
      this.#orders.set(r.brokerOrderId, {
        placed: r, quantity: r.quantity, price: r.price, filledQuantity: 0, notional: 0,
        status: 'open', updatedAt: r.ts, history: [], charges: 0,
      });
      this.#changed(r.brokerOrderId, live);
      return;
    }
    const o = this.#orders.get(r.brokerOrderId);
    if (o === undefined) throw new Error(`paper log: expected a placed order ${r.brokerOrderId}, was unknown`);
    o.updatedAt = r.ts;
    switch (r.k) {
      case 'reject':
        o.status = 'rejected';
        o.statusMessage = r.reason;
        break;
      case 'cancel':
        o.status = 'cancelled';
        o.statusMessage = r.reason;
        break;
      case 'expire':
        o.status = 'expired';
        o.statusMessage = r.reason;
        break;
      case 'modify':
        if (r.price !== undefined) o.price = r.price;
        if (r.quantity !== undefined) o.quantity = r.quantity;
        break;
      case 'fill': {
        o.filledQuantity += r.quantity;
        o.notional += r.quantity * r.price;
        o.status = o.filledQuantity >= o.quantity ? 'filled' : 'partially_filled';
        o.firstFillTs ??= r.ts;
        const schedule = this.#opts.charges;
        if (schedule !== undefined) {
          const charges = orderCharges(schedule, istDate(o.firstFillTs), [{ side: o.placed.side, quantity: o.filledQuantity, price: o.notional / o.filledQuantity }]).total;
          this.#chargesPaid += charges - o.charges;
          o.charges = charges;
        }
        const trade: BrokerTrade = {
          tradeId: r.tradeId, brokerOrderId: r.brokerOrderId, clientOrderId: o.placed.clientOrderId,
          instrumentKey: o.placed.instrumentKey, side: o.placed.side, quantity: r.quantity, price: r.price, ts: r.ts,
          product: o.placed.product ?? 'D',
        };
        this.#trades.push(trade);
        this.#applyTrade(trade);
        break;
      }
    }
    this.#changed(r.brokerOrderId, live);
  }

  #applyTrade(t: BrokerTrade): void {
    const product = t.product ?? 'D';
    const key = positionKey(t.instrumentKey, product);
    const p = this.#positions.get(key) ?? { instrumentKey: t.instrumentKey, product, quantity: 0, averagePrice: 0, realisedPnl: 0, lastPrice: t.price };
    const signed = t.side === 'BUY' ? t.quantity : -t.quantity;
    if (p.quantity === 0 || Math.sign(p.quantity) === Math.sign(signed)) {
      const q = p.quantity + signed;
      p.averagePrice = (Math.abs(p.quantity) * p.averagePrice + t.quantity * t.price) / Math.abs(q);
      p.quantity = q;
    } else {
      const closing = Math.min(Math.abs(signed), Math.abs(p.quantity));
      // A long closed by a sale gains (price − average); a short closed by a buy gains (average − price).
      p.realisedPnl += closing * (p.quantity > 0 ? t.price - p.averagePrice : p.averagePrice - t.price);
      const q = p.quantity + signed;
      if (q === 0) p.averagePrice = 0;
      else if (Math.sign(q) !== Math.sign(p.quantity)) p.averagePrice = t.price; // flipped through zero
      p.quantity = q;
    }
    p.lastPrice = t.price;
    this.#positions.set(key, p);
  }

  #view(o: OrderState): BrokerOrder {
    return {
      brokerOrderId: o.placed.brokerOrderId,
      clientOrderId: o.placed.clientOrderId,
      instrumentKey: o.placed.instrumentKey,
      side: o.placed.side,
      quantity: o.quantity,
      filledQuantity: o.filledQuantity,
      averagePrice: o.filledQuantity > 0 ? roundToTick(o.notional / o.filledQuantity, 0.01) : 0,
      price: o.price,
      orderType: o.placed.orderType,
      product: o.placed.product ?? 'D',
      status: o.status,
      ...(o.statusMessage !== undefined ? { statusMessage: o.statusMessage } : {}),
      updatedAt: o.updatedAt,
    };
  }

  #changed(id: string, live: boolean): void {
    const o = this.#orders.get(id);
    if (o === undefined) return;
    const view = this.#view(o);
    o.history.push(view);
    if (!live || this.faults.muteUpdates) return;
    for (const l of this.#listeners) l(view);
  }

  // ---- checks ----

  #validate(req: OrderRequest): void {
    const bad = (what: string): never => {
      throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: ${what}`, { brokerCode: 'UDAPI1000' });
    };
    if (this.#closed) throw new BrokerError('SERVER', 'paper exchange is closed');
    if (req.clientOrderId.length === 0 || req.clientOrderId.length > TAG_MAX) {
      bad(`expected a tag of 1..${TAG_MAX} characters, was ${req.clientOrderId.length}`);
    }
    if (req.correlationId !== undefined && (req.correlationId.length === 0 || req.correlationId.length > CORRELATION_ID_MAX)) {
      bad(`expected a correlation_id of 1..${CORRELATION_ID_MAX} characters, was ${req.correlationId.length}`);
    }
    if (!Number.isInteger(req.quantity) || req.quantity <= 0) bad(`expected a positive integer quantity, was ${req.quantity}`);
    const rules = this.#opts.instruments?.(req.instrumentKey);
    if (rules !== undefined && req.quantity % rules.lotSize !== 0) {
      bad(`expected a quantity that is a multiple of the lot size ${rules.lotSize}, was ${req.quantity}`);
    }
    if (req.orderType === 'LIMIT' && !(req.price !== undefined && Number.isFinite(req.price) && req.price > 0)) {
      bad(`expected a positive LIMIT price, was ${String(req.price)}`);
    }
    if (req.side !== 'BUY' && req.side !== 'SELL') bad(`expected side BUY|SELL, was ${String(req.side)}`);
  }

  /** The RMS checks, in the order a broker runs them; undefined = accepted. */
  #rms(req: OrderRequest, now: number): string | undefined {
    const forced = this.faults.takeReject(req.side);
    if (forced !== undefined) return forced;
    const open = this.#opts.isMarketOpen ?? nseMarketOpen;
    if (!open(now)) return 'market closed';
    if (this.#killSwitch.has(segmentOf(req.instrumentKey))) return `segment ${segmentOf(req.instrumentKey)} blocked: the kill switch is engaged`;
    const rules = this.#opts.instruments?.(req.instrumentKey);
    if (rules !== undefined && req.quantity > rules.freezeQty) {
      return `freeze quantity exceeded: expected at most ${rules.freezeQty}, was ${req.quantity}`;
    }
    const q = this.#opts.quotes(req.instrumentKey, now);
    if (req.orderType === 'LIMIT' && q !== undefined && q.ltp > 0 && req.price !== undefined) {
      const band = priceBand(q.ltp, this.#opts.priceBandPct ?? 0.5, this.#opts.priceBandMinAbs ?? 20);
      if (!band.contains(req.price)) return `price band: expected ${band.lo}..${band.hi}, was ${req.price}`;
    }
    const ref = req.price ?? (q === undefined ? 0 : req.side === 'BUY' ? q.ask : q.bid);
    const extra: MarginExposure = {
      instrumentKey: req.instrumentKey, quantity: req.side === 'BUY' ? req.quantity : -req.quantity, price: ref,
    };
    const required = this.#margin([...this.#exposures(), extra]);
    const available = this.#cash();
    if (required > available) {
      return `insufficient margin: expected at most ₹${Math.round(available)} required, was ₹${Math.round(required)}`;
    }
    return undefined;
  }

  /** Positions plus the unfilled rest of working orders, netted per instrument (a closing order frees margin). */
  #exposures(): MarginExposure[] {
    const net = new Map<string, { quantity: number; price: number }>();
    const add = (key: string, quantity: number, price: number): void => {
      const e = net.get(key) ?? { quantity: 0, price };
      e.quantity += quantity;
      if (price > 0) e.price = price;
      net.set(key, e);
    };
    for (const p of this.#positions.values()) if (p.quantity !== 0) add(p.instrumentKey, p.quantity, p.lastPrice);
    for (const o of this.#orders.values()) {
      if (!LIVE.has(o.status)) continue;
      const rest = o.quantity - o.filledQuantity;
      add(o.placed.instrumentKey, o.placed.side === 'BUY' ? rest : -rest, o.price);
    }
    return [...net.entries()].filter(([, e]) => e.quantity !== 0).map(([instrumentKey, e]) => ({ instrumentKey, ...e }));
  }

  #cash(): number {
    let realised = 0;
    for (const p of this.#positions.values()) realised += p.realisedPnl;
    return this.#opts.capital + realised - this.#chargesPaid;
  }

  /** Charges the account has paid (fills and exercise STT), ₹. */
  get chargesPaid(): number {
    return Math.round(this.#chargesPaid * 100) / 100;
  }

  // ---- matching ----

  /**
   * DAY orders still working after their session closed are purged (status `expired`, what they filled kept), as
   * Upstox purges every order after its trading day. Runs on every match and book read.
   */
  #expireDayOrders(): void {
    const now = this.#opts.clock.now();
    for (const o of this.#orders.values()) {
      if (!LIVE.has(o.status) || o.placed.validity !== 'DAY') continue;
      if (now >= sessionCloseMs(istDate(o.placed.ts))) {
        this.#record({ k: 'expire', ts: now, brokerOrderId: o.placed.brokerOrderId, reason: `DAY order purged after its session (${istDate(o.placed.ts)})` });
      }
    }
  }

  /** Settles every position whose contract's expiry has closed and whose settlement is known (logged, durable). */
  #settleExpired(): void {
    const lookup = this.#opts.settlement;
    if (lookup === undefined || this.#closed) return;
    const now = this.#opts.clock.now();
    for (const p of [...this.#positions.values()]) {
      if (p.quantity === 0) continue;
      const s = lookup(p.instrumentKey, now);
      if (s !== undefined) this.#record({ k: 'settle', ts: now, brokerOrderId: '', instrumentKey: p.instrumentKey, settlementPrice: s.settlementPrice, value: s.value });
    }
  }

  /** Re-matches every working order against the current quotes; returns how many fills happened. */
  match(): number {
    this.#expireDayOrders();
    this.#settleExpired();
    let fills = 0;
    for (const id of [...this.#orders.keys()]) fills += this.#matchOne(id);
    return fills;
  }

  #matchOne(id: string): number {
    const o = this.#orders.get(id);
    if (o === undefined || !LIVE.has(o.status)) return 0;
    const now = this.#opts.clock.now();
    const ready = o.placed.ts + (this.#opts.latencyMs ?? 0) + this.faults.fillDelayMs;
    if (now < ready) return 0;
    if (now !== this.#takenAt) {
      this.#taken = new Map();
      this.#takenAt = now;
    }
    const q = this.#opts.quotes(o.placed.instrumentKey, now);
    let fills = 0;
    if (q !== undefined) {
      const buy = o.placed.side === 'BUY';
      const touch = buy ? q.ask : q.bid;
      const shown = buy ? q.askQty : q.bidQty;
      const takenKey = `${o.placed.instrumentKey}|${o.placed.side}`;
      const left = shown - (this.#taken.get(takenKey) ?? 0);
      const protection = this.#opts.marketProtectionPct ?? 0.05;
      const limit =
        o.placed.orderType === 'LIMIT' || o.price > 0
          ? o.price
          : buy ? q.ask * (1 + protection) : q.bid * (1 - protection);
      const crosses = touch > 0 && (buy ? touch <= limit : touch >= limit);
      if (crosses && left > 0) {
        let qty = Math.min(o.quantity - o.filledQuantity, left);
        const partial = this.#partialThenCancel.has(id);
        if (partial) {
          const lot = this.#opts.instruments?.(o.placed.instrumentKey)?.lotSize ?? 1;
          qty = Math.min(qty, Math.max(lot, Math.floor((o.quantity - o.filledQuantity) / 2 / lot) * lot));
        }
        this.#taken.set(takenKey, (this.#taken.get(takenKey) ?? 0) + qty);
        this.#record({ k: 'fill', ts: now, brokerOrderId: id, tradeId: `T${id.slice(1)}-${o.history.length}`, quantity: qty, price: touch });
        fills = 1;
        if (partial) {
          this.#partialThenCancel.delete(id);
          const after = this.#orders.get(id);
          if (after !== undefined && LIVE.has(after.status)) this.#record({ k: 'cancel', ts: now, brokerOrderId: id, reason: 'cancelled by the exchange after a partial fill (fault injected)' });
        }
      }
    }
    const after = this.#orders.get(id);
    if (after !== undefined && after.placed.validity === 'IOC' && LIVE.has(after.status)) {
      this.#record({ k: 'cancel', ts: now, brokerOrderId: id, reason: 'IOC remainder cancelled' });
    }
    return fills;
  }

  // ---- Broker ----

  async placeOrder(req: OrderRequest): Promise<PlaceResult> {
    this.#validate(req);
    const ambiguous = this.faults.takeAmbiguous();
    const result = this.#place(req);
    // The order exists at the exchange; only the answer is lost.
    if (ambiguous) throw new BrokerError('AMBIGUOUS', `order ${req.clientOrderId}: connection reset after send (fault injected)`);
    return result;
  }

  #place(req: OrderRequest): PlaceResult {
    const now = this.#opts.clock.now();
    const brokerOrderId = `P${String(this.#seq + 1).padStart(9, '0')}`;
    const reason = this.#rms(req, now);
    this.#record({
      k: 'place', ts: now, brokerOrderId, clientOrderId: req.clientOrderId, instrumentKey: req.instrumentKey,
      side: req.side, quantity: req.quantity, orderType: req.orderType, price: req.price ?? 0,
      validity: req.validity, product: req.product,
    });
    if (reason !== undefined) this.#record({ k: 'reject', ts: now, brokerOrderId, reason });
    else {
      if (this.faults.takePartialThenCancel()) this.#partialThenCancel.add(brokerOrderId);
      this.#matchOne(brokerOrderId);
    }
    return { clientOrderId: req.clientOrderId, brokerOrderIds: [brokerOrderId] };
  }

  async placeMultiOrder(reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]> {
    if (reqs.length === 0 || reqs.length > MULTI_ORDER_MAX) {
      throw new BrokerError('VALIDATION', `multi order: expected 1..${MULTI_ORDER_MAX} lines, was ${reqs.length}`);
    }
    // One payload error rejects every line (Upstox processes a multi order only with zero payload errors).
    const seen = new Set<string>();
    for (const r of reqs) {
      this.#validate(r);
      if (r.correlationId === undefined) throw new BrokerError('VALIDATION', `multi order line ${r.clientOrderId}: expected a correlation_id, was none`);
      if (seen.has(r.correlationId)) throw new BrokerError('VALIDATION', `multi order: expected unique correlation_ids, was ${r.correlationId} twice`);
      seen.add(r.correlationId);
    }
    const ambiguous = this.faults.takeAmbiguous();
    const lines: MultiPlaceLine[] = reqs.map((r) => {
      const placed = this.#place(r);
      return { ok: true, clientOrderId: r.clientOrderId, brokerOrderIds: placed.brokerOrderIds };
    });
    if (ambiguous) throw new BrokerError('AMBIGUOUS', 'multi order: connection reset after send (fault injected)');
    return lines;
  }

  async modifyOrder(brokerOrderId: string, change: { readonly price?: number; readonly quantity?: number }): Promise<void> {
    const o = this.#need(brokerOrderId);
    if (!LIVE.has(o.status)) throw new BrokerError('REJECTED', `modify ${brokerOrderId}: expected an open order, was ${o.status}`);
    if (change.quantity !== undefined && change.quantity < o.filledQuantity) {
      throw new BrokerError('VALIDATION', `modify ${brokerOrderId}: expected quantity >= filled ${o.filledQuantity}, was ${change.quantity}`);
    }
    this.#record({
      k: 'modify', ts: this.#opts.clock.now(), brokerOrderId,
      ...(change.price !== undefined ? { price: change.price } : {}),
      ...(change.quantity !== undefined ? { quantity: change.quantity } : {}),
    });
    this.#matchOne(brokerOrderId);
  }

  async cancelOrder(brokerOrderId: string): Promise<void> {
    const o = this.#need(brokerOrderId);
    if (!LIVE.has(o.status)) throw new BrokerError('REJECTED', `cancel ${brokerOrderId}: expected an open order, was ${o.status}`);
    this.#record({ k: 'cancel', ts: this.#opts.clock.now(), brokerOrderId, reason: 'cancelled by user' });
  }

  async cancelAll(): Promise<readonly string[]> {
    const ids = [...this.#orders.values()].filter((o) => LIVE.has(o.status)).map((o) => o.placed.brokerOrderId);
    for (const id of ids) await this.cancelOrder(id);
    return ids;
  }

  /** Opposite-side MARKET order per open position, in the position's own product, BUYs first (as Upstox documents). */
  async exitAll(): Promise<readonly string[]> {
    const open = [...this.#positions.values()].filter((p) => p.quantity !== 0);
    open.sort((a, b) => a.quantity - b.quantity); // shorts (BUY to close) first
    const ids: string[] = [];
    for (const p of open) {
      const r = this.#place({
        clientOrderId: `exit-all-${this.#seq + 1}`, instrumentKey: p.instrumentKey, side: p.quantity < 0 ? 'BUY' : 'SELL',
        quantity: Math.abs(p.quantity), orderType: 'MARKET', product: p.product, validity: 'DAY',
      });
      ids.push(...r.brokerOrderIds);
    }
    return ids;
  }

  #need(id: string): OrderState {
    const o = this.#orders.get(id);
    if (o === undefined) throw new BrokerError('NOT_FOUND', `expected a known order id, was ${JSON.stringify(id)}`);
    return o;
  }

  async getOrderBook(): Promise<readonly BrokerOrder[]> {
    this.#expireDayOrders();
    return [...this.#orders.values()].map((o) => this.#view(o));
  }
  async getOrder(brokerOrderId: string): Promise<BrokerOrder> {
    return this.#view(this.#need(brokerOrderId));
  }
  async getOrderHistory(brokerOrderId: string): Promise<readonly BrokerOrder[]> {
    return [...this.#need(brokerOrderId).history];
  }
  async getTrades(): Promise<readonly BrokerTrade[]> {
    return [...this.#trades];
  }
  async getPositions(): Promise<readonly BrokerPosition[]> {
    this.#settleExpired();
    return [...this.#positions.values()].map((p) => ({
      instrumentKey: p.instrumentKey, product: p.product, quantity: p.quantity, averagePrice: p.averagePrice, realisedPnl: p.realisedPnl, lastPrice: p.lastPrice,
    }));
  }
  async getFunds(): Promise<Funds> {
    this.#settleExpired();
    const used = this.#margin(this.#exposures());
    return { availableMargin: this.#cash() - used, usedMargin: used };
  }
  async getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate> {
    const now = this.#opts.clock.now();
    const exposures = legs.map((l) => {
      const q = this.#opts.quotes(l.instrumentKey, now);
      const price = l.price ?? (q === undefined ? 0 : l.side === 'BUY' ? q.ask : q.bid);
      return { instrumentKey: l.instrumentKey, quantity: l.side === 'BUY' ? l.quantity : -l.quantity, price };
    });
    // Each leg alone, their sum (no offsets) and the basket as one portfolio (the hedge benefit): Upstox's three figures.
    const each = exposures.map((e) => ({ totalMargin: this.#margin([e]) }));
    const required = each.reduce((a, l) => a + l.totalMargin, 0);
    return { requiredMargin: required, finalMargin: this.#margin(exposures), legs: each };
  }

  async getKillSwitch(): Promise<readonly SegmentKillSwitch[]> {
    return PAPER_SEGMENTS.map((segment) => ({ segment, active: true, engaged: this.#killSwitch.has(segment) }));
  }

  /** Modelled like Upstox: engaging needs the segment flat and cancels its open orders; releasing waits 12 h. */
  async setKillSwitch(segment: Segment, engaged: boolean): Promise<readonly SegmentKillSwitch[]> {
    if (!PAPER_SEGMENTS.includes(segment)) throw new BrokerError('VALIDATION', `kill switch: expected a segment ${PAPER_SEGMENTS.join('|')}, was ${JSON.stringify(segment)}`);
    const now = this.#opts.clock.now();
    const since = this.#killSwitch.get(segment);
    if (engaged && since === undefined) {
      const open = [...this.#positions.values()].filter((p) => p.quantity !== 0 && segmentOf(p.instrumentKey) === segment);
      if (open.length > 0) {
        throw new BrokerError('REJECTED', `kill switch ${segment}: expected every position closed, was ${open.length} open (first ${open[0]!.instrumentKey} ${open[0]!.product} ${open[0]!.quantity})`, { reason: 'POSITIONS_OPEN' });
      }
      for (const o of this.#orders.values()) {
        if (LIVE.has(o.status) && segmentOf(o.placed.instrumentKey) === segment) this.#record({ k: 'cancel', ts: now, brokerOrderId: o.placed.brokerOrderId, reason: 'cancelled: kill switch engaged' });
      }
      this.#record({ k: 'ks', ts: now, brokerOrderId: '', segment, engaged: true });
    } else if (!engaged && since !== undefined) {
      if (now - since < KILL_SWITCH_COOLING_MS) {
        throw new BrokerError('REJECTED', `kill switch ${segment}: expected the 12 h cooling period over, was ${Math.ceil((since + KILL_SWITCH_COOLING_MS - now) / 60_000)} min to go`, { reason: 'COOLING_PERIOD' });
      }
      this.#record({ k: 'ks', ts: now, brokerOrderId: '', segment, engaged: false });
    }
    return this.getKillSwitch();
  }

  /** Paper has no static-IP rule. */
  async getStaticIps(): Promise<StaticIps | null> {
    return null;
  }
  onOrderUpdate(listener: (order: BrokerOrder) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#log.close();
  }

  /** Every tag in the order log, in placement order (the drills check this for duplicates). */
  tags(): Array<string | null> {
    return [...this.#orders.values()].map((o) => o.placed.clientOrderId);
  }
}
