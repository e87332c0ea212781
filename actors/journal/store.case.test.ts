/**
 * @module The journal contract, run against every backend (LMDB in a temp dir, in-memory).
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { JournalError } from '../../runtime/errors.ts';
import type { Journal } from './journal.ts';
import { MemoryBackend, openMemoryJournal } from './memory-store.ts';
import { openLmdbJournal } from './lmdb-store.ts';
import { verifyBackend } from './verify.ts';
import type { Backend } from './store.ts';
import type { CycleRecord } from './messages.ts';

interface Harness {
  journal: Journal;
  backend: Backend;
  clock: ManualClock;
  faults: JournalError[];
  /** Reopens on the same storage (a journal restart). */
  reopen(): Promise<void>;
}

const temp = mkdtempSync(path.join(tmpdir(), 'vg-journal-case-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let n = 0;

const backends: Record<string, () => Harness> = {
  lmdb: () => {
    const dir = path.join(temp, `j${n++}`);
    const clock = new ManualClock();
    const faults: JournalError[] = [];
    const h: Harness = {
      clock,
      faults,
      ...openLmdbJournal(dir, { clock, onFault: (e) => faults.push(e) }),
      async reopen() {
        await h.journal.close();
        Object.assign(h, openLmdbJournal(dir, { clock, onFault: (e) => faults.push(e) }));
      },
    };
    return h;
  },
  memory: () => {
    const clock = new ManualClock();
    const faults: JournalError[] = [];
    const backend = new MemoryBackend();
    const h: Harness = {
      clock,
      faults,
      backend,
      journal: openMemoryJournal({ clock, backend, onFault: (e) => faults.push(e) }),
      async reopen() {
        await h.journal.close();
        h.journal = openMemoryJournal({ clock, backend, onFault: (e) => faults.push(e) });
      },
    };
    return h;
  },
};

const cycle = (id: string, ts: number): CycleRecord => ({
  cycleId: id,
  ts,
  durationMs: 12.5,
  stages: { read_market: 1, assess_risk: 5, check_safety: 0.5, execute: 4, journal: 2 },
  overrun: false,
  summary: { proposals: 0 },
});

for (const [kind, make] of Object.entries(backends)) {
  describe(`journal store contract (${kind})`, () => {
    test('appends round-trip with monotonic seqs and a verifiable chain', async () => {
      const h = make();
      const s1 = await h.journal.append({ actor: 'risk', type: 'risk.assessed', cycleId: 'c1', body: { delta: 0.1, legs: [1, 2] } });
      const s2 = await h.journal.append({ actor: 'executor', type: 'executor.intent', corrId: 'k1', body: { n: new Float64Array([1.5, 2.5]) } });
      assert.deepEqual([s1, s2], [1, 2]);
      const all = [...h.journal.read()];
      assert.equal(all.length, 2);
      assert.deepEqual(all[0]?.body, { delta: 0.1, legs: [1, 2] });
      assert.equal(all[0]?.cycleId, 'c1');
      assert.equal(all[1]?.corrId, 'k1');
      assert.deepEqual([...((all[1]?.body as { n: Float64Array }).n)], [1.5, 2.5]);
      assert.equal(all[1]?.prevHash, all[0]?.hash);
      assert.ok(verifyBackend(h.backend).ok);
      await h.journal.close();
    });

    test('concurrent appends get distinct contiguous seqs in call order', async () => {
      const h = make();
      const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) =>
        h.journal.append({ actor: `a${i % 3}`, type: 't', body: { i } })));
      assert.deepEqual(seqs, Array.from({ length: 500 }, (_, i) => i + 1));
      const bodies = [...h.journal.read()].map((e) => (e.body as { i: number }).i);
      assert.deepEqual(bodies, Array.from({ length: 500 }, (_, i) => i));
      const batch = await h.journal.appendBatch([{ actor: 'a', type: 'x', body: 1 }, { actor: 'a', type: 'x', body: 2 }]);
      assert.deepEqual(batch, { first: 501, last: 502 });
      await h.journal.close();
    });

    test('a restart continues the sequence and the chain', async () => {
      const h = make();
      await h.journal.append({ actor: 'a', type: 't', body: 1 });
      await h.journal.append({ actor: 'a', type: 't', body: 2 });
      await h.reopen();
      assert.equal(await h.journal.append({ actor: 'a', type: 't', body: 3 }), 3);
      const r = verifyBackend(h.backend);
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.equal(r.lastSeq, 3);
      await h.journal.close();
    });

    test('recover returns the last snapshot and only that actor\'s later events', async () => {
      const h = make();
      await h.journal.append({ actor: 'ks', type: 'ks.a', body: 1 });
      const s2 = await h.journal.append({ actor: 'ks', type: 'ks.b', body: 2 });
      await h.journal.append({ actor: 'other', type: 'o', body: 0 });
      assert.equal(await h.journal.snapshot('ks', { state: 'HALTED' }, s2), s2);
      await h.journal.append({ actor: 'ks', type: 'ks.c', body: 3 });
      const r = h.journal.recover('ks');
      assert.deepEqual(r.snapshot?.state, { state: 'HALTED' });
      assert.equal(r.snapshot?.seq, 2);
      assert.deepEqual(r.events.map((e) => e.type), ['ks.c']);
      assert.equal(r.complete, true);
      assert.deepEqual(h.journal.recover('nobody'), { snapshot: null, events: [], complete: true });
      await assert.rejects(h.journal.snapshot('ks', {}, 99), /expected seq in \[0, 4\]/);
      await h.journal.close();
    });

    test('cycles, audit, kv latches and orders are indexed and survive a restart', async () => {
      const h = make();
      await h.journal.commitCycle(cycle('c1', 1000));
      await h.journal.commitCycle(cycle('c2', 4000));
      await h.journal.audit({ who: 'ops', role: 'admin', action: 'killswitch.reset', reason: 'checked' });
      await h.journal.kvPut('killswitch.state', { state: 'HALTED', cause: 'loss' }, 'killswitch');
      await h.journal.append({ actor: 'executor', type: 'executor.order', body: { clientOrderId: 'o1', sagaId: 's1', status: 'sent' } });
      await h.journal.append({ actor: 'executor', type: 'executor.order', body: { clientOrderId: 'o1', sagaId: 's1', status: 'filled' } });
      await h.journal.append({ actor: 'executor', type: 'executor.order', body: { clientOrderId: 'o2', sagaId: 's2', status: 'sent' } });
      await h.reopen();
      assert.deepEqual(h.journal.cycles(10).map((c) => c.cycleId), ['c2', 'c1']);
      assert.equal(h.journal.audits(10)[0]?.reason, 'checked');
      assert.deepEqual(h.journal.kvGet('killswitch.state').value, { state: 'HALTED', cause: 'loss' });
      assert.deepEqual(h.journal.kvGet('missing'), { value: null, seq: null });
      assert.equal((h.journal.orders({ clientOrderId: 'o1' })[0]?.body as { status: string }).status, 'filled');
      assert.deepEqual(h.journal.orders({ sagaId: 's2' }).map((o) => o.clientOrderId), ['o2']);
      assert.equal(h.journal.orders({}).length, 2);
      const st = h.journal.stats();
      assert.equal(st.lastSeq, 7);
      assert.equal(st.cycles, 2);
      assert.equal(st.audits, 1);
      assert.deepEqual([...h.journal.read({ type: 'journal.cycle' })].map((e) => e.cycleId), ['c1', 'c2']);
      await h.journal.close();
    });

    test('a selective read (types, bodyPaths) yields the wanted entries, a body part where asked, as a whole read selects them', async () => {
      const h = make();
      await h.journal.append({ actor: 'risk', type: 'risk.breaches', body: { breaches: [] } });
      await h.journal.commitCycle({ ...cycle('c1', 10), summary: { pnl: { day: -5, realised: 1 }, greeks: { delta: 2 } } });
      await h.journal.append({ actor: 'executor', type: 'executor.orderIntent', corrId: 'k1', body: { clientOrderId: 'o1', side: 'SELL' } });
      await h.journal.commitCycle(cycle('c2', 20));
      await h.journal.append({ actor: 'strategy', type: 'strategy.signal', body: { ivRank: 0.5 } });
      const sel = { types: new Set(['journal.cycle', 'executor.orderIntent']), bodyPaths: { 'journal.cycle': ['summary', 'pnl'] } };
      const whole = [...h.journal.read()];
      const want = whole.filter((e) => sel.types.has(e.type)).map((e) => {
        const s = (e.body as { summary: Record<string, unknown> }).summary;
        return e.type === 'journal.cycle' ? { ...e, body: 'pnl' in s ? { summary: { pnl: s['pnl'] } } : {} } : e;
      });
      assert.deepEqual(want.map((e) => e.seq), [2, 3, 4]);
      assert.deepEqual([...h.journal.read(sel)], want);
      assert.deepEqual([...h.journal.read({ ...sel, checkHashes: true })], want);
      assert.deepEqual([...h.journal.read({ ...sel, from: 3, limit: 1 })], want.slice(1, 2));
      assert.deepEqual([...h.journal.read({ types: new Set(['nothing.here']) })], []);
      await h.journal.close();
    });

    test('an entry msgpack cannot encode is rejected alone; its neighbours commit', async () => {
      const h = make();
      const bad = h.journal.append({ actor: 'a', type: 't', body: { f: () => 1 } as unknown });
      const good = h.journal.append({ actor: 'a', type: 't', body: 'ok' });
      // msgpackr may encode functions as nil rather than throw; either way nothing is lost or reordered.
      const results = await Promise.allSettled([bad, good]);
      assert.equal(results[1]?.status, 'fulfilled');
      assert.ok(verifyBackend(h.backend).ok);
      await h.journal.close();
    });

    test('unencodable entries mid-batch (single or in an appendBatch) are rejected alone; the rest keep contiguous seqs, their own fields and the chain', async () => {
      const h = make();
      // All in one event turn, so one flush encodes them in this order.
      const a = h.journal.append({ actor: 'a', type: 't1', cycleId: 'c1', corrId: 'r1', body: { i: 1 } });
      const bad = h.journal.append({ actor: 'a', type: 'bad', cycleId: 'cx', corrId: 'rx', body: { s: Symbol('x') } as unknown });
      const badBatch = h.journal.appendBatch([
        { actor: 'b', type: 'fine', body: 1 },
        { actor: 'b', type: 'bad', cycleId: 'cy', body: Symbol('y') as unknown },
      ]);
      const b = h.journal.append({ actor: 'a', type: 't2', body: { i: 2 } });
      const c = h.journal.appendBatch([{ actor: 'c', type: 't3', corrId: 'r3', body: 3 }, { actor: 'c', type: 't4', cycleId: 'c4', body: 4 }]);
      const [ra, rbad, rbatch, rb, rc] = await Promise.allSettled([a, bad, badBatch, b, c]);
      assert.deepEqual(ra, { status: 'fulfilled', value: 1 });
      assert.equal(rbad?.status, 'rejected');
      assert.ok((rbad as PromiseRejectedResult).reason instanceof TypeError);
      assert.equal(rbatch?.status, 'rejected', 'a batch is all or nothing');
      assert.deepEqual(rb, { status: 'fulfilled', value: 2 });
      assert.deepEqual(rc, { status: 'fulfilled', value: { first: 3, last: 4 } });
      const entries = [...h.journal.read({ checkHashes: true })];
      // Each entry carries exactly its own optional fields (nothing left over from the entries encoded before it).
      assert.deepEqual(entries.map((e) => [e.seq, e.actor, e.type, e.cycleId, e.corrId, e.body]), [
        [1, 'a', 't1', 'c1', 'r1', { i: 1 }],
        [2, 'a', 't2', undefined, undefined, { i: 2 }],
        [3, 'c', 't3', undefined, 'r3', 3],
        [4, 'c', 't4', 'c4', undefined, 4],
      ]);
      for (const e of entries) assert.deepEqual(Object.keys(e).filter((k) => k === 'cycleId' || k === 'corrId'), [e.cycleId !== undefined ? 'cycleId' : null, e.corrId !== undefined ? 'corrId' : null].filter((k) => k !== null));
      assert.equal(entries[1]?.prevHash, entries[0]?.hash);
      const r = verifyBackend(h.backend);
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      await h.reopen();
      assert.equal(await h.journal.append({ actor: 'a', type: 't5', body: 5 }), 5, 'a restart continues the chain from the last committed entry');
      assert.equal(verifyBackend(h.backend).ok, true);
      await h.journal.close();
    });

    test('appendEach: each entry its own seq in order, an unencodable one fails alone in its slot, one answer for all', async () => {
      const h = make();
      const before = h.journal.append({ actor: 'z', type: 'first', body: 0 });
      const each = h.journal.appendEach([
        { actor: 'a', type: 't1', cycleId: 'c1', body: { i: 1 } },
        { actor: 'a', type: 'bad', body: { s: Symbol('x') } as unknown },
        { actor: 'b', type: 't2', corrId: 'r2', body: { i: 2 } },
      ]);
      const after = h.journal.append({ actor: 'z', type: 'last', body: 3 });
      const [b, results, a] = await Promise.all([before, each, after]);
      assert.equal(b, 1);
      assert.equal(results.length, 3);
      assert.equal(results[0], 2);
      assert.ok(results[1] instanceof TypeError, `the bad entry's slot holds its error, was ${String(results[1])}`);
      assert.equal(results[2], 3, 'the bad entry used no seq');
      assert.equal(a, 4, 'appends queued after the run follow it');
      assert.deepEqual([...h.journal.read({ checkHashes: true })].map((e) => [e.seq, e.actor, e.type, e.cycleId, e.corrId]), [
        [1, 'z', 'first', undefined, undefined],
        [2, 'a', 't1', 'c1', undefined],
        [3, 'b', 't2', undefined, 'r2'],
        [4, 'z', 'last', undefined, undefined],
      ]);
      assert.deepEqual(await h.journal.appendEach([]), []);
      assert.ok(verifyBackend(h.backend).ok);
      await h.journal.close();
      const closed = await h.journal.appendEach([{ actor: 'a', type: 't', body: 1 }]).catch((e: unknown) => e);
      assert.ok(closed instanceof JournalError && closed.kind === 'CLOSED', String(closed));
    });

    test('the byte cap fails the batch with JournalError MAP_FULL, reports a fault, and loses nothing acknowledged', async () => {
      const h = make();
      const acked: number[] = [];
      for (let i = 0; i < 5; i++) acked.push(await h.journal.append({ actor: 'a', type: 't', body: 'x'.repeat(100) }));
      // Reopen with a cap just above the current size: the next big batch cannot fit.
      const used = h.backend.usedBytes();
      await h.journal.close();
      const clock = h.clock;
      const j2 = kind === 'lmdb'
        ? openLmdbJournal((h.backend as unknown as { file: string }).file, { clock, maxBytes: used + 1000, onFault: (e) => h.faults.push(e) }).journal
        : openMemoryJournal({ clock, backend: h.backend as MemoryBackend, maxBytes: used + 1000, onFault: (e) => h.faults.push(e) });
      const err = await j2.append({ actor: 'a', type: 't', body: 'y'.repeat(10_000) }).catch((e: unknown) => e);
      assert.ok(err instanceof JournalError && err.kind === 'MAP_FULL', String(err));
      assert.equal(h.faults.at(-1)?.kind, 'MAP_FULL');
      assert.deepEqual([...j2.read()].map((e) => e.seq), acked);
      assert.equal(await j2.append({ actor: 'a', type: 't', body: 'small' }), 6, 'a later batch that fits continues the sequence');
      await j2.close();
    });

    test('pruning removes only backed-up old events and keeps the chain verifiable via the checkpoint', async () => {
      const h = make();
      for (let i = 0; i < 10; i++) {
        await h.journal.append({ actor: 'a', type: 't', body: i });
        h.clock.advance(1000);
      }
      const cutoff = h.clock.now() - 3500; // entries 1..6 are older
      assert.equal(await h.journal.prune(cutoff), 0, 'nothing is pruned before a backup');
      await h.journal.markBackedUp(4);
      assert.equal(await h.journal.prune(cutoff), 4);
      const r = verifyBackend(h.backend);
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.equal(r.firstSeq, 5);
      assert.equal(r.checkpointSeq, 4);
      assert.equal(h.journal.recover('a').complete, false, 'an actor without a snapshot past the prune is told its history is partial');
      await h.reopen();
      assert.equal(await h.journal.append({ actor: 'a', type: 't', body: 10 }), 11);
      assert.ok(verifyBackend(h.backend).ok);
      await h.journal.close();
    });
  });
}

test('a failed transaction (disk error) rejects with DISK_FULL, reports the fault, and the next seq is unchanged', async () => {
  const clock = new ManualClock();
  const faults: JournalError[] = [];
  const backend = new MemoryBackend();
  const j = openMemoryJournal({ clock, backend, onFault: (e) => faults.push(e) });
  await j.append({ actor: 'a', type: 't', body: 1 });
  backend.failNext = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const err = await j.commitCycle(cycle('c9', 0)).catch((e: unknown) => e);
  assert.ok(err instanceof JournalError && err.kind === 'DISK_FULL', String(err));
  assert.equal(faults[0]?.kind, 'DISK_FULL');
  assert.equal(await j.append({ actor: 'a', type: 't', body: 2 }), 2);
  // The same fault reaches every entry of an appendEach run in its own slot.
  backend.failNext = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const each = await j.appendEach([{ actor: 'a', type: 't', body: 3 }, { actor: 'b', type: 't', body: 4 }]);
  assert.equal(each.length, 2);
  for (const r of each) assert.ok(r instanceof JournalError && r.kind === 'DISK_FULL', String(r));
  assert.equal(await j.append({ actor: 'a', type: 't', body: 5 }), 3);
  assert.ok(verifyBackend(backend).ok);
});
