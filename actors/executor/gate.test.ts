import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowed, lowerPhase, sagaAction } from './gate.ts';

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
