/**
 * @module The system-wide environment variables (INTERFACE.md names): read by main and by several actors. Each actor's
 * config section (actors/<name>/config.ts) picks the ones it reads; runtime/main/config.ts merges this shape with
 * every actor's own.
 */
import { envBool, envEnum, envNumber, envString, envUmask, type EnvShape, type EnvValues } from './config-kit.ts';

export const systemEnv = {
  SAFETY_MODE: envEnum(['paper', 'live']).default('paper'),
  FEED: envEnum(['sim', 'replay', 'upstox']).default('sim'),
  PHASE: envEnum(['SHADOW', 'SEMI_AUTO', 'FULL_AUTO']).default('SHADOW'),
  BASE_CAPITAL: envNumber({ min: 1 }).default(1_000_000),
  MAX_DAILY_LOSS: envNumber({ min: 0 }).default(20_000),
  DAILY_LOSS_LIMIT_PCT: envNumber({ min: 0, max: 1 }).optional(),
  /**
   * Hard limit on the book's beta-weighted net delta, notional / capital: the ₹ P&L of a 1 % NIFTY move may reach
   * MAX_NET_DELTA × BASE_CAPITAL / 100 (1.5 → ₹15,000 on ₹10 lakh). Set so a 1 % move cannot carry a delta-flat book
   * holding the full gamma limit past it (actors/risk/settings.ts).
   */
  MAX_NET_DELTA: envNumber({ min: 0 }).default(1.5),
  /** Hard limit on the book's total vega, ₹ per vol point; unset = 0.4 % of BASE_CAPITAL (₹4,000 on ₹10 lakh). */
  MAX_VEGA: envNumber({ min: 0 }).optional(),
  SUPERVISOR_LOOP_INTERVAL: envNumber({ min: 0.05, max: 3600 }).default(3.0),
  DATA_DIR: envString().default('./data'),
  LOG_DIR: envString().default('./logs'),
  APPROVAL_TTL: envNumber({ min: 1, max: 86_400 }).default(120),
  LOG_LEVEL: envEnum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Actor heartbeat interval; an actor silent for two intervals is declared hung. */
  VOLGUARD_HEARTBEAT_MS: envNumber({ int: true, min: 50, max: 60_000 }).default(1000),
  /** Root supervisor restart intensity (OTP MaxR) and period (MaxT). */
  VOLGUARD_RESTART_INTENSITY: envNumber({ int: true, min: 0, max: 1000 }).default(10),
  VOLGUARD_RESTART_PERIOD_MS: envNumber({ int: true, min: 100 }).default(60_000),
  /** From source: compile actor workers with esbuild (fast restarts); 0 boots them through tsx (runtime/entry.ts). */
  VOLGUARD_DEV_BUNDLE: envBool().default(true),
  /** From source: map worker stack traces to the .ts files (≈2.5 MB per worker). */
  VOLGUARD_SOURCE_MAPS: envBool().default(false),
  /**
   * The process umask `volguard run` sets before it creates anything (octal): 077 makes the data, journal and log
   * directories 0700 and their files 0600. Existing paths more open than this are tightened at start.
   */
  VOLGUARD_UMASK: envUmask().default(0o077),
  /** Path of the env file to load; `.env` in the working directory by default. */
  VOLGUARD_ENV_FILE: envString().optional(),
  // The market conventions every pricing actor shares (actors/domain/market-settings.ts builds them; its defaults,
  // DEFAULT_RATE and DEFAULT_VARIANCE_WEIGHTS, are these — checked equal in runtime/main/config.test.ts).
  /** Continuously compounded rate for discounting and carry, used everywhere (RBI repo 5.25 %, Dec 2025). */
  RISK_FREE_RATE: envNumber({ min: -0.05, max: 0.5 }).default(0.0525),
  /** Share of a trading day's variance that accrues overnight, previous close to open (actors/domain/variance-clock.ts). */
  MARKET_VARIANCE_OVERNIGHT: envNumber({ min: 0, max: 0.95 }).default(0.2),
  /** Variance of a Saturday or Sunday as a fraction of a trading day's. */
  MARKET_VARIANCE_WEEKEND_DAY: envNumber({ min: 0, max: 1 }).default(0.1),
  /** Variance of a weekday exchange holiday as a fraction of a trading day's. */
  MARKET_VARIANCE_HOLIDAY: envNumber({ min: 0, max: 1 }).default(0.1),
  /** Trading days in a typical year (the variance clock's year basis). */
  MARKET_VARIANCE_TRADING_DAYS: envNumber({ min: 200, max: 261 }).default(248),
  // The FULL_AUTO rule (actors/domain/phase-governance.ts): the kill switch applies it to the phase it puts in force,
  // the executor to a request for FULL_AUTO (POST /api/v1/phase), `volguard validate` to the journal.
  /** FULL_AUTO needs this many trading days in SHADOW and in SEMI_AUTO first, on the venue in use (waivable on paper). */
  FULL_AUTO_MIN_SHADOW_DAYS: envNumber({ int: true, min: 0 }).default(7),
  FULL_AUTO_MIN_SEMI_AUTO_DAYS: envNumber({ int: true, min: 0 }).default(21),
  /** FULL_AUTO needs data quality above this (the kill switch's gate: the higher of this and KS_FULL_AUTO_QUALITY). */
  FULL_AUTO_MIN_QUALITY: envNumber({ min: 0, max: 1 }).default(0.8),
  /** Paper only: waive the history requirement (shown in every answer and in the kill switch's phaseReasons). */
  PAPER_WAIVE_PHASE_HISTORY: envBool().default(true),
} satisfies EnvShape;

/** The variables of the market conventions: every actor that prices, discounts or measures vol reads all of them. */
export const MARKET_KEYS = ['RISK_FREE_RATE', 'MARKET_VARIANCE_OVERNIGHT', 'MARKET_VARIANCE_WEEKEND_DAY', 'MARKET_VARIANCE_HOLIDAY', 'MARKET_VARIANCE_TRADING_DAYS'] as const;

/** The variables of the FULL_AUTO rule: the kill switch and the executor read all of them. */
export const GOVERNANCE_KEYS = ['FULL_AUTO_MIN_SHADOW_DAYS', 'FULL_AUTO_MIN_SEMI_AUTO_DAYS', 'FULL_AUTO_MIN_QUALITY', 'PAPER_WAIVE_PHASE_HISTORY'] as const;

/** The parsed system-wide values, keyed by variable name. */
export type SystemValues = EnvValues<typeof systemEnv>;
