/**
 * @module LMDB backend (lmdb-js): one environment file `<dir>/journal.mdb` with one named sub-database per table.
 *
 * Sync mode is lmdb-js's default (overlappingSync): a transaction's promise resolves when it is committed and
 * visible — it then survives a kill -9 — and `flushed` resolves when it is fsynced. No writemap; noSync only when
 * asked (a backtest's journal: `LmdbOpenOptions.noSync`).
 * Map size: `mapSizeBytes` is the initial virtual reservation; lmdb-js doubles the map by itself when the file
 * outgrows it, so the deliberate limit is the journal's own byte cap (JOURNAL_MAX_SIZE_MB, see journal.ts).
 * Readers in other processes (the CLI) open the same file read-only; LMDB readers never block the writer.
 */
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { JournalError } from '../../runtime/errors.ts';
import type { Clock } from '../../runtime/clock.ts';
import { Journal } from './journal.ts';
import { TABLES, type Backend, type FaultListener, type FrameVisitor, type Key, type RangeOptions, type ScanOptions, type Table, type WriteTxn } from './store.ts';

export const JOURNAL_FILE = 'journal.mdb';

export interface LmdbOpenOptions {
  readonly mapSizeBytes?: number;
  readonly readOnly?: boolean;
  /**
   * Commit without fsync (LMDB's MDB_NOSYNC): a committed transaction is written to the file, so it survives the
   * process being killed, but not the machine losing power. Only for a run that can be made again from its inputs (a
   * backtest): its cycle commits then cost no disk sync each.
   */
  readonly noSync?: boolean;
  /**
   * Free bytes the journal's volume must keep before a write transaction starts (see `transaction`). Default
   * DEFAULT_MIN_FREE_BYTES; 0 turns the guard off.
   */
  readonly minFreeBytes?: number;
  /** Free bytes on the volume holding `dir` (default: statfs); injected by tests. */
  readonly freeBytes?: (dir: string) => number;
}

/**
 * The room a write transaction needs, with a wide margin: a cycle's batch is kilobytes, the largest (a market
 * checkpoint) well under 1 MiB, and LMDB writes only the dirty pages plus the file's growth.
 */
export const DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024;

