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
import type { InstrumentInfo, MarketDataSource, SourceStatus, Tick } from '../../market-data.ts';
import { BrokerError } from '../../broker.ts';
import type { UpstoxRest } from '../rest/client.ts';
import type { Contract } from '../rest/schemas.ts';
import type { TokenStore } from '../token/store.ts';
import { ResilientSocket } from '../ws/session.ts';
import { decodeFeedResponse, FeedType } from './proto.ts';
import type { Underlying } from '../../../domain/underlying.ts';

export type FeedMode = 'ltpc' | 'full' | 'option_greeks';

/** Per-mode key caps when one mode is used for everything (reference §5). */
export const SUBSCRIPTION_CAPS: Readonly<Record<FeedMode, number>> = { ltpc: 5000, option_greeks: 3000, full: 2000 };
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
  readonly #keys = new Set<string>();
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
    this.#mode = opts.mode ?? 'full';
    this.#log = opts.log;
    this.#session = new ResilientSocket({
      name: 'market-feed-v3',
      authorize: () => this.#rest.feedAuthorize(),
      token: () => this.#tokens.current(),
      onOpen: () => this.#sendSub([...this.#keys]),
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
  get subscribed(): ReadonlySet<string> {
    return this.#keys;
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

  async subscribe(keys: readonly string[]): Promise<void> {
    const fresh = keys.filter((k) => !this.#keys.has(k));
    const cap = SUBSCRIPTION_CAPS[this.#mode];
    if (this.#keys.size + fresh.length > cap) {
      throw new VolguardError('UPSTOX_SUBSCRIPTION_CAP', `expected at most ${cap} keys in ${this.#mode} mode, was ${this.#keys.size + fresh.length}`);
    }
    for (const k of fresh) this.#keys.add(k);
    this.#sendSub(fresh);
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

  #sendSub(keys: readonly string[]): void {
    for (let i = 0; i < keys.length; i += SUB_CHUNK) {
      this.#send({ method: 'sub', data: { mode: this.#mode, instrumentKeys: keys.slice(i, i + SUB_CHUNK) } });
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
  };
}
