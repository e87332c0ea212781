/**
 * @module In-process harness for executor integration tests: a PaperBroker on a temp dir, a manual clock, an
 * in-memory journal that keeps the executor's events (so a "crash" is: drop the engine, build a new one from them),
 * a scripted risk port and a capture of kill-switch emergencies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { parseChargesSchedule } from '../../actors/domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../../actors/domain/data/charges-schedule.ts';

const SCHEDULE = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
import { PaperBroker } from '../../actors/venues/sim/paper/exchange.ts';
import type { PaperQuote } from '../../actors/venues/sim/paper/quotes.ts';
import { ExecutorEngine, type EngineConfig, type PreTradeDecision } from '../../actors/executor/engine.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';
import type { ExecuteRequest } from '../../actors/executor/messages.ts';
import type { Leg } from '../../actors/domain/leg.ts';
import type { Phase } from '../../actors/domain/phase.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import type { TradingState } from '../../actors/domain/trading-state.ts';
import { effectivePhase, phaseReasonsOf } from '../../actors/killswitch/core.ts';
import { fullAutoAdmission, governanceFor, governanceRulesFromEnv, venueOf } from '../../actors/domain/phase-governance.ts';
import type { MarketSnapshot } from '../../actors/domain/market-snapshot.ts';
import type { SurfaceCalibrated } from '../../actors/calibrator/messages.ts';

export const CFG: EngineConfig = {
  orderFillTimeoutMs: 30_000, reconGraceMs: 15_000, nakedLegTimeoutMs: 10_000, protectionTicks: 4, maxCompensationAttempts: 5,
  approvalMaxSpotMovePct: 0.005, approvalMaxIvMovePts: 2, approvalMaxMidMovePct: 0.15, fullAutoMinShadowDays: 7,
  fullAutoMinSemiAutoDays: 21, fullAutoMinQuality: 0.8, paperWaiveHistory: true, live: false, approvalTtlMs: 120_000,
  flattenMaxAttempts: 4, flattenRetryMs: 500,
};

// A NIFTY iron condor: keys, strikes and quotes.
export const LEGS = {
  longPut: { key: 'NSE_FO|9001', strike: 23500, right: 'PE' as const, bid: 20, ask: 20.5 },
  shortPut: { key: 'NSE_FO|9002', strike: 23800, right: 'PE' as const, bid: 60, ask: 60.5 },
  shortCall: { key: 'NSE_FO|9003', strike: 24400, right: 'CE' as const, bid: 55, ask: 55.5 },
  longCall: { key: 'NSE_FO|9004', strike: 24700, right: 'CE' as const, bid: 18, ask: 18.5 },
};
export const EXPIRY = '2026-01-13';

export function leg(name: keyof typeof LEGS, side: 'BUY' | 'SELL', quantity = 75): Leg {
  const l = LEGS[name];
  return { instrumentKey: l.key, underlying: 'NIFTY', expiry: EXPIRY, strike: l.strike, right: l.right, side, quantity };
}

export function condor(id: string, qty = 75): Proposal {
  return {
    id, action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXPIRY,
    // Deliberately SELL-first: the executor must still send BUY legs first.
    legs: [leg('shortPut', 'SELL', qty), leg('shortCall', 'SELL', qty), leg('longPut', 'BUY', qty), leg('longCall', 'BUY', qty)],
    reason: 'test condor', rationale: { test: true }, riskIncreasing: true,
  };
}

export class Harness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'exec-'));
  readonly clock = new ManualClock(Date.UTC(2026, 0, 6, 5, 0, 0));
  readonly quotes = new Map<string, PaperQuote>();
  readonly journal: ExecEvent[] = [];
  readonly kv = new Map<string, unknown>();
  readonly emergencies: unknown[] = [];
  preTrade: (p: Proposal) => PreTradeDecision = () => ({ allowed: true });
  spot = 24_100;
  /** NIFTY's final settlement price for EXPIRY once the test sets it (both the paper exchange and the executor read it). */
  settlementPrice: number | undefined;
  /** Set when the test "kills" the process: nothing more reaches the journal. */
  dead = false;
  /**
   * Runs before each append is taken (pushed to `journal` once it settles): a test models the journal's round trip
   * (await something) or its refusal (throw).
   */
  beforeAppend: ((e: ExecEvent) => Promise<void> | void) | undefined;
  broker: PaperBroker;
  engine: ExecutorEngine;
  #cycle = 0;

  /**
   * `multiOrder`: the engine sends multi-leg groups through `placeMultiOrder` (as the worker does for paper and live).
   * `calendar`: the exchange keeps NSE hours (refuses orders outside the session) instead of always being open.
   */
  constructor(readonly cfg: EngineConfig = CFG, readonly multiOrder = false, readonly calendar = false) {
    for (const l of Object.values(LEGS)) this.setQuote(l.key, l.bid, l.ask);
    this.broker = this.#openBroker();
    this.engine = this.#openEngine();
  }

  setQuote(key: string, bid: number, ask: number, qty = 1500): void {
    this.quotes.set(key, { bid, ask, ltp: (bid + ask) / 2, bidQty: qty, askQty: qty });
  }

  #openBroker(): PaperBroker {
    return new PaperBroker({
      dir: this.dir, clock: this.clock, quotes: (k) => this.quotes.get(k), instruments: () => ({ lotSize: 75, freezeQty: 1800 }),
      capital: 5_000_000, ...(this.calendar ? {} : { isMarketOpen: () => true }), charges: SCHEDULE,
      settlement: (key, now) => {
        const l = Object.values(LEGS).find((x) => x.key === key);
        const px = this.settlementPrice;
        if (l === undefined || px === undefined || now < sessionCloseMs(EXPIRY)) return undefined;
        return { settlementPrice: px, value: Math.max(0, l.right === 'CE' ? px - l.strike : l.strike - px) };
      },
    });
  }

  #openEngine(): ExecutorEngine {
    return new ExecutorEngine({
      broker: this.broker,
      journal: {
        append: async (_type, body) => {
          if (this.dead) throw new Error('process is dead');
          const e = structuredClone(body) as ExecEvent;
          await this.beforeAppend?.(e);
          return this.journal.push(e);
        },
        kvPut: async (key, value) => {
          this.kv.set(key, value);
          return 0;
        },
      },
      preTrade: async ({ proposal }) => this.preTrade(proposal),
      emergency: (body) => this.emergencies.push(body),
      clock: this.clock,
      sleep: async (ms) => this.clock.advance(ms),
      onMarket: () => this.broker.match(),
      rules: () => ({ lotSize: 75, freezeQty: 1800 }),
      settlementPrice: (u, expiry) => (u === 'NIFTY' && expiry === EXPIRY ? this.settlementPrice : undefined),
      ...(this.multiOrder ? { multiOrder: true } : {}),
    }, this.cfg, this.journal);
  }

  /** A crash: both processes die; the exchange keeps its books on disk, the executor keeps its journal. */
  async crashAndRestart(): Promise<void> {
    this.engine.close();
    await this.broker.close();
    this.dead = false;
    this.broker = this.#openBroker();
    this.engine = this.#openEngine();
  }

  snapshot(): MarketSnapshot {
    const keys = Object.values(LEGS);
    const q = (k: string) => this.quotes.get(k);
    const calls = keys.filter((l) => l.right === 'CE');
    const puts = keys.filter((l) => l.right === 'PE');
    // One chain row per key (a test fixture; strikes need not be shared between calls and puts).
    const rows = [...puts.map((l) => ({ l, put: true })), ...calls.map((l) => ({ l, put: false }))];
    const arr = (f: (r: (typeof rows)[number]) => number) => Float64Array.from(rows.map(f));
    return {
      cycleId: `c${this.#cycle}`, ts: this.clock.now(), marketOpen: true, vix: 13,
      spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: this.spot, ts: this.clock.now() }],
      expiries: [{
        underlying: 'NIFTY', expiry: EXPIRY, expiryTs: Date.UTC(2026, 0, 13, 10, 0), kind: 'weekly', lotSize: 75, freezeQty: 1800,
        strikes: arr((r) => r.l.strike),
        callKeys: rows.map((r) => (r.put ? `none-c-${r.l.key}` : r.l.key)),
        putKeys: rows.map((r) => (r.put ? r.l.key : `none-p-${r.l.key}`)),
        callBid: arr((r) => (r.put ? Number.NaN : q(r.l.key)?.bid ?? Number.NaN)),
        callAsk: arr((r) => (r.put ? Number.NaN : q(r.l.key)?.ask ?? Number.NaN)),
        callLtp: arr(() => Number.NaN), callOi: arr(() => 0), callTs: arr(() => this.clock.now()),
        putBid: arr((r) => (r.put ? q(r.l.key)?.bid ?? Number.NaN : Number.NaN)),
        putAsk: arr((r) => (r.put ? q(r.l.key)?.ask ?? Number.NaN : Number.NaN)),
        putLtp: arr(() => Number.NaN), putOi: arr(() => 0), putTs: arr(() => this.clock.now()),
      }],
      quality: { score: 0.95, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
      source: 'sim',
    };
  }

  surface(): SurfaceCalibrated {
    return { cycleId: `c${this.#cycle}`, ts: this.clock.now(), expiries: [], computeMs: 0 };
  }

  request(proposals: Proposal[], phase: Phase = 'FULL_AUTO', ks: TradingState = 'NORMAL'): ExecuteRequest {
    this.#cycle++;
    const snapshot = this.snapshot();
    return { cycleId: `c${this.#cycle}`, proposals, snapshot, surface: this.surface(), killswitch: this.killswitchView(phase, ks, snapshot.quality.score), phase };
  }

  /**
   * The kill switch's view as it would publish it: its FULL_AUTO rule on the history the executor reports, its
   * data-quality gate settled (no hysteresis) on this snapshot's quality, the configured phase as the executor
   * reports it (its journaled decision on this venue, else PHASE).
   */
  killswitchView(phase: Phase, ks: TradingState, quality: number) {
    const venue = venueOf(this.cfg.live);
    const rules = governanceRulesFromEnv({
      FULL_AUTO_MIN_SHADOW_DAYS: this.cfg.fullAutoMinShadowDays, FULL_AUTO_MIN_SEMI_AUTO_DAYS: this.cfg.fullAutoMinSemiAutoDays,
      FULL_AUTO_MIN_QUALITY: this.cfg.fullAutoMinQuality, PAPER_WAIVE_PHASE_HISTORY: this.cfg.paperWaiveHistory,
    });
    const admission = fullAutoAdmission(this.engine.phaseHistory(), venue, rules);
    const configured = governanceFor(this.engine.state.governance, venue)?.phase ?? phase;
    const cap: Phase = quality > rules.minQuality ? 'FULL_AUTO' : 'SEMI_AUTO';
    return { state: ks, effectivePhase: effectivePhase(configured, cap, ks, admission.admitted), phaseReasons: phaseReasonsOf(configured, cap, ks, admission) };
  }

  execute(proposals: Proposal[], phase: Phase = 'FULL_AUTO', ks: TradingState = 'NORMAL') {
    return this.engine.execute(this.request(proposals, phase, ks));
  }

  async done(): Promise<void> {
    this.engine.close();
    await this.broker.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function duplicates(tags: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const t of tags) {
    if (t === null) continue;
    if (seen.has(t)) dup.push(t);
    seen.add(t);
  }
  return dup;
}
