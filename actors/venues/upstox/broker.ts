/**
 * @module UpstoxBroker: the Broker interface over the REST client, with order updates from the portfolio stream.
 * Order writes are never retried here; an AMBIGUOUS failure is resolved with `findByClientOrderId` (order book by tag).
 *
 * Products are carried both ways (every order names `I` or `D`; positions come back one per instrument and product).
 * Funds are read from funds v3; margin for a basket from POST /v2/charges/margin. The broker's own kill switch and
 * the static-IP registration are read and set here; `compliance` turns static-IP refusals into venue events.
 */
import {
  BrokerError, type Broker, type BrokerOrder, type BrokerPosition, type BrokerTrade, type Funds, type MarginEstimate,
  type MarginLeg, type MultiPlaceLine, type OrderRequest, type PlaceResult, type Segment, type SegmentKillSwitch, type StaticIps,
} from '../broker.ts';
import type { UpstoxRest, MultiLine, PlaceBody } from './rest/client.ts';
import { lineError, OPERATOR_ACTIONS, parseErrorLines } from './rest/errors.ts';
import { toBrokerOrder, toBrokerPosition, toBrokerTrade } from './rest/map.ts';
import type { KillSwitchRow } from './rest/schemas.ts';
import type { PortfolioStream } from './portfolio/stream.ts';
import type { TokenStore } from './token/store.ts';
import { Compliance } from './compliance.ts';
import { runStaticIpCheck, type EgressAddress, type StaticIpCheck } from './static-ip.ts';
import { SettlementPrices, SETTLEMENT_RETRY_MS } from './settlement.ts';
import type { Underlying } from '../../domain/underlying.ts';

export const MAX_MULTI_LINES = 25;
export const MAX_CORRELATION_ID = 20;
export const MAX_TAG = 40;
export const MAX_MARGIN_LINES = 20;
const SEGMENTS: readonly Segment[] = ['NSE_FO', 'NSE_EQ', 'BSE_FO', 'BSE_EQ', 'NCD_FO', 'BCD_FO', 'MCX_FO', 'NSE_COM'];

export interface UpstoxBrokerOptions {
  readonly stream?: PortfolioStream;
  readonly now?: () => number;
  readonly tokens?: TokenStore;
  /** Shared with the REST client's refusal hooks (createUpstoxVenue wires both). */
  readonly compliance?: Compliance;
  /** How this machine's egress address is found (static-ip.ts); without it the pre-flight reports `unknown`. */
  readonly egress?: () => Promise<EgressAddress>;
  /** Wall ms between two asks for an expiry's settlement price not published yet (settlement.ts); default a minute. */
  readonly settlementRetryMs?: number;
}

export class UpstoxBroker implements Broker {
  readonly name = 'upstox';
  readonly #rest: UpstoxRest;
  readonly #stream: PortfolioStream | undefined;
  readonly #now: () => number;
  readonly #egress: () => Promise<EgressAddress>;
  readonly #listeners = new Set<(o: BrokerOrder) => void>();
  #offStream: (() => void) | undefined;
  /** The venue's token store (hot swap, expiry events); the token itself only leaves through `current()`. */
  readonly tokens: TokenStore | undefined;
  /** Static-IP refusals and clearances (Broker.events). */
  readonly events: Compliance;
  readonly #settlement: SettlementPrices;

  constructor(rest: UpstoxRest, opts: UpstoxBrokerOptions = {}) {
    this.#rest = rest;
    this.tokens = opts.tokens;
    this.#stream = opts.stream;
    this.#now = opts.now ?? Date.now;
    this.events = opts.compliance ?? new Compliance();
    this.#egress = opts.egress ?? (async () => ({ known: false, why: 'no egress finder configured' }));
    this.#settlement = new SettlementPrices((key, date) => rest.dayCandles(key, date, date), this.#now, opts.settlementRetryMs ?? SETTLEMENT_RETRY_MS);
  }

  /** An expiry's final settlement price (the index's official close that day) once Upstox publishes it (settlement.ts). */
  settlementPrice(underlying: Underlying, expiry: string): Promise<number | undefined> {
    return this.#settlement.price(underlying, expiry);
  }

  /** The rate limiters' state (queued calls, waits, refusals), for inspect and the dashboard. */
  rateStats(): ReturnType<UpstoxRest['http']['rateStats']> {
    return this.#rest.http.rateStats();
  }

