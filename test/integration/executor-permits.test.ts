/**
 * The executor's only gate is the kill switch's `permits(state, action)` and the phase the kill switch puts in force
 * (issue 17 item 1). DESIGN §3: HALTED allows cancels and *approved* exits only; FULL_AUTO acts as SEMI_AUTO in
 * anything but NORMAL — so with FULL_AUTO configured and HALTED, an exit is an approval, never a saga on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { Harness, condor, leg } from './executor-harness.ts';

function closeAll(id: string, structureId: string): Proposal {
  return {
    id, action: 'close', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: '2026-01-13', structureId,
    legs: [leg('shortPut', 'BUY'), leg('shortCall', 'BUY'), leg('longPut', 'SELL'), leg('longCall', 'SELL')],
    reason: 'test exit', rationale: { test: true }, riskIncreasing: false,
  };
}

test('FULL_AUTO + HALTED: an exit becomes an approval (no saga without a human); approved, it runs; an approved entry is refused', async () => {
  const h = new Harness();
  await h.execute([condor('p1')]);
  const sid = h.engine.book().structures[0]!.id;
  const sent = h.broker.tags().length;

  const r = await h.execute([closeAll('x1', sid)], 'FULL_AUTO', 'HALTED');
  assert.equal(r.phase.effective, 'SEMI_AUTO', 'the kill switch demotes FULL_AUTO outside NORMAL');
  assert.deepEqual(r.sagasStarted, [], 'no exit saga starts without approval while HALTED');
  assert.deepEqual(r.approvalsCreated, ['A-x1']);
  assert.equal(h.broker.tags().length, sent, 'nothing sent');

  // The human approves: an approved exit is permitted while HALTED.
  const a = await h.engine.approve('A-x1', 'ops');
  assert.equal(a.status, 'executed', a.statusReason);
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closed');

  // An approved entry is still risk-increasing: refused while HALTED, nothing sent.
  const r2 = await h.execute([condor('p2')], 'FULL_AUTO', 'HALTED');
  assert.deepEqual(r2.approvalsCreated, ['A-p2']);
  const before = h.broker.tags().length;
  const b = await h.engine.approve('A-p2', 'ops');
  assert.equal(b.status, 'failed');
  assert.match(b.statusReason ?? '', /^KILLSWITCH_NOT_NORMAL: /);
  assert.equal(h.broker.tags().length, before);
  await h.done();
});

test('an exit saga started in NORMAL stops placing when HALTED arrives before it finished (reduce is not permitted)', async () => {
  const h = new Harness();
  await h.execute([condor('p1')]);
  const sid = h.engine.book().structures[0]!.id;
  // The BUY-backs rest (limits under the ask): the SELLs of the wings wait for them.
  const p = closeAll('x1', sid);
  const resting = { ...p, legs: p.legs.map((l) => (l.side === 'BUY' ? { ...l, limitPrice: 50 } : l)) };
  const r = await h.execute([resting]);
  assert.equal(r.sagasStarted.length, 1);
  const sent = h.broker.tags().length;
  // HALTED: the kill switch's broadcast reaches the executor; the next passes place nothing more for this exit.
  await h.engine.killswitchChanged({ state: 'HALTED', effectivePhase: 'SEMI_AUTO' });
  h.clock.advance(60_000);
  await h.engine.tick();
  await h.execute([], 'FULL_AUTO', 'HALTED');
  assert.equal(h.broker.tags().length, sent, 'no re-priced or further exit order while HALTED');
  await h.done();
});

test('a cycle that read NORMAL before an EMERGENCY, arriving after the kill switch pushed it, opens nothing (the newer view wins)', async () => {
  // The cycle reads the kill switch at check_safety; the kill switch pushes its own change straight to the executor.
  // The two routes are not ordered: this is the order that opened entries right after a flatten.
  const h = new Harness();
  const t = h.clock.now();
  await h.engine.killswitchChanged({ state: 'EMERGENCY', effectivePhase: 'SEMI_AUTO', since: t });
  const stale = h.request([condor('p1')]);
  const r = await h.engine.execute({ ...stale, killswitch: { ...stale.killswitch, since: t - 1_000 } });
  assert.deepEqual(r.sagasStarted, [], 'no entry on the stale NORMAL');
  assert.deepEqual(h.broker.tags(), [], 'nothing sent');
  // A reset pushed later (NORMAL since t + 5 s), and a cycle that read it: entries go again.
  await h.engine.killswitchChanged({ state: 'NORMAL', effectivePhase: 'FULL_AUTO', since: t + 5_000 });
  const fresh = h.request([condor('p2')]);
  const r2 = await h.engine.execute({ ...fresh, killswitch: { ...fresh.killswitch, since: t + 5_000 } });
  assert.equal(r2.sagasStarted.length, 1);
  await h.done();
});
