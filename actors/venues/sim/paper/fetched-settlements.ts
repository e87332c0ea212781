/**
 * @module Final settlement prices the paper exchange has to ask for — paper trading on the Upstox feed, where the
 * price is the index's day-candle close read over the network (actors/venues/upstox/settlement.ts) — made known to
 * both books from one ask. The executor's settlement port awaits `price`; the exchange's synchronous lookup
 * (`settlementValue`) answers from what is known and, on a miss after an expiry's close, starts the ask in the
 * background, so the exchange settles its positions at its next look even when the executor asks for nothing (it had
 * booked the expiry already, before a restart). A price once had is published into the SnapshotQuotes — the same
 * intrinsic-value lookup a replay's published prices go through — and never changes; an unknown one stays unknown
 * (positions wait, never ₹0) and is asked again at the source's own pace.
 *
 * @example
 *   const finals = new FetchedSettlements(snapshots, (u, e) => reader.price(u, e), clock.now, (err) => log.warn(err));
 *   new PaperBroker({ ..., settlement: finals.settlementValue });
 *   await finals.price('NIFTY', '2026-12-08'); // 26000, or undefined until published
 */
import { sessionCloseMs } from '../../../domain/calendar.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import type { SettlementLookup, SnapshotQuotes } from './quotes.ts';

/** An expiry's final settlement price from outside (undefined: not published yet); a failed ask rejects. */
export type SettlementSource = (underlying: Underlying, expiry: string) => Promise<number | undefined>;

type Market = Pick<SnapshotQuotes, 'settlementPrice' | 'settlementValue' | 'describe' | 'publishSettlement'>;

export class FetchedSettlements {
  readonly #market: Market;
  readonly #source: SettlementSource;
  /** The market clock: a price is never asked for before its expiry's close, and is published at this time. */
  readonly #now: () => number;
  readonly #onBackgroundError: (err: Error, underlying: Underlying, expiry: string) => void;
  /** One ask per expiry at a time: the exchange's look and the executor's share it. */
  readonly #asking = new Map<string, Promise<number | undefined>>();

  constructor(market: Market, source: SettlementSource, now: () => number, onBackgroundError: (err: Error, underlying: Underlying, expiry: string) => void) {
    this.#market = market;
    this.#source = source;
    this.#now = now;
    this.#onBackgroundError = onBackgroundError;
  }

  /** The expiry's final settlement price once published (undefined before its close, or while unknown). A failed ask throws. */
  async price(underlying: Underlying, expiry: string): Promise<number | undefined> {
    const now = this.#now();
    const known = this.#market.settlementPrice(underlying, expiry, now);
    if (known !== undefined || now < sessionCloseMs(expiry)) return known;
    return this.#ask(underlying, expiry);
  }

  /** What one unit of an option settles for, once its price is known; a miss past the close asks in the background. */
  readonly settlementValue: SettlementLookup = (key, nowMs) => {
    const value = this.#market.settlementValue(key, nowMs);
    if (value !== undefined) return value;
    const d = this.#market.describe(key);
    if (d !== undefined && nowMs >= sessionCloseMs(d.expiry)) {
      this.#ask(d.underlying, d.expiry).catch((err: unknown) => this.#onBackgroundError(err as Error, d.underlying, d.expiry));
    }
    return undefined;
  };

  #ask(underlying: Underlying, expiry: string): Promise<number | undefined> {
    const id = `${underlying}|${expiry}`;
    const inFlight = this.#asking.get(id);
    if (inFlight !== undefined) return inFlight;
    const asked = (async () => {
      try {
        const price = await this.#source(underlying, expiry);
        // The exchange's own figure (NSE settles at the index close), known from now on.
        if (price !== undefined) this.#market.publishSettlement({ underlying, expiry, price, ts: this.#now(), source: 'exchange' });
        return price;
      } finally {
        this.#asking.delete(id);
      }
    })();
    this.#asking.set(id, asked);
    return asked;
  }
}
