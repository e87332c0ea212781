/**
 * @module Process-wide V8 settings for a latency-bound actor system, applied once before the first worker starts.
 *
 * `--no-memory-reducer`: V8's memory reducer runs a full, compacting mark-compact in any isolate it judges idle, to
 * hand memory back. Our actors ARE idle most of the time (each is touched once or twice per cycle), so the reducer
 * kept firing in them, and its pauses (10-20 ms measured in `--trace-gc`, one of 142 ms) landed on whichever cycle
 * sent that actor a message: they were the system bench's worst cycles. Heaps are still bounded by the normal GC
 * and each worker's resourceLimits; they just do not shrink back after a busy spell.
 *
 * V8 reads these flags when an isolate's heap is set up, so they reach every worker spawned after this call; the
 * main thread's own heap may keep its reducer. Node accepts V8 flags only on the command line or through
 * `v8.setFlagsFromString`, and a single binary (SEA, Node 20) has no command line of its own, hence this call.
 */
import v8 from 'node:v8';

const FLAGS = ['--no-memory-reducer'] as const;
let applied = false;

export function applyLatencyFlags(): void {
  if (applied) return;
  applied = true;
  for (const f of FLAGS) v8.setFlagsFromString(f);
}
