/**
 * @module The journal actor in a real worker under a one-child supervisor: requests through the typed client,
 * boundary validation, and a crash + restart that continues the sequence and chain.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, journalClient, type CycleRecord } from '../../actors/journal/index.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-journal-actor-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('journal actor: append/commit/recover round-trip, bad bodies get an error reply, a crash loses nothing', async () => {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0' });
  const system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg)] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const j = journalClient(system.main, { actor: 'main' });
    assert.equal(await j.append('main.started', { v: 1 }), 1);
    const rec: CycleRecord = {
      cycleId: 'c1', ts: 1, durationMs: 3, overrun: false, summary: null,
      stages: { read_market: 1, assess_risk: 1, check_safety: 0, execute: 1, journal: 0 },
    };
    assert.equal(await j.commitCycle(rec), 2);
    assert.deepEqual(await j.kvPut('killswitch.state', 'HALTED'), 3);
    assert.equal((await j.kvGet<string>('killswitch.state')).value, 'HALTED');
    const bad = await system.main.request('journal', 'journal.append', { actor: 'x', type: '', body: 1 }).catch((e: unknown) => e as Error);
    assert.match(String((bad as Error).message), /journal\.append: expected a valid body.*type/);

    const restarted = new Promise<void>((resolve) => {
      const off = system.onEvent((type, body) => {
        if (type === 'sys.actorReady' && (body as { incarnation: number }).incarnation > 1) { off(); resolve(); }
      });
    });
    system.fault('journal', 'crash');
    await restarted;
    assert.equal(await j.append('main.after', {}), 4, 'the restarted journal continues the sequence');
    const r = await j.recover('main');
    assert.deepEqual(r.events.map((e) => e.seq), [1, 2, 3, 4], 'main wrote all four (the kv latch is recorded under its sender)');
    assert.equal((await j.stats()).lastSeq, 4);
  } finally {
    await system.stop();
  }
  assert.equal((await verifyJournal(path.join(dataDir, 'journal'))).ok, true);
});
