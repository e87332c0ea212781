/**
 * The paper books' durability: a record is written before `append` returns (it survives the process dying), the disk
 * sync runs off the calling thread, one at a time, covering every line written meanwhile; a failed sync is loud.
 * The sync is injected and held by hand, so nothing here depends on the machine's disk speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PaperLog, type BackgroundSync, type PaperRecord } from './log.ts';

const rec = (n: number): PaperRecord => ({ k: 'reject', ts: n, brokerOrderId: `P${n}`, reason: 'test' });

/** A sync that does nothing until released, in order. */
function heldSync(): { sync: BackgroundSync; pending: Array<(err: NodeJS.ErrnoException | null) => void> } {
  const pending: Array<(err: NodeJS.ErrnoException | null) => void> = [];
  return { sync: (_fd, done) => void pending.push(done), pending };
}

test('append writes before it returns and leaves the sync to the background: a re-open reads every record while the sync is still held', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-paperlog-'));
  try {
    const held = heldSync();
    const { log } = PaperLog.open(dir, { sync: held.sync });
    log.append(rec(1));
    log.append(rec(2));
    assert.equal(held.pending.length, 1, 'one sync in flight, not one per record on the calling thread');
    // A process killed now: what was written is in the file (the page cache outlives the process).
    const { records, log: reader } = PaperLog.open(dir, { sync: heldSync().sync });
    assert.deepEqual(records.map((r) => r.brokerOrderId), ['P1', 'P2']);
    reader.close();
    log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('syncs coalesce: lines written during a sync go in the next one, and synced() waits for the sync that covers them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-paperlog-'));
  try {
    const held = heldSync();
    const { log } = PaperLog.open(dir, { sync: held.sync });
    log.append(rec(1));
    const first = log.synced();
    log.append(rec(2));
    log.append(rec(3));
    const second = log.synced();
    let firstDone = false;
    let secondDone = false;
    void first.then(() => (firstDone = true));
    void second.then(() => (secondDone = true));
    assert.equal(held.pending.length, 1);
    held.pending.shift()!(null);
    await first;
    assert.equal(firstDone, true);
    assert.equal(secondDone, false, 'records 2 and 3 were written after the first sync started');
    assert.equal(held.pending.length, 1, 'one more sync for both');
    held.pending.shift()!(null);
    await second;
    assert.equal(held.pending.length, 0);
    // Nothing written since: already synced.
    await log.synced();
    log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed background sync makes the next append throw, naming the file and the cause', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-paperlog-'));
  try {
    const held = heldSync();
    const { log } = PaperLog.open(dir, { sync: held.sync });
    log.append(rec(1));
    held.pending.shift()!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    assert.throws(() => log.append(rec(2)), /paper log .*orders\.jsonl: expected its books synced to disk, was a sync failure \(EIO: i\/o error, fdatasync\)/);
    log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
