/**
 * @module Typed client for the journal actor. Takes anything with a `request(to, type, body, opts)` method — an
 * actor's `ctx`, or main's supervisor handle — so every caller speaks the same messages.
 *
 * @example
 *   const j = journalClient(ctx);                       // actor name taken from ctx.name
 *   const seq = await j.append('risk.assessed', report, { cycleId });
 *   await j.commitCycle(record);                         // resolves once durable
 *   const { snapshot, events } = await j.recover();      // this actor's stream
 *
 * Coalescing: appends are not sent at the call. They wait (one queue per requester object, shared by every client
 * built on it) until the end of the synchronous turn (a microtask) and then travel together: one `journal.appendMany`
 * request and one reply carrying a result per entry (a lone append still goes as `journal.append`). Each caller's
 * promise settles with its own seq or its own error; a bad entry (invalid, or a body msgpack cannot encode) fails
 * alone. Every other request made through a client first sends the appends queued before it, so the journal
 * receives everything sent through clients on one requester in call order. A request sent to the journal directly
 * (`requester.request('journal', ...)`, bypassing the client) in the same turn as a queued append would overtake it:
 * go through the client. Bodies are packed when the turn ends (as the runtime's link would): don't mutate a body
 * in the turn you append it.
 */
import { prepack } from '../../runtime/envelope.ts';
import { deserializeError } from '../../runtime/errors.ts';
import {
  JOURNAL_ACTOR,
  type AppendManyError,
  type AppendManyReply,
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
  /**
   * Appends one event; resolves with its seq once committed (or rejects with this entry's own error). Sent at the end
   * of the synchronous turn together with the turn's other appends on the same requester (one `journal.appendMany`).
   */
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

/** Most entries one `journal.appendMany` carries (the schema allows more; smaller requests keep replies streaming). */
export const MAX_COALESCED = 10_000;

interface PendingAppend {
  readonly entry: AppendRequest;
  readonly timeoutMs: number | undefined;
  readonly cycleId: string | undefined;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: unknown) => void;
}

interface PendingQueue {
  items: PendingAppend[];
  scheduled: boolean;
}

/**
 * Appends not yet sent, ONE queue per requester object (an actor's ctx, main's endpoint), shared by every client built
 * on it: the order of everything sent through clients on one requester is their call order.
 */
const pendingByRequester = new WeakMap<Requester, PendingQueue>();

/** Sends the requester's queued appends now, in call order (one request per run of equal timeouts). */
function flushPending(requester: Requester): void {
  const q = pendingByRequester.get(requester);
  if (q === undefined || q.items.length === 0) return;
  const items = q.items;
  q.items = [];
  let start = 0;
  while (start < items.length) {
    const timeoutMs = (items[start] as PendingAppend).timeoutMs;
    let end = start + 1;
    while (end < items.length && end - start < MAX_COALESCED && (items[end] as PendingAppend).timeoutMs === timeoutMs) end++;
    sendRun(requester, start === 0 && end === items.length ? items : items.slice(start, end), timeoutMs);
    start = end;
  }
}

/** What a body msgpack cannot encode (a symbol, a cycle) gets: the caller's own rejection. */
function unencodable(err: unknown): TypeError {
  return new TypeError(`journal.append: expected a msgpack-encodable body, was rejected (${(err as Error)?.message ?? String(err)})`);
}

/**
 * Packs the run's entries now (runtime `prepack`: the link then only copies bytes), so an entry msgpack cannot encode
 * fails only its own caller here instead of throwing in the link's flush and taking its whole batch down. One pack for
 * the run; only when that throws is each entry packed alone to find the bad ones.
 */
function packRun(run: readonly PendingAppend[]): { run: readonly PendingAppend[]; body: unknown } | null {
  try {
    return run.length === 1 ? { run, body: prepack((run[0] as PendingAppend).entry) } : { run, body: { entries: prepack(run.map(entryOf)) } };
  } catch {
    const ok: PendingAppend[] = [];
    for (const p of run) {
      try {
        prepack(p.entry);
        ok.push(p);
      } catch (err) {
        p.reject(unencodable(err));
      }
    }
    if (ok.length === 0) return null;
    try {
      return ok.length === 1 ? { run: ok, body: prepack((ok[0] as PendingAppend).entry) } : { run: ok, body: { entries: prepack(ok.map(entryOf)) } };
    } catch (err) {
      for (const p of ok) p.reject(unencodable(err));
      return null;
    }
  }
}

const entryOf = (p: PendingAppend): AppendRequest => p.entry;

/** One run: a lone append as `journal.append`, several as one `journal.appendMany` answered entry by entry. */
function sendRun(requester: Requester, all: readonly PendingAppend[], timeoutMs: number | undefined): void {
  const packed = packRun(all);
  if (packed === null) return;
  const { run, body } = packed;
  const n = run.length;
  let cycleId = (run[0] as PendingAppend).cycleId;
  for (let i = 1; i < n && cycleId !== undefined; i++) if ((run[i] as PendingAppend).cycleId !== cycleId) cycleId = undefined;
  const opts: { timeoutMs?: number; cycleId?: string } = {};
  if (timeoutMs !== undefined) opts.timeoutMs = timeoutMs;
  if (cycleId !== undefined) opts.cycleId = cycleId;
  const failAll = (err: unknown): void => {
    for (const p of run) p.reject(err);
  };
  try {
    if (n === 1) {
      const p = run[0] as PendingAppend;
      requester.request<{ seq: number }>(JOURNAL_ACTOR, 'journal.append', body, opts).then((r) => p.resolve(r.seq), p.reject);
      return;
    }
    requester.request<AppendManyReply>(JOURNAL_ACTOR, 'journal.appendMany', body, opts).then((r) => {
      const results = r?.results;
      if (!Array.isArray(results) || results.length !== n) {
        failAll(new TypeError(`journal.appendMany: expected ${n} results, was ${Array.isArray(results) ? results.length : typeof results}`));
        return;
      }
      for (let i = 0; i < n; i++) {
        const res = results[i];
        const p = run[i] as PendingAppend;
        if (typeof res === 'number') p.resolve(res);
        else p.reject(deserializeError((res as AppendManyError).error));
      }
    }, failAll);
  } catch (err) {
    failAll(err);
  }
}

export function journalClient(requester: Requester, options: JournalClientOptions = {}): JournalClient {
  const actor = options.actor ?? requester.name;
  const self = (): string => {
    if (actor === undefined || actor === '') throw new TypeError('journalClient: expected an actor name (options.actor or requester.name), was none');
    return actor;
  };
  let queue = pendingByRequester.get(requester);
  if (queue === undefined) {
    queue = { items: [], scheduled: false };
    pendingByRequester.set(requester, queue);
  }
  const q = queue;
  const flushSoon = (): void => {
    q.scheduled = false;
    flushPending(requester);
  };
  // Every other request first sends the appends queued before it, so nothing overtakes an earlier call.
  const ask = <T>(type: string, body: unknown, cycleId?: string): Promise<T> => {
    flushPending(requester);
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
    append(type, body, opts) {
      let e: AppendRequest;
      try {
        e = entry(type, body, opts);
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<number>((resolve, reject) => {
        q.items.push({ entry: e, timeoutMs: options.timeoutMs, cycleId: opts?.cycleId, resolve, reject });
        if (!q.scheduled) {
          q.scheduled = true;
          queueMicrotask(flushSoon);
        }
      });
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
