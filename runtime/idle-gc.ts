/**
 * @module Garbage collection in a thread's idle time, so that it does not fall inside the next cycle.
 *
 * Every actor on the cycle's path allocates a little each cycle (decoded snapshot, surface, replies) and V8 scavenges
 * when its new space is full: wherever that happens to be — often in the middle of a stage, adding the pause (and its
 * parallel helper threads, on a 2-core machine) to the cycle's latency. Measured with per-thread GC tracing on the
 * system bench, cycles slower than the p90 had a GC inside them about twice as often as median ones. Here, a quiet
 * moment after a thread's part of a cycle scavenges ahead of time when the new space is already well filled: nearly
 * everything in it is garbage by then, so the pause is short and falls between cycles.
 *
 * The old generation the same way. What each cycle promotes (a few hundred KB in risk and main) fills it towards V8's
 * limit, and V8 then marks it incrementally — steps on every allocation, a finalising pause, a compacting pause, 5-15
 * ms in all on a 13-20 MB heap — starting wherever the limit happens to be crossed: inside a cycle, most of the time,
 * since that is when these threads allocate. Traced on the system bench, main's and risk's full GCs were inside most of
 * the slowest cycles of some runs (6 of the 8 slowest in one). So the quiet moment also runs a full GC once the old space has grown by a quarter over its level
 * after the last one (and by 2 MiB at least), which is below where V8 starts marking by itself (v8-tuning.ts sets that
 * at 80 % of the way to its limit, and the limit is about twice the live size): V8's own full GC is then the
 * exception, for a thread that promotes faster than it is ever quiet.
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

/** Bytes in use in the thread's old generation (old space; large objects and code are not what a cycle promotes). */
function oldSpaceUsed(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'old_space') return s.space_used_size;
  return 0;
}

export interface IdleScavengerOptions {
  /** Wall ms of quiet after the last touch before scavenging (the rest of the cycle runs meanwhile). */
  readonly quietMs: number;
  /** Scavenge only when the new space is at least this full (a nearly empty one would be collected for nothing). */
  readonly minFill: number;
  /**
   * A full GC in the quiet moment once the old space holds this fraction more than it did after the last full GC
   * (ours, or V8's: the lowest level seen at a quiet moment since), and at least `oldGrowthMinBytes` more. Absent or 0:
   * never.
   */
  readonly oldGrowth?: number;
  readonly oldGrowthMinBytes?: number;
  /** After each quiet moment: whether it scavenged (tests; nothing else needs to know). */
  readonly onQuiet?: (scavenged: boolean) => void;
}

export const DEFAULT_IDLE_SCAVENGE: IdleScavengerOptions = { quietMs: 25, minFill: 0.3, oldGrowth: 0.25, oldGrowthMinBytes: 2 * 2 ** 20 };

/** Debounced: each `touch()` (a cycle message handled) pushes the scavenge back by `quietMs`. */
export class IdleScavenger {
  readonly #opts: IdleScavengerOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The old space's level after the last full GC: the lowest seen at a quiet moment since. */
  #oldBase = Number.POSITIVE_INFINITY;
  scavenges = 0;
  fullGcs = 0;

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
      const growth = this.#opts.oldGrowth ?? 0;
      if (gc !== null && growth > 0) {
        const used = oldSpaceUsed();
        if (used < this.#oldBase) this.#oldBase = used;
        else if (used - this.#oldBase >= Math.max(this.#opts.oldGrowthMinBytes ?? 0, growth * this.#oldBase)) {
          gc({ type: 'major' });
          this.fullGcs++;
          this.#oldBase = oldSpaceUsed();
        }
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
