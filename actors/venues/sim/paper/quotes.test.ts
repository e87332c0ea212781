import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpiryChain, MarketSnapshot } from '../../../domain/market-snapshot.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import { SnapshotQuotes, type InstrumentRules, type OptionDescription, type PaperQuote } from './quotes.ts';
import { mulberry32 as rng } from '../../../../test/fixtures/mulberry32.ts';
import type { Right } from '../../../domain/right.ts';

/**
 * The eager SnapshotQuotes as it was before quotes were built on lookup (a quote, rules and description object per
 * instrument on every update): the reference the indexed one must answer exactly like.
 */
class EagerSnapshotQuotes {
  #quotes = new Map<string, PaperQuote>();
  #rules = new Map<string, InstrumentRules>();
  #options = new Map<string, OptionDescription>();
  #spots = new Map<Underlying, number>();
  constructor(readonly displayedQty = 750) {}

  update(snapshot: MarketSnapshot): void {
    for (const s of snapshot.spots) if (Number.isFinite(s.spot) && s.spot > 0) this.#spots.set(s.underlying, s.spot);
    for (const chain of snapshot.expiries) {
      chain.strikes.forEach((strike, i) => {
        const base = { underlying: chain.underlying, expiry: chain.expiry, strike };
        const c = chain.callKeys[i];
        const p = chain.putKeys[i];
        if (c !== undefined) this.#options.set(c, { ...base, right: 'CE' });
        if (p !== undefined) this.#options.set(p, { ...base, right: 'PE' });
      });
      const rules = { lotSize: chain.lotSize, freezeQty: chain.freezeQty };
      const sides: Array<[readonly string[], Float64Array, Float64Array, Float64Array]> = [
        [chain.callKeys, chain.callBid, chain.callAsk, chain.callLtp],
        [chain.putKeys, chain.putBid, chain.putAsk, chain.putLtp],
      ];
      for (const [keys, bids, asks, ltps] of sides) {
        keys.forEach((key, i) => {
          const bid = bids[i] ?? Number.NaN;
          const ask = asks[i] ?? Number.NaN;
          const ltp = ltps[i] ?? Number.NaN;
          this.#rules.set(key, rules);
          const okBid = Number.isFinite(bid) && bid > 0;
          const okAsk = Number.isFinite(ask) && ask > 0;
          if (!okBid && !okAsk) return;
          this.#quotes.set(key, {
            bid: okBid ? bid : 0,
            ask: okAsk ? ask : 0,
            ltp: Number.isFinite(ltp) && ltp > 0 ? ltp : okBid && okAsk ? (bid + ask) / 2 : okBid ? bid : ask,
            bidQty: okBid ? this.displayedQty : 0,
            askQty: okAsk ? this.displayedQty : 0,
          });
        });
      }
    }
  }

  quote = (key: string) => this.#quotes.get(key);
  rules = (key: string) => this.#rules.get(key);
  describe = (key: string) => this.#options.get(key);
  spot = (u: Underlying) => this.#spots.get(u);
}

type Px = readonly [bid: number, ask: number, ltp: number];

interface ChainSpec {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly lotSize?: number;
  readonly freezeQty?: number;
  readonly strikes: readonly number[];
  /** Prices per strike: [call, put]. */
  readonly px: (strike: number) => readonly [Px, Px];
}

const key = (u: Underlying, e: string, k: number, r: Right) => `NSE_FO|${u}${e}${k}${r}`;

function chain(s: ChainSpec): ExpiryChain {
  const n = s.strikes.length;
  const f = (pick: (k: number) => number) => Float64Array.from(s.strikes, pick);
  return {
    underlying: s.underlying, expiry: s.expiry, expiryTs: 0, kind: 'weekly', lotSize: s.lotSize ?? 75, freezeQty: s.freezeQty ?? 1800,
    strikes: Float64Array.from(s.strikes),
    callKeys: s.strikes.map((k) => key(s.underlying, s.expiry, k, 'CE')),
    putKeys: s.strikes.map((k) => key(s.underlying, s.expiry, k, 'PE')),
    callBid: f((k) => s.px(k)[0][0]), callAsk: f((k) => s.px(k)[0][1]), callLtp: f((k) => s.px(k)[0][2]),
    callOi: new Float64Array(n), callTs: new Float64Array(n),
    putBid: f((k) => s.px(k)[1][0]), putAsk: f((k) => s.px(k)[1][1]), putLtp: f((k) => s.px(k)[1][2]),
    putOi: new Float64Array(n), putTs: new Float64Array(n),
  };
}

