import { test } from 'node:test';
import assert from 'node:assert/strict';
import { istInstant, sessionCloseMs, sessionOpenMs } from '../../domain/calendar.ts';
import { SimMarket } from './market.ts';

const DAY = '2026-12-08';

test('closeOn: a session\'s close is its last simulated price, known once the model has run past the close', () => {
  const m = new SimMarket({ seed: 3, startMs: sessionOpenMs(DAY) - 60_000 });
  m.advanceTo(istInstant(DAY, 15 * 60));
  assert.equal(m.closeOn('NIFTY', DAY), undefined, 'not before the close');
  // The independent reading: another copy stopped at the last step before the close.
  const ref = new SimMarket({ seed: 3, startMs: sessionOpenMs(DAY) - 60_000 });
  ref.advanceTo(sessionCloseMs(DAY) - 1);
  m.advanceTo(sessionCloseMs(DAY) + 60_000);
  assert.equal(m.closeOn('NIFTY', DAY), ref.spot('NIFTY'));
  assert.equal(m.closeOn('BANKNIFTY', DAY), ref.spot('BANKNIFTY'));
  // Still known the next day, after the overnight move; a day the model never ran is unknown.
  m.advanceTo(istInstant('2026-12-09', 11 * 60));
  assert.equal(m.closeOn('NIFTY', DAY), ref.spot('NIFTY'));
  assert.notEqual(m.spot('NIFTY'), ref.spot('NIFTY'));
  assert.equal(m.closeOn('NIFTY', '2026-12-01'), undefined);
});
