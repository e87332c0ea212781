/**
 * @module Typed Upstox REST endpoints (one method each): build the request, validate the answer, return Upstox's
 * own shapes. Mapping onto Broker types lives in ../broker.ts; transport rules live in ./http.ts.
 */
import { z } from 'zod';
import { BrokerError } from '../../broker.ts';
import type { UpstoxHttp } from './http.ts';
import * as s from './schemas.ts';

export interface PlaceBody {
  readonly quantity: number;
  readonly product: 'I' | 'D';
  readonly validity: 'DAY' | 'IOC';
  readonly price: number;
  readonly tag?: string;
  readonly instrument_token: string;
  readonly order_type: 'MARKET' | 'LIMIT';
  readonly transaction_type: 'BUY' | 'SELL';
  readonly disclosed_quantity: number;
  readonly trigger_price: number;
  readonly is_amo: boolean;
  readonly slice?: boolean;
  /** MARKET / SL-M only: 0 none, 0–25 %, -1 automatic. */
  readonly market_protection?: number;
}

export interface MultiLine extends PlaceBody {
  readonly correlation_id: string;
  readonly slice: boolean;
}

export interface ModifyBody {
  readonly order_id: string;
  readonly validity: 'DAY' | 'IOC';
  readonly price: number;
  readonly order_type: 'MARKET' | 'LIMIT';
  readonly trigger_price: number;
  readonly quantity?: number;
}

export interface MarginInstrument {
  readonly instrument_key: string;
  readonly quantity: number;
  readonly product: 'I' | 'D';
  readonly transaction_type: 'BUY' | 'SELL';
  readonly price?: number;
}

const ok = s.successEnvelope;
const LTP_MAX_KEYS = 500;
const GREEK_MAX_KEYS = 50;

export class UpstoxRest {
  readonly http: UpstoxHttp;
  constructor(http: UpstoxHttp) {
    this.http = http;
  }

  async exchangeToken(p: { code: string; clientId: string; clientSecret: string; redirectUri: string }): Promise<z.infer<typeof s.tokenResponse>> {
    return this.http.call({
      method: 'POST', path: '/v2/login/authorization/token', cls: 'auth', schema: s.tokenResponse,
      form: { code: p.code, client_id: p.clientId, client_secret: p.clientSecret, redirect_uri: p.redirectUri, grant_type: 'authorization_code' },
    });
  }

  async profile(): Promise<s.Profile> {
    return (await this.http.call({ method: 'GET', path: '/v2/user/profile', cls: 'read', schema: ok(s.profile) })).data;
  }

  async fundsV2(segment?: 'SEC' | 'COM'): Promise<z.infer<typeof s.fundsV2>> {
    return (await this.http.call({ method: 'GET', path: '/v2/user/get-funds-and-margin', cls: 'read', query: { segment }, schema: ok(s.fundsV2) })).data;
  }

  async fundsV3(): Promise<z.infer<typeof s.fundsV3>> {
    return (await this.http.call({ method: 'GET', path: '/v3/user/get-funds-and-margin', cls: 'read', apiVersion: '3.0', schema: ok(s.fundsV3) })).data;
  }

  /** The broker's kill switch, every segment. No Api-Version header (the SDK sends none). */
  async killSwitch(): Promise<s.KillSwitchRow[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/user/kill-switch', cls: 'read', apiVersion: 'none', schema: ok(z.array(s.killSwitchRow)) })).data;
  }

  /** `DISABLE` a segment = engage its kill switch; `ENABLE` = release. Atomic across the lines. Not an order write
   *  (no static IP rule), but it changes what the account may do, so it is never retried. */
  async updateKillSwitch(lines: readonly { segment: string; action: 'ENABLE' | 'DISABLE' }[]): Promise<s.KillSwitchRow[]> {
    return (await this.http.call({ method: 'POST', path: '/v2/user/kill-switch', cls: 'write', apiVersion: 'none', json: lines, schema: ok(z.array(s.killSwitchRow)) })).data;
  }

