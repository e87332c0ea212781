import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { IdleScavenger } from './idle-gc.ts';

/** Resolves at this thread's next minor GC, as V8 reports it (entries arrive a few turns after the collection). */
function nextMinorGc(): Promise<void> {
  return new Promise((resolve) => {
    const obs = new PerformanceObserver((list) => {
      if (list.getEntries().some((e: PerformanceEntry) => ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MINOR)) {
        obs.disconnect();
        resolve();
      }
    });
    obs.observe({ entryTypes: ['gc'] });
  });
}

/** The scavenger's timer does not hold a process open (unref): this keeps the test's loop alive until `p` settles. */
async function alive<T>(p: Promise<T>): Promise<T> {
  const keep = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(keep);
  }
}

test('after a quiet moment, a new space filled past the threshold is scavenged: a real minor GC', { timeout: 20_000 }, async () => {
  const minorGc = nextMinorGc();
  const scavenged = await alive(new Promise<boolean>((resolve) => {
    const s = new IdleScavenger({ quietMs: 0, minFill: 0, onQuiet: resolve });
    s.touch();
  }));
  assert.equal(scavenged, true);
  await alive(minorGc);
});

test('a new space below the threshold is left alone, and each touch pushes the quiet moment back', async () => {
  const outcomes: boolean[] = [];
  await alive(new Promise<void>((resolve) => {
    // A fill above 100 % is never reached: never due.
    const s = new IdleScavenger({ quietMs: 5, minFill: 1.01, onQuiet: (scavenged) => { outcomes.push(scavenged); resolve(); } });
    s.touch();
    s.touch();
    s.touch();
  }));
  assert.deepEqual(outcomes, [false], 'three touches in a row: one quiet moment, nothing collected');
});
