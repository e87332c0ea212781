/**
 * @module Typed strategy parameters, built once from the parsed configuration (the env section in config.ts plus
 * BASE_CAPITAL). Checks the rules that span several variables; a violation is a ConfigError, like any bad variable.
 */
import { ConfigError, type ConfigIssue } from '../../runtime/errors.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { StrategySection } from './config.ts';
import type { VarianceWeights } from '../domain/variance-clock.ts';
import { marketSettingsFromEnv } from '../domain/market-settings.ts';
import type { ChargesSchedule } from '../domain/charges.ts';
import { shippedEventCalendar, type MarketEvent } from './events.ts';

export type BucketKind = 'iron_condor' | 'strangle';

export interface BucketParams {
  readonly bucket: Bucket;
  /** Null: the bucket is switched off. */
  readonly kind: BucketKind | null;
  readonly underlyings: readonly Underlying[];
  /** ₹ of BASE_CAPITAL allotted to this bucket. */
  readonly capital: number;
  /** IST minutes after midnight. */
  readonly entryStart: number;
  readonly entryEnd: number;
  /** Close when this few minutes remain to the expiry's session close (15:30 IST, 15:40 from 3 Aug 2026). */
  readonly exitMinutesBeforeExpiry: number;
  /** IST minute from which the bucket's structures are closed (intraday); null = none. */
  readonly exitAtMinute: number | null;
  readonly minDaysToExpiry: number;
  /** Which chains this bucket trades: any nearest expiry, or monthly contracts only. */
  readonly expiryKind: 'any' | 'monthly';
}

export interface StrategyParams {
  readonly shortDelta: number;
  readonly strangleShortDelta: number;
  readonly wingMode: 'delta' | 'width';
  readonly wingDelta: number;
  readonly wingWidthPct: number;
  /** The one configured rate (RISK_FREE_RATE) for Black-76 deltas. */
  readonly rate: number;
  readonly profitTargetPct: number;
  readonly stopLossMult: number;
  readonly testedDelta: number;
  readonly rollEnabled: boolean;
  readonly expiryDayCutoff: number;
  readonly minQuality: number;
  readonly minIvRvRatio: number;
  /** Realised vol on the variance clock (MARKET_VARIANCE_*), the implied vols' clock. */
  readonly rv: { readonly minSamples: number; readonly maxSamples: number; readonly minIntervalMs: number; readonly variance: VarianceWeights };
  readonly allowFallbackSurface: boolean;
  readonly minCreditToWidth: number;
  /** Entry limit price from mid (0) to the touch (1) and beyond (≤ 2), in half-spreads. */
  readonly entryCross: number;
  readonly maxOpenPerBucket: number;
  readonly cooldownMs: number;
  readonly maxRiskPerTradePct: number;
  readonly maxRiskPerBucketPct: number;
  readonly maxLots: number;
  /** BASE_CAPITAL, ₹. */
  readonly baseCapital: number;
  /** Market ms after a structure closes before its bucket and underlying may enter again. */
  readonly reentryCooldownMs: number;
  /** Entries per bucket per IST day. */
  readonly maxEntriesPerDay: number;
  /** IST minute on the eve of a close_before event from which exposed structures are closed. */
  readonly eventCloseMinute: number;
  /** The event calendar in force (the operator's file, else the shipped one; events.ts). */
  readonly events: readonly MarketEvent[];
  readonly buckets: readonly BucketParams[];
  /** The charges schedule the boot checked (DATA_DIR/charges.csv or the shipped one); absent: the shipped one. */
  readonly charges?: ChargesSchedule;
}

