/**
 * The journal keeps a free-space reserve on its volume: below it a write fails with DISK_FULL before LMDB sees it
 * (LMDB's own ENOSPC path can abort the process: test/integration/disk-full.test.ts fills a real volume). Free space
 * is injected (a statfs reading), so the test never depends on the machine's own disk.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { JournalError } from '../../runtime/errors.ts';
import { DEFAULT_MIN_FREE_BYTES, openLmdbJournal } from './lmdb-store.ts';
import { verifyBackend } from './verify.ts';

const MIB = 1024 * 1024;

describe('journal free-space reserve', () => {
  it('defaults to 8 MiB (JOURNAL_MIN_FREE_MB)', () => {
    assert.equal(DEFAULT_MIN_FREE_BYTES, 8 * MIB);
  });

  it('refuses a write below the reserve (DISK_FULL, nothing written, chain intact) and resumes once space is back', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vg-room-'));
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 4, 0, 0));
    let free = 100 * MIB;
    const faults: string[] = [];
    const { journal, backend } = openLmdbJournal(path.join(root, 'journal'), { clock, minFreeBytes: 4 * MIB, freeBytes: () => free, onFault: (err) => faults.push(err.kind) });
    try {
      assert.equal(await journal.append({ actor: 'risk', type: 'risk.assessed', body: { i: 1 } }), 1);
      free = 4 * MIB - 1; // one byte short of the reserve
      await assert.rejects(journal.append({ actor: 'risk', type: 'risk.assessed', body: { i: 2 } }), (err: unknown) => {
        assert.ok(err instanceof JournalError);
        assert.equal(err.kind, 'DISK_FULL');
        assert.equal(err.code, 'JOURNAL_DISK_FULL');
        assert.match(err.message, /expected at least 4 MiB free on the journal's volume .* was 4\.0 MiB: nothing written/);
        return true;
      });
      assert.deepEqual(faults, ['DISK_FULL'], 'the fault is reported, so the kill switch halts on it');
      assert.equal(journal.lastSeq, 1, 'nothing written');
      free = 4 * MIB; // exactly the reserve: writes again
      assert.equal(await journal.append({ actor: 'risk', type: 'risk.assessed', body: { i: 3 } }), 2, 'the sequence continues without a gap');
      const report = verifyBackend(backend, 10);
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.equal(report.entries, 2);
    } finally {
      await journal.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('minFreeBytes 0 turns the guard off', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vg-room-'));
    const { journal } = openLmdbJournal(path.join(root, 'journal'), { clock: new ManualClock(0), minFreeBytes: 0, freeBytes: () => 0 });
    try {
      assert.equal(await journal.append({ actor: 'risk', type: 'risk.assessed', body: {} }), 1);
    } finally {
      await journal.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
