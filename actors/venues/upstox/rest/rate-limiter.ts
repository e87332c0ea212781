/**
 * @module Sliding-window rate limiter with several bands at once (e.g. 10/s, 500/min, 2000/30 min).
 * Callers queue (FIFO): `acquire()` resolves with the wait when every band has room, or — given `maxWaitMs` — refuses
 * at once a call whose turn is further away (an order that would go out seconds late is worse than a clear "no").
 * Upstox sends no rate-limit headers, so staying under the documented limits client-side is the only protection
 * against 429s. This is the venue's one limiter: every Upstox call, from any actor, goes through it.
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

/** Orders per second Upstox allows without a registered algo (SEBI retail-algo framework, 1 Apr 2026). */
export const UNREGISTERED_ORDERS_PER_SECOND = 10;
/** …and with one (X-Algo-Name). */
export const REGISTERED_ORDERS_PER_SECOND = 50;

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

/** Refused by our own limiter: the call would have waited longer than allowed. Nothing was sent. */
export class RateLimitDenied extends Error {
  readonly waitMs: number;
  readonly queued: number;
  constructor(waitMs: number, queued: number, bands: readonly Band[]) {
    super(`expected a slot within the allowed queueing time, was ${Math.ceil(waitMs)} ms away (${queued} ahead; limits ${describeBands(bands)})`);
    this.name = 'RateLimitDenied';
    this.waitMs = waitMs;
    this.queued = queued;
  }
}

export interface RateLimiterStats {
  /** Calls waiting now. */
  readonly queued: number;
  readonly granted: number;
  /** Granted after waiting (> 0 ms). */
  readonly delayed: number;
  readonly denied: number;
  /** Longest and most recent wait of a granted call, ms. */
  readonly maxWaitMs: number;
  readonly lastWaitMs: number;
}

export function describeBands(bands: readonly Band[]): string {
  const unit = (ms: number) => (ms === 1000 ? 's' : ms === 60_000 ? 'min' : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms} ms`);
  return bands.map((b) => `${b.limit}/${unit(b.windowMs)}`).join(', ');
}

export class RateLimiter {
  readonly #bands: readonly Band[];
  readonly #timers: Timers;
  /** Grant times, oldest first; kept as long as the longest window. */
  #grants: number[] = [];
  #queue: Array<{ readonly resolve: (waitedMs: number) => void; readonly at: number }> = [];
  #timer: unknown = undefined;
  #stats = { granted: 0, delayed: 0, denied: 0, maxWaitMs: 0, lastWaitMs: 0 };

  constructor(bands: readonly Band[], timers: Timers = realTimers) {
    if (bands.length === 0) throw new TypeError('expected at least one rate band, was none');
    this.#bands = bands;
    this.#timers = timers;
  }

  get bands(): readonly Band[] {
    return this.#bands;
  }

  /**
   * Resolves with the ms waited when a call may be made now (the grant is counted at that moment). With `maxWaitMs`,
   * a call whose turn is further away than that is refused at once (RateLimitDenied) instead of queued.
   */
  acquire(opts: { maxWaitMs?: number } = {}): Promise<number> {
    const now = this.#timers.now();
    if (opts.maxWaitMs !== undefined) {
      const wait = this.projectedWaitMs(now);
      if (wait > opts.maxWaitMs) {
        this.#stats.denied++;
        return Promise.reject(new RateLimitDenied(wait, this.#queue.length, this.#bands));
      }
    }
    return new Promise((resolve) => {
      this.#queue.push({ resolve, at: now });
      this.#drain();
    });
  }

  get queued(): number {
    return this.#queue.length;
  }

  stats(): RateLimiterStats {
    return { queued: this.#queue.length, ...this.#stats };
  }

  /** How long a call arriving at `now` would wait behind the calls already queued. */
  projectedWaitMs(now: number): number {
    const grants = [...this.#grants];
    let t = now;
    for (let i = 0; i <= this.#queue.length; i++) {
      t += waitMs(grants, this.#bands, t);
      grants.push(t);
    }
    return t - now;
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const now = this.#timers.now();
      this.#prune(now);
      const wait = waitMs(this.#grants, this.#bands, now);
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
      const next = this.#queue.shift()!;
      const waited = now - next.at;
      this.#stats.granted++;
      if (waited > 0) this.#stats.delayed++;
      this.#stats.lastWaitMs = waited;
      this.#stats.maxWaitMs = Math.max(this.#stats.maxWaitMs, waited);
      next.resolve(waited);
    }
  }

  #prune(now: number): void {
    const longest = Math.max(...this.#bands.map((b) => b.windowMs));
    let drop = 0;
    while (drop < this.#grants.length && (this.#grants[drop] ?? 0) <= now - longest) drop++;
    if (drop > 0) this.#grants.splice(0, drop);
  }
}

/** How long until every band has a free slot at `now`, given grant times (oldest first). */
function waitMs(grants: readonly number[], bands: readonly Band[], now: number): number {
  let wait = 0;
  for (const band of bands) {
    let inWindow = 0;
    for (let i = grants.length - 1; i >= 0 && (grants[i] ?? 0) > now - band.windowMs; i--) inWindow++;
    if (inWindow >= band.limit) {
      // The grant that must age out is the limit-th most recent one.
      const oldest = grants[grants.length - band.limit] ?? now;
      wait = Math.max(wait, oldest + band.windowMs - now);
    }
  }
  return wait;
}