  /** Registered static IPs (user level). */
  async userIps(): Promise<s.UserIps> {
    return (await this.http.call({ method: 'GET', path: '/v2/user/ip', cls: 'read', apiVersion: 'none', schema: ok(s.userIps) })).data;
  }

  async positions(): Promise<s.UpstoxPosition[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/portfolio/short-term-positions', cls: 'read', schema: ok(z.array(s.position)) })).data;
  }

  async placeV3(body: PlaceBody): Promise<string[]> {
    return (await this.http.call({ method: 'POST', path: '/v3/order/place', cls: 'order', json: body, schema: ok(s.placeV3) })).data.order_ids;
  }

  async placeMulti(lines: readonly MultiLine[]): Promise<z.infer<typeof s.multiPlace>> {
    return this.http.call({ method: 'POST', path: '/v2/order/multi/place', cls: 'order', json: lines, schema: s.multiPlace, batchErrors: true });
  }

  async modifyV3(body: ModifyBody): Promise<string> {
    return (await this.http.call({ method: 'PUT', path: '/v3/order/modify', cls: 'order', json: body, schema: ok(s.orderIdData) })).data.order_id;
  }

  async cancelV3(orderId: string): Promise<string> {
    return (await this.http.call({ method: 'DELETE', path: '/v3/order/cancel', cls: 'order', query: { order_id: orderId }, schema: ok(s.orderIdData) })).data.order_id;
  }

  async cancelAll(filter: { segment?: string; tag?: string } = {}): Promise<z.infer<typeof s.batchOrderIds>> {
    return this.http.call({ method: 'DELETE', path: '/v2/order/multi/cancel', cls: 'order', query: filter, schema: s.batchOrderIds, batchErrors: true });
  }

  async exitAll(filter: { segment?: string; tag?: string } = {}): Promise<z.infer<typeof s.batchOrderIds>> {
    return this.http.call({ method: 'POST', path: '/v2/order/positions/exit', cls: 'order', query: filter, schema: s.batchOrderIds, batchErrors: true });
  }

  async orderBook(): Promise<s.UpstoxOrder[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/order/retrieve-all', cls: 'read', schema: ok(z.array(s.order)) })).data;
  }

  async orderDetails(orderId: string): Promise<s.UpstoxOrder> {
    return (await this.http.call({ method: 'GET', path: '/v2/order/details', cls: 'read', query: { order_id: orderId }, schema: ok(s.order) })).data;
  }

  async orderHistory(q: { orderId?: string; tag?: string }): Promise<s.UpstoxOrder[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/order/history', cls: 'read', query: { order_id: q.orderId, tag: q.tag }, schema: ok(z.array(s.order)) })).data;
  }

  async tradesForDay(): Promise<s.UpstoxTrade[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/order/trades/get-trades-for-day', cls: 'read', schema: ok(z.array(s.trade)) })).data;
  }

  async orderTrades(orderId: string): Promise<s.UpstoxTrade[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/order/trades', cls: 'read', query: { order_id: orderId }, schema: ok(z.array(s.trade)) })).data;
  }

  async margin(instruments: readonly MarginInstrument[]): Promise<z.infer<typeof s.margin>> {
    if (instruments.length === 0 || instruments.length > 20) throw new BrokerError('VALIDATION', `margin: expected 1-20 instruments, was ${instruments.length}`);
    return (await this.http.call({ method: 'POST', path: '/v2/charges/margin', cls: 'read', json: { instruments }, schema: ok(s.margin) })).data;
  }

  async optionChain(underlyingKey: string, expiry: string): Promise<s.ChainRow[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/option/chain', cls: 'read', query: { instrument_key: underlyingKey, expiry_date: expiry }, schema: ok(z.array(s.chainRow)) })).data;
  }

  async optionContracts(underlyingKey: string, expiry?: string): Promise<s.Contract[]> {
    return (await this.http.call({ method: 'GET', path: '/v2/option/contract', cls: 'read', query: { instrument_key: underlyingKey, expiry_date: expiry }, schema: ok(z.array(s.contract)) })).data;
  }

