/**
 * @module The journal client coalesces the appends of one synchronous turn into one `journal.appendMany` request
 * (real journal worker, real LMDB): one request and one reply for many appends, each caller settled with its own seq
 * or its own error, bad entries isolated, and the call order kept across appends, other requests and several clients
 * on one requester. Requests are counted twice: by a counting requester wrapper (what the client sent) and by the
 * journal's own inspect stats (what the actor received).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, journalClient, type CycleRecord } from '../../actors/journal/index.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';
import type { Requester } from '../../actors/journal/client.ts';
import type { AppendManyReply } from '../../actors/journal/messages.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-journal-coalesce-'));
let system: ActorSystem;

before(async () => {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0' });
  system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg)] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
});

after(async () => {
  await system.stop();
  try {
    const r = await verifyJournal(path.join(dataDir, 'journal'));
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A requester over main that records every request type it forwards (a fresh one = a fresh pending queue). */
function counting(): { requester: Requester; sent: string[] } {
  const sent: string[] = [];
  const requester: Requester = {
    request: (to, type, body, opts) => {
      assert.equal(to, 'journal');
      sent.push(type);
      return system.main.request(to, type, body, opts);
    },
  };
  return { requester, sent };
}

/** Requests the journal actor has received, by type (its inspect stats). */
async function received(): Promise<Record<string, number>> {
  const r = (await system.inspect('journal')) as { state: { requests: Record<string, number> } };
  return { ...r.state.requests };
}

const delta = (after: Record<string, number>, before: Record<string, number>, type: string): number => (after[type] ?? 0) - (before[type] ?? 0);

async function lastSeq(): Promise<number> {
  return (await journalClient(system.main, { actor: 'main' }).stats()).lastSeq;
}

const cycle = (cycleId: string): CycleRecord => ({
  cycleId, ts: 1, durationMs: 1, overrun: false, summary: null,
  stages: { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 },
});

test('many appends in one turn travel as ONE request and get contiguous seqs in call order', async () => {
  const { requester, sent } = counting();
  const j = journalClient(requester, { actor: 'burst' });
  const base = await lastSeq();
  const before0 = await received();
  const N = 500;
  const calls = Array.from({ length: N }, (_, i) => j.append('burst.event', { i }, { cycleId: 'k1', corrId: `r${i}` }));
  const seqs = await Promise.all(calls);
  assert.deepEqual(sent, ['journal.appendMany']);
  const after0 = await received();
  assert.equal(delta(after0, before0, 'journal.appendMany'), 1, 'the actor received one request');
  assert.equal(delta(after0, before0, 'journal.append'), 0);
  assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => base + 1 + i));
  const { events } = await j.recover();
  assert.deepEqual(events.map((e) => [e.seq, (e.body as { i: number }).i, e.cycleId, e.corrId]), seqs.map((s, i) => [s, i, 'k1', `r${i}`]));

  // A lone append still goes as journal.append; the next turn is a new request.
  sent.length = 0;
  assert.equal(await j.append('burst.lone', {}), base + N + 1);
  assert.deepEqual(sent, ['journal.append']);
});

test('a bad entry in the middle fails alone (its own error); its neighbours get contiguous seqs around it', async () => {
  const { requester, sent } = counting();
  const j = journalClient(requester, { actor: 'iso' });
  const base = await lastSeq();
  const before0 = await received();
  const settle = <T>(p: Promise<T>): Promise<{ ok: T } | { err: Error }> => p.then((ok) => ({ ok }), (err: Error) => ({ err }));
  const calls = [
    settle(j.append('iso.ok', 0)),
    settle(j.append('', 'empty type: fails the worker validation')),
    settle(j.append('iso.ok', 1)),
    settle(j.append('iso.ok', { s: Symbol('unencodable') })),
    settle(j.append('iso.ok', 2)),
    settle(j.append('iso.ok', 'empty cycleId: fails the worker validation', { cycleId: '' })),
    settle(j.append('iso.ok', 3)),
  ];
  const r = await Promise.all(calls);
  assert.deepEqual(sent, ['journal.appendMany'], 'one request; the unencodable entry never left the client');
  const after0 = await received();
  assert.equal(delta(after0, before0, 'journal.appendMany'), 1);
  assert.deepEqual([r[0], r[2], r[4], r[6]], [{ ok: base + 1 }, { ok: base + 2 }, { ok: base + 3 }, { ok: base + 4 }]);
  const err = (i: number): Error => {
    const x = r[i];
    assert.ok(x !== undefined && 'err' in x, `call ${i} should have failed, was ${JSON.stringify(x)}`);
    return x.err;
  };
  assert.equal(err(1).name, 'TypeError');
  assert.match(err(1).message, /journal\.append: expected a valid body.*type/);
  assert.ok(err(3) instanceof TypeError);
  assert.match(err(3).message, /msgpack-encodable/);
  assert.match(err(5).message, /journal\.append: expected a valid body.*cycleId/);
  const { events } = await j.recover();
  assert.deepEqual(events.map((e) => [e.seq, e.body]), [[base + 1, 0], [base + 2, 1], [base + 3, 2], [base + 4, 3]]);

  // All bad: every caller fails, nothing is written, nothing is sent.
  sent.length = 0;
  const none = await Promise.allSettled([j.append('iso.bad', Symbol('a')), j.append('iso.bad', Symbol('b'))]);
  assert.deepEqual(none.map((x) => x.status), ['rejected', 'rejected']);
  assert.deepEqual(sent, []);
  assert.equal(await lastSeq(), base + 4);
});

