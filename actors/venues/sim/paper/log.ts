/**
 * @module The paper exchange's own durable state: an append-only JSON-lines file, written on every record and replayed
 * on open — like a real broker's books, separate from VolGuard's journal so reconciliation compares two sources.
 *
 * Durability: `append` writes the line before it returns, so the record survives the process dying (kill -9) at any
 * point after; the disk sync (fdatasync) runs in the background, coalesced (one in flight, the next covers every line
 * written meanwhile), so a power loss can lose only the last few milliseconds of records. It used to fsync on the
 * calling thread for every record: the executor's, where under disk contention (a CI machine, a backup) one sync took
 * longer than the supervisor's heartbeat window and a healthy executor was declared hung mid-saga. A record lost to a
 * power cut is what reconciliation exists for: a journaled order the broker does not know stays UNKNOWN until proven.
 *
 * A torn last line (the process died mid-write) is dropped: no caller was ever told that record existed. Any other
 * undecodable line is corruption and opening fails with the line number.
 */
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import type { OrderType } from '../../../domain/order.ts';
import type { Side } from '../../../domain/side.ts';
import type { Product } from '../../../domain/order.ts';

export interface PlacedRecord {
  readonly k: 'place';
  readonly ts: number;
  readonly brokerOrderId: string;
  readonly clientOrderId: string | null;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly orderType: OrderType;
  readonly price: number;
  readonly validity: 'DAY' | 'IOC';
  readonly product: Product;
}
export interface RejectRecord { readonly k: 'reject'; readonly ts: number; readonly brokerOrderId: string; readonly reason: string }
export interface FillRecord {
  readonly k: 'fill';
  readonly ts: number;
  readonly brokerOrderId: string;
  readonly tradeId: string;
  readonly quantity: number;
  readonly price: number;
}
export interface CancelRecord { readonly k: 'cancel'; readonly ts: number; readonly brokerOrderId: string; readonly reason: string }
/** A DAY order still working when its session ended: purged by the exchange, as Upstox does (orders live one day). */
export interface ExpireRecord { readonly k: 'expire'; readonly ts: number; readonly brokerOrderId: string; readonly reason: string }
export interface ModifyRecord {
  readonly k: 'modify';
  readonly ts: number;
  readonly brokerOrderId: string;
  readonly price?: number;
  readonly quantity?: number;
}
/** The modelled broker kill switch for a segment was engaged or released. `brokerOrderId` is '' (no order). */
export interface KillSwitchRecord { readonly k: 'ks'; readonly ts: number; readonly brokerOrderId: ''; readonly segment: string; readonly engaged: boolean }
/**
 * Every position in a contract settled at expiry: it paid `value` per unit (its intrinsic value at the final
 * settlement price). `brokerOrderId` is '' (no order).
 */
export interface SettleRecord {
  readonly k: 'settle';
  readonly ts: number;
  readonly brokerOrderId: '';
  readonly instrumentKey: string;
  readonly settlementPrice: number;
  readonly value: number;
}
export type PaperRecord = PlacedRecord | RejectRecord | FillRecord | CancelRecord | ExpireRecord | ModifyRecord | KillSwitchRecord | SettleRecord;

const KINDS = new Set(['place', 'reject', 'fill', 'cancel', 'expire', 'modify', 'ks', 'settle']);

function decode(line: string, lineNo: number, file: string): PaperRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new Error(`paper log ${file}:${lineNo}: expected a JSON record, was ${JSON.stringify(line.slice(0, 80))}`, { cause: err });
  }
  const k = (value as { k?: unknown } | null)?.k;
  if (typeof value !== 'object' || value === null || typeof k !== 'string' || !KINDS.has(k)) {
    throw new Error(`paper log ${file}:${lineNo}: expected a record kind place|reject|fill|cancel|expire|modify|ks|settle, was ${JSON.stringify(k)}`);
  }
  if (k === 'settle') {
    const v = value as { instrumentKey?: unknown; value?: unknown };
    if (typeof v.instrumentKey !== 'string' || typeof v.value !== 'number') throw new Error(`paper log ${file}:${lineNo}: expected a settle record with instrumentKey and value, was ${JSON.stringify(line.slice(0, 80))}`);
  }
  const id = (value as { brokerOrderId?: unknown }).brokerOrderId;
  if (typeof id !== 'string') throw new Error(`paper log ${file}:${lineNo}: expected a string brokerOrderId, was ${JSON.stringify(id)}`);
  return value as PaperRecord;
}

