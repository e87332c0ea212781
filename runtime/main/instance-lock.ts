/**
 * @module One `volguard run` per data dir: DATA_DIR/volguard.lock, created exclusively (O_EXCL) and holding the
 * holder's pid, host and process start time.
 *
 * A second run on the same DATA_DIR finds the lock, sees its holder alive and refuses, naming the pid. A lock left by
 * a holder that is gone (kill -9, power loss) must not block the restart: the holder is dead when `kill(pid, 0)` says
 * no such process, or when that pid now belongs to a process that started at another time (pid reuse; Linux
 * /proc/<pid>/stat). Then the stale lock is replaced. Two runs racing for a stale lock: only one O_EXCL create wins,
 * the other reads the winner's pid and refuses.
 *
 * Written here rather than taken from npm: the lock libraries (proper-lockfile, lockfile) detect staleness by age,
 * which makes a restart after kill -9 wait out the stale period, and none reports the holder's pid.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VolguardError } from '../errors.ts';

export const LOCK_FILE = 'volguard.lock';

interface Holder {
  readonly pid: number;
  readonly host: string;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22), or null where /proc is absent. */
  readonly started: string | null;
  readonly since: string;
}

/** Another run holds the data dir. */
export class InstanceLockedError extends VolguardError {
  readonly holder: Holder;
  constructor(dataDir: string, holder: Holder) {
    super('LOCKED', `expected DATA_DIR ${dataDir} to be free, was in use by volguard pid ${holder.pid} on ${holder.host} (since ${holder.since}): stop that instance, or give this one another DATA_DIR`);
    this.holder = holder;
  }
}

/** A process's start time (Linux), so a reused pid is not mistaken for the holder. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(h: Holder): boolean {
  if (h.host !== os.hostname()) return true; // another machine's process: we cannot tell, so it holds
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = startTimeOf(h.pid);
  return h.started === null || now === null || now === h.started;
}

function read(file: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return { pid: h.pid, host: h.host, started: typeof h.started === 'string' ? h.started : null, since: String(h.since ?? '?') };
  } catch {
    return null; // torn or foreign content: no live holder can be named
  }
}

export interface InstanceLock {
  readonly file: string;
  /** What was found and replaced (a holder that had died), if anything. */
  readonly replaced: Holder | null;
  release(): void;
}

/** Takes DATA_DIR's lock or throws InstanceLockedError naming the live holder. `dataDir` must exist. */
export function acquireInstanceLock(dataDir: string, now: () => Date = () => new Date()): InstanceLock {
  const file = path.join(dataDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: os.hostname(), started: startTimeOf(process.pid), since: now().toISOString() };
  let replaced: Holder | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      const release = (): void => {
        // Only our own lock: never remove one a later run took over.
        if (read(file)?.pid === me.pid) rmSync(file, { force: true });
      };
      return { file, replaced, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = read(file);
    if (holder !== null && holder.pid !== process.pid && alive(holder)) throw new InstanceLockedError(dataDir, holder);
    // Dead holder, unreadable lock, or our own pid from an earlier life of this pid: replace it.
    replaced = holder;
    rmSync(file, { force: true });
  }
  throw new VolguardError('LOCKED', `expected to take ${file}, was contended five times in a row: is another volguard starting on DATA_DIR ${dataDir}?`);
}
