/**
 * @module The final settlement price of an index-option expiry on live (and on paper with the Upstox feed), from what
 * Upstox serves once the expiry day is closed out: the underlying index's day candle for the expiry date, its close.
 *
 * Why that field. NSE cash-settles index options at the final settlement price, which is the underlying index's
 * closing value on the expiry day: in NSE's F&O bhavcopy an expiring contract's `SttlmPric` equals `UndrlygPric` on
 * every strike (NIFTY, 13 Jan 2026: 25,732.30; /work/shared/data/nse-udiff/2026-01-13). The expired option's own
 * `close_price` / `last_price` in `GET /v2/portfolio/short-term-positions` is its last traded price, not its
 * settlement value — that day the 25,700 CE closed at 36.80 (last trade 32.20) while it settled at 32.30 — so a
 * position's row cannot give the price. The day candle (`GET /v3/historical-candle/{index}/days/1/{d}/{d}`, row
 * `[timestamp, open, high, low, close, …]`) is keyed by the date, so a restart days later reads the same figure, and
 * it has no row until the session is closed out: "no row" is "not known yet", never ₹0. On live the executor books the
 * settlement only once the broker has also booked it (the contract gone from, or flat in, the broker's positions); on
 * paper the paper exchange settles at the same figure. The candles need no token (`createSettlementReader`, index.ts).
 *
 * A known price never changes (cached for good); an unknown one is asked again at most every `retryMs` of wall time
 * (a request backoff: the runtime's clock), so a late publication costs one read a minute, not one a cycle.
 *
 * @example
 *   const prices = new SettlementPrices((key, d) => rest.dayCandles(key, d, d), Date.now);
 *   await prices.price('NIFTY', '2026-12-08'); // 25732.3, or undefined until published
 */
import { UNDERLYING_SPECS } from '../../domain/instruments.ts';
import type { Underlying } from '../../domain/underlying.ts';

/** A day candle as Upstox sends it: `[timestamp (ISO, +05:30), open, high, low, close, volume?, oi?]`. */
export type DayCandle = readonly [string, number, number, number, number, ...(number | null)[]];

export const SETTLEMENT_RETRY_MS = 60_000;

/** The close of the candle dated `date` (IST, YYYY-MM-DD), if there is one and it is a price. */
export function closeOn(candles: readonly DayCandle[], date: string): number | undefined {
  const row = candles.find((c) => c[0].slice(0, 10) === date);
  const close = row?.[4];
  return close !== undefined && Number.isFinite(close) && close > 0 ? close : undefined;
}

export class SettlementPrices {
  readonly #candles: (indexKey: string, date: string) => Promise<readonly DayCandle[]>;
  readonly #now: () => number;
  readonly #retryMs: number;
  readonly #known = new Map<string, number>();
  readonly #askedAt = new Map<string, number>();

  constructor(candles: (indexKey: string, date: string) => Promise<readonly DayCandle[]>, now: () => number, retryMs = SETTLEMENT_RETRY_MS) {
    this.#candles = candles;
    this.#now = now;
    this.#retryMs = retryMs;
  }

  /** The expiry's final settlement price once published; undefined before (or while backing off). A failed read throws. */
  async price(underlying: Underlying, expiry: string): Promise<number | undefined> {
    const id = `${underlying}|${expiry}`;
    const known = this.#known.get(id);
    if (known !== undefined) return known;
    const last = this.#askedAt.get(id);
    const now = this.#now();
    if (last !== undefined && now - last < this.#retryMs) return undefined;
    this.#askedAt.set(id, now);
    const close = closeOn(await this.#candles(UNDERLYING_SPECS[underlying].indexKey, expiry), expiry);
    if (close !== undefined) this.#known.set(id, close);
    return close;
  }
}
