/**
 * @module Process-wide V8 settings for a latency-bound actor system, applied once, as early as possible (the CLI's
 * first statement, and again — idempotently — when an ActorSystem is built).
 *
 * V8's memory reducer runs compacting full GCs in any isolate it judges idle, to hand memory back, and then lowers
 * that heap's old-generation limit towards its live size, so full GCs come every couple of seconds afterwards. Our
 * actors ARE idle between the one or two messages a cycle sends them, and main is idle between cycles: under
 * `--trace-gc` the reducer's GCs (10-20 ms, once 142 ms) and main's full GCs every ~2 s (6-15 ms, main being on every
 * hop of the cycle) were the system bench's worst cycles (cycle p99 25-30 ms; 14-18 ms without them).
 * - `--no-memory-reducer`: V8 reads it when an isolate's heap is set up, so it reaches every worker spawned after
 *   this call, but not the main thread's heap, which already exists (Node takes V8 flags only on its command line,
 *   and a Node 20 single binary has none of its own).
 * - `--gc-memory-reducer-start-delay-ms` (max int): read each time a reducer arms its timer after a full GC, which
 *   disarms main's reducer too from its next GC on (at most one reducer round can already be scheduled).
 * - `--incremental-marking-soft-trigger=80`, `--incremental-marking-hard-trigger=90`: V8 starts marking the old
 *   generation (by a task, or at once) only 80 % (90 %) of the way from its size after the last full GC to its limit.
 *   Without them V8 starts as soon as the room left under the limit is no larger than the new space, and on our
 *   heaps it never is larger (`--trace-incremental-marking` on the system bench: "Start (task)" with 14 MB used, a 28
 *   MB limit, 14 MB of room, in a worker with a 16 MB young generation). So marking began again within seconds of
 *   every full GC and ended in a finalising and a compacting pause, inside a cycle more often than not. With these, a thread's quiet moment collects first (idle-gc.ts: at +25 %,
 *   well below 80 % of the room); V8's own schedule remains the backstop, up to its unchanged limit.
 * Heaps still are bounded by the normal GC and each actor's resourceLimits; they just stop shrinking after a busy
 * spell (RSS is reported by the system bench).
 */
import v8 from 'node:v8';

const FLAGS = [
  '--no-memory-reducer',
  '--gc-memory-reducer-start-delay-ms=2147483647',
  '--incremental-marking-soft-trigger=80',
  '--incremental-marking-hard-trigger=90',
] as const;
let applied = false;

export function applyLatencyFlags(): void {
  if (applied) return;
  applied = true;
  for (const f of FLAGS) v8.setFlagsFromString(f);
}
