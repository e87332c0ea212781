/**
 * An old journal still recovers: `test/fixtures/journals/executor-v1.json` holds the executor events the code before
 * issue 17 item 5 wrote (recorded with its own harness at 707d052: a condor opened, a SEMI_AUTO approval, a SHADOW
 * fill, a governance phase, an exit re-priced once and completed, a drift finding). The event vocabulary only grew
 * since (positionOrphaned, structureRepaired; the status `expired`), so the same reducer rebuilds the same state and
 * the rebuilt executor runs its next cycle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apply, initialState, type ExecEvent } from '../../actors/executor/state.ts';
import { Harness } from './executor-harness.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/journals/executor-v1.json', import.meta.url), 'utf8')) as { clock: number; events: ExecEvent[] };

test('a journal written by the old code rebuilds the state it describes and the executor runs on', async () => {
  const once = initialState();
  for (const e of fixture.events) apply(once, e);
  const again = initialState();
  for (const e of fixture.events) apply(again, e);
  assert.deepEqual(again, once, 'replay is deterministic');

  // What the recorded run did, read from the events by hand: the condor (saga VG1) opened and was exited (VG2: the two
  // BUY-backs re-priced once, VG2-0E1/1E1), so the structure is closed and holds nothing.
  assert.equal(once.structures['S-VG1']?.status, 'closed');
  assert.deepEqual(once.structures['S-VG1']?.legs, []);
  assert.deepEqual(Object.values(once.sagas).map((s) => [s.id, s.status, s.outcome]), [['VG1', 'done', 'completed'], ['VG2', 'done', 'completed']]);
  assert.deepEqual(Object.values(once.orders).filter((o) => o.status === 'cancelled').map((o) => o.clientOrderId).sort(), ['VG2-0E0', 'VG2-1E0']);
  assert.equal(Object.values(once.orders).filter((o) => o.status === 'filled').length, 8);
  assert.deepEqual(Object.values(once.positions).filter((p) => p.quantity !== 0), []);
  assert.deepEqual(Object.values(once.approvals).map((a) => [a.id, a.status]), [['A-old-2', 'pending']]);
  assert.equal(once.governance?.phase, 'FULL_AUTO');
  // Days journaled before venues were recorded count as paper (the safe reading for live).
  assert.deepEqual(once.days, { paper: { SHADOW: ['2026-01-06'], SEMI_AUTO: ['2026-01-06'] }, live: { SHADOW: [], SEMI_AUTO: [] } });
  assert.equal(once.shadow.fills, 1);
  assert.deepEqual(once.orphans, {}, 'a field the old code never wrote starts empty');

  // The executor rebuilt from it runs its next cycle (a fresh paper account: flat, as the local book is).
  const h = new Harness();
  h.clock.set(fixture.clock);
  h.journal.push(...fixture.events);
  await h.crashAndRestart();
  assert.equal(h.engine.book().structures.find((s) => s.id === 'S-VG1')?.status, 'closed');
  const r = await h.execute([], 'SEMI_AUTO');
  assert.equal(r.reconciliation.mismatch, undefined);
  assert.equal(r.phase.configured, 'FULL_AUTO', 'the journaled governance phase');
  // The old decision has no venue: it counts as paper, like its days.
  assert.deepEqual(r.phase.history, { venue: 'paper', governance: once.governance, days: { SHADOW: 1, SEMI_AUTO: 1 } });
  await h.done();
});
