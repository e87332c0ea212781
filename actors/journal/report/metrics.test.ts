import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeMetrics, drawdowns, sharpe, sortino } from './metrics.ts';

const close = (a: number | null, b: number, tol = 1e-9): void => assert.ok(a !== null && Math.abs(a - b) <= tol, `expected ${b}, was ${a}`);

/*
 * A tiny session worked by hand. Capital ₹100 000; four days netting +1 000, −2 000, +1 500, +500:
 *   equity 100 000 → 101 000 → 99 000 → 100 500 → 101 000
 *   r = 1 000/100 000 = 0.01;  −2 000/101 000 = −0.0198019802;  1 500/99 000 = 0.0151515152;  500/100 500 = 0.0049751244
 *   mean = (0.01 − 0.0198019802 + 0.0151515152 + 0.0049751244)/4 = 0.0103246594/4 = 0.0025811648
 *   deviations² = 0.0074188352² + 0.0223831450² + 0.0125703504² + 0.0023939596²
 *              = 0.0000550391 + 0.0005010052 + 0.0001580137 + 0.0000057310 = 0.0007197890;  /3 → 0.0002399297
 *   sd = 0.0154896637;  Sharpe = 0.0025811648 / 0.0154896637 × √252 (15.8745079) = 0.1666363 × 15.8745079 = 2.6452944
 *   downside DD = √(0.0198019802² / 4) = 0.0198019802 / 2 = 0.0099009901
 *   Sortino = 0.0025811648 / 0.0099009901 × 15.8745079 = 0.2606976 × 15.8745079 = 4.1384469
 *   drawdown: peak 101 000 at day 1, trough 99 000 → 2 000, 2 000/101 000 = 1.980198 %; worst day −2 000 (day 2)
 * Trades: +800, −300, +400, −100, 0 → wins 2 (0 is not a win), losses 3, win rate 0.4;
 *   average win (800 + 400)/2 = 600, average loss (300 + 100 + 0)/3 = 133.33;
 *   expectancy = (800 − 300 + 400 − 100 + 0)/5 = 160 = 0.4 × 600 − 0.6 × 133.33 = 240 − 80.
 */
test('metrics match the hand-worked session', () => {
  const equity = [100_000, 101_000, 99_000, 100_500, 101_000].map((e, i) => ({ ts: i, equity: e }));
  const days = [
    { date: '2026-01-12', net: 1000, startEquity: 100_000 },
    { date: '2026-01-13', net: -2000, startEquity: 101_000 },
    { date: '2026-01-14', net: 1500, startEquity: 99_000 },
    { date: '2026-01-16', net: 500, startEquity: 100_500 },
  ];
  const m = computeMetrics(equity, days, [800, -300, 400, -100, 0].map((net) => ({ net })));
  close(m.sharpe, 2.6452944, 5e-7);
  close(m.sortino, 4.1384469, 5e-7);
  assert.equal(m.maxDrawdown, 2000);
  close(m.maxDrawdownPct, 0.01980198, 1e-8);
  assert.deepEqual(m.worstDay, { date: '2026-01-13', net: -2000 });
  assert.equal(m.totalNet, 1000);
  assert.deepEqual([m.trades, m.wins, m.losses], [5, 2, 3]);
  close(m.winRate, 0.4);
  close(m.averageWin, 600);
  close(m.averageLoss, 400 / 3);
  close(m.expectancy, 160);
  close(m.expectancy, m.winRate! * m.averageWin! - (1 - m.winRate!) * m.averageLoss!);
});

test('degenerate inputs give null ratios rather than NaN or Infinity', () => {
  assert.equal(sharpe([0.01]), null, 'one day');
  assert.equal(sharpe([0.01, 0.01]), null, 'no variation');
  assert.equal(sortino([0.01, 0.02]), null, 'no losing day');
  const m = computeMetrics([], [], []);
  assert.deepEqual([m.sharpe, m.sortino, m.winRate, m.expectancy, m.worstDay, m.maxDrawdown], [null, null, null, null, null, 0]);
  // Drawdown is measured from the running peak, never from the start.
  assert.deepEqual(drawdowns([{ ts: 0, equity: 100 }, { ts: 1, equity: 120 }, { ts: 2, equity: 90 }, { ts: 3, equity: 130 }]).map((p) => p.drawdown), [0, 0, 30, 0]);
});
