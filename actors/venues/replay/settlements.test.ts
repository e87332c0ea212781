import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalSettlementsOf, settlementPriceAt } from './settlements.ts';
import type { Entry, Settlement } from './format.ts';

// IST = UTC + 5:30: 15:30 IST on 13 Jan 2026 is 10:00 UTC.
const ist = (d: number, h: number, m: number) => Date.UTC(2026, 0, d, h - 5, m - 30);
const final = (underlying: 'NIFTY' | 'BANKNIFTY', expiry: string, price: number): Settlement =>
  ({ kind: 'final', underlying, expiry, price, underlyingClose: price, source: 'exchange' });

test('a final settlement price is known from its entry\'s instant on, and only for its own underlying and expiry', () => {
  const entries: Entry[] = [
    [ist(12, 15, 30), 3, [{ kind: 'daily', underlying: 'NIFTY', expiry: '2026-01-20', instrumentKey: 'NSE_FO|1', price: 30, underlyingClose: 25790, source: 'exchange' }]],
    [ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', 25732.3)]],
  ];
  const finals = finalSettlementsOf(entries);
  assert.deepEqual(finals, [{ underlying: 'NIFTY', expiry: '2026-01-13', price: 25732.3, ts: ist(13, 15, 30), source: 'exchange' }]);
  // No look-ahead: at 15:29 on the expiry day the price is not yet published.
  assert.equal(settlementPriceAt(finals, 'NIFTY', '2026-01-13', ist(13, 15, 29)), undefined);
  assert.equal(settlementPriceAt(finals, 'NIFTY', '2026-01-13', ist(13, 15, 30)), 25732.3);
  assert.equal(settlementPriceAt(finals, 'NIFTY', '2026-01-13', ist(14, 9, 15)), 25732.3);
  assert.equal(settlementPriceAt(finals, 'BANKNIFTY', '2026-01-13', ist(14, 9, 15)), undefined);
  assert.equal(settlementPriceAt(finals, 'NIFTY', '2026-01-20', ist(21, 9, 15)), undefined, 'a daily settlement is no final one');
});

test('a recording with two different final prices for one expiry, or a non-positive one, is refused; a repeat is kept once', () => {
  const twice: Entry[] = [[ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', 25732.3)]], [ist(13, 15, 31), 3, [final('NIFTY', '2026-01-13', 25732.35)]]];
  assert.throws(() => finalSettlementsOf(twice), /one final settlement price for NIFTY 2026-01-13, was 25732.3 and 25732.35/);
  assert.throws(() => finalSettlementsOf([[ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', 0)]]]), /positive final settlement price for NIFTY 2026-01-13, was 0/);
  assert.throws(() => finalSettlementsOf([[ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', Number.NaN)]]]), /was NaN/);
  const repeat: Entry[] = [[ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', 25732.3)]], [ist(13, 15, 30), 3, [final('NIFTY', '2026-01-13', 25732.3)]]];
  assert.equal(finalSettlementsOf(repeat).length, 1);
});
