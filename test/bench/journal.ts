/**
 * @module Journal bench (through the store, real LMDB in a temp dir, default crash-safe sync mode):
 * - append_per_s: 200k appends issued as fast as callers can, each acknowledged at commit, then one `flushed`
 *   (batched, durable); time from first call to flushed.
 * - cycle_commit_p99_ms: one cycle's 20 records (19 appends + commitCycle) from send to flushed, 300 cycles.
 * - replay_rows_per_s: decoded (and hash-checked) read of the whole log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import type { CycleRecord } from '../../actors/journal/messages.ts';
import { percentile, type Figure } from './main.ts';

const APPENDS = 200_000;
const CYCLES = 300;

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-bench-journal-'));
  try {
    const { journal } = openLmdbJournal(dir, { clock: realClock, mapSizeBytes: 512 * 1024 * 1024 });
    const body = { underlying: 'NIFTY', strike: 24500, right: 'CE', delta: -0.21, vega: 12.5, note: 'risk.assessed' };

    const t0 = performance.now();
    const acks: Array<Promise<number>> = [];
    for (let i = 0; i < APPENDS; i++) {
      acks.push(journal.append({ actor: 'risk', type: 'risk.assessed', cycleId: 'c', body }));
      // Yield now and then like real senders (messages arrive over many event turns).
      if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(acks);
    await journal.flushed();
    const appendPerS = APPENDS / ((performance.now() - t0) / 1000);

    const lat: number[] = [];
    for (let c = 0; c < CYCLES; c++) {
      const s = performance.now();
      const parts: Array<Promise<number>> = [];
      for (let k = 0; k < 19; k++) parts.push(journal.append({ actor: 'executor', type: 'executor.decision', cycleId: `k${c}`, body: { k, ...body } }));
      const rec: CycleRecord = {
        cycleId: `k${c}`, ts: realClock.now(), durationMs: 10, overrun: false, summary: { proposals: 2 },
        stages: { read_market: 1, assess_risk: 4, check_safety: 0.2, execute: 3, journal: 1 },
      };
      parts.push(journal.commitCycle(rec));
      await Promise.all(parts);
      lat.push(performance.now() - s);
    }

    const r0 = performance.now();
    let rows = 0;
    for (const _e of journal.read()) rows++;
    const replayPerS = rows / ((performance.now() - r0) / 1000);
    await journal.close();

    return [
      { suite: 'journal', metric: 'append_per_s', value: appendPerS, unit: '1/s', budget: '>= 100000' },
      { suite: 'journal', metric: 'cycle_commit_p99_ms', value: percentile(lat, 99), unit: 'ms', budget: '<= 5' },
      { suite: 'journal', metric: 'cycle_commit_p50_ms', value: percentile(lat, 50), unit: 'ms' },
      { suite: 'journal', metric: 'replay_rows_per_s', value: replayPerS, unit: '1/s', budget: '>= 400000' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
