import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalMoney, payoffFacts, pnlAtExpiry, type PricedLeg } from './payoff.ts';

// NIFTY iron condor, 75 units a leg: long 23300 PE @ 40, short 23600 PE @ 95, short 24400 CE @ 90, long 24700 CE @ 35.
const CONDOR: PricedLeg[] = [
  { strike: 23300, right: 'PE', quantity: 75, price: 40 },
  { strike: 23600, right: 'PE', quantity: -75, price: 95 },
  { strike: 24400, right: 'CE', quantity: -75, price: 90 },
  { strike: 24700, right: 'CE', quantity: 75, price: 35 },
];

test('an iron condor: credit, max loss and breakevens worked by hand', () => {
  const f = payoffFacts(CONDOR);
  // credit per unit 95 + 90 − 40 − 35 = 110; × 75 = 8,250
  assert.equal(f.credit, 8250);
  // wing 300 − credit 110 = 190 a unit; × 75 = 14,250
  assert.equal(f.maxLoss, 14250);
  assert.equal(f.maxProfit, 8250);
  // short put − credit = 23,600 − 110 = 23,490; short call + credit = 24,400 + 110 = 24,510
  assert.deepEqual(f.breakevens, [23490, 24510]);
  // between the short strikes the credit is kept whole; past a wing the loss is capped
  assert.equal(pnlAtExpiry(CONDOR, 24000), 8250);
  assert.equal(pnlAtExpiry(CONDOR, 26000), -14250);
  assert.equal(pnlAtExpiry(CONDOR, 20000), -14250);
});

test('a short strangle loses without bound above; a lone long put is the orphan a failed compensation leaves', () => {
  // short 23500 PE @ 60 and short 24500 CE @ 55, 50 units: credit 115 × 50 = 5,750; breakevens 23,385 and 24,615
  const strangle = payoffFacts([
    { strike: 23500, right: 'PE', quantity: -50, price: 60 },
    { strike: 24500, right: 'CE', quantity: -50, price: 55 },
  ]);
  assert.equal(strangle.credit, 5750);
  assert.equal(strangle.maxLoss, Infinity);
  assert.deepEqual(strangle.breakevens, [23385, 24615]);
  // long 23300 PE @ 40, 75 units: a debit of 3,000 and at most that lost; it pays above zero below 23,260
  const orphan = payoffFacts([{ strike: 23300, right: 'PE', quantity: 75, price: 40 }]);
  assert.equal(orphan.credit, -3000);
  assert.equal(orphan.maxLoss, 3000);
  assert.deepEqual(orphan.breakevens, [23260]);
  // a naked short call: unbounded loss, breakeven strike + premium
  const call = payoffFacts([{ strike: 24000, right: 'CE', quantity: -1, price: 100 }]);
  assert.equal(call.maxLoss, Infinity);
  assert.deepEqual(call.breakevens, [24100]);
  assert.deepEqual(payoffFacts([]), { credit: 0, maxLoss: 0, maxProfit: 0, breakevens: [] });
});

test('the money on an approval card comes from its limit prices, and from nothing else', () => {
  const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL', limitPrice?: number) => ({ strike, right, side, quantity: 75, ...(limitPrice !== undefined ? { limitPrice } : {}) });
  // the condor above at limits 40 / 95 / 90 / 35
  assert.deepEqual(approvalMoney([leg(23300, 'PE', 'BUY', 40), leg(23600, 'PE', 'SELL', 95), leg(24400, 'CE', 'SELL', 90), leg(24700, 'CE', 'BUY', 35)]), { credit: 8250, maxLoss: 14250, breakevens: [23490, 24510] });
  assert.deepEqual(approvalMoney([leg(23600, 'PE', 'SELL', 95), leg(24400, 'CE', 'SELL')]), {}, 'a leg without a limit price: no figures rather than wrong ones');
  assert.equal(approvalMoney([leg(24400, 'CE', 'SELL', 90)]).maxLoss, null, 'unbounded is null (JSON has no Infinity)');
});
