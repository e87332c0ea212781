/**
 * @module The simulator as a MarketDataSource: advances a SimMarket to the (simulated) clock on a wall timer and
 * emits the changed instruments' ticks. A fresh subscription first receives the full current state (like Upstox's
 * initial_feed); a session boundary is reported as a `market` status so the feed relists and knows the session.
 */
import type { Clock } from '../../../runtime/clock.ts';
import type { InstrumentInfo, MarketDataSource, SourceStatus, Tick } from '../market-data.ts';
import { STEP_MS, type SimCheckpoint, type SimMarket } from './market.ts';
import { buildSimMarket } from './resume.ts';
import type { MarketSettings } from '../../domain/market-settings.ts';

export interface SimSourceOptions {
  readonly seed: number;
  /** Where the simulated clock starts (the market anchors at that session's open). */
  readonly startMs: number;
  readonly clock: Clock;
  /** Wall interval of the emission timer; default: one simulated step at `speed`, at least 20 ms. */
  readonly intervalMs?: number;
  readonly speed?: number;
  /** Rate and variance clock the prices follow (default: the shipped defaults); the paper exchange must use the same. */
  readonly market?: MarketSettings;
  /** A checkpoint (the journal's, resume.ts) to resume from instead of stepping from `startMs`; refused when it does not fit. */
  readonly resumeFrom?: unknown;
}

export class SimSource implements MarketDataSource {
  readonly name = 'sim';
  readonly market: SimMarket;
  /** Market time of the checkpoint this source resumed from (null: built from the start), and why one was refused. */
  readonly resumedAt: number | null;
  readonly resumeRefused: string | null;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #subs = new Set<string>();
  readonly #tickListeners = new Set<(ticks: readonly Tick[]) => void>();
  readonly #statusListeners = new Set<(s: SourceStatus) => void>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #open: boolean | null = null;

  constructor(opts: SimSourceOptions) {
    const built = buildSimMarket({ seed: opts.seed, startMs: opts.startMs, nowMs: opts.clock.now(), ...(opts.market ? { market: opts.market } : {}), resumeFrom: opts.resumeFrom });
    this.market = built.market;
    this.resumedAt = built.resumedAt;
    this.resumeRefused = built.refused;
    this.#clock = opts.clock;
    this.#intervalMs = opts.intervalMs ?? Math.max(20, STEP_MS / (opts.speed ?? 1));
  }

  /** The market's whole state now, for the journal (resume.ts). */
  checkpoint(): SimCheckpoint {
    return this.market.checkpoint();
  }

  async instruments(): Promise<readonly InstrumentInfo[]> {
    this.market.advanceTo(this.#clock.now());
    return this.market.instruments();
  }

  async subscribe(keys: readonly string[]): Promise<void> {
    const fresh = keys.filter((k) => !this.#subs.has(k));
    for (const k of fresh) this.#subs.add(k);
    const initial: Tick[] = [];
    for (const k of fresh) {
      const q = this.market.quote(k);
      if (!q) continue;
      const info = this.market.instruments().find((i) => i.instrumentKey === k);
      initial.push(info?.kind === 'INDEX' ? { instrumentKey: k, ts: q.ts, ltp: q.ltp } : { instrumentKey: k, ...q });
    }
    if (initial.length > 0) this.#emit(initial);
  }

  async unsubscribe(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.#subs.delete(k);
  }

  onTicks(listener: (ticks: readonly Tick[]) => void): () => void {
    this.#tickListeners.add(listener);
    return () => this.#tickListeners.delete(listener);
  }

  onStatus(listener: (s: SourceStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  async start(): Promise<void> {
    for (const l of this.#statusListeners) l({ kind: 'connected' });
    this.poll();
    this.#timer = setInterval(() => this.poll(), this.#intervalMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One emission: advance to the clock, report session changes, emit subscribed changes. Public for tests. */
  poll(): void {
    const now = this.#clock.now();
    this.market.advanceTo(now);
    const open = this.market.isOpen(now);
    if (open !== this.#open) {
      this.#open = open;
      for (const l of this.#statusListeners) l({ kind: 'market', open });
    }
    const changed = this.market.drainChanged();
    const ticks = this.#subs.size === 0 ? changed : changed.filter((t) => this.#subs.has(t.instrumentKey));
    if (ticks.length > 0) this.#emit(ticks);
  }

  #emit(ticks: readonly Tick[]): void {
    for (const l of this.#tickListeners) l(ticks);
  }
}
