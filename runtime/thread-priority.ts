/**
 * @module V8's platform threads run below the actors (Linux).
 *
 * Node starts V8's platform pool before any JavaScript runs: one delayed-task thread, then `--v8-pool-size` workers
 * (4 by default). V8 runs its concurrent compiler and its GC helpers on those workers, for every isolate of the
 * process. On the system bench they used 3.6 ms of CPU per cycle, in compile jobs of 1–10 ms that go on for minutes
 * (functions called once a cycle reach the optimising tier late). On two cores, such a job on one core and any other
 * work on the second leave an actor that a message wakes queued behind them; the kernel does not preempt a thread
 * of equal priority for it. perf sched, 8 s of the bench: woken cycle threads waited >1 ms 135 times; those workers
 * ran on the waiting thread's core for a quarter of that time.
 *
 * At nice 19 they still get every idle moment, and a woken actor preempts them. The actors, main and the libuv pool
 * keep their priority (threads take their creator's nice, and workers are created by main). Lowering one's own
 * threads needs no privilege. Elsewhere (no /proc/self/task) nothing changes.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';

/** The nice value given to V8's platform workers. */
export const PLATFORM_NICE = 19;

/**
 * Lowers V8's platform workers to PLATFORM_NICE and returns their thread ids ([] where that cannot be done). Call it
 * from the main thread, before anything else starts threads; calling it again lowers the same threads again.
 *
 * Which threads: this process's threads in creation order (thread ids rise), after main: Node's delayed-task thread
 * (an event loop, idle), then the pool's `poolSize` workers. `runtime/thread-priority.test.ts` checks that order on
 * this Node.
 */
export function lowerPlatformThreads(poolSize = v8PoolSize()): number[] {
  if (process.platform !== 'linux' || poolSize <= 0) return [];
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter((t) => Number.isInteger(t) && t !== process.pid).sort((a, b) => a - b);
  } catch {
    return [];
  }
  const workers = tids.slice(1, 1 + poolSize);
  const lowered: number[] = [];
  for (const tid of workers) {
    try {
      setPriority(tid, PLATFORM_NICE);
      lowered.push(tid);
    } catch {
      // A thread that has exited, or a system that refuses: leave it as it is.
    }
  }
  return lowered;
}

/**
 * Node's `--v8-pool-size` (from its command line or NODE_OPTIONS): 4 when not given, and, as Node does, one less than
 * the machine's parallelism (at least 1) when given as 0.
 */
export function v8PoolSize(argv: readonly string[] = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)], parallelism = availableParallelism()): number {
  let size = 4;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--v8-pool-size(?:=(.*))?$/.exec(a);
    if (m === null) continue;
    const raw = m[1] ?? argv[i + 1];
    const n = Number(raw);
    if (raw !== undefined && raw !== '' && Number.isInteger(n) && n >= 0) size = n;
  }
  return size === 0 ? Math.max(parallelism - 1, 1) : size;
}
