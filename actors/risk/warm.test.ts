import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assess, initialRiskState, onKillswitchChanged, preTrade } from './core.ts';
import { warmPreTrade } from './warm.ts';
import { NOW, condorBook, condorLegs, settings, snapshot, surface } from './fixture.ts';

const assessed = () => onKillswitchChanged(assess(initialRiskState(settings()), { cycleId: 'c1', snapshot: snapshot(), surface: surface(), book: condorBook() }).state, 'NORMAL');

test('warming runs the pre-trade check on the assessed market and changes nothing: the state, and the next decision', () => {
  const state = assessed();
  const before = structuredClone(state);
  const cold = preTrade(state, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW + 1000);
  // One synthetic condor (the fixture has one expiry), 12 rounds of two checks.
  assert.equal(warmPreTrade(state, NOW + 500, 1), 24);
  assert.deepEqual(structuredClone(state), before, 'the state is as it was: nothing reserved, nothing stored');
  const warm = preTrade(state, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW + 1000);
  assert.deepEqual(warm, cold);
});

test('before any assessment there is no market to warm on', () => {
  assert.equal(warmPreTrade(initialRiskState(settings()), NOW, 1), 0);
});
