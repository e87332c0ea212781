/**
 * @module The normalised Black function's small-t series: the written-out coefficients are the recursion's.
 * (Accuracy against exact values is tested through the prices in black76.test.ts and the inversions in
 * implied-vol.test.ts, both against 40-digit mpmath references.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisedBlackOtm, normalisedBlackOtmAndVega, normalisedVega, yDifferenceSmallT, yDifferenceSmallTFromTables } from './normalised-black.ts';

test('the unrolled small-t series equals the table-driven one bit for bit (h from −12 to 0, t below 0.21)', () => {
  let checked = 0;
  for (let i = 0; i <= 600; i++) {
    const h = -12 * (i / 600) ** 2;
    for (let j = 1; j <= 300; j++) {
      const t = 0.21 * (j / 300) ** 3;
      const fast = yDifferenceSmallT(h, t);
      const tables = yDifferenceSmallTFromTables(h, t);
      assert.ok(Object.is(fast, tables), `h=${h} t=${t}: expected ${tables}, was ${fast}`);
      checked++;
    }
  }
  assert.equal(checked, 601 * 300);
});

test('normalisedBlackOtmAndVega returns b bit for bit and the vega', () => {
  const out = new Float64Array(1);
  for (const x of [0, -1e-9, -0.01, -0.3, -2, -15]) {
    for (let i = 0; i <= 200; i++) {
      const s = 10 ** (-4 + (6 * i) / 200);
      const b = normalisedBlackOtmAndVega(x, s, out);
      assert.ok(Object.is(b, normalisedBlackOtm(x, s)), `x=${x} s=${s}: b`);
      assert.ok(Object.is(out[0], normalisedVega(x, s)), `x=${x} s=${s}: vega`);
    }
  }
});
