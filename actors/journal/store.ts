/**
 * @module The journal store: what the journal actor (and the CLI) can do with a journal, independent of where it
 * lives. `journal.ts` implements it once over a `Backend`; `lmdb-store.ts` (LMDB) and `memory-store.ts` (tests)
 * provide backends. Both pass the same contract suite (`store.case.test.ts`).
 */
import type { JournalError } from '../../runtime/errors.ts';
import type {
  AppendRequest,
  AuditRecord,
  CycleRecord,
  JournalEntry,
  JournalStats,
  OrderRecord,
  OrdersQuery,
  RecoverReply,
} from './messages.ts';

export interface ReadOptions {
  /** First seq to return (inclusive). */
  readonly from?: number;
  /** Only entries with ts >= since (epoch ms). */
  readonly since?: number;
  /** Only entries of this type. */
  readonly type?: string;
  readonly limit?: number;
  /** Also check each entry's own hash (default false: replay speed; `verify` checks the whole chain). */
  readonly checkHashes?: boolean;
  /**
   * Only entries of these types. The others are passed over on their type, read from the frame without decoding the
   * rest (skim.ts), so a fault in such an entry's body goes unnoticed here (`verify` reads every entry).
   */
  readonly types?: ReadonlySet<string>;
  /**
   * Per type, the one part of the body wanted, as a path of keys: the entry's body is then only that part, nested under
   * the same keys — `{summary: {pnl: …}}` for `['summary', 'pnl']` — or `{}` when the body has none; only that part is
   * decoded. For reading a figure or two out of many large entries (a day's cycles).
   */
  readonly bodyPaths?: Readonly<Record<string, readonly string[]>>;
}

export interface JournalStore {
  /** Appends one event; resolves with its seq once the transaction is committed (visible, crash-safe vs kill -9). */
  append(req: AppendRequest): Promise<number>;
  /**
   * Appends each entry on its own (its own seq; one that cannot be encoded fails alone), in order; resolves with a seq
   * or an error per entry once all are committed. One promise for the whole array (the coalesced-append path).
   */
  appendEach(reqs: readonly AppendRequest[]): Promise<unknown[]>;
  /** Appends events atomically in one transaction; contiguous seqs. */
  appendBatch(reqs: readonly AppendRequest[]): Promise<{ first: number; last: number }>;
  /** Journals a cycle (event `journal.cycle` + the cycles index); resolves once flushed to disk. */
  commitCycle(record: CycleRecord, actor?: string): Promise<number>;
  /** Journals a control-plane action (event `journal.audit` + the audit index); resolves once flushed. */
  audit(record: AuditRecord, actor?: string): Promise<number>;
  /** Stores an actor's state covering its events up to `seq`; resolves once committed. */
  snapshot(actor: string, state: unknown, seq: number): Promise<number>;
  /** Latest snapshot of `actor` and its events after it. */
  recover(actor: string): RecoverReply;
  kvGet(key: string): { value: unknown; seq: number | null };
  /** Latches a value (event `journal.kv` + kv index); resolves once flushed. */
  kvPut(key: string, value: unknown, actor?: string): Promise<number>;
  orders(query: OrdersQuery): OrderRecord[];
  /** Cycle records, newest first. */
  cycles(limit: number): CycleRecord[];
  /** Audit records with their seq and ts, newest first. */
  audits(limit: number): Array<AuditRecord & { seq: number; ts: number }>;
  /** Decoded entries in seq order. Throws JournalError DECODE on an undecodable entry. */
  read(opts?: ReadOptions): Iterable<JournalEntry>;
  stats(): JournalStats;
  /** Records that everything up to `seq` is in a backup (pruning may then remove it). */
  markBackedUp(seq: number): Promise<void>;
  /**
   * Removes events with ts < cutoffMs that are already in a backup, at most `max` per call; moves the checkpoint
   * (seq + hash of the last removed entry) so the remaining chain still verifies. Returns how many were removed.
   */
  prune(cutoffMs: number, max?: number): Promise<number>;
  /** Resolves when everything committed so far is on disk. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** Called for every fault the store hits (never a silent drop); the actor forwards it to main and the kill switch. */
export type FaultListener = (err: JournalError, seq?: number) => void;

// ---------------------------------------------------------------------------------------------------------------
// Backends: a tiny ordered key-value surface with atomic write batches.

export type Key = number | string | readonly (string | number)[];

export const TABLES = ['events', 'byActor', 'orders', 'cycles', 'audit', 'snapshots', 'kv', 'meta'] as const;
export type Table = (typeof TABLES)[number];

export interface RangeOptions {
  readonly start?: Key;
  /** Exclusive. */
  readonly end?: Key;
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface ScanOptions {
  /** First seq (inclusive). */
  readonly start?: number;
  /** Last seq, exclusive. */
  readonly end?: number;
  readonly reverse?: boolean;
  readonly limit?: number;
  /**
   * false: a long scan does not pin one read snapshot (LMDB renews the read transaction as writers commit, so the
   * writer can reuse freed pages); the scan may then also see entries appended while it runs. Default true.
   */
  readonly snapshot?: boolean;
}

/**
 * Sees one stored frame as `bytes[0, end)`, LENT for the duration of the call only (LMDB hands out its reused read
 * buffer, no copy per row): the result must not point into `bytes`. Must not throw (return the failure instead).
 */
export type FrameVisitor<T> = (bytes: Uint8Array, end: number) => T;

export interface WriteTxn {
  put(table: Table, key: Key, value: unknown): void;
  remove(table: Table, key: Key): void;
}

export interface Backend {
  /** Values of `events` are frames (Uint8Array); other tables hold plain msgpack-able values. */
  get(table: Table, key: Key): unknown;
  range(table: Table, opts?: RangeOptions): Iterable<{ key: Key; value: unknown }>;
  count(table: Table): number;
  /** `events` rows in seq order, each frame handed to `visit` (zero-copy): yields `{seq, value: visit(frame)}`. */
  scanEvents<T>(opts: ScanOptions, visit: FrameVisitor<T>): Iterable<{ seq: number; value: T }>;
  /** One `events` row through `visit` (zero-copy), or undefined when there is none. */
  getEvent<T>(seq: number, visit: FrameVisitor<T>): T | undefined;
  /** Runs `fn` in one atomic write transaction; resolves once committed (all or nothing). */
  transaction(fn: (txn: WriteTxn) => void): Promise<void>;
  /** Resolves when every committed transaction is on disk. */
  flushed(): Promise<void>;
  usedBytes(): number;
  mapSizeBytes(): number;
  close(): Promise<void>;
}
