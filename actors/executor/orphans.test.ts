import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orphanEvents, unmanagedDetail } from './orphans.ts';
import { adoptedExitProposal, orphanExitProposal } from './exits.ts';
import { apply } from './state.ts';
import { build, condor, started, T0 } from './fixture.ts';

test('positions left by a failed structure are adopted exit-only and escalated until flat; live ones never', () => {
  const s = build([started(1, condor('p')), { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'failed', reason: 'compensation of leg 2 failed 5 times', ts: T0 }]);
  s.positions['NIFTY23000PE'] = { instrumentKey: 'NIFTY23000PE', quantity: 65, averagePrice: 10, realisedPnl: 0, structureId: 'S-VG1', underlying: 'NIFTY', expiry: '2026-12-01', strike: 23000, right: 'PE' };
  const ev = orphanEvents(s, T0);
  assert.deepEqual(ev.map((e) => e.type === 'executor.positionOrphaned' && [e.instrumentKey, e.quantity, e.from]), [['NIFTY23000PE', 65, 'S-VG1']]);
  for (const e of ev) apply(s, e);
  assert.equal(s.positions['NIFTY23000PE']?.structureId, 'adopted');
  assert.deepEqual(s.structures['adopted']?.legs.map((l) => [l.instrumentKey, l.side, l.quantity]), [['NIFTY23000PE', 'BUY', 65]]);
  assert.equal(unmanagedDetail(s, []), 'positions to manage: NIFTY23000PE 65 (left by S-VG1, adopted exit-only)');
  assert.deepEqual(orphanEvents(s, T0 + 1), [], 'adopted once');
  // Its exit is the orphans' own (no approval needed), never mixed with zombies' exits.
  assert.deepEqual(orphanExitProposal(s, 5)?.legs.map((l) => [l.instrumentKey, l.side, l.quantity]), [['NIFTY23000PE', 'SELL', 65]]);
  assert.equal(orphanExitProposal(s, 5)?.id, 'orphan-exit-1');
  assert.equal(adoptedExitProposal(s, 5), undefined);
  s.positions['NIFTY23000PE']!.quantity = 0;
  assert.equal(unmanagedDetail(s, []), undefined, 'flat: nothing to escalate');
  // An open structure's position is managed: never an orphan.
  const live = build([started(1, condor('p')), { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'completed', reason: 'ok', ts: T0 }]);
  live.positions['NIFTY23000PE'] = { ...s.positions['NIFTY23000PE']!, quantity: 65, structureId: 'S-VG1' };
  assert.deepEqual(orphanEvents(live, T0), []);
});

test('adopted and orphaned positions in a contract past its expiry are never exited: settlement takes them out', async () => {
  const { sessionCloseMs } = await import('../domain/calendar.ts');
  const s = build([started(1, condor('p')), { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'failed', reason: 'compensation failed', ts: T0 }]);
  s.positions['NIFTY23000PE'] = { instrumentKey: 'NIFTY23000PE', quantity: 65, averagePrice: 10, realisedPnl: 0, structureId: 'S-VG1', underlying: 'NIFTY', expiry: '2026-12-01', strike: 23000, right: 'PE' };
  for (const e of orphanEvents(s, T0)) apply(s, e);
  s.positions['NIFTY24000CE'] = { instrumentKey: 'NIFTY24000CE', quantity: -65, averagePrice: 10, realisedPnl: 0, structureId: 'adopted', underlying: 'NIFTY', expiry: '2026-12-01', strike: 24000, right: 'CE' };
  const close = sessionCloseMs('2026-12-01');
  assert.equal(orphanExitProposal(s, 5, close - 1)?.legs.length, 1);
  assert.equal(adoptedExitProposal(s, 5, close - 1)?.legs.length, 1);
  assert.equal(orphanExitProposal(s, 5, close), undefined);
  assert.equal(adoptedExitProposal(s, 5, close), undefined);
});
