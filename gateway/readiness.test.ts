import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveness, type LivenessInput } from './readiness.ts';

// A cycle ended at wall 1,000,000 ms; 5 s without one is stale.
const base: LivenessInput = {
  actors: [{ name: 'feed', status: 'running' }, { name: 'risk', status: 'running' }],
  lastCompletedAt: 1_000_000, quietUntil: null, lastError: null, now: 1_004_000, freshMs: 5000,
};

test('liveness: alive 4 s after a cycle, stale 6 s after it, with the age in the reason', () => {
  assert.deepEqual(liveness(base), { ok: true, reasons: [] });
  assert.deepEqual(liveness({ ...base, now: 1_006_000 }), { ok: false, reasons: ['last cycle is stale (6000 ms old)'] });
});

test('liveness: a replay waiting for its next instant is not stale until 5 s past the wait, and never once it is over', () => {
  // The next instant is due at 1,100,000 (a daily recording paced slowly): quiet until then, stale 5 s after.
  const waiting = { ...base, quietUntil: 1_100_000 };
  assert.equal(liveness({ ...waiting, now: 1_060_000 }).ok, true);
  assert.equal(liveness({ ...waiting, now: 1_104_000 }).ok, true);
  assert.deepEqual(liveness({ ...waiting, now: 1_106_000 }).reasons, ['last cycle is stale (106000 ms old)']);
  assert.equal(liveness({ ...base, quietUntil: Number.POSITIVE_INFINITY, now: 9_000_000 }).ok, true);
});

test('liveness: every actor not running, no cycle yet and a failed cycle are each a reason', () => {
  const r = liveness({ ...base, actors: [{ name: 'feed', status: 'restarting' }, { name: 'risk', status: 'running' }], lastCompletedAt: null, lastError: 'TimeoutError: risk.assess' });
  assert.deepEqual(r, { ok: false, reasons: ['actor feed is restarting', 'no cycle has completed yet', 'last cycle failed: TimeoutError: risk.assess'] });
});
