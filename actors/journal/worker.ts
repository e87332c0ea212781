/**
 * @module The journal actor's shell: validates each message body, hands it to the store, reports every fault to
 * main and the kill switch, and runs periodic backups (+ retention pruning). All logic lives in journal.ts.
 *
 * Ordering: the store assigns seqs in the order `receive` is called (mailbox order): every write is queued in the
 * store synchronously inside `receive`, so its place in the chain is fixed on receipt. Writes answer through
 * `deferReply`: the reply goes out once committed (or flushed, for cycles, audits and kv latches) WITHOUT holding the
 * mailbox, so the appends of one event turn (from any number of senders) share one LMDB transaction (group commit).
 * Reads keep mailbox order: a read that arrives while writes are outstanding waits for them (holding the mailbox),
 * so it sees exactly the writes received before it — read-your-writes even for fire-and-forget senders.
 */
import { Counter, Histogram } from 'prom-client';
import { deferReply, defineActor, type ActorContext, type DeferredReply } from '../../runtime/actor.ts';
import { InvariantError, serializeError, type JournalError } from '../../runtime/errors.ts';
import { backupJournal, BackupWouldNotFitError } from './backup.ts';
import type { JournalConfig } from './config.ts';
import type { Journal } from './journal.ts';
import { openLmdbJournal, type LmdbBackend } from './lmdb-store.ts';
import {
  appendRequestSchema,
  JOURNAL_BODIES,
  parseBody,
  type AppendManyError,
  type AppendManyReply,
  type AppendRequest,
  type BackupResult,
  type JournalFault,
  type JournalProtocol,
} from './messages.ts';

const DAY_MS = 86_400_000;
/** Events removed per prune op (one transaction each), so retention never delays a cycle commit much. */
const PRUNE_CHUNK = 1_000;

let journal: Journal | null = null;
let backend: LmdbBackend | null = null;
let timer: NodeJS.Timeout | null = null;
let backingUp: Promise<BackupResult> | null = null;
/** The periodic backup is being skipped for lack of room (said once, until one is written again). */
let backupSkipped = false;
/** Messages received by type since this incarnation started (the inspector shows them: how many requests, not entries). */
const received: Record<string, number> = Object.create(null) as Record<string, number>;
/** Writes queued in the store and not yet answered (committed / flushed or failed). */
const outstanding = new Set<Promise<unknown>>();

/** Answers a write later without holding the mailbox; the write is already queued (its seq fixed) when this runs. */
function write<T>(p: Promise<T>): DeferredReply<T> {
  // One extra promise per write (it removes itself once settled): group commit keeps thousands of these alive across
  // young-generation GCs, so every object per write counts.
  const forget = (): void => void outstanding.delete(settled);
  const settled: Promise<unknown> = p.then(forget, forget);
  outstanding.add(settled);
  return deferReply(p);
}

/** A read sees every write received before it: at once when none is outstanding, else once they have settled. */
function read<T>(fn: () => T | Promise<T>): T | Promise<T> {
  if (outstanding.size === 0) return fn();
  return Promise.all([...outstanding]).then(fn);
}

/**
 * `journal.appendMany`: each entry validated on its own and the valid ones queued in array order, all inside this
 * `receive` (so they are contiguous in the store's queue and share its next flush) through one `appendEach`: one
 * promise for the request, not one per entry. A bad entry — invalid body, or one msgpack cannot encode (the store
 * rejects just that op) — gets its error as its result and uses no seq.
 */
function appendMany(j: Journal, entries: readonly unknown[]): Promise<AppendManyReply> {
  const results = new Array<number | AppendManyError>(entries.length);
  const valid: AppendRequest[] = [];
  const at: number[] = [];
  for (let i = 0; i < entries.length; i++) {
    try {
      // Named like a lone append: a caller sees the same error whether or not its append was coalesced.
      valid.push(parseBody('journal.append', appendRequestSchema, entries[i]));
      at.push(i);
    } catch (err) {
      results[i] = { error: serializeError(err) };
    }
  }
  const fill = (outcome: (k: number) => unknown): AppendManyReply => {
    let ok = 0;
    for (let k = 0; k < at.length; k++) {
      const r = outcome(k);
      if (typeof r === 'number') {
        results[at[k] as number] = r;
        ok++;
      } else {
        results[at[k] as number] = { error: serializeError(r) };
      }
    }
    count(ok);
    return { results };
  };
  return j.appendEach(valid).then((out) => fill((k) => out[k]), (err: unknown) => fill(() => err));
}

function reportFault(ctx: ActorContext<JournalConfig>, err: JournalError, seq?: number): void {
  const body: JournalFault = { kind: err.kind, code: err.code, message: err.message, ts: ctx.clock.now(), ...(seq !== undefined ? { seq } : {}) };
  ctx.log.error({ err, seq }, 'journal fault');
  ctx.send('main', 'journal.faulted', body);
  ctx.send('killswitch', 'journal.faulted', body);
}

function open(): { j: Journal; b: LmdbBackend } {
  if (!journal || !backend) throw new InvariantError('expected an open journal, was none (init did not run)');
  return { j: journal, b: backend };
}

