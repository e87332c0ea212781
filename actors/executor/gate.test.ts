import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowed, freshestKillSwitch, lowerPhase, sagaAction } from './gate.ts';
import type { KillSwitchView } from './messages.ts';

test('the gate is permits(state, action); before any state is seen only cancels and the flatten pass', () => {
  assert.equal(allowed('HALTED', 'approvedExit'), true);
  assert.equal(allowed('HALTED', 'reduce'), false);
  assert.equal(allowed('DEGRADED', 'increase'), false);
  assert.equal(allowed('EMERGENCY', 'compensate'), false);
  assert.deepEqual((['increase', 'reduce', 'approvedExit', 'compensate', 'cancel', 'flatten'] as const).filter((a) => allowed(undefined, a)), ['cancel', 'flatten']);
});

test('a saga asks for increase (entry), approvedExit (exit with an approval) or reduce; the phase in force never exceeds the configured one', () => {
  assert.equal(sagaAction({ riskIncreasing: true }, 'A-1'), 'increase');
  assert.equal(sagaAction({ riskIncreasing: false }, 'A-1'), 'approvedExit');
  assert.equal(sagaAction({ riskIncreasing: false }, null), 'reduce');
  // An operator's close of a structure is a human's decision, like an approval; it never makes an entry an exit.
  assert.equal(sagaAction({ riskIncreasing: false }, null, true), 'approvedExit');
  assert.equal(sagaAction({ riskIncreasing: true }, null, true), 'increase');
  assert.equal(lowerPhase('FULL_AUTO', 'SEMI_AUTO'), 'SEMI_AUTO');
  assert.equal(lowerPhase('SHADOW', 'FULL_AUTO'), 'SHADOW');
});

test('freshestKillSwitch: the newer state wins across the two routes; on a tie or an undated view, the more restrictive', () => {
  const cycle: KillSwitchView = { state: 'NORMAL', effectivePhase: 'FULL_AUTO', since: 1_000 };
  assert.equal(freshestKillSwitch(cycle, null), cycle);
  assert.equal(freshestKillSwitch(cycle, { state: 'EMERGENCY', effectivePhase: 'SEMI_AUTO', since: 2_000 }).state, 'EMERGENCY');
  // A reset pushed before the cycle read a later HALT: the cycle's is newer.
  assert.equal(freshestKillSwitch({ ...cycle, state: 'HALTED', since: 3_000 }, { state: 'NORMAL', effectivePhase: 'FULL_AUTO', since: 2_000 }).state, 'HALTED');
  // The same instant, or no date: the more restrictive state, the cycle's phase.
  const tie = freshestKillSwitch(cycle, { state: 'DEGRADED', effectivePhase: 'SEMI_AUTO', since: 1_000 });
  assert.deepEqual([tie.state, tie.effectivePhase], ['DEGRADED', 'FULL_AUTO']);
  assert.equal(freshestKillSwitch<KillSwitchView>({ state: 'HALTED', effectivePhase: 'SEMI_AUTO' }, { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }).state, 'HALTED');
});
