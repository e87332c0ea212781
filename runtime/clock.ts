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

/**
 * Plain-data description of a clock, safe to pass to workers through workerData.
 * - `real`: the wall clock (live).
 * - `scaled`: simulated, `speed` market seconds per wall second from `simStartMs` (the sim venue).
 * - `stepped`: data-driven (backtests, replays): market time moves only when main steps it (`SteppedClock`); every thread
 *   reads the same shared memory, so all agree on the time with no messages. A SharedArrayBuffer crosses workerData
 *   shared, not copied.
 */
export type ClockSpec =
  | { readonly kind: 'real' }
  | {
    readonly kind: 'scaled';
    /** Where this process's clock starts (`wallStartMs` maps to it): a resumed run starts where its journal had got to. */
    readonly simStartMs: number;
    readonly wallStartMs: number;
    readonly speed: number;
    /**
     * Where the simulated timeline began (fixed for a data dir; the simulated market's step grid is anchored there).
     * Absent: `simStartMs`.
     */
    readonly originMs?: number;
  }
  | { readonly kind: 'stepped'; readonly buffer: SharedArrayBuffer };

/** Slots of a stepped clock's buffer (BigInt64): the market time now, where it started (monotonic's origin). */
const STEP_NOW = 0;
const STEP_ORIGIN = 1;
const STEP_SLOTS = 2;

/** A stepped clock's reader: any thread, from its spec. Market time as main last set it. */
function steppedReader(buffer: SharedArrayBuffer): Clock {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < STEP_SLOTS * 8) {
    throw new TypeError(`expected a stepped clock's SharedArrayBuffer of ${STEP_SLOTS * 8} bytes, was ${String(buffer)}`);
  }
  const slots = new BigInt64Array(buffer, 0, STEP_SLOTS);
  const origin = Number(Atomics.load(slots, STEP_ORIGIN));
  return {
    now: () => Number(Atomics.load(slots, STEP_NOW)),
    // Durations on a stepped clock are market time too: nothing measured inside one step takes any time, so a
    // budget or a timer read against it is the same on every run (a backtest is deterministic).
    monotonic: () => Number(Atomics.load(slots, STEP_NOW)) - origin,
  };
}

/**
 * The writer of a stepped clock (main). `advanceTo` moves market time forward; it never goes back, also across a
 * restart (start the new clock where the journal says the last run stopped).
 * @example const clock = new SteppedClock(startMs); new ActorSystem(tree, { clock, clockSpec: clock.spec, … });
 *          clock.advanceTo(next); await cycle.runOnce();
 */
export class SteppedClock implements Clock {
  readonly spec: ClockSpec & { kind: 'stepped' };
  readonly #slots: BigInt64Array;
  readonly #reader: Clock;

  constructor(startMs: number) {
    if (!Number.isSafeInteger(startMs)) throw new RangeError(`expected a whole epoch ms to start a stepped clock, was ${startMs}`);
    const buffer = new SharedArrayBuffer(STEP_SLOTS * 8);
    this.#slots = new BigInt64Array(buffer);
    Atomics.store(this.#slots, STEP_NOW, BigInt(startMs));
    Atomics.store(this.#slots, STEP_ORIGIN, BigInt(startMs));
    this.spec = { kind: 'stepped', buffer };
    this.#reader = steppedReader(buffer);
  }

  now(): number {
    return this.#reader.now();
  }
  monotonic(): number {
    return this.#reader.monotonic();
  }

  advanceTo(epochMs: number): void {
    if (!Number.isSafeInteger(epochMs)) throw new RangeError(`expected a whole epoch ms, was ${epochMs}`);
    const now = this.now();
    if (epochMs < now) throw new RangeError(`expected market time to move forward, was ${epochMs} < ${now}`);
    Atomics.store(this.#slots, STEP_NOW, BigInt(epochMs));
  }
}

/**
 * A simulated clock that runs `speed` simulated seconds per wall second from `simStartMs`.
 * Every thread that builds it from the same spec agrees on the time, with no messages.
 */
export function clockFromSpec(spec: ClockSpec): Clock {
  if (spec.kind === 'real') return realClock;
  if (spec.kind === 'stepped') return steppedReader(spec.buffer);
  const { simStartMs, wallStartMs, speed } = spec;
  return {
    now: () => simStartMs + (Date.now() - wallStartMs) * speed,
    monotonic: () => performance.now() * speed,
  };
}
