/**
 * @module The journal, implemented once over any `Backend` (LMDB in production, a Map in tests).
 *
 * Writes: every write (append, cycle, audit, kv, snapshot, prune) is queued; one flush per event turn takes the
 * whole queue, assigns seqs and hashes from the committed head, and writes it as ONE transaction. Only one
 * transaction is in flight at a time, so a failed transaction can never leave a gap under a later one: the head
 * moves only after a commit. Ops that arrive while a commit is in flight form the next (larger) batch — group
 * commit, which is where the throughput comes from. Plain appends resolve at commit (visible; survives kill -9);
 * cycles, audits and kv latches additionally wait for `flushed` (on disk; survives power loss). On LMDB every commit
 * is synchronous and synced (lmdb-store.ts), so `flushed` is then already true.
 *
 * Faults (map full, disk full, undecodable entry, broken chain) become a JournalError: the failing requests are
 * rejected with it AND the fault listener hears it (the actor tells main and the kill switch). Nothing is dropped.
 */
import { JournalError } from '../../runtime/errors.ts';
import type { Clock } from '../../runtime/clock.ts';
import { GENESIS_HASH, HASH_BYTES, entryOf, packFrame, parseFrame, type EntrySource, type RawFrame } from './frame.ts';
import type { Backend, FaultListener, FrameVisitor, JournalStore, ReadOptions, WriteTxn } from './store.ts';
import { parseSelected, selectBodyPart, PASSED_OVER, type Selection, type SelectedFrame } from './skim.ts';
import type {
  AppendRequest,
  AuditRecord,
  CycleRecord,
  JournalEntry,
  JournalStats,
  OrderRecord,
  OrdersQuery,
  RecoverReply,
  StoredSnapshot,
} from './messages.ts';

export interface JournalOptions {
  readonly clock: Clock;
  /** Hard cap on used bytes; a batch that would pass it fails with MAP_FULL. */
  readonly maxBytes: number;
  readonly onFault?: FaultListener;
}

interface Head {
  readonly seq: number;
  readonly hash: Buffer;
}

/** Extra writes an op makes besides its entries (snapshot, meta, prune); may throw to reject just this op. */
type Effect = (txn: WriteTxn, headSeq: number) => void;
/** What committing a single entry also updates (cycles, audit, kv indexes). */
type Index = (txn: WriteTxn, seq: number) => void;

/**
 * Where the ops of one `appendEach` report: one results array and one promise for the whole run, so a coalesced
 * append costs no promise, no reaction and no closure of its own (the journal actor's appendMany path: at 100k
 * appends/s those were a third of its young-generation garbage).
 */
class EachSink {
  readonly results: unknown[];
  #left: number;
  constructor(n: number, readonly resolve: (results: unknown[]) => void) {
    this.results = new Array<unknown>(n);
    this.#left = n;
  }

  put(slot: number, v: unknown): void {
    this.results[slot] = v;
    if (--this.#left === 0) this.resolve(this.results);
  }
}

/**
 * One queued write. A plain class (one hidden class, no per-op closures): the append hot path allocates the Op, its
 * promise and nothing else until the flush (an `appendEach` op not even the promise: it reports to its sink).
 * `entry` (one entry) and `batch` (several) are the caller's own request objects, read when the batch is encoded
 * (end of this event turn), not copied.
 */
class Op {
  /** Seqs assigned at the flush (`last < first` for an op without entries). */
  first = 0;
  last = 0;
  failed = false;
  failure: unknown = undefined;
  constructor(
    readonly ts: number,
    readonly entry: EntrySource | null,
    readonly batch: readonly EntrySource[] | null,
    readonly index: Index | undefined,
    readonly effect: Effect | undefined,
    readonly durable: boolean,
    /** Resolve with `{first, last}` rather than `first`. */
    readonly range: boolean,
    readonly resolve: (v: unknown) => void,
    readonly reject: (err: unknown) => void,
    readonly sink: EachSink | null = null,
    readonly slot = 0,
  ) {}

  settle(): void {
    const v = this.range ? { first: this.first, last: this.last } : this.first;
    if (this.sink !== null) this.sink.put(this.slot, v);
    else this.resolve(v);
  }

  fail(err: unknown): void {
    if (this.sink !== null) this.sink.put(this.slot, err);
    else this.reject(err);
  }
}

const ignore = (): void => {};

/** The promise executor, shared (no closure per op): it runs synchronously inside `new Promise`, so these are the new promise's. */
let newResolve: (v: unknown) => void = () => {};
let newReject: (err: unknown) => void = () => {};
const capture = (resolve: (v: unknown) => void, reject: (err: unknown) => void): void => {
  newResolve = resolve;
  newReject = reject;
};

interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
}

