/**
 * @module Typed client for the journal actor. Takes anything with a `request(to, type, body, opts)` method — an
 * actor's `ctx`, or main's supervisor handle — so every caller speaks the same messages.
 *
 * @example
 *   const j = journalClient(ctx);                       // actor name taken from ctx.name
 *   const seq = await j.append('risk.assessed', report, { cycleId });
 *   await j.commitCycle(record);                         // resolves once durable
 *   const { snapshot, events } = await j.recover();      // this actor's stream
 */
import {
  JOURNAL_ACTOR,
  type AppendRequest,
  type AuditRecord,
  type BackupResult,
  type CycleRecord,
  type JournalStats,
  type OrderRecord,
  type OrdersQuery,
  type RecoverReply,
} from './messages.ts';

/** The part of an actor ctx (or of main) the client needs. */
export interface Requester {
  readonly name?: string;
  request<T = unknown>(
    to: string,
    type: string,
    body: unknown,
    opts?: { timeoutMs?: number; cycleId?: string },
  ): Promise<T>;
}

export interface JournalClientOptions {
  /** The actor name entries are recorded under; defaults to `requester.name`. */
  readonly actor?: string;
  /** Per-request timeout; the runtime's default when omitted. */
  readonly timeoutMs?: number;
}

export interface AppendOptions {
  readonly cycleId?: string | undefined;
  readonly corrId?: string | undefined;
}

export interface JournalClient {
  /** Appends one event; resolves with its seq once committed. */
  append(type: string, body: unknown, opts?: AppendOptions): Promise<number>;
  /** Appends several events atomically (one transaction, contiguous seqs). */
  appendBatch(entries: ReadonlyArray<{ type: string; body: unknown } & AppendOptions>): Promise<{ first: number; last: number }>;
  /** Commits a cycle record; resolves once flushed to disk. */
  commitCycle(record: CycleRecord): Promise<number>;
  /** Records a control-plane action; resolves once flushed. */
  audit(entry: AuditRecord): Promise<number>;
  /** This actor's (or the named actor's) last snapshot and the events after it. */
  recover(actor?: string): Promise<RecoverReply>;
  /** Stores a snapshot of this actor's state covering events up to `seq`. */
  snapshot(state: unknown, seq: number): Promise<number>;
  kvGet<T = unknown>(key: string): Promise<{ value: T | null; seq: number | null }>;
  /** Latches a value; resolves once flushed. */
  kvPut(key: string, value: unknown): Promise<number>;
  orders(query?: OrdersQuery): Promise<readonly OrderRecord[]>;
  stats(): Promise<JournalStats>;
  backup(): Promise<BackupResult>;
}

export function journalClient(requester: Requester, options: JournalClientOptions = {}): JournalClient {
  const actor = options.actor ?? requester.name;
  const self = (): string => {
    if (actor === undefined || actor === '') throw new TypeError('journalClient: expected an actor name (options.actor or requester.name), was none');
    return actor;
  };
  const ask = <T>(type: string, body: unknown, cycleId?: string): Promise<T> => {
    const opts: { timeoutMs?: number; cycleId?: string } = {};
    if (options.timeoutMs !== undefined) opts.timeoutMs = options.timeoutMs;
    if (cycleId !== undefined) opts.cycleId = cycleId;
    return requester.request<T>(JOURNAL_ACTOR, type, body, opts);
  };
  const entry = (type: string, body: unknown, o: AppendOptions = {}): AppendRequest => ({
    actor: self(),
    type,
    ...(o.cycleId !== undefined ? { cycleId: o.cycleId } : {}),
    ...(o.corrId !== undefined ? { corrId: o.corrId } : {}),
    body,
  });

  return {
    async append(type, body, opts) {
      const r = await ask<{ seq: number }>('journal.append', entry(type, body, opts), opts?.cycleId);
      return r.seq;
    },
    appendBatch(entries) {
      return ask('journal.appendBatch', { entries: entries.map((e) => entry(e.type, e.body, e)) });
    },
    async commitCycle(record) {
      return (await ask<{ seq: number }>('journal.commitCycle', record, record.cycleId)).seq;
    },
    async audit(a) {
      return (await ask<{ seq: number }>('journal.audit', a)).seq;
    },
    recover(name) {
      return ask('journal.recover', { actor: name ?? self() });
    },
    async snapshot(state, seq) {
      return (await ask<{ seq: number }>('journal.snapshot', { actor: self(), state, seq })).seq;
    },
    kvGet(key) {
      return ask('journal.kvGet', { key });
    },
    async kvPut(key, value) {
      return (await ask<{ seq: number }>('journal.kvPut', { key, value })).seq;
    },
    async orders(query = {}) {
      return (await ask<{ orders: OrderRecord[] }>('journal.orders', query)).orders;
    },
    stats() {
      return ask('journal.stats', {});
    },
    backup() {
      return ask('journal.backup', {});
    },
  };
}
