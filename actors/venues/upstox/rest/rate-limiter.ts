/**
 * @module Sliding-window rate limiter with several bands at once (e.g. 10/s, 500/min, 2000/30 min).
 * Callers queue (FIFO) instead of failing: `acquire()` resolves when every band has room. Upstox sends no
 * rate-limit headers, so staying under the documented limits client-side is the only protection against 429s.
 */

export interface Band {
  readonly limit: number;
  readonly windowMs: number;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Per-user limits from the reference, §6. Multi/cancel-all/exit-all share the order class (their own numbers are unpublished). */
export function orderBands(perSecond: number): readonly Band[] {
  return [
    { limit: perSecond, windowMs: 1000 },
    { limit: 500, windowMs: 60_000 },
    { limit: 2000, windowMs: 1_800_000 },
  ];
}
export const STANDARD_BANDS: readonly Band[] = [
  { limit: 50, windowMs: 1000 },
  { limit: 500, windowMs: 60_000 },
  { limit: 2000, windowMs: 1_800_000 },
];

export class RateLimiter {
  readonly #bands: readonly Band[];
  readonly #timers: Timers;
  /** Grant times, oldest first; kept as long as the longest window. */
  #grants: number[] = [];
  #queue: Array<() => void> = [];
  #timer: unknown = undefined;

  constructor(bands: readonly Band[], timers: Timers = realTimers) {
    if (bands.length === 0) throw new TypeError('expected at least one rate band, was none');
    this.#bands = bands;
    this.#timers = timers;
  }

  /** Resolves when a call may be made now; the grant is counted at that moment. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#drain();
    });
  }

  get queued(): number {
    return this.#queue.length;
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const now = this.#timers.now();
      const wait = this.#waitMs(now);
      if (wait > 0) {
        if (this.#timer === undefined) {
          this.#timer = this.#timers.setTimeout(() => {
            this.#timer = undefined;
            this.#drain();
          }, wait);
        }
        return;
      }
      this.#grants.push(now);
      this.#queue.shift()?.();
    }
  }

  /** How long until every band has a free slot at `now`. */
  #waitMs(now: number): number {
    const longest = Math.max(...this.#bands.map((b) => b.windowMs));
    let drop = 0;
    while (drop < this.#grants.length && (this.#grants[drop] ?? 0) <= now - longest) drop++;
    if (drop > 0) this.#grants.splice(0, drop);
    let wait = 0;
    for (const band of this.#bands) {
      let inWindow = 0;
      for (let i = this.#grants.length - 1; i >= 0 && (this.#grants[i] ?? 0) > now - band.windowMs; i--) inWindow++;
      if (inWindow >= band.limit) {
        // The grant that must age out is the limit-th most recent one.
        const oldest = this.#grants[this.#grants.length - band.limit] ?? now;
        wait = Math.max(wait, oldest + band.windowMs - now);
      }
    }
    return wait;
  }
}
