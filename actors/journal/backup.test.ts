/**
 * A backup that would not fit is refused before anything is written, naming the directory and JOURNAL_BACKUP_DIR;
 * the room it needs is the journal's size plus a margin (worked examples below). Free space is injected (a statfs
 * reading), so the test never depends on the machine's own disk.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { backupJournal, backupRoomNeeded, BackupWouldNotFitError, freeBytes, listBackups } from './backup.ts';
import { openLmdbJournal } from './lmdb-store.ts';

const MIB = 1024 * 1024;

describe('journal backup room', () => {
  it('needs the journal size plus max(64 MiB, 10 %)', () => {
    assert.equal(backupRoomNeeded(10 * MIB), 74 * MIB); // 10 + 64 (10 % would be 1 MiB)
    assert.equal(backupRoomNeeded(1000 * MIB), 1100 * MIB); // 1000 + 100 (10 % beats 64 MiB)
    assert.equal(backupRoomNeeded(0), 64 * MIB);
  });

  it('reads free space from statfs', () => {
    assert.ok(freeBytes(tmpdir()) > 0);
  });

  it('refuses a backup that would not fit (nothing written) and takes one that fits exactly', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vg-backup-'));
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 4, 0, 0));
    const { journal, backend } = openLmdbJournal(path.join(root, 'journal'), { clock });
    try {
      for (let i = 0; i < 10; i++) await journal.append({ actor: 'risk', type: 'risk.assessed', body: { i } });
      const dir = path.join(root, 'elsewhere');
      const need = backupRoomNeeded(backend.usedBytes());
      await assert.rejects(backupJournal(journal, backend, dir, 3, clock.now(), { freeBytes: () => need - 1 }), (err: unknown) => {
        assert.ok(err instanceof BackupWouldNotFitError);
        assert.equal(err.code, 'JOURNAL_DISK_FULL');
        assert.ok(err.message.includes(`free in ${dir} for a journal backup`), err.message);
        assert.match(err.message, /set JOURNAL_BACKUP_DIR to a directory on another volume/);
        return true;
      });
      assert.deepEqual(readdirSync(dir), [], 'no partial file left behind');
      const r = await backupJournal(journal, backend, dir, 3, clock.now(), { freeBytes: () => need });
      assert.ok(existsSync(r.file));
      assert.deepEqual(listBackups(dir), [r.file]);
    } finally {
      await journal.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
