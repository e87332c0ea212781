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
import { existsSync, mkdirSync } from 'node:fs';
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

  /** Opens `<dir>/journal.mdb` or, when `dir` ends in `.mdb`, that file itself (a backup copy). */
  constructor(dir: string, opts: LmdbOpenOptions = {}) {
    this.file = dir.endsWith('.mdb') ? dir : path.join(dir, JOURNAL_FILE);
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
    this.#root.transactionSync(() => fn(this.#txn));
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
  readonly onFault?: FaultListener;
  /** See LmdbOpenOptions.noSync. */
  readonly noSync?: boolean;
}

/** The journal on LMDB, plus the backend for backups. */
export function openLmdbJournal(dir: string, opts: OpenJournalOptions): { journal: Journal; backend: LmdbBackend } {
  const backend = new LmdbBackend(dir, { ...(opts.mapSizeBytes !== undefined ? { mapSizeBytes: opts.mapSizeBytes } : {}), ...(opts.noSync === true ? { noSync: true } : {}) });
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
