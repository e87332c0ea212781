/**
 * @module The journal actor's only import point: its spec, its config section, its client and its message types.
 * (`verifyJournal`, for main and the CLI, is verify.ts: it opens LMDB, which no other actor's worker should load.)
 */
import path from 'node:path';
import type { ActorSpec } from '../../runtime/spec.ts';
import { MIB, type JournalConfig, type JournalSection } from './config.ts';

export { journalClient, type JournalClient, type Requester } from './client.ts';
export * from './messages.ts';
export { journalSection, type JournalSection } from './config.ts';

/** Where backups go: JOURNAL_BACKUP_DIR, or DATA_DIR/backup. */
export function journalBackupDir(cfg: Pick<JournalSection, 'DATA_DIR' | 'JOURNAL_BACKUP_DIR'>): string {
  return cfg.JOURNAL_BACKUP_DIR ?? path.join(cfg.DATA_DIR, 'backup');
}

/**
 * The journal actor: started first in the tree and stopped last (every other actor journals through it).
 * Permanent: a crash restarts it; the restarted journal continues the sequence and chain from disk.
 * `opts.fsync: false`: a backtest's journal, whose commits are not fsynced (JournalConfig.fsync).
 * @example children: [journalActorSpec(journalSection(cfg)), …]
 */
export function journalActorSpec(cfg: JournalSection, opts: { readonly fsync?: boolean } = {}): ActorSpec {
  const config: JournalConfig = {
    dir: path.join(cfg.DATA_DIR, 'journal'),
    backupDir: journalBackupDir(cfg),
    backupIntervalS: cfg.JOURNAL_BACKUP_INTERVAL_S,
    backupKeep: cfg.JOURNAL_BACKUP_KEEP,
    mapSizeBytes: cfg.JOURNAL_MAP_SIZE_MB * MIB,
    maxBytes: cfg.JOURNAL_MAX_SIZE_MB * MIB,
    minFreeBytes: cfg.JOURNAL_MIN_FREE_MB * MIB,
    retainDays: cfg.JOURNAL_RETAIN_DAYS,
    ...(opts.fsync === false ? { fsync: false } : {}),
  };
  return {
    name: 'journal',
    entry: 'actors/journal/worker.ts',
    config,
    restart: 'permanent',
    // Long enough to finish an in-flight backup and the last flush on a slow disk.
    shutdownMs: 15_000,
    startTimeoutMs: 15_000,
  };
}
