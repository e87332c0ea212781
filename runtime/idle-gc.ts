/**
 * @module Young-generation collection in a thread's idle time, so that it does not fall inside the next cycle.
 *
 * Every actor on the cycle's path allocates a little each cycle (decoded snapshot, surface, replies) and V8 scavenges
 * when its new space is full: wherever that happens to be — often in the middle of a stage, adding the pause (and its
 * parallel helper threads, on a 2-core machine) to the cycle's latency. Measured with per-thread GC tracing on the
 * system bench, cycles slower than the p90 had a GC inside them about twice as often as median ones. Here, a quiet
 * moment after a thread's part of a cycle scavenges ahead of time when the new space is already well filled: nearly
 * everything in it is garbage by then, so the pause is short and falls between cycles. Only minor GCs: the old
 * generation is left to V8's own scheduling (v8-tuning.ts).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gcFunction: GcFunction | null | undefined;

/** V8's gc() (`--expose-gc`, reached through a fresh context so the flag needs no command line); null if refused. */
function exposedGc(): GcFunction | null {
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn: unknown = vm.runInNewContext('gc');
      gcFunction = typeof fn === 'function' ? (fn as GcFunction) : null;
    } catch {
      gcFunction = null;
    }
  }
  return gcFunction;
}

/** True when the thread's new space holds at least `fraction` of its current capacity. */
function newSpaceFilled(fraction: number): boolean {
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space') return s.space_size > 0 && s.space_used_size >= fraction * s.space_size;
  }
  return false;
}

export interface IdleScavengerOptions {
  /** Wall ms of quiet after the last touch before scavenging (the rest of the cycle runs meanwhile). */
  readonly quietMs: number;
  /** Scavenge only when the new space is at least this full (a nearly empty one would be collected for nothing). */
  readonly minFill: number;
  /** After each quiet moment: whether it scavenged (tests; nothing else needs to know). */
  readonly onQuiet?: (scavenged: boolean) => void;
}

export const DEFAULT_IDLE_SCAVENGE: IdleScavengerOptions = { quietMs: 25, minFill: 0.3 };

/** Debounced: each `touch()` (a cycle message handled) pushes the scavenge back by `quietMs`. */
export class IdleScavenger {
  readonly #opts: IdleScavengerOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  scavenges = 0;

  constructor(opts: IdleScavengerOptions = DEFAULT_IDLE_SCAVENGE) {
    this.#opts = opts;
  }

  touch(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const gc = exposedGc();
      const due = gc !== null && newSpaceFilled(this.#opts.minFill);
      if (due) {
        gc({ type: 'minor' });
        this.scavenges++;
      }
      this.#opts.onQuiet?.(due);
    }, this.#opts.quietMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