/** Bytes available to this (unprivileged) process on the filesystem holding `dir` (statfs). */
function statfsFreeBytes(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

/** A visitor's exception, carried out of LMDB's cursor step (which must not throw midway) and rethrown after it. */
class LentFailure {
  constructor(readonly error: unknown) {}
}

export class LmdbBackend implements Backend {
  readonly file: string;
  readonly #root: RootDatabase;
  readonly #dbs: Record<Table, Database>;
  readonly #txn: WriteTxn;
  /**
   * A second handle on `events` whose "decoder" is the current FrameVisitor: lmdb-js hands a decoder that copies
   * (`needsStableBuffer` unset) its reused read buffer with no per-row copy, and unpacking from that one buffer also
   * reuses msgpackr's cached DataView — replay cost is the decode, not allocation. Never written through.
   */
  readonly #frames: Database;
  /** Set only for the duration of one synchronous cursor step / get (so interleaved scans cannot mix visitors). */
  #visit: FrameVisitor<unknown> | null = null;
  readonly #minFreeBytes: number;
  readonly #freeBytes: (dir: string) => number;

  /** Opens `<dir>/journal.mdb` or, when `dir` ends in `.mdb`, that file itself (a backup copy). */
  constructor(dir: string, opts: LmdbOpenOptions = {}) {
    this.file = dir.endsWith('.mdb') ? dir : path.join(dir, JOURNAL_FILE);
    this.#minFreeBytes = opts.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    this.#freeBytes = opts.freeBytes ?? statfsFreeBytes;
    if (opts.readOnly) {
      if (!existsSync(this.file)) throw new JournalError('IO', `expected a journal at ${this.file}, was none`);
    } else {
      mkdirSync(path.dirname(this.file), { recursive: true });
    }
    try {
      this.#root = open({
        path: this.file,
        maxDbs: 16,
        ...(opts.mapSizeBytes !== undefined ? { mapSize: opts.mapSizeBytes } : {}),
        ...(opts.readOnly ? { readOnly: true } : {}),
        ...(opts.noSync === true ? { noSync: true } : {}),
      });
      const dbs: Partial<Record<Table, Database>> = {};
      for (const t of TABLES) dbs[t] = this.#root.openDB(t, t === 'events' ? { encoding: 'binary' } : {});
      this.#dbs = dbs as Record<Table, Database>;
      const lend = (bytes: Uint8Array, size?: unknown): unknown => {
        const visit = this.#visit;
        if (visit === null) return new LentFailure(new Error('expected a frame visitor during an events read, was none'));
        try {
          return visit(bytes, typeof size === 'number' ? size : bytes.length);
        } catch (err) {
          return new LentFailure(err);
        }
      };
      this.#frames = this.#root.openDB('events', { encoder: { encode: (v: unknown) => v, decode: lend } } as never);
    } catch (err) {
      throw new JournalError('IO', `expected to open the journal at ${this.file}, was an error (${(err as Error).message})`, { cause: err });
    }
    const dbs = this.#dbs;
    this.#txn = {
      put: (t, k, v) => void dbs[t].putSync(k as never, v),
      remove: (t, k) => void dbs[t].removeSync(k as never),
    };
  }

  get(table: Table, key: Key): unknown {
    return this.#dbs[table].get(key as never);
  }

  *range(table: Table, opts: RangeOptions = {}): Iterable<{ key: Key; value: unknown }> {
    const o: Record<string, unknown> = {};
    if (opts.start !== undefined) o['start'] = opts.start;
    if (opts.end !== undefined) o['end'] = opts.end;
    if (opts.reverse) o['reverse'] = true;
    if (opts.limit !== undefined) o['limit'] = opts.limit;
    for (const { key, value } of this.#dbs[table].getRange(o)) yield { key: key as Key, value };
  }

  *scanEvents<T>(opts: ScanOptions, visit: FrameVisitor<T>): Iterable<{ seq: number; value: T }> {
    const o: Record<string, unknown> = {};
    if (opts.start !== undefined) o['start'] = opts.start;
    if (opts.end !== undefined) o['end'] = opts.end;
    if (opts.reverse) o['reverse'] = true;
    if (opts.limit !== undefined) o['limit'] = opts.limit;
    if (opts.snapshot === false) o['snapshot'] = false;
    const it = this.#frames.getRange(o)[Symbol.iterator]();
    try {
      for (;;) {
        let r: IteratorResult<{ key: unknown; value: unknown }>;
        this.#visit = visit as FrameVisitor<unknown>;
        try {
          r = it.next();
        } finally {
          this.#visit = null;
        }
        if (r.done) return;
        const value = r.value.value;
        if (value instanceof LentFailure) throw value.error;
        yield { seq: r.value.key as number, value: value as T };
      }
    } finally {
      it.return?.();
    }
  }

  getEvent<T>(seq: number, visit: FrameVisitor<T>): T | undefined {
    let value: unknown;
    this.#visit = visit as FrameVisitor<unknown>;
    try {
      value = this.#frames.get(seq);
    } finally {
      this.#visit = null;
    }
    if (value instanceof LentFailure) throw value.error;
    return value as T | undefined;
  }

  count(table: Table): number {
    return (this.#dbs[table].getStats() as { entryCount: number }).entryCount;
  }

  /**
   * Synchronous commit on the caller's thread (the journal actor's own worker, which does nothing else). lmdb-js's
   * async `transaction(callback)` hops to its write thread, back to this thread to run the callback, and back again
   * to commit: three thread wake-ups per batch, which on this 2-vCPU VM put the p99 of a cycle commit at 4-6 ms
   * against 0.6-1.5 ms committed here. A synchronous commit also syncs inside `mdb_txn_commit` on this thread (one
   * fdatasync, ~0.4 ms on this disk), so a committed batch is already on disk: stronger than the async path, where
   * `flushed()` waited for a background sync. The journal only blocks its own thread for it.
   */
  async transaction(fn: (txn: WriteTxn) => void): Promise<void> {
    this.#ensureRoom();
    this.#root.transactionSync(() => fn(this.#txn));
  }

  /**
   * Refuses a write transaction, before LMDB sees it, when the volume is (nearly) full. LMDB's own ENOSPC path is not
   * safe to reach: under lmdb-js 3.5 a commit that fails with ENOSPC has been seen to print garbage buffer sizes and
   * abort the whole process ("munmap_chunk(): invalid pointer") a few commits later (test/integration/disk-full), and
   * lmdb-js's maintainer names running out of disk as the usual cause of its crashes. A refused transaction is a
   * DISK_FULL JournalError like any other (the kill switch halts on it), nothing is written, and appends resume by
   * themselves once space is freed. Another process can still fill the volume between this check and the commit: the
   * margin makes that unlikely, not impossible.
   */
  #ensureRoom(): void {
    if (this.#minFreeBytes <= 0) return;
    let free: number;
    try {
      free = this.#freeBytes(path.dirname(this.file));
    } catch {
      return; // statfs unavailable: LMDB's own error is still classified
    }
    if (free < this.#minFreeBytes) {
      throw new JournalError('DISK_FULL', `expected at least ${Math.ceil(this.#minFreeBytes / 1024 / 1024)} MiB free on the journal's volume (${path.dirname(this.file)}) before writing, was ${(free / 1024 / 1024).toFixed(1)} MiB: nothing written; free space there (appends resume by themselves)`);
    }
  }

  async flushed(): Promise<void> {
    await this.#root.flushed;
  }

  usedBytes(): number {
    const s = this.#root.getStats() as { lastPageNumber: number; pageSize: number };
    return (s.lastPageNumber + 1) * s.pageSize;
  }

  mapSizeBytes(): number {
    return (this.#root.getStats() as { mapSize: number }).mapSize;
  }

  /** Hot, consistent copy (compacted) while writers keep going. */
  async backup(file: string): Promise<void> {
    await this.#root.backup(file, true);
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}

export interface OpenJournalOptions {
  readonly clock: Clock;
  readonly mapSizeBytes?: number;
  readonly maxBytes?: number;
  /** See LmdbOpenOptions.minFreeBytes. */
  readonly minFreeBytes?: number;
  /** See LmdbOpenOptions.freeBytes. */
  readonly freeBytes?: (dir: string) => number;
  readonly onFault?: FaultListener;
  /** See LmdbOpenOptions.noSync. */
  readonly noSync?: boolean;
}

/** The journal on LMDB, plus the backend for backups. */
export function openLmdbJournal(dir: string, opts: OpenJournalOptions): { journal: Journal; backend: LmdbBackend } {
  const backend = new LmdbBackend(dir, {
    ...(opts.mapSizeBytes !== undefined ? { mapSizeBytes: opts.mapSizeBytes } : {}),
    ...(opts.noSync === true ? { noSync: true } : {}),
    ...(opts.minFreeBytes !== undefined ? { minFreeBytes: opts.minFreeBytes } : {}),
    ...(opts.freeBytes !== undefined ? { freeBytes: opts.freeBytes } : {}),
  });
  try {
    const journal = new Journal(backend, {
      clock: opts.clock,
      maxBytes: opts.maxBytes ?? Number.MAX_SAFE_INTEGER,
      ...(opts.onFault ? { onFault: opts.onFault } : {}),
    });
    return { journal, backend };
  } catch (err) {
    void backend.close();
    throw err;
  }
}
