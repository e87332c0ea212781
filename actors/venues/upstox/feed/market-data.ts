/**
 * @module UpstoxMarketData: market feed V3 behind the MarketDataSource interface. Keeps the wanted subscription set
 * and replays it after every reconnect (a new connection starts empty); expiry rolls are just subscribe/unsubscribe
 * diffs from the feed actor. market_info frames become `{kind:'market'}` statuses.
 *
 * An unusable token (refused, expired, absent) never makes the source fail: `instruments()` answers with the
 * indices and the last contracts it knew, and the source reports `disconnected` with reason `TOKEN_EXPIRED …` until
 * a hot swap (`tokens.set`) makes the socket re-authorize — whose `connected` makes the feed refresh instruments.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { VolguardError } from '../../../../runtime/errors.ts';
import type { FeedNeed, InstrumentInfo, MarketDataSource, SourceStatus, SubscriptionCaps, Tick } from '../../market-data.ts';
import { BrokerError } from '../../broker.ts';
import type { UpstoxRest } from '../rest/client.ts';
import type { Contract } from '../rest/schemas.ts';
import type { TokenStore } from '../token/store.ts';
import { ResilientSocket } from '../ws/session.ts';
import { decodeFeedResponse, FeedType } from './proto.ts';
import type { Underlying } from '../../../domain/underlying.ts';

export type FeedMode = 'ltpc' | 'full' | 'option_greeks';

/** Market feed V3 caps per connection (reference §5, Dec 2026): keys per mode alone, and when modes are combined. */
export const MODE_CAPS = {
  alone: { ltpc: 5000, option_greeks: 3000, full: 2000 },
  combined: { ltpc: 2000, option_greeks: 2000, full: 1500 },
} as const satisfies Record<'alone' | 'combined', Record<FeedMode, number>>;

/** @deprecated the single-mode caps; use MODE_CAPS. */
export const SUBSCRIPTION_CAPS: Readonly<Record<FeedMode, number>> = MODE_CAPS.alone;

/** The mode each need is subscribed in, given UPSTOX_FEED_MODE (the mode for option quotes). */
export function modeFor(need: FeedNeed, optionMode: FeedMode): FeedMode {
  if (need === 'ltp') return 'ltpc';
  if (need === 'depth') return 'full';
  return optionMode;
}

/** A description of the first Upstox cap a subscription set (key → mode) breaks, or undefined. */
export function modeCapBreach(modes: Iterable<FeedMode>): string | undefined {
  const counts: Record<FeedMode, number> = { ltpc: 0, option_greeks: 0, full: 0 };
  for (const m of modes) counts[m]++;
  const used = (Object.keys(counts) as FeedMode[]).filter((m) => counts[m] > 0);
  const caps = used.length > 1 ? MODE_CAPS.combined : MODE_CAPS.alone;
  for (const m of used) if (counts[m] > caps[m]) return `expected at most ${caps[m]} keys in ${m} mode${used.length > 1 ? ` combined with ${used.filter((x) => x !== m).join(', ')}` : ''}, was ${counts[m]}`;
  return undefined;
}
/** Keys per `sub` request; keeps each request frame small. */
const SUB_CHUNK = 500;

export const UNDERLYING_KEYS = { NIFTY: 'NSE_INDEX|Nifty 50', BANKNIFTY: 'NSE_INDEX|Nifty Bank', INDIAVIX: 'NSE_INDEX|India VIX' } as const;

export interface UpstoxMarketDataOptions {
  readonly mode?: FeedMode;
  readonly log?: Logger | undefined;
  readonly pingIntervalMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

export class UpstoxMarketData implements MarketDataSource {
  readonly name = 'upstox';
  readonly #rest: UpstoxRest;
  readonly #tokens: TokenStore;
  readonly #mode: FeedMode;
  readonly #log: Logger | undefined;
  /** Wanted subscriptions: key → mode (replayed on every reconnect). */
  readonly #keys = new Map<string, FeedMode>();
  readonly #tickListeners = new Set<(ticks: readonly Tick[]) => void>();
  readonly #statusListeners = new Set<(s: SourceStatus) => void>();
  readonly #session: ResilientSocket;
  #offToken: (() => void) | undefined;
  #badFrames = 0;
  /** Option contracts from the last successful instruments() (served while the token is unusable). */
  #contracts: readonly InstrumentInfo[] = [];

