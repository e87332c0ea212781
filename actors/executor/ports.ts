/**
 * @module What the engine is given (ports) and configured with: the broker, the journal, risk's pre-trade check, the
 * kill switch's naked-leg trigger, the clock and a sleep — injected, so integration tests run the engine in-process
 * against the paper exchange with a manual clock.
 */
import type { Broker } from '../venues/broker.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { CoreConfig } from './core.ts';
import type { RulesLookup } from './pricing.ts';
import type { ChargesSchedule } from '../domain/charges.ts';
import type { Underlying } from '../domain/underlying.ts';

export interface PreTradeDecision {
  readonly allowed: boolean;
  readonly reason?: string;
}

export interface EngineLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineMetrics {
  order(status: string): void;
  saga(outcome: string): void;
  positionsOpen(n: number): void;
  /** Charges booked, ₹ (`charges_inr_total`), per book. */
  charges?(book: 'live' | 'shadow', inr: number): void;
  /** A cycle's snapshot refused because its market time was before the latest one acted on. */
  olderRefused?(input: string): void;
}

export interface EnginePorts {
  readonly broker: Broker;
  readonly journal: { append(type: string, body: unknown, opts?: { cycleId?: string | undefined }): Promise<number>; kvPut(key: string, value: unknown): Promise<number> };
  /** `risk.preTrade`; a throw (risk unavailable) counts as a denial: fail closed. */
  preTrade(body: { proposal: Proposal }): Promise<PreTradeDecision>;
  /**
   * A short leg unhedged past NAKED_LEG_TIMEOUT_MS: fire and forget (`ctx.send('killswitch', 'executor.nakedLegDetected',
   * {structureId, message})`) — never a request: the kill switch answers EMERGENCY with `executor.flatten`, which must
   * find the executor free, not blocked waiting on the kill switch. Returning `false` means it was dropped (target
   * restarting, buffer full): the event is then not journaled and the next check sends again.
   */
  emergency(body: { reason: 'NAKED_LEG'; structureId: string; message: string }): unknown;
  readonly clock: Clock;
  /** Waits between flatten attempts (tests pass one that advances a manual clock). */
  sleep(ms: number): Promise<void>;
  /** Called when quotes moved (paper: re-match working orders). */
  onMarket?(snapshot: MarketSnapshot): void;
  /** The broker takes multi-leg groups in one `placeMultiOrder` call (BUY lines first; per-line results, 207-style). */
  readonly multiOrder?: boolean;
  readonly rules?: RulesLookup;
  /**
   * Ask the broker for each risk-increasing basket's margin (`getMargin`) and the account's available funds
   * (`getFunds`) before its first order, and refuse it (INSUFFICIENT_MARGIN) when it does not fit (live). Paper
   * leaves it to risk's model margin.
   */
  readonly marginCheck?: boolean;
  /** After an EMERGENCY flatten proven flat, engage the broker's own kill switch for F&O (live). */
  readonly venueKillSwitch?: boolean;
  readonly log?: EngineLog;
  readonly metrics?: EngineMetrics;
  /** The charges schedule (boot-checked DATA_DIR/charges.csv or the shipped one); default the shipped one. */
  readonly charges?: ChargesSchedule;
  /**
   * The final settlement price of an expiry (the underlying's official close on the expiry day), once known: paper on
   * the sim from the simulator's close, paper on a replay from the recording's published price (snapshot
   * `settlements`); live from the broker (venues/upstox/broker.ts `settlementPrice`, asked over the network, hence
   * possibly a promise); paper on the Upstox feed from the same Upstox figure, read without a token (brokers.ts). Undefined while unknown, or on a failed ask: the position then waits (never booked at ₹0).
   */
  settlementPrice?(underlying: Underlying, expiry: string): number | undefined | Promise<number | undefined>;
  /**
   * The venue books expiry settlement in its own account and VolGuard follows it (live): a position is booked only
   * once the broker no longer holds the contract (money.ts `settlementDecision`). Paper settles both books at once.
   */
  readonly brokerBooksSettlement?: boolean;
}

export interface EngineConfig extends CoreConfig {
  /**
   * Market ms per wall ms of the clock the executor runs on (`SIM_SPEED` on the scaled sim clock, 1 live). Timers are
   * market time; this only turns a market-time wait into a wall-time sleep (the flatten's look-again) and sets how
   * often the worker's tick runs (tick.ts).
   */
  readonly clockSpeed?: number;
  /**
   * Minimum time between full broker reconciliations (order book + positions reads) while nothing is in flight.
   * Upstox allows 2000 reads per 30 min: reconciling every 3 s cycle would spend 1200 of them. 0 = every cycle.
   * Market ms, like every executor timer (on live the market clock is the wall clock).
   */
  readonly reconIntervalMs?: number;
  /** The configured PHASE: which book `book()` shows before the first cycle (a journaled governance phase wins). */
  readonly phase?: Phase;
  readonly approvalTtlMs: number;
  /** SAFETY_MODE=live: the venue whose history and decisions count. */
  readonly live: boolean;
  /** The FULL_AUTO rule (FULL_AUTO_MIN_*, PAPER_WAIVE_PHASE_HISTORY): a request for FULL_AUTO is answered with its checks. */
  readonly fullAutoMinShadowDays: number;
  readonly fullAutoMinSemiAutoDays: number;
  readonly fullAutoMinQuality: number;
  readonly paperWaiveHistory: boolean;
  /** Market ms a FULL_AUTO request waits for its separate approval (PHASE_REQUEST_TTL); default one hour. */
  readonly phaseRequestTtlMs?: number;
  readonly flattenMaxAttempts: number;
  readonly flattenRetryMs: number;
  /** BASE_CAPITAL, ₹: the paper account's starting equity (GET /api/v1/account). */
  readonly capital?: number;
  /** Market ms after an expiry's close a settlement may wait before it is reported overdue (SETTLEMENT_OVERDUE_MIN). */
  readonly settlementOverdueMs?: number;
}

export const SILENT: EngineLog = { info() {}, warn() {}, error() {} };