/** One backup at a time (timer and `journal.backup` may overlap); then prune what retention allows. */
function backupNow(ctx: ActorContext<JournalConfig>): Promise<BackupResult> {
  const { j, b } = open();
  const cfg = ctx.config;
  backingUp ??= (async () => {
    try {
      const r = await backupJournal(j, b, cfg.backupDir, cfg.backupKeep, ctx.clock.now());
      ctx.log.info({ file: r.file, seq: r.seq, removed: r.removed.length }, 'journal backup written');
      if (cfg.retainDays > 0) {
        // In small chunks, each its own op: a single 50k-row delete would ride in the same transaction as whatever
        // cycle commit is queued beside it and make that cycle wait for it (and for its larger fsync).
        const cutoff = ctx.clock.now() - cfg.retainDays * DAY_MS;
        let pruned = 0;
        for (let n = await j.prune(cutoff, PRUNE_CHUNK); n > 0; n = await j.prune(cutoff, PRUNE_CHUNK)) pruned += n;
        if (pruned > 0) ctx.log.info({ pruned }, 'journal events pruned after backup');
      }
      return r;
    } finally {
      backingUp = null;
    }
  })();
  return backingUp;
}

/** Counts requests per type for the inspector. */
function counted<H extends object>(handlers: H): H {
  return Object.fromEntries(Object.entries(handlers).map(([type, handle]) => [type, (...args: unknown[]) => {
    received[type] = (received[type] ?? 0) + 1;
    return (handle as (...a: unknown[]) => unknown)(...args);
  }])) as H;
}

defineActor<JournalConfig, JournalProtocol>({
  async init(ctx) {
    const cfg = ctx.config;
    const appended = new Counter({ name: 'volguard_journal_append_total', help: 'Journal entries committed', registers: [ctx.metrics] });
    const commitSeconds = new Histogram({
      name: 'volguard_journal_commit_seconds',
      help: 'Cycle commit time, request to flushed',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [ctx.metrics],
    });
    try {
      ({ journal, backend } = openLmdbJournal(cfg.dir, {
        clock: ctx.clock,
        mapSizeBytes: cfg.mapSizeBytes,
        maxBytes: cfg.maxBytes,
        minFreeBytes: cfg.minFreeBytes,
        ...(cfg.fsync === false ? { noSync: true } : {}),
        onFault: (err, seq) => reportFault(ctx, err, seq),
      }));
    } catch (err) {
      // A journal that cannot open (or whose tail fails its hash) must stop trading, not just this actor.
      if ((err as JournalError).kind !== undefined) reportFault(ctx, err as JournalError);
      throw err;
    }
    metrics = { appended, commitSeconds };
    ctx.log.info({ dir: cfg.dir, lastSeq: journal.lastSeq }, 'journal open');
    if (cfg.backupIntervalS > 0) {
      timer = setInterval(() => {
        backupNow(ctx).then(
          () => {
            if (!backupSkipped) return;
            backupSkipped = false;
            ctx.log.info({ backupDir: cfg.backupDir }, 'journal backups resumed');
          },
          (err: unknown) => {
            // No room is not a journal fault (trading is not at risk): say it once, with where to point backups.
            if (err instanceof BackupWouldNotFitError) {
              if (!backupSkipped) ctx.log.error({ err, backupDir: err.backupDir, needBytes: err.needBytes, freeBytes: err.freeBytes }, 'journal backup skipped: it would not fit');
              backupSkipped = true;
              return;
            }
            reportFault(ctx, err as JournalError);
          },
        );
      }, cfg.backupIntervalS * 1000);
    }
  },

  // Every request is checked at the edge (JOURNAL_BODIES: a bad body throws before the handler — an error reply,
  // nothing queued). Writes queue synchronously and answer deferred; reads see every write received before them.
  bodies: JOURNAL_BODIES,
  handlers: counted({
    'journal.append': (req) => write(open().j.append(req).then((seq) => (count(1), { seq }))),
    'journal.appendMany': ({ entries }) => write(appendMany(open().j, entries)),
    'journal.appendBatch': ({ entries }) => write(open().j.appendBatch(entries).then((r) => (count(r.last - r.first + 1), r))),
    'journal.commitCycle'(rec, _ctx, msg) {
      const t0 = performance.now();
      return write(open().j.commitCycle(rec, msg.from).then((seq) => {
        metrics?.commitSeconds.observe((performance.now() - t0) / 1000);
        count(1);
        return { seq };
      }));
    },
    'journal.audit': (rec, _ctx, msg) => write(open().j.audit(rec, msg.from).then((seq) => (count(1), { seq }))),
    'journal.snapshot': (r) => write(open().j.snapshot(r.actor, r.state, r.seq).then((seq) => ({ seq }))),
    'journal.kvPut': (r, _ctx, msg) => write(open().j.kvPut(r.key, r.value, msg.from).then((seq) => (count(1), { seq }))),
    'journal.recover': ({ actor }) => read(() => open().j.recover(actor)),
    'journal.kvGet': ({ key }) => read(() => open().j.kvGet(key)),
    'journal.orders': (q) => read(() => ({ orders: open().j.orders(q ?? {}) })),
    'journal.stats': () => read(() => open().j.stats()),
    'journal.backup': (_body, ctx) => read(() => backupNow(ctx)),
  }),
  // A request of a type it does not know gets an error reply, not a crash: without the journal nothing trades.
  refuseUnknownRequests: true,

  inspect() {
    const s = journal?.stats();
    const requests = { ...received };
    return s ? { lastSeq: s.lastSeq, entries: s.entries, usedBytes: s.usedBytes, backedUpThrough: s.backedUpThrough, prunedThrough: s.prunedThrough, requests } : { open: false, requests };
  },

  async stop() {
    if (timer) clearInterval(timer);
    timer = null;
    await Promise.all([...outstanding]);
    await backingUp?.catch(() => {});
    await journal?.close();
    journal = null;
    backend = null;
  },
});

let metrics: { appended: Counter; commitSeconds: Histogram } | null = null;

function count(n: number): void {
  metrics?.appended.inc(n);
}
