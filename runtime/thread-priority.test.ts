/**
 * V8's platform workers run at nice 19; main, the delayed-task thread and worker threads keep nice 0. In a child
 * process, so that the threads are counted from a fresh start and `--v8-pool-size` can be set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { v8PoolSize } from './thread-priority.ts';

const MODULE = fileURLToPath(new URL('./thread-priority.ts', import.meta.url));

// The child lowers the pool, starts a worker thread, then makes V8 mark and sweep a large heap (its platform workers
// do that concurrently) and reports, per thread: nice and CPU ticks (utime + stime) spent after the lowering.
const CHILD = `
import { readFileSync, readdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { lowerPlatformThreads } from ${JSON.stringify(MODULE)};
const stat = (t) => readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ');
const threads = () => readdirSync('/proc/self/task').map(Number).sort((a, b) => a - b);
const lowered = lowerPlatformThreads();
const ticks0 = new Map(threads().map((t) => [t, Number(stat(t)[11]) + Number(stat(t)[12])]));
const w = new Worker('require("node:worker_threads").parentPort.postMessage(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop())', { eval: true, execArgv: [] });
const workerTid = Number(await new Promise((r) => w.once('message', r)));
let keep = [];
for (let round = 0; round < 6; round++) { keep = []; for (let i = 0; i < 1_500_000; i++) keep.push({ i, s: 'x' + i }); }
const report = threads().map((t) => ({ tid: t, nice: Number(stat(t)[16]), ticks: Number(stat(t)[11]) + Number(stat(t)[12]) - (ticks0.get(t) ?? 0) }));
console.log(JSON.stringify({ pid: process.pid, lowered, workerTid, report, kept: keep.length }));
await w.terminate();
`;

interface Report { pid: number; lowered: number[]; workerTid: number; report: Array<{ tid: number; nice: number; ticks: number }> }

function runChild(poolSize: number): Report {
  const out = execFileSync(process.execPath, ['--import', 'tsx', `--v8-pool-size=${poolSize}`, '--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Report;
}

test('exactly the pool\'s workers go to nice 19, and they are the threads that did V8\'s concurrent GC work', { skip: process.platform !== 'linux' }, () => {
  for (const size of [2, 3]) {
    const r = runChild(size);
    const byTid = new Map(r.report.map((t) => [t.tid, t]));
    assert.equal(r.lowered.length, size, `expected ${size} lowered threads, was ${JSON.stringify(r.lowered)}`);
    for (const tid of r.lowered) assert.equal(byTid.get(tid)?.nice, 19, `thread ${tid}`);
    // Everything else keeps its priority: main, the delayed-task thread, the worker thread, the loader's and libuv's.
    for (const t of r.report) if (!r.lowered.includes(t.tid)) assert.equal(t.nice, 0, `thread ${t.tid} (main ${r.pid}, worker ${r.workerTid})`);
    assert.equal(r.lowered.includes(r.pid), false);
    assert.equal(r.lowered.includes(r.workerTid), false);
    // They are V8's workers: marking and sweeping a ~200 MB heap ran on them.
    const work = r.lowered.reduce((sum, tid) => sum + (byTid.get(tid)?.ticks ?? 0), 0);
    assert.ok(work > 0, `expected the lowered threads to have done the concurrent GC work, ticks were ${JSON.stringify(r.report)}`);
  }
});

test('the pool size is read as Node reads --v8-pool-size', () => {
  assert.equal(v8PoolSize([], 8), 4);
  assert.equal(v8PoolSize(['--v8-pool-size=2'], 8), 2);
  assert.equal(v8PoolSize(['--v8-pool-size', '3'], 8), 3);
  assert.equal(v8PoolSize(['--max-old-space-size=100', '--v8-pool-size=6', ''], 8), 6);
  // 0: Node's own choice, one less than the parallelism, at least one.
  assert.equal(v8PoolSize(['--v8-pool-size=0'], 8), 7);
  assert.equal(v8PoolSize(['--v8-pool-size=0'], 1), 1);
  // Not a size: Node's default stands.
  assert.equal(v8PoolSize(['--v8-pool-size=x'], 8), 4);
  assert.equal(v8PoolSize(['--v8-pool-size='], 8), 4);
});
