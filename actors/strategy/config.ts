/**
 * @module Environment variables owned by the strategy actor (merged into the one boot-time schema in runtime/main/config.ts).
 *
 * Every parameter has a default that lets `PHASE=FULL_AUTO` on the simulated market open and close structures within
 * a simulated day (the intraday bucket enters after 09:45 IST and is flat by 15:10 IST). Fractions are decimals
 * (0.16 = 16 delta, 0.5 = 50 %), times are IST `HH:MM`. Cross-variable rules (bucket shares summing to ≤ 1, window
 * start before end) are checked in params.ts, where the typed parameters are built.
 */
import { z } from 'zod';
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envBool, envEnum, envNumber, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';
import type { Underlying } from '../domain/underlying.ts';

/** `HH:MM` (24 h, IST) → minutes after midnight. */
export function envClock() {
  return z.string().trim().transform((raw, ctx) => {
    const m = /^(\d{1,2}):(\d{2})$/.exec(raw);
    const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
      ctx.addIssue({ code: 'custom', message: `expected an IST time HH:MM, was ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return minutes;
  });
}

/** A comma-separated subset of the underlyings, e.g. `NIFTY,BANKNIFTY`. */
export function envUnderlyings() {
  return z.string().trim().transform((raw, ctx) => {
    const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const bad = items.filter((s) => s !== 'NIFTY' && s !== 'BANKNIFTY');
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected a comma list of NIFTY|BANKNIFTY, was ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return [...new Set(items)] as Underlying[];
  });
}

/** Minutes after midnight of a literal `HH:MM` (zod 4 defaults are output values, not parsed input). */
export function hhmm(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const kind = () => envEnum(['iron_condor', 'strangle', 'off']);
const fraction = () => envNumber({ min: 0, max: 1 });

export const strategyEnv = {
  // Strike selection (Black-76 delta on the calibrated surface).
  STRATEGY_SHORT_DELTA: envNumber({ min: 0.01, max: 0.5 }).default(0.16),
  /** Short-strike delta for the strangle-with-wings structure (closer to the money than the condor's). */
  STRATEGY_STRANGLE_SHORT_DELTA: envNumber({ min: 0.01, max: 0.5 }).default(0.25),
  STRATEGY_WING_MODE: envEnum(['delta', 'width']).default('delta'),
  STRATEGY_WING_DELTA: envNumber({ min: 0.005, max: 0.45 }).default(0.05),
  /** Wing distance from the short strike as a fraction of the forward (width mode), e.g. 0.01 ≈ 240 NIFTY points. */
  STRATEGY_WING_WIDTH_PCT: envNumber({ min: 0.001, max: 0.2 }).default(0.01),

  // Exits and adjustments.
  STRATEGY_PROFIT_TARGET_PCT: envNumber({ min: 0.05, max: 1 }).default(0.5),
  /** Stop when the mark-to-market loss reaches this multiple of the entry credit. */
  STRATEGY_STOP_LOSS_MULT: envNumber({ min: 0.1, max: 20 }).default(2),
  STRATEGY_WEEKLY_EXIT_MINUTES_BEFORE_EXPIRY: envNumber({ min: 0, max: 10_080 }).default(60),
  STRATEGY_MONTHLY_EXIT_MINUTES_BEFORE_EXPIRY: envNumber({ min: 0, max: 43_200 }).default(1440),
  /** Intraday structures are closed from this IST time on. */
  STRATEGY_INTRADAY_EXIT_TIME: envClock().default(hhmm('15:10')),
  /** A short leg at or beyond this |delta| makes its side "tested". */
  STRATEGY_TESTED_DELTA: envNumber({ min: 0.05, max: 0.9 }).default(0.35),
  STRATEGY_ROLL_ENABLED: envBool().default(true),

  // Entry filters.
  STRATEGY_ENTRY_START: envClock().default(hhmm('09:30')),
  STRATEGY_ENTRY_END: envClock().default(hhmm('14:30')),
  STRATEGY_INTRADAY_ENTRY_START: envClock().default(hhmm('09:45')),
  STRATEGY_INTRADAY_ENTRY_END: envClock().default(hhmm('13:30')),
  /** No new entries in an expiry on its own expiry day from this IST time. */
  STRATEGY_EXPIRY_DAY_CUTOFF: envClock().default(hhmm('11:00')),
  STRATEGY_MIN_QUALITY: fraction().default(0.8),
  /** Enter only when ATM implied vol ≥ this × realised vol. */
  STRATEGY_MIN_IV_RV_RATIO: envNumber({ min: 0, max: 10 }).default(1),
  STRATEGY_RV_MIN_SAMPLES: envNumber({ int: true, min: 2, max: 100_000 }).default(20),
  /** Shortest return RV uses, seconds of market time: shorter returns measure quote noise (20 × 60 s = 20 minutes
   *  of history before the first entry of a run). */
  STRATEGY_RV_SAMPLE_S: envNumber({ min: 0, max: 3_600 }).default(60),
  STRATEGY_RV_MAX_SAMPLES: envNumber({ int: true, min: 10, max: 1_000_000 }).default(2000),
  STRATEGY_ALLOW_FALLBACK_SURFACE: envBool().default(true),
  /**
   * Where entry legs are limit-priced between the mid (0) and the touch (1; wings bought at the ask, shorts sold at the
   * bid), up to 2 (a further half-spread beyond the touch, for a market that moves before the order lands). A multi-leg
   * entry resting at mid leaves a half-built structure the saga has to unwind when the shorts do not fill; the touch
   * is what the strategy's max loss already assumes (credit at the touch).
   */
  STRATEGY_ENTRY_CROSS: envNumber({ min: 0, max: 2 }).default(1),
  /** Credit (at mids) must be at least this fraction of the wider wing's width. */
  STRATEGY_MIN_CREDIT_TO_WIDTH: fraction().default(0.1),
  STRATEGY_MAX_OPEN_PER_BUCKET: envNumber({ int: true, min: 0, max: 100 }).default(1),
  /** A proposal for the same structure or entry slot is not repeated within this many seconds. */
  STRATEGY_REPROPOSE_COOLDOWN_S: envNumber({ min: 0, max: 86_400 }).default(120),
  STRATEGY_WEEKLY_MIN_DAYS_TO_EXPIRY: envNumber({ min: 0, max: 60 }).default(0),
  STRATEGY_MONTHLY_MIN_DAYS_TO_EXPIRY: envNumber({ min: 0, max: 90 }).default(7),

  // Buckets: structure kind, underlyings, capital share and risk per structure.
  STRATEGY_WEEKLY_KIND: kind().default('iron_condor'),
  STRATEGY_MONTHLY_KIND: kind().default('iron_condor'),
  STRATEGY_INTRADAY_KIND: kind().default('strangle'),
  STRATEGY_WEEKLY_UNDERLYINGS: envUnderlyings().default(['NIFTY']),
  STRATEGY_MONTHLY_UNDERLYINGS: envUnderlyings().default(['NIFTY', 'BANKNIFTY']),
  STRATEGY_INTRADAY_UNDERLYINGS: envUnderlyings().default(['NIFTY']),
  STRATEGY_BUCKET_WEEKLY_PCT: fraction().default(0.4),
  STRATEGY_BUCKET_MONTHLY_PCT: fraction().default(0.4),
  STRATEGY_BUCKET_INTRADAY_PCT: fraction().default(0.2),
  /**
   * Max loss of one structure as a fraction of its bucket's capital. 0.2 lets each default bucket hold one lot of
   * its structure: with the risk actor's buckets (RISK_BUCKET_* 0.5/0.3/0.2 of ₹10 lakh) the monthly bucket allows
   * ₹60,000 a trade against ₹42–52k for a 1-lot BANKNIFTY monthly condor (16 Δ / 5 Δ), the intraday bucket ₹40,000
   * against ₹22–33k for its strangle with wings. (At 0.1 neither could ever trade.)
   */
  STRATEGY_MAX_RISK_PER_TRADE_PCT: fraction().default(0.2),
  /** Max loss of all a bucket's open structures as a fraction of its capital. */
  STRATEGY_MAX_RISK_PER_BUCKET_PCT: fraction().default(0.25),
  STRATEGY_MAX_LOTS: envNumber({ int: true, min: 1, max: 10_000 }).default(10),

  // Re-entry rules and the event calendar.
  /** After a structure of a bucket and underlying closes, no new entry there for this many seconds of market time. */
  STRATEGY_REENTRY_COOLDOWN_S: envNumber({ min: 0, max: 86_400 }).default(1800),
  /** At most this many entries per bucket per IST day (structures opened, failed entries not counted; 0 = none). */
  STRATEGY_MAX_ENTRIES_PER_DAY: envNumber({ int: true, min: 0, max: 100 }).default(2),
  /**
   * IST time on the trading day before a `close_before` event (event calendar, DATA_DIR/event-calendar.csv) from
   * which the exposed structures are closed and entries stop.
   */
  STRATEGY_EVENT_CLOSE_TIME: envClock().default(hhmm('15:00')),
} satisfies EnvShape;

/** Everything the strategy's spec reads: its own variables, BASE_CAPITAL, the market facts, and DATA_DIR (the operator's event calendar). */
export type StrategySection = EnvValues<typeof strategyEnv> & Pick<SystemValues, 'BASE_CAPITAL' | 'DATA_DIR' | (typeof MARKET_KEYS)[number]>;

/** Cuts the strategy's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function strategySection(cfg: StrategySection): StrategySection {
  return pickSection(cfg, [...keysOf(strategyEnv), 'BASE_CAPITAL', 'DATA_DIR', ...MARKET_KEYS]);
}
