/**
 * @module How often the executor's tick runs. Every executor timer is market time (DESIGN §8): the fill timeout, the
 * naked-leg timer, the recon grace, the re-price interval and the approval TTL are compared against the market clock.
 * The tick is what notices them between cycles, so it must come often in MARKET terms: a quarter of the shortest
 * timer. On a scaled sim clock that is a short wall interval (at 300× a 1.67 s re-price interval is 5.6 wall ms), so
 * the wall interval is bounded: never under `TICK_MIN_WALL_MS` (a tick drains order updates, steps the sagas and
 * the naked-leg timers and advances the paper exchange's sim copy: at most 10 a second — at 20 ms the executor of a
 * whole system at 600× on a loaded 2-core machine missed its heartbeats), never over `TICK_MAX_WALL_MS` (live: at
 * least once a second). At the bound a timer fires late by at most one tick: `TICK_MIN_WALL_MS` × speed of market
 * time (30 market seconds at 300×, a minute at 600×; live: none).
 *
 * The worker runs it as a runtime timer on the market clock (`ctx.every(timerMs, 'executor.tick', {clock: 'market'})`):
 * `timerMs` is the bounded wall interval expressed in market ms, so the tick follows the market clock it serves.
 */
import { repriceAfterMs, type CoreConfig } from './core.ts';

export const TICK_MIN_WALL_MS = 100;
export const TICK_MAX_WALL_MS = 1_000;

export interface TickInterval {
  /** The market-time interval the tick aims at. */
  readonly marketMs: number;
  /** The wall-time interval that gives it on this clock, bounded. */
  readonly wallMs: number;
  /** The tick timer's interval on the market clock: `wallMs` of wall time at this speed (= `marketMs` unbounded). */
  readonly timerMs: number;
}

/** `speed`: market ms per wall ms of the clock the executor runs on (SIM_SPEED; 1 live). */
export function tickInterval(cfg: CoreConfig, speed: number): TickInterval {
  if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`expected a positive clock speed (market ms per wall ms), was ${speed}`);
  const shortest = Math.min(repriceAfterMs(cfg), cfg.nakedLegTimeoutMs, cfg.orderFillTimeoutMs, cfg.reconGraceMs);
  const marketMs = Math.max(1, Math.floor(shortest / 4));
  const wallMs = Math.min(TICK_MAX_WALL_MS, Math.max(TICK_MIN_WALL_MS, Math.round(marketMs / speed)));
  return { marketMs, wallMs, timerMs: wallMs * speed };
}

/**
 * The tick gives way to the cycle. From the cycle's `executor.book` to the end of its `executor.execute` the cycle's
 * critical path runs through the other actors and then through this one; a tick run then (0.6 ms typical, several ms
 * when sagas move) takes one of the two cores from that path, or holds the executor's mailbox when `execute` arrives.
 * So a tick due inside that window waits and runs right after the cycle's execute (which itself fetched the broker's
 * news and moved every saga). The wait is bounded by wall time (`maxWaitMs`): a cycle that fails between the two
 * never holds the tick longer. Wall time, not market time: this is about sharing the CPU, not about what is due. The
 * worker keeps none on a replay's stepped clock, where the tick's place must be set by market time alone.
 */
export class CycleWindow {
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  #openedAt: number | null = null;
  #waiting = false;

  constructor(maxWaitMs: number, now: () => number) {
    this.#maxWaitMs = maxWaitMs;
    this.#now = now;
  }

  /** A cycle asked for the book: its window opens. */
  open(): void {
    this.#openedAt = this.#now();
  }

  /** A tick is due: true when it is to wait for the cycle's execute (it is then remembered, at most once). */
  holdTick(): boolean {
    if (this.#openedAt !== null && this.#now() - this.#openedAt < this.#maxWaitMs) {
      this.#waiting = true;
      return true;
    }
    // No window, or one past its bound: this tick runs, and stands for any that waited.
    this.#openedAt = null;
    this.#waiting = false;
    return false;
  }

  /** The cycle's execute is done: true when a tick waited and is to run now. */
  close(): boolean {
    this.#openedAt = null;
    const waited = this.#waiting;
    this.#waiting = false;
    return waited;
  }
}
