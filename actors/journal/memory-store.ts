/**
 * @module In-memory backend: the same ordered tables as LMDB (ordered-binary key order for numbers, strings and
 * arrays), atomic batches, nothing on disk. For tests of actors that journal, and for the shared contract suite.
 */
import type { Clock } from '../../runtime/clock.ts';
import { Journal } from './journal.ts';
import { TABLES, type Backend, type FaultListener, type FrameVisitor, type Key, type RangeOptions, type ScanOptions, type Table, type WriteTxn } from './store.ts';

export function compareKeys(a: Key, b: Key): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareKeys(a[i] as Key, b[i] as Key);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const rank = (k: Key): number => (typeof k === 'number' ? 0 : typeof k === 'string' ? 1 : 2);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}

const keyId = (k: Key): string => JSON.stringify(k);

export class MemoryBackend implements Backend {
  readonly #tables = new Map<Table, Map<string, { key: Key; value: unknown }>>(TABLES.map((t) => [t, new Map()]));
  #bytes = 0;
  /** Test hook: the next transaction fails with this error (simulates a disk error). */
  failNext: Error | null = null;

  #t(table: Table): Map<string, { key: Key; value: unknown }> {
    return this.#tables.get(table) as Map<string, { key: Key; value: unknown }>;
  }

  get(table: Table, key: Key): unknown {
    return structuredClone(this.#t(table).get(keyId(key))?.value);
  }

  *range(table: Table, opts: RangeOptions = {}): Iterable<{ key: Key; value: unknown }> {
    const rows = [...this.#t(table).values()].sort((x, y) => compareKeys(x.key, y.key));
    if (opts.reverse) rows.reverse();
    let n = 0;
    for (const r of rows) {
      const c = (k: Key | undefined) => (k === undefined ? 0 : compareKeys(r.key, k));
      if (opts.start !== undefined && (opts.reverse ? c(opts.start) > 0 : c(opts.start) < 0)) continue;
      if (opts.end !== undefined && (opts.reverse ? c(opts.end) <= 0 : c(opts.end) >= 0)) break;
      if (opts.limit !== undefined && n >= opts.limit) return;
      n++;
      yield { key: r.key, value: structuredClone(r.value) };
    }
  }

  *scanEvents<T>(opts: ScanOptions, visit: FrameVisitor<T>): Iterable<{ seq: number; value: T }> {
    const r: { start?: Key; end?: Key; reverse?: boolean; limit?: number } = {};
    if (opts.start !== undefined) r.start = opts.start;
    if (opts.end !== undefined) r.end = opts.end;
    if (opts.reverse) r.reverse = true;
    if (opts.limit !== undefined) r.limit = opts.limit;
    for (const { key, value } of this.range('events', r)) {
      const bytes = value as Uint8Array;
      yield { seq: key as number, value: visit(bytes, bytes.length) };
    }
  }

  getEvent<T>(seq: number, visit: FrameVisitor<T>): T | undefined {
    const bytes = this.get('events', seq) as Uint8Array | undefined;
    return bytes === undefined ? undefined : visit(bytes, bytes.length);
  }

  count(table: Table): number {
    return this.#t(table).size;
  }

  async transaction(fn: (txn: WriteTxn) => void): Promise<void> {
    await Promise.resolve();
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    const staged: Array<() => void> = [];
    fn({
      put: (t, k, v) => {
        const copy = structuredClone(v);
        staged.push(() => {
          this.#t(t).set(keyId(k), { key: k, value: copy });
          if (copy instanceof Uint8Array) this.#bytes += copy.length;
        });
      },
      remove: (t, k) => staged.push(() => void this.#t(t).delete(keyId(k))),
    });
    for (const s of staged) s();
  }

  async flushed(): Promise<void> {}

  usedBytes(): number {
    return this.#bytes;
  }

  mapSizeBytes(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

export function openMemoryJournal(opts: { clock: Clock; maxBytes?: number; onFault?: FaultListener; backend?: MemoryBackend }): Journal {
  return new Journal(opts.backend ?? new MemoryBackend(), {
    clock: opts.clock,
    maxBytes: opts.maxBytes ?? Number.MAX_SAFE_INTEGER,
    ...(opts.onFault ? { onFault: opts.onFault } : {}),
  });
}
