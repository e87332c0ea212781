/**
 * Issue 16 items 5 and 8: phase governance. FULL_AUTO is checked (data quality, history on this venue) when it is asked
 * for; on live it needs a separate, journaled approval with its own reason; on paper the waivers are in the answer.
 * History and approvals are per venue: simulated days and a paper approval never count on live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CFG, Harness } from './executor-harness.ts';
import type { PhaseAnswer } from '../../actors/executor/messages.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';

const LIVE = { ...CFG, live: true, fullAutoMinShadowDays: 0, fullAutoMinSemiAutoDays: 0 };
const DAY = 86_400_000;

function refused(a: PhaseAnswer): string {
  assert.equal(a.ok, false, JSON.stringify(a));
  return a.ok ? '' : `${a.code}: ${a.refused}`;
}

test('paper: FULL_AUTO is refused before any market data (quality unknown), then set with both waivers in the answer', async () => {
  const h = new Harness();
  assert.match(refused(await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'paper run' })), /^GOVERNANCE: FULL_AUTO refused: quality: expected data quality above 0\.8, was unknown/);
  assert.equal(h.journal.filter((e) => e.type === 'executor.phaseSet').length, 0, 'a refusal journals nothing');
  await h.execute([], 'SEMI_AUTO');
  const a = await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'paper run' });
  assert.ok(a.ok && a.applied, JSON.stringify(a));
  assert.deepEqual(a.checks.map((c) => [c.name, c.ok, c.waived ?? false]), [['quality', true, false], ['history', true, true], ['governance', true, true]]);
  assert.match(a.checks[1]!.detail, /0\/7 SHADOW and 1\/21 SEMI_AUTO trading days on paper: waived on paper/);
  assert.deepEqual(h.kv.get('executor.phase'), { phase: 'FULL_AUTO', approver: 'ops', reason: 'paper run', ts: h.clock.now(), venue: 'paper' });
  const r = await h.execute([], 'SEMI_AUTO');
  assert.equal(r.phase.effective, 'FULL_AUTO');
  await h.done();
});

test('paper without the waiver: FULL_AUTO is refused for short history (the documented 409), naming the counts', async () => {
  const h = new Harness({ ...CFG, paperWaiveHistory: false });
  await h.execute([], 'SHADOW');
  const why = refused(await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'try it' }));
  assert.match(why, /history: expected at least 7 SHADOW and 21 SEMI_AUTO trading days on paper, was 1\/7 SHADOW and 0\/21 SEMI_AUTO/);
  // Down the phases needs no checks.
  const down = await h.engine.setPhase({ phase: 'SEMI_AUTO', approver: 'ops', reason: 'step up' });
  assert.ok(down.ok && down.applied);
  await h.done();
});

test('data quality at or below FULL_AUTO_MIN_QUALITY refuses FULL_AUTO', async () => {
  const h = new Harness();
  const snapshot = h.snapshot.bind(h);
  h.snapshot = () => { const s = snapshot(); return { ...s, quality: { ...s.quality, score: 0.8 } }; };
  await h.execute([], 'SEMI_AUTO');
  assert.match(refused(await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'go' })), /expected data quality above 0\.8, was 0\.80/);
  await h.done();
});

test('live: the POST that asks for FULL_AUTO does not grant it; a separate approval with its own reason does', async () => {
  const h = new Harness(LIVE);
  await h.execute([], 'SEMI_AUTO');
  const asked = await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'alice', reason: 'a month of SEMI_AUTO reviewed' });
  assert.ok(asked.ok && !asked.applied, JSON.stringify(asked));
  assert.equal(asked.phase, 'SEMI_AUTO', 'the configured phase is unchanged (the one the cycle asked for)');
  assert.equal(asked.pending.approver, 'alice');
  assert.deepEqual(asked.checks.map((c) => [c.name, c.ok]), [['quality', true], ['history', true], ['governance', false]]);
  let r = await h.execute([], 'SHADOW');
  assert.equal(r.phase.effective, 'SHADOW', 'asking changes nothing');

  // The same words again are not a second opinion.
  assert.match(refused(await h.engine.approvePhase({ id: asked.pending.id, approver: 'bob', reason: ' A month of SEMI_AUTO   reviewed' })), /^VALIDATION: .*own reason/);
  assert.match(refused(await h.engine.approvePhase({ id: 'PR-nope', approver: 'bob', reason: 'fine' })), /^NOT_FOUND/);
  const approved = await h.engine.approvePhase({ id: asked.pending.id, approver: 'bob', reason: 'risk limits checked against the month' });
  assert.ok(approved.ok && approved.applied, JSON.stringify(approved));
  assert.match(approved.checks.find((c) => c.name === 'governance')!.detail, /asked for by alice .* approved by bob .* on live/);
  r = await h.execute([], 'SHADOW');
  assert.equal(r.phase.effective, 'FULL_AUTO', r.phase.reasons.join('; '));
  assert.equal(h.engine.phaseView().pending, null, 'the request is settled');

  // After a restart the decision stands (rebuilt from the journal).
  await h.crashAndRestart();
  assert.equal((await h.execute([], 'SHADOW')).phase.effective, 'FULL_AUTO');
  await h.done();
});

test('live: an expired request cannot be approved', async () => {
  const h = new Harness({ ...LIVE, phaseRequestTtlMs: 60_000 });
  await h.execute([], 'SEMI_AUTO');
  const asked = await h.engine.setPhase({ phase: 'FULL_AUTO', approver: 'alice', reason: 'ready' });
  assert.ok(asked.ok && !asked.applied);
  h.clock.advance(60_000);
  assert.match(refused(await h.engine.approvePhase({ id: asked.pending.id, approver: 'bob', reason: 'agreed' })), /^INVALID_STATE: .*expired/);
  await h.done();
});

test('per venue: simulated days and a paper approval never count on live (old records without a venue count as paper)', async () => {
  const paper = new Harness({ ...CFG, fullAutoMinShadowDays: 2, fullAutoMinSemiAutoDays: 1 });
  for (let d = 0; d < 2; d++) {
    await paper.execute([], 'SHADOW');
    paper.clock.advance(DAY);
  }
  await paper.execute([], 'SEMI_AUTO');
  const set = await paper.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'paper history complete' });
  assert.ok(set.ok && set.applied);
  assert.deepEqual(set.checks.find((c) => c.name === 'history')?.waived, undefined, 'earned, not waived');
  // A journal from before venues were recorded: a day and a decision without one.
  const legacy: ExecEvent[] = [
    { type: 'executor.tradingDay', date: '2025-12-01', phase: 'SHADOW' },
    { type: 'executor.phaseSet', phase: 'FULL_AUTO', approver: 'old', reason: 'single-step approval', ts: 1 },
  ];
  const events = [...legacy, ...paper.journal];
  await paper.done();

  // The same data dir, now live.
  const live = new Harness({ ...CFG, live: true, fullAutoMinShadowDays: 2, fullAutoMinSemiAutoDays: 1 });
  live.journal.push(...events);
  await live.crashAndRestart();
  const view = live.engine.phaseView();
  assert.deepEqual(view.history, { SHADOW: 0, SEMI_AUTO: 0 }, 'no simulated day counts on live');
  assert.equal(view.configured, 'SHADOW', 'the paper decision does not configure live: PHASE does');
  assert.match(view.fullAuto.find((c) => c.name === 'governance')!.detail, /was a FULL_AUTO decision taken on paper, which does not count on live/);
  const r = await live.execute([], 'FULL_AUTO');
  assert.equal(r.phase.effective, 'SEMI_AUTO');
  assert.ok(r.phase.reasons.some((x) => /0\/2 SHADOW and 0\/1 SEMI_AUTO trading days on live/.test(x)), r.phase.reasons.join('; '));
  assert.ok(r.phase.reasons.some((x) => /taken on paper/.test(x)), r.phase.reasons.join('; '));
  assert.ok(live.journal.some((e) => e.type === 'executor.tradingDay' && e.venue === 'live'), 'live days are recorded as live');
  assert.match(refused(await live.engine.setPhase({ phase: 'FULL_AUTO', approver: 'ops', reason: 'go live' })), /history: expected at least 2 SHADOW and 1 SEMI_AUTO trading days on live/);
  await live.done();
});
