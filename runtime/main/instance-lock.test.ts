/**
 * The instance lock against real pids: a live holder refuses with its pid; a dead one (exited, or its pid reused by
 * a process that started at another time) and unreadable content are replaced; release removes only our own lock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireInstanceLock, InstanceLockedError, LOCK_FILE } from './instance-lock.ts';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vg-lock-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function holder(dir: string, h: Record<string, unknown>): void {
  writeFileSync(path.join(dir, LOCK_FILE), `${JSON.stringify({ host: os.hostname(), since: '2026-12-01T00:00:00.000Z', ...h })}\n`);
}

/** The pid of a process that has exited (spawned and waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid !== undefined && r.status === 0);
  return r.pid;
}

describe('instance lock', () => {
  it('refuses while a live process holds it, naming the pid', () => {
    withDir((dir) => {
      holder(dir, { pid: process.ppid, started: null });
      assert.throws(() => acquireInstanceLock(dir), (err: unknown) => err instanceof InstanceLockedError && err.message.includes(`pid ${process.ppid}`) && err.message.includes(dir));
    });
  });

  it('replaces the lock of a holder that has exited', () => {
    withDir((dir) => {
      const pid = deadPid();
      holder(dir, { pid, started: null });
      const lock = acquireInstanceLock(dir);
      assert.equal(lock.replaced?.pid, pid);
      assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
      lock.release();
      assert.equal(existsSync(lock.file), false);
    });
  });

  it('replaces the lock when its pid now belongs to a process that started at another time (pid reuse)', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, () => {
    withDir((dir) => {
      holder(dir, { pid: process.ppid, started: '1' });
      assert.equal(acquireInstanceLock(dir).replaced?.pid, process.ppid);
    });
  });

  it('replaces unreadable content and refuses a second acquire in the same data dir', () => {
    withDir((dir) => {
      writeFileSync(path.join(dir, LOCK_FILE), '{"pid":');
      const lock = acquireInstanceLock(dir);
      assert.equal(lock.replaced, null);
      // Our own pid in the lock is "an earlier life of this pid" only for another process; here it is the holder.
      holder(dir, { pid: process.ppid, started: null });
      assert.throws(() => acquireInstanceLock(dir), InstanceLockedError);
      lock.release();
      assert.ok(existsSync(lock.file), 'release never removes a lock someone else holds');
    });
  });
});