test('journal.appendMany on the wire: results map 1:1 to the entries; a malformed entry is an error result, not a failed request', async () => {
  const base = await lastSeq();
  const reply = await system.main.request<AppendManyReply>('journal', 'journal.appendMany', {
    entries: [{ actor: 'wire', type: 'w', body: 1 }, { actor: 'wire', type: 'w', body: 2, extra: true }, 'not an entry', { actor: 'wire', type: 'w', body: 3 }],
  });
  assert.equal(reply.results.length, 4);
  assert.equal(reply.results[0], base + 1);
  assert.match(String((reply.results[1] as { error: { message: string } }).error.message), /expected a valid body.*extra/);
  assert.equal((reply.results[2] as { error: { name: string } }).error.name, 'TypeError');
  assert.equal(reply.results[3], base + 2);
  await assert.rejects(system.main.request('journal', 'journal.appendMany', { entries: [] }), /journal\.appendMany: expected a valid body/);
});

test('an append followed in the same turn by kvPut / commitCycle / appendBatch / a read is journaled before it', async () => {
  const { requester, sent } = counting();
  const j = journalClient(requester, { actor: 'order' });
  const base = await lastSeq();
  const a1 = j.append('order.a', 1);
  const a2 = j.append('order.a', 2);
  const kv = j.kvPut('order.latch', 'set');
  const a3 = j.append('order.a', 3);
  const cyc = j.commitCycle(cycle('order-c1'));
  const a4 = j.append('order.a', 4);
  const batch = j.appendBatch([{ type: 'order.b', body: 5 }, { type: 'order.b', body: 6 }]);
  const a5 = j.append('order.a', 7);
  const st = j.stats();
  const got = await Promise.all([a1, a2, kv, a3, cyc, a4, batch, a5, st]);
  assert.deepEqual(sent, ['journal.appendMany', 'journal.kvPut', 'journal.append', 'journal.commitCycle', 'journal.append', 'journal.appendBatch', 'journal.append', 'journal.stats']);
  assert.deepEqual(got.slice(0, 8), [base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, { first: base + 7, last: base + 8 }, base + 9]);
  assert.equal((got[8] as { lastSeq: number }).lastSeq, base + 9, 'the read sees every write called before it');
});

test('two clients on one requester interleaving appends keep call order (one queue per requester)', async () => {
  const { requester, sent } = counting();
  const a = journalClient(requester, { actor: 'ca' });
  const b = journalClient(requester, { actor: 'cb' });
  const base = await lastSeq();
  const calls: Array<Promise<number>> = [];
  for (let i = 0; i < 20; i++) calls.push((i % 3 === 0 ? b : a).append('inter.event', { i }));
  const kv = b.kvPut('inter.latch', 1);
  calls.push(a.append('inter.event', { i: 20 }));
  const seqs = await Promise.all(calls);
  assert.deepEqual(sent, ['journal.appendMany', 'journal.kvPut', 'journal.append']);
  assert.equal(await kv, base + 21);
  assert.deepEqual(seqs, [...Array.from({ length: 20 }, (_, i) => base + 1 + i), base + 22]);
  const ra = (await a.recover()).events.map((e) => [e.seq, (e.body as { i: number }).i]);
  const rb = (await b.recover()).events.filter((e) => e.type === 'inter.event').map((e) => [e.seq, (e.body as { i: number }).i]);
  assert.deepEqual(rb, [0, 3, 6, 9, 12, 15, 18].map((i) => [base + 1 + i, i]));
  assert.deepEqual(ra, [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20].map((i) => [i === 20 ? base + 22 : base + 1 + i, i]));

  // Clients with different timeouts on one requester: separate requests, still in call order.
  sent.length = 0;
  const slow = journalClient(requester, { actor: 'ca', timeoutMs: 30_000 });
  const mixed = [a.append('mix', 0), a.append('mix', 1), slow.append('mix', 2), slow.append('mix', 3), a.append('mix', 4)];
  const base2 = await Promise.all(mixed);
  assert.deepEqual(sent, ['journal.appendMany', 'journal.appendMany', 'journal.append']);
  assert.deepEqual(base2, [0, 1, 2, 3, 4].map((i) => base + 23 + i));
});
