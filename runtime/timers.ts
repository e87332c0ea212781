/**
 * @module Runtime timers: messages an actor sends itself later (`ctx.after`) or repeatedly (`ctx.every`), delivered
 * through its own mailbox — handled one at a time with every other message, by the handler of their type, never
 * beside it (xstate's delayed events, Akka's timers).
 *
 * Two clocks. A `wall` timer (the default) is runtime time: heartbeats, retries and backoff. A `market` timer fires
 * once the actor's `ctx.clock` — the market clock, simulated at SIM_SPEED× on the sim venue — has advanced by `ms`
 * (so a 30 s fill timeout is 30 market seconds at any speed); it is armed on wall time for the expected remainder and
 * re-armed if the clock has not got there yet.
 *
 * On a stepped clock (backtests: market time moves only when main steps it, runtime/clock.ts) a market timer is not
 * armed on wall time at all: the shell calls `pollMarket()` as each message arrives from outside, which queues every
 * market timer due by then ahead of that message (earliest due first, then in the order they were armed). Main steps
 * the clock before it sends a cycle's first message, so a timer due at a step is handled before the actor's part of
 * that cycle — on every run the same, whatever the wall clock did (every cycle reaches every actor of the tree).
 *
 * Guarantees: a cancelled timer delivers nothing more, even a message already waiting in the mailbox; at most one
 * message of an `every` timer waits in the mailbox (a slow handler is not buried under ticks); `clear()` (the shell
 * calls it on stop and on a crash) cancels them all.
 */
import type { Clock } from './clock.ts';

/** Which clock a timer's `ms` is measured on. */
export type TimerClock = 'wall' | 'market';

export interface TimerOptions {
  /** 'wall' (default): runtime time. 'market': the actor's ctx.clock (simulated when the system runs simulated). */
  readonly clock?: TimerClock;
}

/** A running timer. */
export interface Timer {
  /** Stops it: nothing more is delivered, not even a message of it already in the mailbox. Idempotent. */
  cancel(): void;
  /** False once cancelled, or once an `after` has been handed to its handler. */
  readonly active: boolean;
}

/** @internal one armed timer; the shell tags the envelopes it delivers with it */
export interface TimerEntry {
  readonly type: string;
  readonly body: unknown;
  /** Null for `after`. */
  readonly everyMs: number | null;
  readonly clock: TimerClock;
  due: number;
  handle: ReturnType<typeof setTimeout> | null;
  /** A message of this timer is waiting in the mailbox. */
  queued: boolean;
  done: boolean;
}

/** How market time relates to wall time: market ms per wall ms (scaled or real clock), or `stepped` (none). */
export type MarketRate = number | 'stepped';

export class TimerTable {
  readonly #market: Clock;
  /** Market ms per wall ms (the scaled clock's speed; 1 on the real clock), or 'stepped'. */
  readonly #marketRate: MarketRate;
  readonly #deliver: (entry: TimerEntry) => void;
  readonly #entries = new Set<TimerEntry>();

  constructor(market: Clock, marketRate: MarketRate, deliver: (entry: TimerEntry) => void) {
    if (marketRate !== 'stepped' && !(marketRate > 0)) throw new RangeError(`expected a positive market rate (market ms per wall ms), was ${marketRate}`);
    this.#market = market;
    this.#marketRate = marketRate;
    this.#deliver = deliver;
  }

  get size(): number {
    return this.#entries.size;
  }

  after(ms: number, type: string, body: unknown, opts: TimerOptions = {}): Timer {
    return this.#arm(ms, type, body, null, opts.clock ?? 'wall');
  }

  every(ms: number, type: string, opts: TimerOptions = {}): Timer {
    if (!(ms > 0)) throw new RangeError(`expected a positive interval for ${type}, was ${ms}`);
    return this.#arm(ms, type, null, ms, opts.clock ?? 'wall');
  }

  /** At dequeue: whether the timer's message is still to be handled (false once cancelled). */
  admit(entry: TimerEntry): boolean {
    entry.queued = false;
    if (entry.done) return false;
    if (entry.everyMs === null) this.#finish(entry);
    return true;
  }

  /**
   * Stepped clock: queues every market timer due by now (earliest due first, then in arming order). A no-op on the
   * other clocks, where market timers are armed on wall time.
   */
  pollMarket(): void {
    if (this.#marketRate !== 'stepped' || this.#entries.size === 0) return;
    const now = this.#market.now();
    const due: TimerEntry[] = [];
    for (const e of this.#entries) if (e.clock === 'market' && e.due <= now) due.push(e);
    due.sort((a, b) => a.due - b.due);
    for (const e of due) this.#fire(e);
  }

  /** Cancels every timer (stop, crash). */
  clear(): void {
    for (const e of [...this.#entries]) this.#finish(e);
  }

  #now(clock: TimerClock): number {
    return clock === 'market' ? this.#market.now() : performance.now();
  }

  #arm(ms: number, type: string, body: unknown, everyMs: number | null, clock: TimerClock): Timer {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`expected a delay >= 0 ms for ${type}, was ${ms}`);
    const entry: TimerEntry = { type, body, everyMs, clock, due: this.#now(clock) + ms, handle: null, queued: false, done: false };
    this.#entries.add(entry);
    this.#schedule(entry);
    const finish = (): void => this.#finish(entry);
    return {
      cancel: finish,
      get active() {
        return !entry.done;
      },
    };
  }

  #schedule(entry: TimerEntry): void {
    // Stepped: nothing to wait for on the wall clock; pollMarket() delivers it once a step reaches it.
    if (entry.clock === 'market' && this.#marketRate === 'stepped') return;
    const rate = entry.clock === 'market' ? (this.#marketRate as number) : 1;
    const wait = Math.max(0, (entry.due - this.#now(entry.clock)) / rate);
    entry.handle = setTimeout(() => this.#fire(entry), Math.ceil(wait));
  }

  #fire(entry: TimerEntry): void {
    entry.handle = null;
    if (entry.done) return;
    // Rounding, or a market clock that moved slower than its rate says: not there yet, wait for the rest.
    if (this.#now(entry.clock) < entry.due) {
      this.#schedule(entry);
      return;
    }
    if (!entry.queued) {
      entry.queued = true;
      this.#deliver(entry);
    }
    if (entry.everyMs !== null && !entry.done) {
      entry.due += entry.everyMs;
      // Fell behind (a long GC, a busy thread): skip the missed ticks rather than firing them in a burst.
      const now = this.#now(entry.clock);
      if (entry.due <= now) entry.due = now + entry.everyMs;
      this.#schedule(entry);
    }
  }

  #finish(entry: TimerEntry): void {
    entry.done = true;
    if (entry.handle !== null) clearTimeout(entry.handle);
    entry.handle = null;
    this.#entries.delete(entry);
  }
}
