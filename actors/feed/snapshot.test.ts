import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedCore } from './core.ts';
import { buildLayout } from './layout.ts';
import { Book } from './book.ts';
import { istInstant, sessionCloseMs } from '../domain/calendar.ts';
import { prepack, Prepacked } from '../../runtime/envelope.ts';
import type { InstrumentInfo, Tick } from '../venues/market-data.ts';

const NOW = istInstant('2026-11-30', 11 * 60); // Monday, market open
const EXP = '2026-12-01';

/** A hand-built 3-strike NIFTY chain: keys, quotes and the values the snapshot must carry. */
function handBook() {
  const strikes = [25_950, 26_000, 26_050];
  const instruments: InstrumentInfo[] = [{ instrumentKey: 'NSE_INDEX|Nifty 50', underlying: 'NIFTY', kind: 'INDEX', tickSize: 0.05 }];
  const ticks: Tick[] = [{ instrumentKey: 'NSE_INDEX|Nifty 50', ts: NOW - 1000, ltp: 26_000 }];
  strikes.forEach((k, j) => {
    for (const right of ['CE', 'PE'] as const) {
      const key = `NSE_FO|${right}${k}`;
      instruments.push({ instrumentKey: key, underlying: 'NIFTY', kind: right, expiry: EXP, strike: k, lotSize: 65, freezeQty: 1800, tickSize: 0.05 });
      ticks.push({ instrumentKey: key, ts: NOW - 2000 - j, bid: 100 + j + (right === 'PE' ? 10 : 0), ask: 102 + j + (right === 'PE' ? 10 : 0), ltp: 101 + j, oi: 1000 * (j + 1) });
    }
  });
  return { instruments, ticks, strikes };
}

test('the snapshot carries exactly the hand-built book', () => {
  const { instruments, ticks, strikes } = handBook();
  const core = new FeedCore({ source: 'test' }, NOW);
  core.setInstruments(instruments);
  core.onTicks(ticks, NOW);
  const snap = core.snapshot('cyc-1', NOW, NOW);
  assert.equal(snap.cycleId, 'cyc-1');
  assert.equal(snap.ts, NOW);
  assert.equal(snap.marketOpen, true);
  assert.deepEqual(snap.spots, [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: 26_000, ts: NOW - 1000 }]);
  assert.equal(snap.vix, null);
  assert.equal(snap.expiries.length, 1);
  const e = snap.expiries[0]!;
  assert.equal(e.expiry, EXP);
  assert.equal(e.expiryTs, Date.UTC(2026, 11, 1, 10, 10)); // 15:40 IST: the F&O close from 3 Aug 2026
  assert.equal(e.kind, 'weekly');
  assert.equal(e.lotSize, 65);
  assert.deepEqual([...e.strikes], strikes);
  assert.deepEqual(e.callKeys, ['NSE_FO|CE25950', 'NSE_FO|CE26000', 'NSE_FO|CE26050']);
  assert.deepEqual([...e.callBid], [100, 101, 102]);
  assert.deepEqual([...e.putAsk], [112, 113, 114]);
  assert.deepEqual([...e.callOi], [1000, 2000, 3000]);
  assert.deepEqual([...e.putTs], [NOW - 2000, NOW - 2001, NOW - 2002]);
  assert.equal(e.callBrokerIv, undefined);
  // Quality by hand: nothing stale, crossed or missing (BANKNIFTY spot is missing: 1 of 2 spots + 6 options).
  const q = snap.quality.components;
  assert.equal(q.staleness, 1);
  assert.equal(q.crossed, 1);
  assert.equal(q.missingStrikes, 1 - 1 / 8);
  // Median relative spread: calls 2/101, 2/102, 2/103, puts 2/111, 2/112, 2/113 → upper median 2/111 = 0.018 ≤ 0.03.
  assert.equal(q.spread, 1);
  // Parity: C − P = −10 at every strike → F ≈ K − 10·e^{rT}; nearest |C−P| all equal, so the three strikes average to
  // 26000 − 10.0 = 25990 vs carry 26000·e^{(0.0525−0.012)·t} ≈ 26000.4 → deviation 4.0e-4 ≤ 0.002.
  assert.equal(q.forwardConsistency, 1);
  assert.equal(snap.quality.score, 1 - 1 / 8);
});

