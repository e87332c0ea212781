/**
 * @module Clocks, injected wherever time matters. Cores never call Date.now(); they get a Clock.
 *
 * `now()` is wall (or simulated) epoch milliseconds; `monotonic()` is for durations and windows.
 */

export interface Clock {
  /** Epoch milliseconds (simulated when the clock is simulated). */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  monotonic(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number;
  #mono = 0;
  constructor(startEpochMs = Date.UTC(2026, 0, 6, 4, 0, 0)) {
    this.#now = startEpochMs;
  }
  now(): number {
    return this.#now;
  }
  monotonic(): number {
    return this.#mono;
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`expected a non-negative advance, was ${ms}`);
    this.#now += ms;
    this.#mono += ms;
  }
  set(epochMs: number): void {
    if (epochMs < this.#now) throw new RangeError(`expected time to move forward, was ${epochMs} < ${this.#now}`);
    this.#mono += epochMs - this.#now;
    this.#now = epochMs;
  }
}

/** Plain-data description of a clock, safe to pass to workers through workerData. */
export type ClockSpec =
  | { readonly kind: 'real' }
  | { readonly kind: 'scaled'; readonly simStartMs: number; readonly wallStartMs: number; readonly speed: number };

/**
 * A simulated clock that runs `speed` simulated seconds per wall second from `simStartMs`.
 * Every thread that builds it from the same spec agrees on the time, with no messages.
 */
export function clockFromSpec(spec: ClockSpec): Clock {
  if (spec.kind === 'real') return realClock;
  const { simStartMs, wallStartMs, speed } = spec;
  return {
    now: () => simStartMs + (Date.now() - wallStartMs) * speed,
    monotonic: () => performance.now() * speed,
  };
}
