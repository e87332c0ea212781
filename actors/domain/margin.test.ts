import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateMargin, worstExpiryLoss, type MarginLeg } from './margin.ts';
import type { Right } from './right.ts';
import type { Side } from './side.ts';

const leg = (strike: number, right: Right, side: Side, quantity = 65): MarginLeg =>
  ({ underlying: 'NIFTY', expiry: '2026-01-13', strike, right, side, quantity });

const condor = [leg(23800, 'PE', 'BUY'), leg(23900, 'PE', 'SELL'), leg(24100, 'CE', 'SELL'), leg(24200, 'CE', 'BUY')];

test('iron condor gets the hedge benefit: worst loss plus exposure on one side', () => {
  const m = estimateMargin(condor, { NIFTY: 24000 });
  // naked: 2 shorts × 12 % × 24 000 × 65; hedged: width 100 × 65 + 3 % × 24 000 × 65
  assert.equal(m.required, 6500 + 46800);
  assert.equal(m.hedgeBenefit, 374400 - 53300);
  assert.equal(m.groups[0]?.worstLoss, 6500);
});

test('on its expiry day a short option carries NSE\'s extra 2 % ELM, hedged or not; the day before it does not', () => {
  // The condor above: 53 300 hedged; expiry day adds 2 % × 24 000 × (65 + 65) short units = 62 400 → 115 700.
  const m = estimateMargin(condor, { NIFTY: 24000 }, undefined, { today: '2026-01-13' });
  assert.equal(m.required, 53300 + 62400);
  assert.equal(m.groups[0]?.expiryDayElm, 62400);
  assert.equal(m.hedgeBenefit, 374400 - 53300, 'the hedge benefit is not changed by the ELM');
  assert.equal(estimateMargin(condor, { NIFTY: 24000 }, undefined, { today: '2026-01-12' }).required, 53300);
  // Longs alone carry none.
  assert.equal(estimateMargin([leg(23800, 'PE', 'BUY')], { NIFTY: 24000 }, undefined, { today: '2026-01-13' }).required, 0);
});

test('a naked short call has undefined risk and no hedge benefit', () => {
  assert.equal(worstExpiryLoss([leg(24100, 'CE', 'SELL')]), Infinity);
  const m = estimateMargin([leg(24100, 'CE', 'SELL')], { NIFTY: 24000 });
  assert.equal(m.required, 0.12 * 24000 * 65);
  assert.equal(m.hedgeBenefit, 0);
});

test('a naked short put is bounded by the strike, but naked margin is cheaper and applies', () => {
  assert.equal(worstExpiryLoss([leg(23900, 'PE', 'SELL')]), 23900 * 65);
  assert.equal(estimateMargin([leg(23900, 'PE', 'SELL')], { NIFTY: 24000 }).required, 0.12 * 24000 * 65);
});

test('long legs alone need no margin', () => {
  assert.equal(estimateMargin([leg(24200, 'CE', 'BUY')], { NIFTY: 24000 }).required, 0);
});

test('rejects a missing spot and a bad quantity with the value in the message', () => {
  assert.throws(() => estimateMargin(condor, {}), /expected a positive spot for NIFTY, was undefined/);
  assert.throws(() => estimateMargin([leg(24000, 'PE', 'SELL', -1)], { NIFTY: 1 }), /expected a positive leg quantity, was -1/);
});
