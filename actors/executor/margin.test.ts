import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marginLegs, marginVerdict } from './margin.ts';
import { condor } from './fixture.ts';

test('margin: a basket fits when its final margin (after the hedge) is within available; else refused with both figures', () => {
  const funds = { availableMargin: 100_000, usedMargin: 0 };
  // Final 99,999.50 ≤ 100,000: fits (the pre-hedge figure does not count).
  assert.deepEqual(marginVerdict({ requiredMargin: 400_000, finalMargin: 99_999.5 }, funds), { ok: true, required: 99_999.5, available: 100_000 });
  const no = marginVerdict({ requiredMargin: 400_000, finalMargin: 120_000 }, funds);
  assert.equal(no.ok, false);
  // 120,000 − 100,000 = 20,000 short.
  assert.ok(!no.ok && /₹120000\.00 .*₹400000\.00.*available ₹100000\.00.*short by ₹20000\.00/.test(no.detail), !no.ok ? no.detail : '');
  assert.equal(marginVerdict({ requiredMargin: 1, finalMargin: Number.NaN }, funds).ok, false, 'an unreadable figure is no');
});

test('margin legs: every leg in the configured product, priced at the side it trades', () => {
  const p = condor('m1');
  const legs = marginLegs(p, 'I', (k) => (k === p.legs[0]!.instrumentKey ? { bid: 10, ask: 10.5 } : undefined));
  assert.equal(legs.length, p.legs.length);
  assert.ok(legs.every((l) => l.product === 'I'));
  assert.equal(legs[0]!.price, p.legs[0]!.side === 'BUY' ? 10.5 : 10);
  assert.equal(legs[1]!.price, undefined);
});