function snapshot(expiries: readonly ExpiryChain[], spots: Partial<Record<Underlying, number>>): MarketSnapshot {
  return {
    cycleId: 'c', ts: 0, marketOpen: true, vix: null, source: 'test', expiries,
    spots: Object.entries(spots).map(([u, spot]) => ({ underlying: u as Underlying, instrumentKey: `NSE_INDEX|${u}`, spot, ts: 0 })),
    quality: { score: 1, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
  };
}

/** Every answer of both providers agrees for every key either has seen (plus one unknown key) and both spots. */
function assertSame(lazy: SnapshotQuotes, eager: EagerSnapshotQuotes, keys: Iterable<string>, at: string): void {
  for (const k of [...keys, 'NSE_FO|unknown']) {
    assert.deepEqual(lazy.quote(k, 0), eager.quote(k), `${at}: quote ${k}`);
    assert.deepEqual(lazy.rules(k), eager.rules(k), `${at}: rules ${k}`);
    assert.deepEqual(lazy.describe(k), eager.describe(k), `${at}: describe ${k}`);
  }
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) assert.equal(lazy.spot(u), eager.spot(u), `${at}: spot ${u}`);
}

const E1 = '2026-11-24';
const E2 = '2026-12-01';

test('SnapshotQuotes answers like the eager one across a price change and a new strike', () => {
  const lazy = new SnapshotQuotes();
  const eager = new EagerSnapshotQuotes();
  const seen = new Set<string>();
  const feed = (s: MarketSnapshot, at: string) => {
    lazy.update(s);
    eager.update(s);
    for (const c of s.expiries) for (const k of [...c.callKeys, ...c.putKeys]) seen.add(k);
    assertSame(lazy, eager, seen, at);
  };

  // 1: NIFTY 23900..24100, one put without an ask, one call without an ltp.
  const nifty1 = chain({
    underlying: 'NIFTY', expiry: E1, strikes: [23_900, 24_000, 24_100],
    px: (k) => [[k === 24_100 ? 40 : 150, k === 24_100 ? 41 : 152, k === 24_100 ? Number.NaN : 151], [k === 23_900 ? 30 : 90, k === 23_900 ? 0 : 92, 91]],
  });
  const bank1 = chain({ underlying: 'BANKNIFTY', expiry: E2, lotSize: 30, freezeQty: 900, strikes: [51_000], px: () => [[300, 305, 302], [280, 284, 282]] });
  feed(snapshot([nifty1, bank1], { NIFTY: 24_010, BANKNIFTY: 51_020 }), 'first');
  const c24000 = key('NIFTY', E1, 24_000, 'CE');
  const p23900 = key('NIFTY', E1, 23_900, 'PE');
  const c24100 = key('NIFTY', E1, 24_100, 'CE');
  assert.deepEqual(lazy.quote(c24000, 0), { bid: 150, ask: 152, ltp: 151, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(p23900, 0), { bid: 30, ask: 0, ltp: 91, bidQty: 750, askQty: 0 });
  assert.deepEqual(lazy.quote(c24100, 0), { bid: 40, ask: 41, ltp: 40.5, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.rules(key('BANKNIFTY', E2, 51_000, 'PE')), { lotSize: 30, freezeQty: 900 });
  assert.deepEqual(lazy.describe(p23900), { underlying: 'NIFTY', expiry: E1, strike: 23_900, right: 'PE' });

  // 2: same strikes, new prices; the 24100 call loses both sides (its last quote stands), a NaN spot is ignored.
  const nifty2 = chain({
    underlying: 'NIFTY', expiry: E1, strikes: [23_900, 24_000, 24_100],
    px: (k) => [k === 24_100 ? [Number.NaN, 0, 39] : [k - 23_850, k - 23_848, Number.NaN], [95, 97, 96]],
  });
  const bank2 = chain({ underlying: 'BANKNIFTY', expiry: E2, lotSize: 30, freezeQty: 900, strikes: [51_000], px: () => [[310, 315, 312], [270, 274, 272]] });
  feed(snapshot([nifty2, bank2], { NIFTY: 24_050, BANKNIFTY: Number.NaN }), 'prices changed');
  assert.deepEqual(lazy.quote(c24000, 0), { bid: 150, ask: 152, ltp: 151, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(key('NIFTY', E1, 23_900, 'CE'), 0), { bid: 50, ask: 52, ltp: 51, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(c24100, 0), { bid: 40, ask: 41, ltp: 40.5, bidQty: 750, askQty: 750 }, 'unquoted: the last quote stands');
  assert.deepEqual(lazy.quote(p23900, 0), { bid: 95, ask: 97, ltp: 96, bidQty: 750, askQty: 750 });
  assert.equal(lazy.spot('NIFTY'), 24_050);
  assert.equal(lazy.spot('BANKNIFTY'), 51_020);

  // 3: a new strike (23950) appears between two others, the BANKNIFTY chain is gone, NIFTY's lot size changes, and
  // the 24100 call is still unquoted.
  const nifty3 = chain({
    underlying: 'NIFTY', expiry: E1, lotSize: 65, strikes: [23_900, 23_950, 24_000, 24_100],
    px: (k) => [k === 24_100 ? [0, 0, 0] : [k - 23_800, k - 23_797, k - 23_798], [k === 23_950 ? 0 : 99, 101, Number.NaN]],
  });
  feed(snapshot([nifty3], { NIFTY: 24_060 }), 'new strike');
  const c23950 = key('NIFTY', E1, 23_950, 'CE');
  assert.deepEqual(lazy.quote(c23950, 0), { bid: 150, ask: 153, ltp: 152, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(key('NIFTY', E1, 23_950, 'PE'), 0), { bid: 0, ask: 101, ltp: 101, bidQty: 0, askQty: 750 });
  assert.deepEqual(lazy.describe(c23950), { underlying: 'NIFTY', expiry: E1, strike: 23_950, right: 'CE' });
  assert.deepEqual(lazy.rules(c23950), { lotSize: 65, freezeQty: 1800 });
  assert.deepEqual(lazy.rules(c24000), { lotSize: 65, freezeQty: 1800 });
  assert.deepEqual(lazy.quote(c24000, 0), { bid: 200, ask: 203, ltp: 202, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(c24100, 0), { bid: 40, ask: 41, ltp: 40.5, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(key('BANKNIFTY', E2, 51_000, 'CE'), 0), { bid: 310, ask: 315, ltp: 312, bidQty: 750, askQty: 750 }, 'a dropped chain keeps its last quote');
  assert.deepEqual(lazy.rules(key('BANKNIFTY', E2, 51_000, 'CE')), { lotSize: 30, freezeQty: 900 });

  // 4: the same new layout again with new prices: the 24100 call is quoted again, the new put loses its ask too.
  const nifty4 = chain({
    underlying: 'NIFTY', expiry: E1, lotSize: 65, strikes: [23_900, 23_950, 24_000, 24_100],
    px: (k) => [[k - 23_790, k - 23_788, k - 23_789], k === 23_950 ? [0, Number.NaN, 5] : [98, 100, 99]],
  });
  feed(snapshot([nifty4], { NIFTY: 24_070 }), 'new layout, prices changed');
  assert.deepEqual(lazy.quote(c24100, 0), { bid: 310, ask: 312, ltp: 311, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.quote(key('NIFTY', E1, 23_950, 'PE'), 0), { bid: 0, ask: 101, ltp: 101, bidQty: 0, askQty: 750 });

  // 5: back to the first layout (the BANKNIFTY chain returns, 23950 gone): what 23950 showed last stands.
  feed(snapshot([nifty1, bank1], { NIFTY: 24_000, BANKNIFTY: 51_100 }), 'old layout again');
  assert.deepEqual(lazy.quote(c23950, 0), { bid: 160, ask: 162, ltp: 161, bidQty: 750, askQty: 750 });
  assert.deepEqual(lazy.rules(c24000), { lotSize: 75, freezeQty: 1800 });
});


test('SnapshotQuotes answers like the eager one over random snapshot sequences (layouts, gaps, duplicates)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const lazy = new SnapshotQuotes(seed % 2 === 0 ? 750 : 100);
    const eager = new EagerSnapshotQuotes(seed % 2 === 0 ? 750 : 100);
    const seen = new Set<string>();
    const price = (): number => {
      const x = r();
      return x < 0.15 ? Number.NaN : x < 0.25 ? 0 : x < 0.3 ? -1 : Math.round(r() * 2000) / 10;
    };
    const px = (): Px => [price(), price(), price()];
    let strikes = [23_900, 24_000, 24_100, 24_200];
    let lot = 75;
    let prev: readonly ExpiryChain[] = [];
    for (let step = 0; step < 30; step++) {
      const x = r();
      if (x < 0.15) strikes = [...new Set([...strikes, 23_500 + 50 * Math.floor(r() * 30)])].sort((a, b) => a - b);
      else if (x < 0.25 && strikes.length > 1) strikes = strikes.filter((_, i) => i !== Math.floor(r() * strikes.length));
      else if (x < 0.3) lot = lot === 75 ? 65 : 75;
      const expiries: ExpiryChain[] = [chain({ underlying: 'NIFTY', expiry: E1, lotSize: lot, strikes, px: () => [px(), px()] })];
      if (r() < 0.6) expiries.push(chain({ underlying: 'BANKNIFTY', expiry: E2, lotSize: 30, strikes: [51_000, 51_100], px: () => [px(), px()] }));
      // Now and then the same instruments listed twice (a second chain object with the same keys).
      if (r() < 0.1) expiries.push(chain({ underlying: 'NIFTY', expiry: E1, lotSize: 50, strikes: strikes.slice(0, 2), px: () => [px(), px()] }));
      // Now and then the very same chain objects again (a snapshot delivered in-process twice).
      const s = r() < 0.1 && prev.length > 0 ? snapshot(prev, { NIFTY: price() }) : snapshot(expiries, { NIFTY: price(), BANKNIFTY: price() });
      prev = s.expiries;
      lazy.update(s);
      eager.update(s);
      for (const c of s.expiries) for (const k of [...c.callKeys, ...c.putKeys]) seen.add(k);
      assertSame(lazy, eager, seen, `seed ${seed} step ${step}`);
    }
  }
});
