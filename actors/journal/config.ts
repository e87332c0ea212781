/**
 * @module Environment variables owned by the journal actor (merged into the one boot-time schema in runtime/main/config.ts).
 */
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envNumber, envString, keysOf, pickSection } from '../../runtime/config-kit.ts';
import type { SystemValues } from '../../runtime/system-env.ts';

export const journalEnv = {
  /** Seconds between hot backups into DATA_DIR/backup; 0 turns periodic backups off (`journal backup` still works). */
  JOURNAL_BACKUP_INTERVAL_S: envNumber({ int: true, min: 0, max: 7 * 86_400 }).default(3600),
  /**
   * Where backups go (default DATA_DIR/backup). Best on another volume than DATA_DIR: a backup that would not fit
   * (its size plus a margin) is skipped and said so once.
   */
  JOURNAL_BACKUP_DIR: envString().optional(),
  /** How many backup files rotation keeps (newest first). */
  JOURNAL_BACKUP_KEEP: envNumber({ int: true, min: 1, max: 1000 }).default(24),
  /** Initial LMDB map size, MiB. LMDB grows it by doubling as the file grows (virtual address space, not disk). */
  JOURNAL_MAP_SIZE_MB: envNumber({ int: true, min: 1, max: 1_048_576 }).default(256),
  /** Hard cap on the journal's used size, MiB: past it appends fail with JournalError MAP_FULL (never silently). */
  JOURNAL_MAX_SIZE_MB: envNumber({ int: true, min: 1, max: 1_048_576 }).default(16_384),
  /**
   * Free space, MiB, the journal's volume must keep before each write: below it appends fail with DISK_FULL before
   * LMDB sees them (LMDB's own out-of-space path can abort the process); 0 turns the guard off.
   */
  JOURNAL_MIN_FREE_MB: envNumber({ int: true, min: 0, max: 1_048_576 }).default(8),
  /** Prune events older than this many days once they are in a backup; 0 keeps everything. */
  JOURNAL_RETAIN_DAYS: envNumber({ min: 0, max: 3650 }).default(0),
} satisfies EnvShape;

/** The journal's slice of Config, as the actor and the store see it (structured-clone safe). */
export interface JournalConfig {
  /** DATA_DIR/journal: the LMDB environment lives here. */
  readonly dir: string;
  /** JOURNAL_BACKUP_DIR, or DATA_DIR/backup. */
  readonly backupDir: string;
  readonly backupIntervalS: number;
  readonly backupKeep: number;
  readonly mapSizeBytes: number;
  readonly maxBytes: number;
  /** JOURNAL_MIN_FREE_MB in bytes (LmdbOpenOptions.minFreeBytes). */
  readonly minFreeBytes: number;
  readonly retainDays: number;
  /**
   * false: commits are not fsynced (they survive a killed process, not a power loss). Set by the wiring for a backtest,
   * which can always be run again from its recording; never by configuration. Default true.
   */
  readonly fsync?: boolean;
}

export const MIB = 1024 * 1024;

/** Everything the journal's spec reads: its own variables and DATA_DIR. */
export type JournalSection = EnvValues<typeof journalEnv> & Pick<SystemValues, 'DATA_DIR'>;

/** Cuts the journal's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function journalSection(cfg: JournalSection): JournalSection {
  return pickSection(cfg, [...keysOf(journalEnv), 'DATA_DIR']);
}