  constructor(rest: UpstoxRest, tokens: TokenStore, opts: UpstoxMarketDataOptions = {}) {
    this.#rest = rest;
    this.#tokens = tokens;
    this.#mode = opts.mode ?? 'option_greeks';
    this.#log = opts.log;
    this.#session = new ResilientSocket({
      name: 'market-feed-v3',
      authorize: () => this.#rest.feedAuthorize(),
      token: () => this.#tokens.current(),
      onOpen: () => this.#replay(),
      onMessage: (data, isBinary) => this.#onFrame(data, isBinary),
      onStatus: (s) => this.#emitStatus(s.kind === 'disconnected' && this.#tokenUnusable() ? { ...s, reason: `TOKEN_EXPIRED: ${s.reason}` } : s),
      ...(opts.pingIntervalMs !== undefined ? { pingIntervalMs: opts.pingIntervalMs } : {}),
      ...(opts.backoffInitialMs !== undefined ? { backoffInitialMs: opts.backoffInitialMs } : {}),
      ...(opts.backoffMaxMs !== undefined ? { backoffMaxMs: opts.backoffMaxMs } : {}),
      log: opts.log,
    });
  }

  get badFrames(): number {
    return this.#badFrames;
  }
  get subscribed(): ReadonlyMap<string, FeedMode> {
    return this.#keys;
  }

  /** The caps in the feed's terms (FeedNeed), as this source maps needs to modes. */
  get caps(): SubscriptionCaps {
    const as = (t: Readonly<Record<FeedMode, number>>) => ({ ltp: t.ltpc, quote: t[this.#mode], depth: t.full });
    return { alone: as(MODE_CAPS.alone), combined: as(MODE_CAPS.combined) };
  }

  async instruments(): Promise<readonly InstrumentInfo[]> {
    const out: InstrumentInfo[] = [
      { instrumentKey: UNDERLYING_KEYS.NIFTY, underlying: 'NIFTY', kind: 'INDEX', tickSize: 0.05, tradingSymbol: 'Nifty 50' },
      { instrumentKey: UNDERLYING_KEYS.BANKNIFTY, underlying: 'BANKNIFTY', kind: 'INDEX', tickSize: 0.05, tradingSymbol: 'Nifty Bank' },
      { instrumentKey: UNDERLYING_KEYS.INDIAVIX, underlying: 'INDIAVIX', kind: 'INDEX', tickSize: 0.0025, tradingSymbol: 'India VIX' },
    ];
    const contracts: InstrumentInfo[] = [];
    try {
      for (const underlying of ['NIFTY', 'BANKNIFTY'] as const) {
        for (const c of await this.#rest.optionContracts(UNDERLYING_KEYS[underlying])) contracts.push(contractInfo(underlying, c));
      }
    } catch (err) {
      if (!(err instanceof BrokerError && err.kind === 'AUTH')) throw err;
      // The message is already scrubbed of the token (rest/http.ts).
      const reason = `TOKEN_EXPIRED: option contracts unavailable until a new token is installed (${err.message})`;
      this.#log?.warn({ contractsKept: this.#contracts.length }, 'upstox feed: token unusable; serving indices and the last known contracts');
      this.#emitStatus({ kind: 'disconnected', reason });
      return [...out, ...this.#contracts];
    }
    this.#contracts = contracts;
    return [...out, ...contracts];
  }

  #tokenUnusable(): boolean {
    const s = this.#tokens.state;
    return s === 'expired' || s === 'absent';
  }

  /** Checked against Upstox's caps before anything is sent: a request beyond them changes nothing and throws. */
  async subscribe(keys: readonly string[], need: FeedNeed = 'quote'): Promise<void> {
    const mode = modeFor(need, this.#mode);
    const changed = keys.filter((k) => this.#keys.get(k) !== mode);
    if (changed.length === 0) return;
    const next = new Map(this.#keys);
    for (const k of changed) next.set(k, mode);
    const breach = modeCapBreach(next.values());
    if (breach !== undefined) throw new VolguardError('UPSTOX_SUBSCRIPTION_CAP', `market feed: ${breach}`);
    for (const k of changed) this.#keys.set(k, mode);
    this.#sendSub(changed, mode);
  }

  async unsubscribe(keys: readonly string[]): Promise<void> {
    const gone = keys.filter((k) => this.#keys.delete(k));
    for (let i = 0; i < gone.length; i += SUB_CHUNK) this.#send({ method: 'unsub', data: { instrumentKeys: gone.slice(i, i + SUB_CHUNK) } });
  }

  onTicks(listener: (ticks: readonly Tick[]) => void): () => void {
    this.#tickListeners.add(listener);
    return () => this.#tickListeners.delete(listener);
  }

  onStatus(listener: (status: SourceStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  async start(): Promise<void> {
    this.#offToken = this.#tokens.on((e) => {
      if (e.type === 'swapped') this.#session.reauthorize();
    });
    this.#session.start();
  }

  async stop(): Promise<void> {
    this.#offToken?.();
    await this.#session.stop();
  }

  /** A new connection starts empty: send the whole wanted set, one mode at a time. */
  #replay(): void {
    const byMode = new Map<FeedMode, string[]>();
    for (const [k, m] of this.#keys) {
      const list = byMode.get(m);
      if (list === undefined) byMode.set(m, [k]);
      else list.push(k);
    }
    for (const [m, keys] of byMode) this.#sendSub(keys, m);
  }

  #sendSub(keys: readonly string[], mode: FeedMode): void {
    for (let i = 0; i < keys.length; i += SUB_CHUNK) {
      this.#send({ method: 'sub', data: { mode, instrumentKeys: keys.slice(i, i + SUB_CHUNK) } });
    }
  }

  /** Requests are JSON, but Upstox only reads them from binary frames. Not open → replayed on the next connect. */
  #send(req: { method: 'sub' | 'unsub'; data: { mode?: FeedMode; instrumentKeys: readonly string[] } }): void {
    if (req.data.instrumentKeys.length === 0) return;
    this.#session.send(Buffer.from(JSON.stringify({ guid: randomUUID(), ...req })));
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      this.#badFrames++;
      this.#log?.warn({ frame: data.toString('utf8').slice(0, 200) }, 'market feed: expected a binary protobuf frame, was text');
      return;
    }
    let frame;
    try {
      frame = decodeFeedResponse(data);
    } catch (err) {
      this.#badFrames++;
      this.#log?.warn({ err: (err as Error).message, bytes: data.length }, 'market feed: undecodable frame dropped');
      return;
    }
    if (frame.segmentStatus !== undefined) {
      const fo = frame.segmentStatus['NSE_FO'];
      const open = fo !== undefined ? fo === 'NORMAL_OPEN' : Object.values(frame.segmentStatus).includes('NORMAL_OPEN');
      this.#emitStatus({ kind: 'market', open });
    }
    if (frame.type !== FeedType.market_info && frame.ticks.length > 0) {
      for (const l of this.#tickListeners) l(frame.ticks);
    }
  }

  #emitStatus(s: SourceStatus): void {
    for (const l of this.#statusListeners) l(s);
  }
}

/** Contract API tick_size is in paise (5 = ₹0.05); the master file's may already be rupees. */
export function normaliseTick(tick: number): number {
  return tick >= 1 ? tick / 100 : tick;
}

function contractInfo(underlying: Underlying, c: Contract): InstrumentInfo {
  return {
    instrumentKey: c.instrument_key, underlying, kind: c.instrument_type, expiry: c.expiry, strike: c.strike_price,
    lotSize: c.lot_size, freezeQty: c.freeze_quantity, tickSize: normaliseTick(c.tick_size), tradingSymbol: c.trading_symbol,
    ...(c.weekly !== undefined ? { weekly: c.weekly } : {}),
  };
}
