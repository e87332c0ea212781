import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simToken, strikeGrid, tradingSymbol, underlyingSpec } from './instruments.ts';

test('the deprecated spec fields carry the newest dated lot and freeze (NSE 1,800 / 600 from 1 Feb 2026)', () => {
  assert.equal(underlyingSpec('NIFTY', '2026-12-01').lotSize, 65);
  assert.equal(underlyingSpec('BANKNIFTY', '2026-12-29').lotSize, 30);
  assert.equal(underlyingSpec('NIFTY').freezeQty, 1800);
  assert.equal(underlyingSpec('BANKNIFTY').freezeQty, 600);
  assert.throws(() => underlyingSpec('NIFTY', '2025-12-30'), /on\/after 2026-01-01/);
});

test('NIFTY grid: 50 within ±1000 of ATM, 100 out to ±2000', () => {
  const g = strikeGrid('NIFTY', 24_512);
  assert.equal(g[0], 22_500);
  assert.equal(g.at(-1), 26_500);
  assert.equal(g.length, 41 + 20);
  assert.ok(g.includes(24_450) && g.includes(23_550) && !g.includes(23_450) && g.includes(23_400));
});

test('BANKNIFTY grid: 100 within ±2500, 500 out to ±5000', () => {
  const g = strikeGrid('BANKNIFTY', 52_260);
  assert.equal(g[0], 47_500);
  assert.equal(g.at(-1), 57_000);
  assert.ok(g.includes(49_800) && g.includes(54_800) && !g.includes(54_900) && g.includes(55_000));
});

test('simulated tokens are unique per contract and stable', () => {
  const seen = new Set<number>();
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    for (const e of ['2026-12-01', '2026-12-08']) {
      for (const k of strikeGrid(u, u === 'NIFTY' ? 24_500 : 52_000)) {
        for (const r of ['CE', 'PE'] as const) seen.add(simToken(u, e, k, r));
      }
    }
  }
  assert.equal(seen.size, 2 * 2 * (61 + 61));
  assert.equal(simToken('NIFTY', '2026-12-01', 24_500, 'PE'), simToken('NIFTY', '2026-12-01', 24_500, 'PE'));
  assert.equal(tradingSymbol('NIFTY', '2026-11-23', 24_500, 'CE'), 'NIFTY 24500 CE 23 NOV 26');
});