/** Syncs `fd`'s data to disk off the calling thread, then calls back (node:fs `fdatasync`; injected by tests). */
export type BackgroundSync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

export class PaperLog {
  readonly file: string;
  #fd: number;
  readonly #sync: BackgroundSync;
  /** A background sync is running. */
  #syncing = false;
  /** Lines were written since the running (or last) sync started. */
  #dirty = false;
  /** A background sync failed: the next append throws it (the books may no longer be on disk). */
  #syncError: Error | null = null;
  /** Waiters for the next sync (their lines were written after the running one started). */
  #waiters: Array<() => void> = [];
  /** Waiters the running sync covers. */
  #covered: Array<() => void> = [];

  private constructor(file: string, fd: number, sync: BackgroundSync) {
    this.file = file;
    this.#fd = fd;
    this.#sync = sync;
  }

  /** Opens (creating) `<dir>/orders.jsonl` and returns the log plus every record already in it, in order. */
  static open(dir: string, opts: { readonly sync?: BackgroundSync } = {}): { log: PaperLog; records: PaperRecord[] } {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'orders.jsonl');
    const records: PaperRecord[] = [];
    let keepBytes = 0;
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      const complete = text.endsWith('\n') ? lines.length - 1 : lines.length - 1; // last element is '' or a torn tail
      for (let i = 0; i < complete; i++) {
        const line = lines[i] ?? '';
        if (line.length > 0) records.push(decode(line, i + 1, file));
        keepBytes += Buffer.byteLength(line, 'utf8') + 1;
      }
    }
    const fd = openSync(file, 'a+');
    // Drop a torn tail so the next append starts on a fresh line.
    ftruncateSync(fd, keepBytes);
    return { log: new PaperLog(file, fd, opts.sync ?? fdatasync), records };
  }

  /** Appends: once this returns the record survives the process dying; the disk sync follows in the background. */
  append(record: PaperRecord): void {
    if (this.#syncError !== null) throw new Error(`paper log ${this.file}: expected its books synced to disk, was a sync failure (${this.#syncError.message})`, { cause: this.#syncError });
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    this.#dirty = true;
    this.#syncSoon();
  }

  /** Resolves once every line appended before the call is synced to disk (or the log is closed). */
  synced(): Promise<void> {
    if (!this.#dirty && !this.#syncing) return Promise.resolve();
    // Lines not yet in a sync wait for the next one; otherwise the one running covers them.
    return new Promise((resolve) => (this.#dirty ? this.#waiters : this.#covered).push(resolve));
  }

  #syncSoon(): void {
    if (this.#syncing || !this.#dirty || this.#fd < 0) return;
    this.#syncing = true;
    this.#dirty = false;
    this.#covered = this.#waiters;
    this.#waiters = [];
    this.#sync(this.#fd, (err) => {
      this.#syncing = false;
      if (err !== null && this.#fd >= 0) this.#syncError = err;
      const done = this.#covered;
      this.#covered = [];
      this.#syncSoon();
      for (const w of done) w();
    });
  }

  /** Syncs what is left on this thread and closes (a stop: nothing else runs then). */
  close(): void {
    if (this.#fd >= 0) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#fd = -1;
    const waiting = [...this.#covered, ...this.#waiters];
    this.#covered = [];
    this.#waiters = [];
    for (const w of waiting) w();
  }
}
