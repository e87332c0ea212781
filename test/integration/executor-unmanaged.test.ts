/**
 * Positions nobody manages (issue 16 item 3) and compensations the closed market refused (issue 16 item 10).
 *
 * Before: with every SELL refused (the Upstox fake's `partialSuccess`; here the paper exchange's `rejectSide`) both BUY
 * wings filled, all the compensating sells were refused, the structure ended `failed` with the wings still held, the
 * kill switch stayed NORMAL and nothing ever tried again. And a compensation that came after the close was refused
 * five times at once and given up. Now such positions are adopted exit-only and escalated (the report's `unmanaged`
 * → the kill switch's UNMANAGED_POSITIONS: DEGRADED and an alert with the evidence) until flat; a compensation the
 * closed market refused waits for the next open, escalated meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialKsState, transition, type Effect, type KsState } from '../../actors/killswitch/core.ts';
import type { KillSwitchSettings } from '../../actors/killswitch/settings.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import { istInstant, nextSessionOpen } from '../../actors/domain/calendar.ts';
import type { Leg } from '../../actors/domain/leg.ts';
import { CFG, Harness, condor, duplicates, LEGS } from './executor-harness.ts';

const KS: KillSwitchSettings = {
  healthyCycles: 2, degradeQuality: 0.6, fullAutoQuality: 0.8, shadowQuality: 0.5, phaseHealthyCycles: 1,
  fallbackStreak: 3, restartHaltCount: 3, restartWindowMs: 60_000, brokerErrorHaltCount: 5, brokerErrorWindowMs: 60_000,
  flattenTimeoutMs: 10_000, historyLimit: 50, fullAuto: { venue: 'paper', rules: { minShadowDays: 0, minSemiAutoDays: 0, minQuality: 0.8, paperWaiveHistory: true } },
};
const COMPS = { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 };

/** The kill switch's evaluation of one cycle's execution report (what main relays), on its pure core. */
function evaluate(ks: KsState, r: ExecutionReport, n: number, now: number): { ks: KsState; effects: readonly Effect[] } {
  const recon = { ...(r.reconciliation.mismatch !== undefined ? { mismatch: r.reconciliation.mismatch } : {}), ...(r.reconciliation.unmanaged !== undefined ? { unmanaged: r.reconciliation.unmanaged } : {}) };
  const step = transition(ks, {
    type: 'evaluate',
    body: { cycleId: `k${n}`, quality: { score: 0.95, components: COMPS }, risk: { breaches: [], unvalued: [] } as never, calibration: { fallbacks: 0, expiries: 1 }, recon, phase: 'FULL_AUTO', history: r.phase.history },
  }, now, KS);
  return { ks: step.state, effects: step.effects };
}

test('every SELL refused: the wings left after a failed compensation are escalated (DEGRADED + alert), adopted exit-only and exited, without a human, once the fault clears', async () => {
  const h = new Harness(CFG, true);
  h.broker.faults.rejectSide('SELL', 'RMS: SELL lines not allowed');
  const r1 = await h.execute([condor('p1')]);
  const saga = r1.sagasProgressed.find((p) => p.sagaId === 'VG1');
  assert.equal(saga?.outcome, 'failed', JSON.stringify(r1.sagasProgressed));
  assert.equal(h.engine.book().structures.find((s) => s.id === 'S-VG1')?.status, 'failed');
  const held = (await h.broker.getPositions()).filter((p) => p.quantity !== 0).map((p) => [p.instrumentKey, p.quantity]).sort();
  assert.deepEqual(held, [[LEGS.longPut.key, 75], [LEGS.longCall.key, 75]].sort(), 'the broker still holds both wings');

  // Escalated in the same report, with the evidence; adopted exit-only (the journal says so).
  assert.match(r1.reconciliation.unmanaged ?? '', /positions to manage: .*NSE_FO\|9001 75 \(left by S-VG1, adopted exit-only\)/);
  assert.deepEqual(h.journal.filter((e) => e.type === 'executor.positionOrphaned').map((e) => e.type === 'executor.positionOrphaned' && e.instrumentKey).sort(), [LEGS.longPut.key, LEGS.longCall.key].sort());
  let ks = initialKsState('FULL_AUTO', h.clock.now());
  const first = evaluate(ks, r1, 1, h.clock.now());
  ks = first.ks;
  assert.equal(ks.state, 'DEGRADED', 'the kill switch no longer stays NORMAL');
  assert.equal(ks.cause?.code, 'UNMANAGED_POSITIONS');
  const alert = first.effects.find((e) => e.kind === 'alert');
  assert.ok(alert !== undefined && alert.kind === 'alert' && /NSE_FO\|9004 75/.test(String(alert.evidence['detail'])), 'an alert carries the evidence');

  // The fault clears. DEGRADED puts SEMI_AUTO in force, yet the orphans' exit continues the failed compensation: a
  // saga without an approval (the kill switch permits `reduce` while DEGRADED) — retried until flat, no human needed.
  h.broker.faults.clearRejectSide();
  h.clock.advance(3_000);
  const r2 = await h.execute([], 'FULL_AUTO', ks.state);
  assert.equal(r2.phase.effective, 'SEMI_AUTO');
  assert.deepEqual(r2.approvalsCreated, []);
  assert.ok(r2.sagasProgressed.some((p) => p.outcome === 'completed'), JSON.stringify(r2.sagasProgressed));
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), [], 'flat');

  // Flat: nothing left to escalate; the kill switch's hold is released and it recovers.
  h.clock.advance(3_000);
  const r3 = await h.execute([], 'FULL_AUTO', ks.state);
  assert.equal(r3.reconciliation.unmanaged, undefined);
  for (let n = 2; n <= 4; n++) ks = evaluate(ks, r3, n, h.clock.now()).ks;
  assert.equal(ks.state, 'NORMAL');
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('in FULL_AUTO and NORMAL an orphan is retried as an exit saga (no human needed) until flat', async () => {
  const h = new Harness(CFG, true);
  h.broker.faults.rejectSide('SELL', 'RMS: SELL lines not allowed');
  await h.execute([condor('p1')]);
  h.broker.faults.clearRejectSide();
  const r = await h.execute([]);
  assert.ok(r.sagasProgressed.some((p) => p.outcome === 'completed'), JSON.stringify(r.sagasProgressed));
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.equal(r.reconciliation.unmanaged, undefined);
  await h.done();
});

