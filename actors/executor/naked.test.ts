import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nakedLegEvents } from './naked.ts';
import { apply } from './state.ts';
import { build, T0 } from './fixture.ts';

test('a naked short starts a journaled timer, asks EMERGENCY once after the timeout (market time), clears when hedged', () => {
  const s = build([]);
  s.positions['SP'] = { instrumentKey: 'SP', quantity: -65, averagePrice: 10, realisedPnl: 0, structureId: 'S-1', underlying: 'NIFTY', expiry: 'E', strike: 23500, right: 'PE' };
  const first = nakedLegEvents(s, T0, 10_000);
  assert.deepEqual(first.map((e) => e.type), ['executor.nakedLegStarted']);
  for (const e of first) apply(s, e);
  assert.deepEqual(nakedLegEvents(s, T0 + 9_999, 10_000), []);
  const fire = nakedLegEvents(s, T0 + 10_000, 10_000);
  assert.deepEqual(fire.map((e) => e.type === 'executor.nakedLegEmergency' && e.detail), ['short leg NIFTY:E:PE unhedged for 10000 ms (limit 10000 ms)']);
  for (const e of fire) apply(s, e);
  assert.deepEqual(nakedLegEvents(s, T0 + 20_000, 10_000), [], 'once per episode');
  s.positions['LP'] = { ...s.positions['SP']!, instrumentKey: 'LP', quantity: 65, strike: 23000 };
  assert.deepEqual(nakedLegEvents(s, T0 + 21_000, 10_000).map((e) => e.type), ['executor.nakedLegCleared']);
});
