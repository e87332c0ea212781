/**
 * @module Building a SimMarket that resumes from a checkpoint when one fits, else from the timeline's start.
 *
 * The feed checkpoints its market into the journal (its actor snapshot) every CHECKPOINT_EVERY_MS of market time; a
 * restarted feed or paper exchange — in the same process or after a kill -9 — resumes from the latest one and steps
 * only the little that is left, instead of every step since the start (~1 s of CPU per simulated hour: at SIM_SPEED
 * 600 a restart a few hours in no longer fitted the start timeout). A checkpoint is an optimisation, never a source
 * of truth: one that does not fit (another seed, start or settings, damaged, ahead of the clock) is refused with the
 * reason and the market is built from the start — slower, the same prices.
 */
import { SimMarket, type SimMarketOptions } from './market.ts';

/** Market time between two checkpoints: at most this much is stepped again after a restart (~0.2 s of CPU). */
export const CHECKPOINT_EVERY_MS = 10 * 60_000;

/** The journal stream whose snapshot holds the market checkpoint (the feed writes it, the paper exchange reads it). */
export const CHECKPOINT_ACTOR = 'feed';

export interface BuiltSimMarket {
  readonly market: SimMarket;
  /** Market time of the checkpoint resumed from; null when built from the start. */
  readonly resumedAt: number | null;
  /** Why a checkpoint offered was not used; null when none was offered or it was used. */
  readonly refused: string | null;
}

/** A market at (at most) `nowMs`: from `resumeFrom` when it fits, else from `startMs`. Not yet advanced to `nowMs`. */
export function buildSimMarket(opts: Omit<SimMarketOptions, 'from'> & { readonly resumeFrom?: unknown; readonly nowMs: number }): BuiltSimMarket {
  const { resumeFrom, nowMs, ...base } = opts;
  let refused: string | null = null;
  if (resumeFrom !== undefined && resumeFrom !== null) {
    try {
      const market = new SimMarket({ ...base, from: resumeFrom as NonNullable<SimMarketOptions['from']> });
      if (market.now <= nowMs) return { market, resumedAt: market.now, refused: null };
      refused = `the checkpoint is at ${new Date(market.now).toISOString()}, ahead of the clock (${new Date(nowMs).toISOString()})`;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      refused = err.message;
    }
  }
  return { market: new SimMarket(base), resumedAt: null, refused };
}
