import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { IdleScavenger } from './idle-gc.ts';

/** Resolves at this thread's next GC of `kind`, as V8 reports it (entries arrive a few turns after the collection). */
function nextGc(kind: number): Promise<void> {
  return new Promise((resolve) => {
    const obs = new PerformanceObserver((list) => {
      if (list.getEntries().some((e: PerformanceEntry) => ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === kind)) {
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
  const minorGc = nextGc(constants.NODE_PERFORMANCE_GC_MINOR);
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

function oldSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

/** One quiet moment of `s`, awaited. */
function quiet(s: IdleScavenger, outcomes: boolean[]): Promise<void> {
  const before = outcomes.length;
  return alive(new Promise<void>((resolve) => {
    const poll = (): void => void (outcomes.length > before ? resolve() : setImmediate(poll));
    s.touch();
    poll();
  }));
}

test('the old space grown past the threshold since the last full GC gets a full GC in the quiet moment, and only then', { timeout: 30_000 }, async () => {
  // The V8 flag the scavenger itself sets; here to promote on purpose (two scavenges move survivors to the old space).
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (o: { type: 'minor' | 'major' }) => void;
  const outcomes: boolean[] = [];
  // Never a minor GC (fill above 100 %); a full one at 4 MiB of growth (the 1 % fraction is smaller on this heap).
  const s = new IdleScavenger({ quietMs: 0, minFill: 1.01, oldGrowth: 0.01, oldGrowthMinBytes: 4 * 2 ** 20, onQuiet: (x) => outcomes.push(x) });
  await quiet(s, outcomes); // the first quiet moment sets the level
  await quiet(s, outcomes); // nothing grew: nothing collected
  assert.equal(s.fullGcs, 0);

  const base = oldSpaceUsed();
  const kept: number[][] = [];
  for (let i = 0; i < 120_000; i++) kept.push([i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7]);
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  assert.ok(oldSpaceUsed() - base > 6 * 2 ** 20, `expected the kept arrays promoted (over 6 MiB), was ${oldSpaceUsed() - base} bytes`);

  const major = nextGc(constants.NODE_PERFORMANCE_GC_MAJOR);
  await quiet(s, outcomes);
  assert.equal(s.fullGcs, 1, 'grown by more than 4 MiB: one full GC');
  await alive(major);
  // Still held, so still there: the new level is the base, and the next quiet moment leaves it alone.
  await quiet(s, outcomes);
  assert.equal(s.fullGcs, 1);
  assert.equal(kept.length, 120_000);
});