  /**
   * Static-IP pre-flight: registered addresses vs this machine's egress. A mismatch or no registration raises a
   * refusal (HALTED STATIC_IP through the executor); a match clears one; unknown changes nothing.
   */
  async preflight(): Promise<StaticIpCheck> {
    const check = await runStaticIpCheck(async () => this.getStaticIps(), this.#egress);
    if (check.verdict === 'mismatch' || check.verdict === 'unregistered') {
      this.events.refuse(`static-IP pre-flight: ${check.detail}`, OPERATOR_ACTIONS.STATIC_IP, {
        verdict: check.verdict, registered: [check.registered?.primary, check.registered?.secondary].filter((x) => x).join(',') || null,
        egress: check.egress?.known === true ? check.egress.ip : null,
      });
    } else if (check.verdict === 'match') {
      this.events.clear(`static-IP pre-flight: ${check.detail}`);
    }
    return check;
  }

  async placeOrder(req: OrderRequest): Promise<PlaceResult> {
    // No auto-slice unless asked: the executor slices below the freeze quantity and tags every slice itself.
    const ids = await this.#rest.placeV3({ ...placeBody(req), slice: req.brokerSlice === true });
    return { clientOrderId: req.clientOrderId, brokerOrderIds: ids };
  }

  async placeMultiOrder(reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]> {
    if (reqs.length === 0 || reqs.length > MAX_MULTI_LINES) {
      throw new BrokerError('VALIDATION', `multi-order: expected 1-${MAX_MULTI_LINES} lines, was ${reqs.length}`);
    }
    const lines = reqs.map((r, i): MultiLine => ({ ...placeBody(r), correlation_id: r.correlationId ?? `L${i}`, slice: r.brokerSlice === true }));
    const seen = new Set<string>();
    for (const l of lines) {
      if (l.correlation_id.length > MAX_CORRELATION_ID) throw new BrokerError('VALIDATION', `multi-order: expected correlation_id of at most ${MAX_CORRELATION_ID} chars, was ${l.correlation_id.length} (${l.correlation_id})`);
      if (seen.has(l.correlation_id)) throw new BrokerError('VALIDATION', `multi-order: expected unique correlation_ids, was ${l.correlation_id} twice`);
      seen.add(l.correlation_id);
    }
    // Hedges first in the array (Upstox advises it for margin). This does NOT make them execute first: Upstox has been
    // seen to run a basket's SELL line before an earlier BUY line, so a caller that needs the hedge filled before the
    // short must wait for the BUY fills and send the SELLs after.
    const ordered = [...lines.filter((l) => l.transaction_type === 'BUY'), ...lines.filter((l) => l.transaction_type === 'SELL')];
    const res = await this.#rest.placeMulti(ordered);
    const placed = new Map<string, string[]>();
    for (const d of res.data ?? []) placed.set(d.correlation_id, [...(placed.get(d.correlation_id) ?? []), d.order_id]);
    const failed = new Map<string, BrokerError>();
    const lineErrors = parseErrorLines({ errors: res.errors ?? [] });
    const payloadErrors = res.summary?.payload_error ?? 0;
    for (const e of lineErrors) {
      if (e.correlationId === undefined) continue;
      failed.set(e.correlationId, lineError(e, true, `multi-order line ${e.correlationId}`));
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

  /** Trades carry no tag at Upstox: each is joined to its order (order book) for our clientOrderId. */
  async getTrades(): Promise<readonly BrokerTrade[]> {
    const now = this.#now();
    const [trades, book] = await Promise.all([this.#rest.tradesForDay(), this.#rest.orderBook()]);
    const tags = new Map(book.map((o) => [o.order_id, o.tag === undefined || o.tag === null || o.tag === '' ? null : o.tag]));
    return trades.map((t) => toBrokerTrade(t, now, tags));
  }

  async getPositions(): Promise<readonly BrokerPosition[]> {
    return (await this.#rest.positions()).map(toBrokerPosition);
  }

  /** Funds v3: available to trade (cash + pledge) and the margin blocked. */
  async getFunds(): Promise<Funds> {
    const f = (await this.#rest.fundsV3()).available_to_trade;
    const cash = f.cash_available_to_trade;
    const pledge = f.pledge_available_to_trade;
    return {
      availableMargin: f.total,
      usedMargin: cash.margin_used.total + (pledge?.margin_used?.total ?? 0),
      ...(cash.cash !== undefined ? { openingBalance: cash.cash.opening_balance } : {}),
      ...(pledge !== undefined ? { pledgeAvailable: pledge.total } : {}),
    };
  }

  async getMargin(legs: readonly MarginLeg[]): Promise<MarginEstimate> {
    if (legs.length === 0 || legs.length > MAX_MARGIN_LINES) throw new BrokerError('VALIDATION', `margin: expected 1-${MAX_MARGIN_LINES} legs, was ${legs.length}`);
    const m = await this.#rest.margin(legs.map((l) => ({
      instrument_key: l.instrumentKey, quantity: l.quantity, product: l.product ?? 'D', transaction_type: l.side,
      ...(l.price !== undefined ? { price: l.price } : {}),
    })));
    return {
      requiredMargin: m.required_margin, finalMargin: m.final_margin,
      legs: m.margins.map((x) => ({
        totalMargin: x.total_margin,
        ...(x.span_margin !== undefined ? { spanMargin: x.span_margin } : {}),
        ...(x.exposure_margin !== undefined ? { exposureMargin: x.exposure_margin } : {}),
        ...(x.net_buy_premium !== undefined ? { premium: x.net_buy_premium } : {}),
      })),
    };
  }

  async getKillSwitch(): Promise<readonly SegmentKillSwitch[]> {
    return toKillSwitch(await this.#rest.killSwitch());
  }

  /** Engaging = Upstox `DISABLE` (the segment is blocked); releasing = `ENABLE`. */
  async setKillSwitch(segment: Segment, engaged: boolean): Promise<readonly SegmentKillSwitch[]> {
    if (!SEGMENTS.includes(segment)) throw new BrokerError('VALIDATION', `kill switch: expected a segment ${SEGMENTS.join('|')}, was ${JSON.stringify(segment)}`);
    return toKillSwitch(await this.#rest.updateKillSwitch([{ segment, action: engaged ? 'DISABLE' : 'ENABLE' }]));
  }

  async getStaticIps(): Promise<StaticIps> {
    const r = await this.#rest.userIps();
    return { primary: r.primary_ip ?? null, secondary: r.secondary_ip ?? null };
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

function toKillSwitch(rows: readonly KillSwitchRow[]): SegmentKillSwitch[] {
  return rows.flatMap((r) => (SEGMENTS as readonly string[]).includes(r.segment)
    ? [{ segment: r.segment as Segment, active: r.segment_status === 'ACTIVE', engaged: r.kill_switch_enabled }]
    : []);
}

function placeBody(req: OrderRequest): PlaceBody {
  if (req.clientOrderId.length === 0 || req.clientOrderId.length > MAX_TAG) {
    throw new BrokerError('VALIDATION', `order: expected a clientOrderId (tag) of 1-${MAX_TAG} chars, was ${req.clientOrderId.length}`);
  }
  if (!Number.isInteger(req.quantity) || req.quantity <= 0) throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: expected a positive integer quantity, was ${req.quantity}`);
  if (req.orderType === 'LIMIT' && !(req.price !== undefined && req.price > 0)) throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: expected a positive LIMIT price, was ${req.price}`);
  const mp = req.marketProtection;
  if (mp !== undefined && !(mp === -1 || (mp >= 0 && mp <= 25))) throw new BrokerError('VALIDATION', `order ${req.clientOrderId}: expected market protection -1 or 0-25 (%), was ${mp}`);
  return {
    quantity: req.quantity, product: req.product, validity: req.validity,
    // Upstox refuses a non-zero price on MARKET (UDAPI1040).
    price: req.orderType === 'MARKET' ? 0 : req.price ?? 0,
    tag: req.clientOrderId, instrument_token: req.instrumentKey, order_type: req.orderType, transaction_type: req.side,
    disclosed_quantity: 0, trigger_price: 0, is_amo: false,
    ...(req.orderType === 'MARKET' && mp !== undefined ? { market_protection: mp } : {}),
  };
}

function batchIds(call: string, res: { status: string; data?: { order_ids: string[] } | null | undefined; errors?: unknown[] | null | undefined }): string[] {
  const ids = res.data?.order_ids ?? [];
  if (res.status === 'error' && ids.length === 0) {
    const lines = parseErrorLines({ errors: res.errors ?? [] });
    const first = lines[0];
    // "nothing to cancel / no open position" is an answer, not a failure.
    if (first?.errorCode === 'UDAPI1108' || first?.errorCode === 'UDAPI100010') return [];
    if (first !== undefined) throw lineError(first, true, `${call}: expected success, was error (${lines.map((l) => `${l.errorCode}: ${l.message}`).join('; ')})`);
    throw new BrokerError('REJECTED', `${call}: expected success, was error (no error lines)`);
  }
  return ids;
}
