import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategySkipsView } from './strategy.ts';

test('the risk rules\' skips are listed with their reasons; the market\'s are counted by reason', () => {
  const v = strategySkipsView({
    lastCycleId: 'c-000420', lastTs: 1_767_775_509_000,
    lastSkipped: [
      { bucket: 'weekly', underlying: 'NIFTY', reason: 'EVENT_CALENDAR', detail: 'skip_entries for RBI policy 2026-02-06 (provisional)' },
      { bucket: 'weekly', underlying: 'BANKNIFTY', reason: 'OUTSIDE_WINDOW', detail: 'entries 09:30–14:30 IST' },
      { bucket: 'monthly', underlying: 'NIFTY', reason: 'REENTRY_COOLDOWN', detail: 'closed 14:01 IST, cool-down 30 min' },
      { bucket: 'intraday', underlying: null, reason: 'MTM_STOP', detail: 'intraday MTM stop fired at −₹3,100: no entries today' },
      { bucket: 'monthly', underlying: 'BANKNIFTY', reason: 'OUTSIDE_WINDOW', detail: 'entries 09:30–14:30 IST' },
      { bucket: 'weekly', underlying: 'NIFTY', reason: 'MAX_ENTRIES_DAY', detail: '2 entries today, at most 2' },
    ],
  });
  assert.ok(v !== null);
  assert.equal(v.cycleId, 'c-000420');
  assert.deepEqual(v.ruleSkips.map((s) => [s.bucket, s.underlying, s.reason]), [
    ['weekly', 'NIFTY', 'EVENT_CALENDAR'], ['monthly', 'NIFTY', 'REENTRY_COOLDOWN'], ['intraday', null, 'MTM_STOP'], ['weekly', 'NIFTY', 'MAX_ENTRIES_DAY'],
  ]);
  assert.equal(v.ruleSkips[0]?.detail, 'skip_entries for RBI policy 2026-02-06 (provisional)');
  assert.deepEqual(v.otherSkips, { OUTSIDE_WINDOW: 2 });
  // the strategy not answering (or an odd reply) is "not known", never "no skips"
  assert.equal(strategySkipsView(null), null);
  assert.equal(strategySkipsView({ lastCycleId: null, lastTs: null, lastSkipped: 'x' as never }), null);
});
