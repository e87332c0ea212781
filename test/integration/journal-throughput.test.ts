/**
 * @module The journal actor answers writes with deferReply: many concurrent appends (several senders, no awaiting in
 * between) are all acknowledged, in the order they were sent, with contiguous seqs; reads still see every write
 * received before them (read-your-writes for a fire-and-forget sender).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, journalClient } from '../../actors/journal/index.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-journal-tp-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('journal actor: concurrent appends are acknowledged in order with contiguous seqs; reads see earlier writes', async () => {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0' });
  const system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg)] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const a = journalClient(system.main, { actor: 'a' });
    const b = journalClient(system.main, { actor: 'b' });
    const N = 400;
    const acked: number[] = [];
    const sent: Array<Promise<number>> = [];
    for (let i = 0; i < N; i++) {
      const c = i % 2 === 0 ? a : b;
      sent.push(c.append('load.event', { i }).then((seq) => (acked.push(seq), seq)));
    }
    // A cycle commit and a kv latch in the same burst: flushed replies, their seqs fixed on receipt too.
    const cycle = a.commitCycle({ cycleId: 'c1', ts: 1, durationMs: 1, overrun: false, summary: null, stages: { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 } });
    const latch = b.kvPut('test.latch', { v: 7 });
    // Not awaited: the read must still see the latch (mailbox order).
    const readBack = b.kvGet<{ v: number }>('test.latch');
    const seqs = await Promise.all(sent);
    assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1), 'seqs follow send order, contiguous from 1');
    assert.deepEqual(acked, seqs, 'acknowledged in seq order');
    assert.equal(await cycle, N + 1);
    assert.equal(await latch, N + 2);
    assert.deepEqual(await readBack, { value: { v: 7 }, seq: N + 2 });

    const r = await a.recover();
    assert.equal(r.events.length, N / 2, "the cycle is recorded under its sender (main)");
    assert.deepEqual(r.events.filter((e) => e.type === 'load.event').map((e) => (e.body as { i: number }).i), Array.from({ length: N / 2 }, (_, i) => 2 * i));
    assert.equal((await a.stats()).lastSeq, N + 2);

    // A bad body in the middle of a burst is refused alone; its neighbours keep contiguous seqs.
    const burst = [a.append('x.ok', 1), system.main.request('journal', 'journal.append', { actor: 'a', type: '', body: 1 }).then(() => 'accepted', () => 'refused'), a.append('x.ok', 2)];
    assert.deepEqual(await Promise.all(burst), [N + 3, 'refused', N + 4]);
  } finally {
    await system.stop();
  }
  assert.equal((await verifyJournal(path.join(dataDir, 'journal'))).ok, true);
});