test('a compensation the closed market refused waits for the next open (escalated meanwhile) and then ends flat', async () => {
  const h = new Harness(CFG, false, true);
  // Tue 2026-01-06, 15:29:50 IST: ten market seconds before the close.
  h.clock.set(istInstant('2026-01-06', 15 * 60 + 29) + 50_000);
  // The long put rests (a rupee under the ask); the long call fills.
  const p = condor('p1');
  const resting = { ...p, legs: p.legs.map((l): Leg => (l.instrumentKey === LEGS.longPut.key ? { ...l, limitPrice: LEGS.longPut.ask - 1 } : l)) };
  await h.execute([resting]);
  // 30 market seconds later (15:30:20, closed) the entry is pulled and the filled long call must be sold back.
  h.clock.advance(30_000);
  const r = await h.execute([]);
  const saga = r.sagasProgressed.find((s) => s.sagaId === 'VG1');
  assert.match(saga?.stage ?? '', /^waiting: market closed: compensation of leg 3 .* carried to the next open/, JSON.stringify(r.sagasProgressed));
  assert.match(r.reconciliation.unmanaged ?? '', /saga VG1: market closed/);
  const refused = (await h.broker.getOrderBook()).filter((o) => o.clientOrderId?.startsWith('VG1-3C'));
  assert.deepEqual(refused.map((o) => [o.status, o.statusMessage]), [['rejected', 'market closed']], 'refused once, not five times');
  // Overnight the executor keeps trying nothing.
  h.clock.advance(3_600_000);
  await h.engine.tick();
  assert.equal((await h.broker.getOrderBook()).filter((o) => o.clientOrderId?.startsWith('VG1-3C')).length, 1);
  // The next open: the compensation goes out and fills.
  h.clock.set(nextSessionOpen(h.clock.now()));
  await h.engine.tick();
  const r2 = await h.execute([]);
  const finished = h.journal.find((e) => e.type === 'executor.sagaFinished' && e.sagaId === 'VG1');
  assert.equal(finished?.type === 'executor.sagaFinished' ? finished.outcome : undefined, 'compensated');
  assert.deepEqual((await h.broker.getPositions()).filter((x) => x.quantity !== 0), [], 'flat at the next open');
  assert.equal(r2.reconciliation.unmanaged, undefined);
  await h.done();
});

test('while HALTED an orphan exit is an approval (reduce is not permitted; an approved exit is)', async () => {
  const h = new Harness(CFG, true);
  h.broker.faults.rejectSide('SELL', 'RMS: SELL lines not allowed');
  await h.execute([condor('p1')]);
  h.broker.faults.clearRejectSide();
  const r = await h.execute([], 'FULL_AUTO', 'HALTED');
  assert.deepEqual(r.sagasStarted, []);
  assert.deepEqual(r.approvalsCreated, ['A-orphan-exit-1']);
  const a = await h.engine.approve('A-orphan-exit-1', 'ops');
  assert.equal(a.status, 'executed', a.statusReason);
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  await h.done();
});
