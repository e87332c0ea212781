/**
 * Subscription planning over a real-scale instrument list (NSE's structure, master.ts: 18 NIFTY and 6 BANKNIFTY
 * expiries to 2031, ≈ 2,300 contracts): a window around the money, within the venue's caps, following the spot with
 * hysteresis. Counts are worked by hand in each test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Book } from './book.ts';
import { buildLayout } from './layout.ts';
import { capBreach, diffPlans, planSubscriptions, type PlanSettings } from './subscriptions.ts';
import type { InstrumentInfo, SubscriptionCaps } from '../venues/market-data.ts';
import { nseOptionMaster } from '../venues/upstox/fake/master.ts';
import { expiryKind, istInstant } from '../domain/calendar.ts';

const DATE = '2026-12-07';
const NOW = istInstant(DATE, 10 * 60);
const SPOT = { NIFTY: 26_000, BANKNIFTY: 59_500 };

function master(weeklyFlag: boolean): InstrumentInfo[] {
  const listed = nseOptionMaster(DATE, [
    { underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', spot: SPOT.NIFTY, lotSize: 65, freezeQty: 1800, tokenBase: 40_000 },
    { underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', spot: SPOT.BANKNIFTY, lotSize: 30, freezeQty: 600, tokenBase: 60_000 },
  ]);
  return [
    { instrumentKey: 'NSE_INDEX|Nifty 50', underlying: 'NIFTY', kind: 'INDEX', tickSize: 0.05 },
    { instrumentKey: 'NSE_INDEX|Nifty Bank', underlying: 'BANKNIFTY', kind: 'INDEX', tickSize: 0.05 },
    { instrumentKey: 'NSE_INDEX|India VIX', underlying: 'INDIAVIX', kind: 'INDEX', tickSize: 0.0025 },
    ...listed.map((c): InstrumentInfo => ({
      instrumentKey: `NSE_FO|${c.token}`, underlying: c.underlying, kind: c.right, expiry: c.expiry, strike: c.strike,
      lotSize: c.lotSize, freezeQty: c.freezeQty, tickSize: 0.05, ...(weeklyFlag ? { weekly: c.cycle === 'weekly' } : {}),
    })),
  ];
}

const UPSTOX: SubscriptionCaps = { alone: { ltp: 5000, quote: 3000, depth: 2000 }, combined: { ltp: 2000, quote: 2000, depth: 1500 } };
const SETTINGS: PlanSettings = { expiries: { NIFTY: 4, BANKNIFTY: 2 }, strikes: 30, recentreStrikes: 5, depthStrikes: 0 };

test('the whole list does not fit Upstox full mode; NIFTY\'s 2031 half-yearlies build into the layout without a throw', () => {
  const list = master(true);
  assert.ok(list.length > 2000, `${list.length} instruments`);
  const layout = buildLayout(list, new Book());
  assert.equal(layout.chains.filter((c) => c.underlying === 'NIFTY').length, 18);
  assert.equal(layout.chains.at(17)?.expiry, '2031-06-24');
  assert.equal(layout.chains.at(17)?.kind, 'monthly');
  // Without the broker's flag the dated expiry rules decide: 2031-06-24 is June's last Tuesday; 2026-12-08 a weekly.
  const unflagged = buildLayout(master(false), new Book());
  assert.deepEqual(unflagged.chains.map((c) => c.kind), layout.chains.map((c) => c.kind));
  assert.equal(expiryKind('NIFTY', '2031-06-24'), 'monthly');
  assert.equal(expiryKind('NIFTY', '2026-12-08'), 'weekly');
  // A monthly moved back to Monday for a holiday (31 Mar 2026 → 30 Mar) is still monthly.
  assert.equal(expiryKind('NIFTY', '2026-03-30'), 'monthly');
});

test('a window of 30 strikes either side in 4 NIFTY + 2 BANKNIFTY expiries, index keys always in, within the caps', () => {
  const layout = buildLayout(master(true), new Book());
  const plan = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null }, SETTINGS, UPSTOX);
  // 6 chains × 61 strikes × 2 sides = 732 option keys (every near chain lists ≥ 61 strikes around the money);
  // 3 index keys (NIFTY, BANKNIFTY, India VIX) by last price.
  assert.deepEqual(plan.counts, { ltp: 3, quote: 732, depth: 0 });
  assert.equal(plan.trimmed, null);
  assert.equal(plan.needs.get('NSE_INDEX|India VIX'), 'ltp');
  assert.equal(plan.centres.NIFTY, 26_000);
  assert.equal(capBreach(plan.counts, UPSTOX), undefined);
  const nifty = layout.chains.filter((c) => c.underlying === 'NIFTY').slice(0, 4);
  for (const c of nifty) {
    const atm = [...c.strikes].indexOf(26_000);
    assert.ok(plan.needs.has(c.callKeys[atm - 30]!) && plan.needs.has(c.putKeys[atm + 30]!));
    assert.ok(!plan.needs.has(c.callKeys[atm - 31]!) && !plan.needs.has(c.callKeys[atm + 31]!));
  }
  // Nothing beyond the 4th NIFTY expiry.
  assert.ok(layout.chains.filter((c) => c.underlying === 'NIFTY').slice(4).every((c) => !plan.needs.has(c.callKeys[0]!)));
});

test('a plan beyond the caps is narrowed a strike at a time until it fits, and says which cap it met', () => {
  const layout = buildLayout(master(true), new Book());
  const tight: SubscriptionCaps = { alone: UPSTOX.alone, combined: { ltp: 2000, quote: 400, depth: 1500 } };
  const plan = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null }, SETTINGS, tight);
  // 6 chains × 2 × (2s + 1) ≤ 400 → 2s + 1 ≤ 33 → s = 16: 396 keys.
  assert.equal(plan.strikes, 16);
  assert.equal(plan.counts.quote, 396);
  assert.equal(plan.trimmed, 'quote: 732 keys > 400 (combined)');
});

test('the window follows the spot only past the hysteresis, and the diff moves exactly the keys that changed', () => {
  const layout = buildLayout(master(true), new Book());
  const first = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null }, SETTINGS, UPSTOX);
  // 200 points = 4 steps of 50: inside the 5-step hysteresis, nothing moves.
  const calm = planSubscriptions(layout, { now: NOW, spots: { ...SPOT, NIFTY: 26_200 }, prev: first }, SETTINGS, UPSTOX);
  assert.equal(calm.centres.NIFTY, 26_000);
  assert.deepEqual(diffPlans(first.needs, calm.needs), { subscribe: new Map(), unsubscribe: [] });
  // 300 points = 6 steps: re-centred on 26,300; each NIFTY chain gains 6 strikes above and drops 6 below (×2 sides).
  const moved = planSubscriptions(layout, { now: NOW, spots: { ...SPOT, NIFTY: 26_310 }, prev: first }, SETTINGS, UPSTOX);
  assert.equal(moved.centres.NIFTY, 26_300);
  const d = diffPlans(first.needs, moved.needs);
  assert.equal(d.subscribe.get('quote')?.length, 4 * 6 * 2);
  assert.equal(d.unsubscribe.length, 4 * 6 * 2);
  assert.equal(moved.counts.quote, 732);
});

test('before any spot the window sits at the middle of the nearest listed chain, and moves to the first spot at once; depth is its own need', () => {
  const layout = buildLayout(master(true), new Book());
  const blind = planSubscriptions(layout, { now: NOW, spots: {}, prev: null }, SETTINGS, UPSTOX);
  assert.ok(blind.centres.NIFTY !== undefined && Math.abs(blind.centres.NIFTY - 26_000) < 26_000 * 0.05);
  assert.equal(blind.counts.ltp, 3);
  // The guessed centre gives way to the first spot even within the hysteresis (a spot 1 step from the guess).
  const guess = blind.centres.NIFTY!;
  const first = planSubscriptions(layout, { now: NOW, spots: { ...SPOT, NIFTY: guess - 50 }, prev: blind }, SETTINGS, UPSTOX);
  assert.equal(first.centres.NIFTY, guess - 50);
  const still = planSubscriptions(layout, { now: NOW, spots: { ...SPOT, NIFTY: guess }, prev: first }, SETTINGS, UPSTOX);
  assert.equal(still.centres.NIFTY, guess - 50, 'then the hysteresis holds it');
  const depth = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null }, { ...SETTINGS, depthStrikes: 2 }, UPSTOX);
  // Nearest expiry of each underlying: 5 strikes × 2 sides in depth = 20 keys; the rest stay quotes.
  assert.deepEqual(depth.counts, { ltp: 3, quote: 712, depth: 20 });
});

test('expired chains drop out: after the first NIFTY weekly closes, the window moves to the next four', () => {
  const layout = buildLayout(master(true), new Book());
  const later = planSubscriptions(layout, { now: istInstant('2026-12-08', 16 * 60), spots: SPOT, prev: null }, SETTINGS, UPSTOX);
  const first = layout.chains.find((c) => c.underlying === 'NIFTY' && c.expiry === '2026-12-08')!;
  assert.ok(!later.needs.has(first.callKeys[0]!) && !later.needs.has(first.callKeys[Math.floor(first.callKeys.length / 2)]!));
  assert.equal(later.counts.quote, 732);
});

test('what the book holds stays subscribed outside the window, and the snapshot\'s chain reaches out to it', () => {
  const layout = buildLayout(master(true), new Book());
  const chain = layout.chains.find((c) => c.underlying === 'NIFTY')!;
  const atm = [...chain.strikes].indexOf(26_000);
  const far = chain.putKeys[atm - 35]!; // 35 strikes below the money: outside a 30-strike window
  const plan = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null, pinned: new Set([far]) }, SETTINGS, UPSTOX);
  assert.equal(plan.needs.get(far), 'quote');
  assert.equal(plan.counts.quote, 733);
  assert.deepEqual(plan.ranges.get(`NIFTY|${chain.expiry}`), [chain.strikes[atm - 35], chain.strikes[atm + 30]]);
  // Without it, the range is the window's.
  const bare = planSubscriptions(layout, { now: NOW, spots: SPOT, prev: null }, SETTINGS, UPSTOX);
  assert.deepEqual(bare.ranges.get(`NIFTY|${chain.expiry}`), [chain.strikes[atm - 30], chain.strikes[atm + 30]]);
});
