/**
 * @module The feed's pure core: ticks in → live book; snapshot requests → MarketSnapshot with data quality; stall
 * events out. No clock, timers or I/O: every method takes the times it needs (market time for ages and expiries,
 * wall time for silence and stalls), so tests drive it with plain numbers.
 */
import type { FinalSettlement, MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { InstrumentInfo, SourceStatus, Tick } from '../venues/market-data.ts';
import type { Settlement } from '../venues/replay/format.ts';
import { addFinalSettlements } from '../venues/replay/settlements.ts';
import { Book } from './book.ts';
import { buildLayout, liveChains, sliceChain, type ChainLayout, type Layout } from './layout.ts';
import { buildSnapshot } from './snapshot.ts';
import { DEFAULT_QUALITY, windowRange, type QualityDetail, type QualityParams } from './quality.ts';
import { StallDetector, type StallEvent } from './stall.ts';
import { FaultInjector, type FaultKind, type FaultRequest } from '../venues/sim/faults.ts';
import { isMarketOpen } from '../domain/calendar.ts';
import type { SubscriptionCaps } from '../venues/market-data.ts';
import { diffPlans, planSubscriptions, type PlanSettings, type SubscriptionPlan } from './subscriptions.ts';

export interface FeedCoreConfig {
  readonly source: string;
  readonly counts?: Readonly<Record<Underlying, number>>;
  readonly quality?: Partial<QualityParams>;
}

/**
 * How long (market ms) a snapshot keeps carrying a final settlement price after its publication. The executor settles
 * at its first cycle from then on (the run's cycle instants include each publication), and keeps what it was given;
 * the week covers an executor restarted across a long weekend.
 */
export const SETTLEMENT_CARRY_MS = 7 * 86_400_000;

/** Strikes either side of the money hit by crossed/locked/missing faults (the stale fault hits the whole window). */
const FAULT_HALF_WIDTH = 3;

export class FeedCore {
  readonly source: string;
  readonly book = new Book();
  readonly counts: Readonly<Record<Underlying, number>>;
  readonly params: QualityParams;
  readonly stall: StallDetector;
  readonly faults = new FaultInjector();
  #layout: Layout;
  /** Market status from the venue when it reports one (Upstox market_info); null → the NSE calendar decides. */
  venueOpen: boolean | null = null;
  ticksTotal = 0;
  lastStatus: SourceStatus | null = null;
  lastDetail: QualityDetail | null = null;
  /** The subscriptions in force on a venue with caps (null: every listed contract is subscribed). */
  #plan: SubscriptionPlan | null = null;
  /** Keys that stay subscribed whatever the window (the book's instruments, from main each cycle). */
  #watched: ReadonlySet<string> = new Set();
  /** Final settlement prices the source published, in publication order (one per underlying and expiry). */
  #finals: FinalSettlement[] = [];
  /** Settlement batches refused (a non-positive price, a second figure for an expiry) and the last reason. */
  settlementsRejected = 0;
  lastSettlementRejection: string | null = null;
  /** The live chains cut to the subscribed strikes, per `underlying|expiry` (built once per plan or layout). */
  #windows = new Map<string, ChainLayout>();

  constructor(cfg: FeedCoreConfig, wallNow: number) {
    this.source = cfg.source;
    this.counts = cfg.counts ?? { NIFTY: 4, BANKNIFTY: 2 };
    this.params = { ...DEFAULT_QUALITY, ...cfg.quality };
    this.stall = new StallDetector(this.params.stallMs, wallNow);
    this.#layout = buildLayout([], this.book);
  }

  get layout(): Layout {
    return this.#layout;
  }

  setInstruments(instruments: readonly InstrumentInfo[]): void {
    this.#layout = buildLayout(instruments, this.book);
    this.#windows.clear();
  }

  /** The instruments the book holds or works: kept subscribed, and inside the snapshot's chains, from the next plan. */
  watch(keys: readonly string[]): void {
    if (keys.length === this.#watched.size && keys.every((k) => this.#watched.has(k))) return;
    this.#watched = new Set(keys);
  }

  get plan(): SubscriptionPlan | null {
    return this.#plan;
  }

  /** The plan the source accepted: from now on snapshots carry only its strikes (the rest would be empty). */
  set plan(p: SubscriptionPlan | null) {
    this.#plan = p;
    this.#windows.clear();
  }

  /** A chain as the snapshot carries it: cut to the subscribed strikes when a plan is in force. */
  #windowed(c: ChainLayout): ChainLayout {
    const range = this.#plan?.ranges.get(`${c.underlying}|${c.expiry}`);
    if (range === undefined) return c;
    const id = `${c.underlying}|${c.expiry}`;
    let w = this.#windows.get(id);
    if (w === undefined) {
      w = sliceChain(c, range[0], range[1]);
      this.#windows.set(id, w);
    }
    return w;
  }

  /**
   * The subscription plan for now (spots from the book) and what to send to get there from the plan in force. The
   * caller commits it (`plan = next`) once the source accepted the diff.
   */
  replan(marketNow: number, settings: PlanSettings, caps?: SubscriptionCaps): { next: SubscriptionPlan; diff: ReturnType<typeof diffPlans> } {
    const spot = (i: number) => (this.book.ltp[i]! > 0 ? this.book.ltp[i]! : undefined);
    const spots = { NIFTY: spot(this.#layout.spotIdx.NIFTY), BANKNIFTY: spot(this.#layout.spotIdx.BANKNIFTY) };
    const next = planSubscriptions(this.#layout, { now: marketNow, spots, prev: this.#plan, pinned: this.#watched }, settings, caps);
    return { next, diff: diffPlans(this.#plan?.needs ?? null, next.needs) };
  }

  marketOpen(marketNow: number): boolean {
    return this.venueOpen ?? isMarketOpen(marketNow);
  }

  /** Applies a batch through the fault injector; returns a stall event when data resumed after a stall. */
  onTicks(ticks: readonly Tick[], wallNow: number): StallEvent | null {
    const passed = this.faults.apply(ticks, wallNow);
    if (passed.length === 0) return null;
    this.ticksTotal += this.book.applyAll(passed);
    return this.stall.onData(wallNow);
  }

  onStatus(status: SourceStatus): void {
    this.lastStatus = status;
    if (status.kind === 'market') this.venueOpen = status.open;
  }

  /**
   * Settlement prices the source published at market instant `ts`. A bad batch is refused whole and counted (returns
   * the reason), never a crash: the prices before it stand.
   */
  onSettlements(settlements: readonly Settlement[], ts: number): string | null {
    try {
      addFinalSettlements(this.#finals, settlements, ts);
      return null;
    } catch (err) {
      this.settlementsRejected++;
      this.lastSettlementRejection = (err as Error).message;
      return this.lastSettlementRejection;
    }
  }

  /** The final settlement prices published in (marketNow − SETTLEMENT_CARRY_MS, marketNow]. */
  settlementsAt(marketNow: number): readonly FinalSettlement[] {
    return this.#finals.filter((f) => f.ts <= marketNow && marketNow - f.ts < SETTLEMENT_CARRY_MS);
  }

  /** Periodic check (the worker's timer): raises a stall the moment the silence crosses the limit. */
  check(wallNow: number, marketNow: number): StallEvent | null {
    return this.stall.check(wallNow, this.marketOpen(marketNow));
  }

  snapshot(cycleId: string, marketNow: number, wallNow: number): MarketSnapshot {
    const { snapshot, detail } = buildSnapshot({
      cycleId, book: this.book, layout: this.#layout, chains: liveChains(this.#layout, marketNow, this.counts).map((c) => this.#windowed(c)), now: marketNow,
      marketOpen: this.marketOpen(marketNow), silenceMs: this.stall.silenceMs(wallNow), source: this.source,
    }, this.params);
    this.lastDetail = detail;
    const settlements = this.settlementsAt(marketNow);
    return settlements.length === 0 ? snapshot : { ...snapshot, settlements };
  }

  /** Starts an injected fault on the data path; returns its end (wall ms). */
  chaos(req: FaultRequest, wallNow: number, marketNow: number): { kind: FaultKind; until: number } {
    const options: Tick[] = [];
    for (const c of liveChains(this.#layout, marketNow, this.counts).map((x) => this.#windowed(x))) {
      const spot = this.book.ltp[this.#layout.spotIdx[c.underlying]]!;
      if (!(spot > 0)) continue;
      const half = req.kind === 'stale' ? this.params.window : FAULT_HALF_WIDTH;
      const [lo, hi] = windowRange(c.strikes, spot, half);
      for (let j = lo; j < hi; j++) options.push(this.#tickAt(c.callIdx[j]!), this.#tickAt(c.putIdx[j]!));
    }
    const spots = (['NIFTY', 'BANKNIFTY'] as const).map((u) => this.#tickAt(this.#layout.spotIdx[u])).filter((t) => t.ltp !== undefined);
    const until = this.faults.inject(req, wallNow, { options, spots });
    return { kind: req.kind, until };
  }

  inspect(wallNow: number): Record<string, unknown> {
    return {
      source: this.source, instruments: this.book.size, chains: this.#layout.chains.map((c: ChainLayout) => `${c.underlying} ${c.expiry}`),
      ticksTotal: this.ticksTotal, rejected: this.book.rejected, lastRejection: this.book.lastRejection,
      silenceMs: this.stall.silenceMs(wallNow), stalled: this.stall.stalledSince !== null, faults: this.faults.active(wallNow),
      lastStatus: this.lastStatus, quality: this.lastDetail,
      settlements: this.#finals.length, settlementsRejected: this.settlementsRejected, lastSettlementRejection: this.lastSettlementRejection,
      subscriptions: this.#plan === null ? null : { counts: this.#plan.counts, centres: this.#plan.centres, strikes: this.#plan.strikes, trimmed: this.#plan.trimmed },
    };
  }

  #tickAt(i: number): Tick {
    const b = this.book;
    const key = b.keyAt(i) ?? '';
    const t: { -readonly [K in keyof Tick]: Tick[K] } = { instrumentKey: key, ts: b.ts[i]! > 0 ? b.ts[i]! : 1 };
    if (b.bid[i]! >= 0) t.bid = b.bid[i]!;
    if (b.ask[i]! >= 0) t.ask = b.ask[i]!;
    if (b.ltp[i]! >= 0) t.ltp = b.ltp[i]!;
    return t;
  }
}