  /**
   * Day candles of one instrument for IST dates `from`..`to` (YYYY-MM-DD, inclusive): [timestamp, open, high, low,
   * close, …] rows, newest first. A day whose session has not been closed out yet has no row.
   */
  async dayCandles(instrumentKey: string, from: string, to: string): Promise<z.infer<typeof s.candles>['candles']> {
    const path = `/v3/historical-candle/${encodeURIComponent(instrumentKey)}/days/1/${to}/${from}`;
    return (await this.http.call({ method: 'GET', path, cls: 'public', schema: ok(s.candles) })).data.candles;
  }

  /** LTP keyed by instrument key (Upstox keys its map by SEGMENT:SYMBOL; we re-key by instrument_token). */
  async ltp(keys: readonly string[]): Promise<Map<string, z.infer<typeof s.ltpEntry>>> {
    return this.#quoteMap('/v3/market-quote/ltp', keys, LTP_MAX_KEYS, s.ltpEntry);
  }

  async quotes(keys: readonly string[]): Promise<Map<string, z.infer<typeof s.quoteEntry>>> {
    return this.#quoteMap('/v2/market-quote/quotes', keys, LTP_MAX_KEYS, s.quoteEntry);
  }

  async optionGreeks(keys: readonly string[]): Promise<Map<string, z.infer<typeof s.greekEntry>>> {
    return this.#quoteMap('/v3/market-quote/option-greek', keys, GREEK_MAX_KEYS, s.greekEntry);
  }

  async #quoteMap<T extends z.ZodObject>(path: string, keys: readonly string[], max: number, entry: T): Promise<Map<string, z.output<T>>> {
    const out = new Map<string, z.output<T>>();
    for (let i = 0; i < keys.length; i += max) {
      const chunk = keys.slice(i, i + max);
      const body = await this.http.call({ method: 'GET', path, cls: 'read', query: { instrument_key: chunk.join(',') }, schema: ok(z.record(z.string(), entry)) });
      for (const value of Object.values(body.data) as Array<z.output<T> & { instrument_token: string }>) out.set(value.instrument_token, value);
    }
    return out;
  }

  /** The daily instruments master for one exchange (gz JSON array). */
  async instrumentsMaster(exchange: 'NSE' | 'BSE' | 'MCX' | 'complete' = 'NSE'): Promise<s.MasterRow[]> {
    return this.http.call({ method: 'GET', path: `/market-quote/instruments/exchange/${exchange}.json.gz`, cls: 'read', host: 'assets', raw: 'gzip-json', schema: z.array(s.masterRow) });
  }

  /** The master with what its host says about the file: `Last-Modified` (ms) and `ETag`, when sent. */
  async instrumentsMasterFile(exchange: 'NSE' | 'BSE' | 'MCX' | 'complete' = 'NSE'): Promise<{ rows: s.MasterRow[]; lastModified?: number; etag?: string }> {
    let headers: Headers | undefined;
    const rows = await this.http.call({
      method: 'GET', path: `/market-quote/instruments/exchange/${exchange}.json.gz`, cls: 'read', host: 'assets', raw: 'gzip-json',
      schema: z.array(s.masterRow), onHeaders: (h) => { headers = h; },
    });
    const lm = Date.parse(headers?.get('last-modified') ?? '');
    const etag = headers?.get('etag') ?? undefined;
    return { rows, ...(Number.isFinite(lm) ? { lastModified: lm } : {}), ...(etag !== undefined && etag !== '' ? { etag } : {}) };
  }

  /** Single-use WebSocket URL for market feed V3. */
  async feedAuthorize(): Promise<string> {
    return (await this.http.call({ method: 'GET', path: '/v3/feed/market-data-feed/authorize', cls: 'read', schema: ok(s.feedAuthorize) })).data.authorized_redirect_uri;
  }

  /** Single-use WebSocket URL for the portfolio stream. */
  async portfolioAuthorize(updateTypes: readonly string[] = ['order']): Promise<string> {
    return (await this.http.call({ method: 'GET', path: '/v2/feed/portfolio-stream-feed/authorize', cls: 'read', query: { update_types: updateTypes.join(',') }, schema: ok(s.feedAuthorize) })).data.authorized_redirect_uri;
  }
}