export function strategyParams(cfg: StrategySection, events: readonly MarketEvent[] = shippedEventCalendar()): StrategyParams {
  const issues: ConfigIssue[] = [];
  const share = cfg.STRATEGY_BUCKET_WEEKLY_PCT + cfg.STRATEGY_BUCKET_MONTHLY_PCT + cfg.STRATEGY_BUCKET_INTRADAY_PCT;
  if (share > 1 + 1e-9) {
    issues.push({ variable: 'STRATEGY_BUCKET_*_PCT', message: `expected bucket shares summing to ≤ 1, was ${share}` });
  }
  if (cfg.STRATEGY_ENTRY_START >= cfg.STRATEGY_ENTRY_END) {
    issues.push({ variable: 'STRATEGY_ENTRY_START', message: 'expected an entry window start before STRATEGY_ENTRY_END' });
  }
  if (cfg.STRATEGY_INTRADAY_ENTRY_START >= cfg.STRATEGY_INTRADAY_ENTRY_END) {
    issues.push({ variable: 'STRATEGY_INTRADAY_ENTRY_START', message: 'expected a start before STRATEGY_INTRADAY_ENTRY_END' });
  }
  if (cfg.STRATEGY_INTRADAY_ENTRY_END >= cfg.STRATEGY_INTRADAY_EXIT_TIME) {
    issues.push({ variable: 'STRATEGY_INTRADAY_ENTRY_END', message: 'expected intraday entries to end before STRATEGY_INTRADAY_EXIT_TIME' });
  }
  const minShort = Math.min(cfg.STRATEGY_SHORT_DELTA, cfg.STRATEGY_STRANGLE_SHORT_DELTA);
  if (cfg.STRATEGY_WING_MODE === 'delta' && cfg.STRATEGY_WING_DELTA >= minShort) {
    issues.push({ variable: 'STRATEGY_WING_DELTA', message: `expected a wing delta below the short delta ${minShort}, was ${cfg.STRATEGY_WING_DELTA}` });
  }
  if (cfg.STRATEGY_RV_MIN_SAMPLES > cfg.STRATEGY_RV_MAX_SAMPLES) {
    issues.push({ variable: 'STRATEGY_RV_MIN_SAMPLES', message: 'expected at most STRATEGY_RV_MAX_SAMPLES' });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const market = marketSettingsFromEnv(cfg);
  const kindOf = (k: 'iron_condor' | 'strangle' | 'off'): BucketKind | null => (k === 'off' ? null : k);
  const capital = cfg.BASE_CAPITAL;
  return {
    baseCapital: capital,
    shortDelta: cfg.STRATEGY_SHORT_DELTA,
    strangleShortDelta: cfg.STRATEGY_STRANGLE_SHORT_DELTA,
    wingMode: cfg.STRATEGY_WING_MODE,
    wingDelta: cfg.STRATEGY_WING_DELTA,
    wingWidthPct: cfg.STRATEGY_WING_WIDTH_PCT,
    rate: market.rate,
    profitTargetPct: cfg.STRATEGY_PROFIT_TARGET_PCT,
    stopLossMult: cfg.STRATEGY_STOP_LOSS_MULT,
    testedDelta: cfg.STRATEGY_TESTED_DELTA,
    rollEnabled: cfg.STRATEGY_ROLL_ENABLED,
    expiryDayCutoff: cfg.STRATEGY_EXPIRY_DAY_CUTOFF,
    minQuality: cfg.STRATEGY_MIN_QUALITY,
    minIvRvRatio: cfg.STRATEGY_MIN_IV_RV_RATIO,
    rv: {
      minSamples: cfg.STRATEGY_RV_MIN_SAMPLES,
      maxSamples: cfg.STRATEGY_RV_MAX_SAMPLES,
      minIntervalMs: cfg.STRATEGY_RV_SAMPLE_S * 1000,
      variance: market.variance,
    },
    allowFallbackSurface: cfg.STRATEGY_ALLOW_FALLBACK_SURFACE,
    minCreditToWidth: cfg.STRATEGY_MIN_CREDIT_TO_WIDTH,
    entryCross: cfg.STRATEGY_ENTRY_CROSS,
    maxOpenPerBucket: cfg.STRATEGY_MAX_OPEN_PER_BUCKET,
    cooldownMs: cfg.STRATEGY_REPROPOSE_COOLDOWN_S * 1000,
    maxRiskPerTradePct: cfg.STRATEGY_MAX_RISK_PER_TRADE_PCT,
    maxRiskPerBucketPct: cfg.STRATEGY_MAX_RISK_PER_BUCKET_PCT,
    maxLots: cfg.STRATEGY_MAX_LOTS,
    reentryCooldownMs: cfg.STRATEGY_REENTRY_COOLDOWN_S * 1000,
    maxEntriesPerDay: cfg.STRATEGY_MAX_ENTRIES_PER_DAY,
    eventCloseMinute: cfg.STRATEGY_EVENT_CLOSE_TIME,
    events,
    buckets: [
      {
        bucket: 'weekly', kind: kindOf(cfg.STRATEGY_WEEKLY_KIND), underlyings: cfg.STRATEGY_WEEKLY_UNDERLYINGS,
        capital: capital * cfg.STRATEGY_BUCKET_WEEKLY_PCT, entryStart: cfg.STRATEGY_ENTRY_START, entryEnd: cfg.STRATEGY_ENTRY_END,
        exitMinutesBeforeExpiry: cfg.STRATEGY_WEEKLY_EXIT_MINUTES_BEFORE_EXPIRY, exitAtMinute: null,
        minDaysToExpiry: cfg.STRATEGY_WEEKLY_MIN_DAYS_TO_EXPIRY, expiryKind: 'any',
      },
      {
        bucket: 'monthly', kind: kindOf(cfg.STRATEGY_MONTHLY_KIND), underlyings: cfg.STRATEGY_MONTHLY_UNDERLYINGS,
        capital: capital * cfg.STRATEGY_BUCKET_MONTHLY_PCT, entryStart: cfg.STRATEGY_ENTRY_START, entryEnd: cfg.STRATEGY_ENTRY_END,
        exitMinutesBeforeExpiry: cfg.STRATEGY_MONTHLY_EXIT_MINUTES_BEFORE_EXPIRY, exitAtMinute: null,
        minDaysToExpiry: cfg.STRATEGY_MONTHLY_MIN_DAYS_TO_EXPIRY, expiryKind: 'monthly',
      },
      {
        bucket: 'intraday', kind: kindOf(cfg.STRATEGY_INTRADAY_KIND), underlyings: cfg.STRATEGY_INTRADAY_UNDERLYINGS,
        capital: capital * cfg.STRATEGY_BUCKET_INTRADAY_PCT, entryStart: cfg.STRATEGY_INTRADAY_ENTRY_START,
        entryEnd: cfg.STRATEGY_INTRADAY_ENTRY_END, exitMinutesBeforeExpiry: cfg.STRATEGY_WEEKLY_EXIT_MINUTES_BEFORE_EXPIRY,
        exitAtMinute: cfg.STRATEGY_INTRADAY_EXIT_TIME, minDaysToExpiry: 0, expiryKind: 'any',
      },
    ],
  };
}
