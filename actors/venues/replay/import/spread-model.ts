/**
 * @module The spread model: a bid and an ask derived from a close when the data has no quotes (end-of-day bhavcopy,
 * candles). Pure. Every quote it makes is flagged `derived` in the recording (Tick.derived), so a report can say which
 * fills priced off it.
 *
 * The quote is centred on the reference price (the mid is the close, exactly: put-call parity and implied vols then
 * read the exchange's own prices) and is k ticks wide on each side:
 *
 *   half-spread = max(minHalfTicks · tick, mid · h(volume) · m(moneyness) · e(days to expiry))
 *   k = ceil(half-spread / tick);  bid = mid − k·tick (no bid when below one tick);  ask = mid + k·tick
 *
 * - h(volume): the relative half-spread by liquidity, from the contracts traded scaled to a whole session
 *   (volume × 375 / frame minutes, so a one-minute candle and a day's bhavcopy use one table). Busier contracts are
 *   tighter. A contract that did not trade is quoted off the exchange's settlement (theoretical) price at the widest
 *   bucket.
 * - m(z) = 1 + moneynessSlope · min(|z|, 10), z = ln(K/S) / (referenceVol · √t): wings are quoted wider.
 * - e(days): ×expiryDayFactor on the last trading day (gamma risk), ×farExpiryFactor beyond farExpiryDays (thin
 *   books), 1 in between.
 *
 * The default numbers are assumptions, not a fit: we hold no NSE quote history to calibrate them against. They were
 * chosen so NIFTY's busiest strikes are quoted a few ticks wide and the quiet wings at several percent, the order of
 * what NSE screens show; every parameter is recorded in the recording's `meta.spreadModel`, and callers may pass their
 * own. A backtest priced on derived quotes is as good as this model; the report lists the fills that used it.
 */
import { TICK_SIZE, roundToTick } from '../../../domain/units.ts';

export interface SpreadModel {
  readonly tick: number;
  readonly minHalfTicks: number;
  /** [contracts per session at or above, relative half-spread], descending by volume; the last row covers 0. */
  readonly liquidity: readonly (readonly [number, number])[];
  readonly moneynessSlope: number;
  readonly referenceVol: number;
  readonly expiryDayFactor: number;
  readonly farExpiryDays: number;
  readonly farExpiryFactor: number;
  readonly sessionMinutes: number;
}

export const DEFAULT_SPREAD_MODEL: SpreadModel = {
  tick: TICK_SIZE,
  minHalfTicks: 1,
  liquidity: [
    [100_000, 0.0025],
    [10_000, 0.005],
    [1_000, 0.01],
    [100, 0.02],
    [1, 0.04],
    [0, 0.08],
  ],
  moneynessSlope: 0.1,
  referenceVol: 0.15,
  expiryDayFactor: 1.5,
  farExpiryDays: 45,
  farExpiryFactor: 1.5,
  sessionMinutes: 375,
};

export interface QuoteInput {
  /** Reference (mid) price, ₹, > 0. */
  readonly mid: number;
  /** Contracts traded in the frame. */
  readonly volume: number;
  /** Minutes the frame's volume covers. */
  readonly frameMinutes: number;
  readonly strike: number;
  readonly spot: number;
  /** Years to expiry (actors/domain/units.ts convention). */
  readonly t: number;
}

export interface DerivedQuote {
  /** NaN when the bid would be below one tick (no bid: the contract is offered only). */
  readonly bid: number;
  readonly ask: number;
}

const DAYS_PER_YEAR = 365;

/** The relative half-spread for a session-scaled volume. */
export function liquidityHalfSpread(model: SpreadModel, sessionVolume: number): number {
  for (const [atLeast, h] of model.liquidity) if (sessionVolume >= atLeast) return h;
  return model.liquidity.at(-1)![1];
}

export function deriveQuote(q: QuoteInput, model: SpreadModel = DEFAULT_SPREAD_MODEL): DerivedQuote {
  if (!(q.mid > 0) || !Number.isFinite(q.mid)) throw new RangeError(`expected a positive reference price, was ${q.mid}`);
  const sessionVolume = q.frameMinutes > 0 ? (q.volume * model.sessionMinutes) / q.frameMinutes : q.volume;
  const h = liquidityHalfSpread(model, sessionVolume);
  const t = Math.max(q.t, 1 / (DAYS_PER_YEAR * 1440));
  const z = q.spot > 0 && q.strike > 0 ? Math.log(q.strike / q.spot) / (model.referenceVol * Math.sqrt(t)) : 0;
  const m = 1 + model.moneynessSlope * Math.min(Math.abs(z), 10);
  const days = q.t * DAYS_PER_YEAR;
  const e = days < 1 ? model.expiryDayFactor : days > model.farExpiryDays ? model.farExpiryFactor : 1;
  const half = Math.max(model.minHalfTicks * model.tick, q.mid * h * m * e);
  // 1e-9: a half-spread of exactly k ticks must not round up to k + 1 through binary fractions.
  const k = Math.max(model.minHalfTicks, Math.ceil(half / model.tick - 1e-9));
  const bid = roundToTick(q.mid - k * model.tick, model.tick);
  const ask = roundToTick(q.mid + k * model.tick, model.tick);
  return { bid: bid >= model.tick - 1e-9 ? bid : Number.NaN, ask };
}