const MAX_KEY = Number.MAX_SAFE_INTEGER;
/** Rough bytes an entry costs beyond its frame (index rows, B-tree slack) for the size cap check. */
const OVERHEAD_FACTOR = 2;

export class Journal implements JournalStore {
  readonly #db: Backend;
  readonly #clock: Clock;
  readonly #maxBytes: number;
  readonly #onFault: FaultListener;
  #head: Head;
  #queue: Op[] = [];
  #scheduled = false;
  #inFlight: Promise<void> | null = null;
  #closed = false;

  constructor(backend: Backend, opts: JournalOptions) {
    this.#db = backend;
    this.#clock = opts.clock;
    this.#maxBytes = opts.maxBytes;
    this.#onFault = opts.onFault ?? (() => {});
    this.#head = this.#loadHead();
  }

  /** The tail must decode and hash correctly, or we would chain new entries onto garbage. */
  #loadHead(): Head {
    for (const { seq, value: raw } of this.#db.scanEvents({ reverse: true, limit: 1 }, checkedFrame)) {
      entryOf(raw, seq);
      if (!raw.hashOk) throw new JournalError('CHAIN', `seq ${seq}: expected the last entry's hash to match its bytes, was a mismatch`);
      return { seq, hash: Buffer.from(raw.hash, 'hex') };
    }
    const cp = this.#db.get('meta', 'checkpoint') as Checkpoint | undefined;
    return cp ? { seq: cp.seq, hash: Buffer.from(cp.hash, 'hex') } : { seq: 0, hash: GENESIS_HASH };
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  /** Queues one op; its promise resolves with its first seq, or `{first, last}` when `range`. */
  #enqueue(ts: number, entry: EntrySource | null, batch: readonly EntrySource[] | null, index: Index | undefined, effect: Effect | undefined, durable: boolean, range: boolean): Promise<unknown> {
    if (this.#closed) return Promise.reject(new JournalError('CLOSED', 'expected an open journal, was closed'));
    const p = new Promise(capture);
    this.#queue.push(new Op(ts, entry, batch, index, effect, durable, range, newResolve, newReject));
    this.#schedule();
    return p;
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: messages that arrived in the same poll phase join this batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#inFlight = this.#flush().finally(() => {
        this.#inFlight = null;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    // Encode outside the write transaction (keeps the writer lock short). A body msgpack cannot encode rejects
    // only its own op; everything else still goes. `frames` holds the accepted ops' frames in seq order (one flat
    // array per batch: the k-th frame is seq head+1+k); each frame chains onto the previous one's header.
    const frames: Buffer[] = [];
    const accepted: Op[] = [];
    let seq = this.#head.seq;
    let prev = this.#head.hash;
    let prevAt = 0;
    let bytes = 0;
    for (const op of batch) {
      const mark = frames.length;
      let s = seq;
      let p = prev;
      let pa = prevAt;
      let b = 0;
      try {
        if (op.entry !== null) {
          p = packFrame(++s, op.ts, op.entry, p, pa);
          pa = 1;
          b += p.length;
          frames.push(p);
        } else if (op.batch !== null) {
          for (const e of op.batch) {
            p = packFrame(++s, op.ts, e, p, pa);
            pa = 1;
            b += p.length;
            frames.push(p);
          }
        }
      } catch (err) {
        frames.length = mark;
        op.fail(err instanceof JournalError ? err : new TypeError(`expected msgpack-encodable entries, was rejected: ${(err as Error).message}`));
        continue;
      }
      op.first = seq + 1;
      op.last = s;
      seq = s;
      prev = p;
      prevAt = pa;
      bytes += b;
      accepted.push(op);
    }
    if (accepted.length === 0) return;
    try {
      // getStats is ~4 us: read every batch, so the cap holds exactly as documented.
      const used = this.#db.usedBytes();
      if (used + bytes * OVERHEAD_FACTOR > this.#maxBytes) {
        throw new JournalError('MAP_FULL', `expected room for ${bytes} more bytes under the ${this.#maxBytes}-byte cap (JOURNAL_MAX_SIZE_MB), was ${used} bytes used`);
      }
      await this.#db.transaction((txn) => {
        let headSeq = this.#head.seq;
        let k = 0;
        for (const op of accepted) {
          if (op.entry !== null) {
            writeEntry(txn, op.first, frames[k++] as Buffer, op.ts, op.entry);
            op.index?.(txn, op.first);
          } else if (op.batch !== null) {
            let s = op.first;
            for (const e of op.batch) writeEntry(txn, s++, frames[k++] as Buffer, op.ts, e);
          }
          if (op.last >= op.first) headSeq = op.last;
          if (op.effect) {
            try {
              op.effect(txn, headSeq);
            } catch (err) {
              op.failed = true;
              op.failure = err;
            }
          }
        }
      });
      // Copied: the head must not keep msgpackr's whole buffer (which the last frame is a view of) alive.
      this.#head = { seq, hash: prevAt === 0 ? prev : Buffer.from(prev.subarray(1, 1 + HASH_BYTES)) };
      let durable: Op[] | null = null;
      for (const op of accepted) {
        if (op.failed) op.fail(op.failure);
        else if (op.durable) (durable ??= []).push(op);
        else op.settle();
      }
      if (durable !== null) {
        const waiting = durable;
        const lastSeq = seq;
        // Not awaited: the next batch may commit while this one is being fsynced (overlappingSync).
        this.#db.flushed().then(
          () => { for (const op of waiting) op.settle(); },
          (err: unknown) => {
            const je = classifyError(err);
            this.#onFault(je, lastSeq);
            for (const op of waiting) op.fail(je);
          },
        );
      }
    } catch (err) {
      const je = classifyError(err);
      for (const op of accepted) op.fail(je);
      this.#onFault(je, this.#head.seq + 1);
    }
  }

  append(req: AppendRequest): Promise<number> {
    return this.#enqueue(this.#clock.now(), req, null, undefined, undefined, false, false) as Promise<number>;
  }

  /**
   * Appends each entry as its own op, in array order (contiguous in this turn's batch): each gets its own seq, and one
   * that msgpack cannot encode fails alone. Resolves once every entry is settled, with a seq or an error per entry;
   * rejects only when the journal is closed (nothing queued).
   */
  appendEach(reqs: readonly AppendRequest[]): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new JournalError('CLOSED', 'expected an open journal, was closed'));
    if (reqs.length === 0) return Promise.resolve([]);
    const ts = this.#clock.now();
    let resolve: (results: unknown[]) => void = ignore;
    const done = new Promise<unknown[]>((r) => (resolve = r));
    const sink = new EachSink(reqs.length, resolve);
    for (let i = 0; i < reqs.length; i++) this.#queue.push(new Op(ts, reqs[i] as AppendRequest, null, undefined, undefined, false, false, ignore, ignore, sink, i));
    this.#schedule();
    return done;
  }

  appendBatch(reqs: readonly AppendRequest[]): Promise<{ first: number; last: number }> {
    if (reqs.length === 0) return Promise.reject(new TypeError('appendBatch: expected at least one entry, was none'));
    return this.#enqueue(this.#clock.now(), null, reqs, undefined, undefined, false, true) as Promise<{ first: number; last: number }>;
  }

  async commitCycle(record: CycleRecord, actor = 'main'): Promise<number> {
    const entry: EntrySource = { actor, type: 'journal.cycle', cycleId: record.cycleId, body: record };
    return this.#enqueue(this.#clock.now(), entry, null, (txn, seq) => txn.put('cycles', seq, record), undefined, true, false) as Promise<number>;
  }

  async audit(record: AuditRecord, actor = 'main'): Promise<number> {
    const ts = this.#clock.now();
    const entry: EntrySource = { actor, type: 'journal.audit', body: record };
    return this.#enqueue(ts, entry, null, (txn, seq) => txn.put('audit', seq, { ...record, seq, ts }), undefined, true, false) as Promise<number>;
  }

  async kvPut(key: string, value: unknown, actor = 'journal'): Promise<number> {
    const entry: EntrySource = { actor, type: 'journal.kv', body: { key, value } };
    return this.#enqueue(this.#clock.now(), entry, null, (txn, seq) => txn.put('kv', key, { value, seq }), undefined, true, false) as Promise<number>;
  }

  async snapshot(actor: string, state: unknown, seq: number): Promise<number> {
    const ts = this.#clock.now();
    await this.#enqueue(ts, null, null, undefined, (txn: WriteTxn, headSeq: number) => {
      if (!Number.isInteger(seq) || seq < 0 || seq > headSeq) {
        throw new TypeError(`journal.snapshot: expected seq in [0, ${headSeq}] (the journal's last seq), was ${seq}`);
      }
      const snap: StoredSnapshot = { actor, seq, ts, state };
      txn.put('snapshots', actor, snap);
    }, false, true);
    return seq;
  }

  async markBackedUp(seq: number): Promise<void> {
    await this.#enqueue(this.#clock.now(), null, null, undefined, (txn) => {
      const prev = (this.#db.get('meta', 'backedUpThrough') as number | undefined) ?? 0;
      if (seq > prev) txn.put('meta', 'backedUpThrough', seq);
    }, false, true);
  }

  async prune(cutoffMs: number, max = 50_000): Promise<number> {
    const cp = this.#checkpoint();
    const backedUp = (this.#db.get('meta', 'backedUpThrough') as number | undefined) ?? 0;
    const doomed: Array<{ seq: number; actor: string; hash: string }> = [];
    for (const { seq, value: raw } of this.#db.scanEvents({ start: cp.seq + 1, end: backedUp + 1, snapshot: false }, uncheckedFrame)) {
      if (doomed.length >= max) break;
      const entry = entryOf(raw, seq);
      if (entry.ts >= cutoffMs) break;
      doomed.push({ seq: entry.seq, actor: entry.actor, hash: entry.hash });
    }
    const last = doomed.at(-1);
    if (last === undefined) return 0;
    await this.#enqueue(this.#clock.now(), null, null, undefined, (txn) => {
      for (const d of doomed) {
        txn.remove('events', d.seq);
        txn.remove('byActor', [d.actor, d.seq]);
      }
      txn.put('meta', 'checkpoint', { seq: last.seq, hash: last.hash } satisfies Checkpoint);
    }, true, true);
    return doomed.length;
  }

  // ---- reads (committed state) ---------------------------------------------------------------------------------

  #checkpoint(): Checkpoint {
    return (this.#db.get('meta', 'checkpoint') as Checkpoint | undefined) ?? { seq: 0, hash: GENESIS_HASH.toString('hex') };
  }

  #entry(seq: number): JournalEntry | undefined {
    const raw = this.#db.getEvent(seq, checkedFrame);
    return raw === undefined ? undefined : this.#decode(raw, seq);
  }

  /** The entry of a parsed frame; an undecodable or (when checked) tampered one is a fault, never skipped. */
  #decode(raw: RawFrame, seq: number): JournalEntry {
    try {
      const e = entryOf(raw, seq);
      if (!raw.hashOk) throw new JournalError('CHAIN', `seq ${seq}: expected the stored hash to match the entry's bytes, was a mismatch (tampered or corrupt)`);
      return e;
    } catch (err) {
      const je = classifyError(err);
      this.#onFault(je, seq);
      throw je;
    }
  }

  recover(actor: string): RecoverReply {
    const snapshot = (this.#db.get('snapshots', actor) as StoredSnapshot | undefined) ?? null;
    const after = snapshot?.seq ?? 0;
    const events: JournalEntry[] = [];
    for (const { key } of this.#db.range('byActor', { start: [actor, after + 1], end: [actor, MAX_KEY] })) {
      const seq = (key as readonly [string, number])[1];
      const e = this.#entry(seq);
      if (e !== undefined) events.push(e);
    }
    return { snapshot, events, complete: this.#checkpoint().seq <= after };
  }

  kvGet(key: string): { value: unknown; seq: number | null } {
    const v = this.#db.get('kv', key) as { value: unknown; seq: number } | undefined;
    return v ? { value: v.value, seq: v.seq } : { value: null, seq: null };
  }

  orders(query: OrdersQuery): OrderRecord[] {
    if (query.clientOrderId !== undefined) {
      const o = this.#db.get('orders', query.clientOrderId) as OrderRecord | undefined;
      return o && (query.sagaId === undefined || o.sagaId === query.sagaId) ? [o] : [];
    }
    const out: OrderRecord[] = [];
    for (const { value } of this.#db.range('orders')) {
      const o = value as OrderRecord;
      if (query.sagaId === undefined || o.sagaId === query.sagaId) out.push(o);
    }
    return out;
  }

  cycles(limit: number): CycleRecord[] {
    return [...this.#db.range('cycles', { reverse: true, limit })].map((r) => r.value as CycleRecord);
  }

  audits(limit: number): Array<AuditRecord & { seq: number; ts: number }> {
    return [...this.#db.range('audit', { reverse: true, limit })].map((r) => r.value as AuditRecord & { seq: number; ts: number });
  }

  *read(opts: ReadOptions = {}): Iterable<JournalEntry> {
    let n = 0;
    const limit = opts.limit ?? Infinity;
    // One zero-copy pass: each frame is parsed straight out of LMDB's read buffer. snapshot:false: a long (and lazy)
    // scan must not pin one read snapshot while the writer keeps committing.
    // A selection (types / bodyPaths) skims each frame first and decodes only what it wants; checking hashes reads
    // every byte anyway, so it decodes in full and selects afterwards.
    const { types, bodyPaths } = opts;
    const selective = types !== undefined || bodyPaths !== undefined;
    const sel: Selection = { types, bodyPaths };
    const visit: FrameVisitor<RawFrame | SelectedFrame> = opts.checkHashes ? checkedFrame : selective ? (b, end) => parseSelected(b, end, sel) : uncheckedFrame;
    for (const { seq, value: raw } of this.#db.scanEvents(opts.from !== undefined ? { start: opts.from, snapshot: false } : { snapshot: false }, visit)) {
      if (n >= limit) return;
      if (raw === PASSED_OVER) continue;
      let e = this.#decode(raw, seq);
      if (opts.since !== undefined && e.ts < opts.since) continue;
      if (opts.type !== undefined && e.type !== opts.type) continue;
      if (selective) {
        if (types !== undefined && !types.has(e.type)) continue;
        const path = bodyPaths?.[e.type];
        if (path !== undefined && (raw as Partial<SelectedFrame>).partial !== true) e = { ...e, body: selectBodyPart(e.body, path) };
      }
      n++;
      yield e;
    }
  }

  stats(): JournalStats {
    let firstSeq: number | null = null;
    for (const { key } of this.#db.range('events', { limit: 1 })) firstSeq = key as number;
    return {
      firstSeq,
      lastSeq: this.#head.seq,
      lastHash: this.#head.hash.toString('hex'),
      entries: this.#db.count('events'),
      cycles: this.#db.count('cycles'),
      orders: this.#db.count('orders'),
      audits: this.#db.count('audit'),
      snapshots: this.#db.count('snapshots'),
      prunedThrough: this.#checkpoint().seq,
      backedUpThrough: (this.#db.get('meta', 'backedUpThrough') as number | undefined) ?? 0,
      usedBytes: this.#db.usedBytes(),
      mapSizeBytes: this.#db.mapSizeBytes(),
      maxBytes: this.#maxBytes,
    };
  }

  /** Seq of the last committed entry. */
  get lastSeq(): number {
    return this.#head.seq;
  }

  async flushed(): Promise<void> {
    while (this.#inFlight || this.#scheduled || this.#queue.length > 0) {
      await (this.#inFlight ?? new Promise<void>((r) => setImmediate(r)));
    }
    await this.#db.flushed();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flushed().catch(() => {});
    this.#closed = true;
    await this.#db.close();
  }
}


const checkedFrame = (bytes: Uint8Array, end: number): RawFrame => parseFrame(bytes, end, true);
const uncheckedFrame = (bytes: Uint8Array, end: number): RawFrame => parseFrame(bytes, end, false);

/** An entry's rows: the frame, the recovery index, the orders index. */
function writeEntry(txn: WriteTxn, seq: number, frame: Buffer, ts: number, e: EntrySource): void {
  txn.put('events', seq, frame);
  txn.put('byActor', [e.actor, seq], 1);
  indexOrder(txn, seq, ts, e);
}

/** Any entry whose body names a `clientOrderId` updates that order's latest record (the orders/sagas index). */
function indexOrder(txn: WriteTxn, seq: number, ts: number, f: EntrySource): void {
  const body = f.body as { clientOrderId?: unknown; sagaId?: unknown } | null;
  if (body === null || typeof body !== 'object' || typeof body.clientOrderId !== 'string') return;
  const rec: OrderRecord = {
    clientOrderId: body.clientOrderId,
    sagaId: typeof body.sagaId === 'string' ? body.sagaId : null,
    seq,
    ts,
    type: f.type,
    body: f.body,
  };
  txn.put('orders', body.clientOrderId, rec);
}

/** Maps backend errors onto JournalError kinds (LMDB map full, ENOSPC, anything else = IO). */
export function classifyError(err: unknown): JournalError {
  if (err instanceof JournalError) return err;
  const e = err as { message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = e?.code;
  if (/MDB_MAP_FULL/.test(message) || code === -30792) {
    return new JournalError('MAP_FULL', `expected room in the LMDB map, was full (${message})`, { cause: err });
  }
  if (code === 'ENOSPC' || code === 28 || /ENOSPC|No space left/i.test(message)) {
    return new JournalError('DISK_FULL', `expected free disk space, was full (${message})`, { cause: err });
  }
  return new JournalError('IO', `expected the journal write/read to succeed, was an error (${message})`, { cause: err });
}

