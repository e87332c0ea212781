/**
 * @module Hot backups with rotation, and restore into an empty data dir.
 *
 * A backup is LMDB's consistent copy with compaction (`mdb_env_copy2` via lmdb-js `backup(path, true)`), taken
 * while the writer keeps going. It is written under a temporary name and renamed, so a crash never leaves a
 * half-written file that looks like a backup. File names sort by time: `journal-<UTC yyyymmddThhmmssZ>-s<seq>.mdb`.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { JournalError } from '../../runtime/errors.ts';
import type { Journal } from './journal.ts';
import { JOURNAL_FILE, type LmdbBackend } from './lmdb-store.ts';
import type { BackupResult } from './messages.ts';
import { verifyJournal } from './verify.ts';

const BACKUP_RE = /^journal-\d{8}T\d{6}Z-s\d+\.mdb$/;
const MIB = 1024 * 1024;

/** Bytes available to this (unprivileged) process on the filesystem holding `dir` (statfs). */
export function freeBytes(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

/**
 * Room a backup of a journal of `usedBytes` needs: the copy (compacted, so at most the used size) plus a margin, so
 * that a backup never takes the last space the live journal (often on the same volume) needs to keep appending.
 */
export function backupRoomNeeded(usedBytes: number): number {
  return usedBytes + Math.max(64 * MIB, Math.ceil(usedBytes * 0.1));
}

export interface BackupOptions {
  /** Free bytes where the backup would go (default: statfs). */
  readonly freeBytes?: (dir: string) => number;
}

/** The refusal of a backup that would not fit: a DISK_FULL JournalError saying where to point JOURNAL_BACKUP_DIR. */
export class BackupWouldNotFitError extends JournalError {
  readonly backupDir: string;
  readonly needBytes: number;
  readonly freeBytes: number;
  constructor(backupDir: string, needBytes: number, free: number) {
    super('DISK_FULL', `expected ${Math.ceil(needBytes / MIB)} MiB free in ${backupDir} for a journal backup (its size plus a margin), was ${Math.floor(free / MIB)} MiB: backup skipped; free space there or set JOURNAL_BACKUP_DIR to a directory on another volume`);
    this.backupDir = backupDir;
    this.needBytes = needBytes;
    this.freeBytes = free;
  }
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Copies the live journal into `backupDir`, marks the covered seq, and deletes all but the newest `keep`. Refuses
 * (BackupWouldNotFitError, nothing written) when the filesystem there lacks room for the copy plus a margin.
 */
export async function backupJournal(journal: Journal, backend: LmdbBackend, backupDir: string, keep: number, nowMs: number, opts: BackupOptions = {}): Promise<BackupResult> {
  mkdirSync(backupDir, { recursive: true });
  const need = backupRoomNeeded(backend.usedBytes());
  const free = (opts.freeBytes ?? freeBytes)(backupDir);
  if (free < need) throw new BackupWouldNotFitError(backupDir, need, free);
  // The copy is taken after this point, so it contains at least everything committed up to `seq`.
  const seq = journal.lastSeq;
  const file = path.join(backupDir, `journal-${stamp(nowMs)}-s${seq}.mdb`);
  const tmp = `${file}.partial`;
  rmSync(tmp, { force: true });
  try {
    await backend.backup(tmp);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new JournalError('IO', `expected a backup at ${file}, was an error (${(err as Error).message})`, { cause: err });
  }
  await journal.markBackedUp(seq);
  const removed = rotateBackups(backupDir, keep);
  return { file, seq, bytes: statSync(file).size, removed };
}

/** Keeps the newest `keep` backups; returns the removed paths. */
export function rotateBackups(backupDir: string, keep: number): string[] {
  const files = listBackups(backupDir);
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const f of doomed) {
    rmSync(f, { force: true });
    rmSync(`${f}-lock`, { force: true });
  }
  return doomed;
}

/** Backup files in `backupDir`, oldest first. */
export function listBackups(backupDir: string): string[] {
  if (!existsSync(backupDir)) return [];
  return readdirSync(backupDir).filter((f) => BACKUP_RE.test(f)).sort().map((f) => path.join(backupDir, f));
}

/**
 * Restores `file` as the journal in `journalDir`. Refuses when a journal already exists there (never overwrites a
 * live journal) and when the backup does not verify.
 */
export async function restoreJournal(file: string, journalDir: string): Promise<{ file: string; entries: number; lastSeq: number | null }> {
  if (!existsSync(file)) throw new JournalError('IO', `expected a backup file at ${file}, was none`);
  const target = path.join(journalDir, JOURNAL_FILE);
  if (existsSync(target)) {
    throw new JournalError('IO', `expected an empty journal dir, was a journal at ${target}: refusing to overwrite it (move it away first)`);
  }
  const report = await verifyJournal(file);
  // Opening the backup read-only may leave a lock file beside it; it is not part of the backup.
  if (!report.ok) {
    const p = report.problems[0];
    throw new JournalError('CHAIN', `expected a clean backup, was not: first problem at seq ${p?.seq} (${p?.message})`);
  }
  mkdirSync(journalDir, { recursive: true });
  const tmp = `${target}.restoring`;
  copyFileSync(file, tmp);
  try {
    // link() fails if a journal appeared meanwhile: never replace one, even in a race.
    linkSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { file: target, entries: report.entries, lastSeq: report.lastSeq };
}