test('a crossed quote and an expired chain are handled as documented', () => {
  const { instruments, ticks } = handBook();
  const core = new FeedCore({ source: 'test' }, NOW);
  core.setInstruments(instruments);
  core.onTicks([...ticks, { instrumentKey: 'NSE_FO|CE26000', ts: NOW, bid: 105, ask: 104 }], NOW);
  assert.equal(core.snapshot('c', NOW, NOW).quality.components.crossed, 1 - 1 / 6);
  const after = sessionCloseMs(EXP); // the dated session close (15:40 IST from 3 Aug 2026)
  assert.equal(core.snapshot('c', after, after).expiries.length, 0);
});

test('a real-scale listing with NIFTY half-yearlies to 2031 lays out: every expiry year classifies, unknown is data', () => {
  const inst = (underlying: 'NIFTY' | 'BANKNIFTY', expiry: string, k: number, right: 'CE' | 'PE'): InstrumentInfo =>
    ({ instrumentKey: `NSE_FO|${underlying}${expiry}${k}${right}`, underlying, kind: right, expiry, strike: k, lotSize: 65, freezeQty: 1800, tickSize: 0.05 });
  const instruments = [
    ['NIFTY', '2031-12-30'], ['NIFTY', '2030-06-25'], ['NIFTY', '2026-12-08'], ['BANKNIFTY', '2028-03-28'], ['BANKNIFTY', '2026-12-08'],
  ].flatMap(([u, e]) => [inst(u as 'NIFTY', e!, 26_000, 'CE'), inst(u as 'NIFTY', e!, 26_000, 'PE')]);
  const book = new Book();
  const layout = buildLayout(instruments, book);
  const kinds = Object.fromEntries(layout.chains.map((c) => [`${c.underlying} ${c.expiry}`, [c.kind, c.expiryTs]]));
  assert.deepEqual(kinds['NIFTY 2031-12-30'], ['monthly', istInstant('2031-12-30', 15 * 60 + 40)]); // last Tuesday of Dec 2031
  assert.deepEqual(kinds['NIFTY 2030-06-25'], ['monthly', istInstant('2030-06-25', 15 * 60 + 40)]); // last Tuesday of Jun 2030
  assert.equal(kinds['NIFTY 2026-12-08']![0], 'weekly');
  assert.equal(kinds['BANKNIFTY 2028-03-28']![0], 'monthly');
  assert.equal(kinds['BANKNIFTY 2026-12-08']![0], 'unknown'); // BANKNIFTY lists no weeklies: not a throw
});

test('every chain shape the feed builds is a shared wire shape: its prepacked bytes name no field, and decode intact', () => {
  // The four variants the feed builds: plain (sim), broker IVs and greeks (Upstox), derived quotes (replay), both.
  const variants: Array<{ name: string; extra: Partial<Tick> }> = [
    { name: 'plain', extra: {} },
    { name: 'broker IVs + greeks', extra: { iv: 0.14, delta: 0.5, gamma: 0.001, theta: -5, vega: 12 } },
    { name: 'derived', extra: { derived: true } },
    { name: 'broker IVs + derived', extra: { iv: 0.14, derived: true } },
  ];
  for (const { name, extra } of variants) {
    const { instruments, ticks } = handBook();
    const core = new FeedCore({ source: 'test' }, NOW);
    core.setInstruments(instruments);
    core.onTicks(ticks.map((t) => (t.instrumentKey.startsWith('NSE_FO') ? { ...t, ...extra } : t)), NOW);
    const chains = core.snapshot('cyc-1', NOW, NOW).expiries;
    const bytes = Buffer.from(prepack(chains).bytes);
    // An unshared shape is defined inline, its key names spelled out in the bytes; a shared one is an id.
    for (const field of ['underlying', 'callBid', 'putTs', 'callBrokerIv', 'callDerived', 'callBrokerGreeks', 'gamma']) {
      assert.equal(bytes.includes(field), false, `${name}: "${field}" is spelled out in the packed chain (its shape is not in runtime/wire-shapes.ts)`);
    }
    const back = Prepacked.received<typeof chains>(bytes).value; // what a consumer decodes
    assert.deepEqual(back, chains, name);
    if (extra.iv !== undefined) assert.equal(back[0]?.callBrokerIv?.[0], 0.14, `${name}: the broker IVs came through`);
    if (extra.gamma !== undefined) assert.equal(back[0]?.putBrokerGreeks?.gamma[1], 0.001, `${name}: the broker greeks came through`);
    if (extra.derived === true) assert.equal(back[0]?.callDerived?.[2], 1, `${name}: the derived marks came through`);
  }
});
