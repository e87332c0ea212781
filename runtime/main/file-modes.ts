/**
 * @module File modes: the journal, the logs, the backups and the token are private to the service's user.
 *
 * `volguard run` sets the process umask from VOLGUARD_UMASK (default 077) before it creates anything, so every
 * directory and file it (or any actor thread: the umask is per process) creates is 0700 / 0600. At start it also
 * checks what already exists — trees created before this rule, or by another tool — and tightens anything more open
 * than the umask allows (`mode & ~umask`), logging what it changed. Tightening, not refusing: the owner loses nothing
 * and an upgraded data dir just works. It refuses to start (ConfigError naming the variable) only when a path cannot
 * be tightened (owned by someone else, EPERM) or when the directory is a shared one (sticky bit, like /tmp): a data
 * dir must be a directory of its own.
 *
 * Only what VolGuard owns is touched: the configured directories themselves and the entries it creates in them
 * (journal/, backup/, paper/, recordings/, admin.token, the instance lock, volguard.log*), recursively inside those.
 */
import { chmodSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/** Entries of DATA_DIR that VolGuard creates (directories are walked). */
const DATA_ENTRIES: readonly string[] = ['journal', 'backup', 'paper', 'recordings', 'admin.token', 'volguard.lock'];
const LOG_FILE = /^volguard\.log/;

export interface TightenTarget {
  /** The variable that names the directory, for messages. */
  readonly variable: string;
  readonly dir: string;
  /** Which entries of `dir` are ours (undefined: all of them). */
  readonly owns?: (name: string) => boolean;
}

export interface Tightened {
  readonly path: string;
  readonly from: number;
  readonly to: number;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/** The directories and entries `run` owns, from its configuration. */
export function ownedTargets(dirs: { DATA_DIR: string; LOG_DIR: string; JOURNAL_BACKUP_DIR?: string | undefined }): TightenTarget[] {
  const out: TightenTarget[] = [
    { variable: 'DATA_DIR', dir: dirs.DATA_DIR, owns: (n) => DATA_ENTRIES.includes(n) },
    { variable: 'LOG_DIR', dir: dirs.LOG_DIR, owns: (n) => LOG_FILE.test(n) },
  ];
  if (dirs.JOURNAL_BACKUP_DIR !== undefined) out.push({ variable: 'JOURNAL_BACKUP_DIR', dir: dirs.JOURNAL_BACKUP_DIR, owns: (n) => /^journal-.*\.mdb/.test(n) });
  return out;
}

/**
 * Removes from every owned path the permission bits `umask` forbids. Returns what changed.
 * @throws ConfigError when a directory is shared (sticky bit) or a path cannot be tightened.
 */
export function tightenModes(targets: readonly TightenTarget[], umask: number): Tightened[] {
  const changed: Tightened[] = [];
  const visit = (variable: string, p: string, recurse: boolean): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return; // the target's own mode is what counts, and it may not be ours
    const mode = st.mode & 0o7777;
    const want = mode & ~umask;
    if (want !== mode) {
      try {
        chmodSync(p, want);
      } catch (err) {
        throw new ConfigError([{
          variable,
          message: `expected ${p} to be ${octal(want)} or tighter (VOLGUARD_UMASK ${octal(umask)}), was ${octal(mode)} and could not be changed (${(err as NodeJS.ErrnoException).code ?? String(err)}): fix its owner or mode, or point ${variable} elsewhere`,
        }]);
      }
      changed.push({ path: p, from: mode, to: want });
    }
    if (recurse && st.isDirectory()) for (const name of readdirSync(p)) visit(variable, path.join(p, name), true);
  };
  for (const t of targets) {
    if (!existsSync(t.dir)) continue;
    const st = lstatSync(t.dir);
    if (st.isDirectory() && (st.mode & 0o1000) !== 0) {
      throw new ConfigError([{ variable: t.variable, message: `expected a directory of its own, was ${t.dir}, a shared directory (sticky bit, like /tmp): use a subdirectory` }]);
    }
    visit(t.variable, t.dir, false);
    if (!st.isDirectory()) continue;
    for (const name of readdirSync(t.dir)) if (t.owns === undefined || t.owns(name)) visit(t.variable, path.join(t.dir, name), true);
  }
  return changed;
}

/** Sets the process umask (main thread only); returns the previous one. */
export function applyUmask(umask: number): number {
  return process.umask(umask);
}

export { octal as formatMode };
