/**
 * The fake's instrument list against NSE's own: the F&O bhavcopy of 12 Jan 2026 (/work/shared/data/nse-udiff, real
 * rows) lists every live NIFTY/BANKNIFTY option. Expiry dates must match exactly; contract counts closely (strike
 * lists grow as the index moves, which a generator cannot know).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listedExpiries, nseOptionMaster, type ListedUnderlying } from './master.ts';

const UDIFF = '/work/shared/data/nse-udiff/2026-01-12';

function nseListing(symbol: string): { spot: number; byExpiry: Map<string, number> } {
  const [head, ...rows] = readFileSync(path.join(UDIFF, `${symbol}.csv`), 'utf8').trim().split('\n');
  const col = (name: string) => head!.split(',').indexOf(name);
  const [tp, xp, und] = [col('FinInstrmTp'), col('XpryDt'), col('UndrlygPric')];
  const byExpiry = new Map<string, number>();
  let spot = 0;
  for (const line of rows) {
    const c = line.split(',');
    if (c[tp] !== 'IDO') continue;
    spot = Number(c[und]);
    byExpiry.set(c[xp]!, (byExpiry.get(c[xp]!) ?? 0) + 1);
  }
  return { spot, byExpiry };
}

test('NIFTY and BANKNIFTY expiries on 12 Jan 2026 are exactly the ones NSE listed (weeklies, monthlies, quarterlies, half-yearlies to 2030)', () => {
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    const nse = nseListing(u);
    assert.deepEqual(listedExpiries(u, '2026-01-12').map((e) => e.expiry), [...nse.byExpiry.keys()].sort(), u);
  }
});

test('contract counts on 12 Jan 2026 are within 10% of NSE\'s (NIFTY 1,530, BANKNIFTY 850), per cycle class', () => {
  const specs: ListedUnderlying[] = [
    { underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', spot: nseListing('NIFTY').spot, lotSize: 65, freezeQty: 1800, tokenBase: 40_000 },
    { underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', spot: nseListing('BANKNIFTY').spot, lotSize: 30, freezeQty: 600, tokenBase: 60_000 },
  ];
  const ours = nseOptionMaster('2026-01-12', specs);
  for (const spec of specs) {
    const nse = nseListing(spec.underlying);
    const nseTotal = [...nse.byExpiry.values()].reduce((a, b) => a + b, 0);
    const mine = ours.filter((c) => c.underlying === spec.underlying);
    assert.ok(Math.abs(mine.length - nseTotal) / nseTotal <= 0.1, `${spec.underlying}: ${mine.length} contracts vs NSE ${nseTotal}`);
    // Near expiries dominate: each within 15% of NSE's count.
    for (const [expiry, n] of nse.byExpiry) {
      const k = mine.filter((c) => c.expiry === expiry).length;
      if (n >= 100) assert.ok(Math.abs(k - n) / n <= 0.15, `${spec.underlying} ${expiry}: ${k} vs NSE ${n}`);
    }
  }
  assert.equal(new Set(ours.map((c) => c.token)).size, ours.length, 'tokens are unique');
});

test('in December 2026 NIFTY lists half-yearlies out to June 2031 and the list exceeds the feed\'s full-mode cap', () => {
  const ex = listedExpiries('NIFTY', '2026-12-07');
  assert.equal(ex.length, 18);
  assert.equal(ex.at(-1)?.expiry, '2031-06-24');
  assert.deepEqual(ex.filter((e) => e.cycle === 'weekly').map((e) => e.expiry), ['2026-12-08', '2026-12-15', '2026-12-22', '2027-01-05']);
  const all = nseOptionMaster('2026-12-07', [
    { underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', spot: 26_000, lotSize: 65, freezeQty: 1800, tokenBase: 40_000 },
    { underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', spot: 59_500, lotSize: 30, freezeQty: 600, tokenBase: 60_000 },
  ]);
  assert.ok(all.length > 2000, `${all.length} contracts`);
});
