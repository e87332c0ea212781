/**
 * Portfolio stops: account and bucket MTM stop-loss and trailing profit lock, net of charges, held for the IST day.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepStops, type StopsInput, type StopsState } from './stops.ts';
import type { StopSettings } from './settings.ts';

// ₹10 lakh: account stop 1.5 % → −15 000; trail arms at 1 % (10 000) and fires at half the peak.
// Buckets (weekly ₹5 lakh): stop 3 % → −15 000; trail arms at 2 % (10 000), gives back half.
const S: StopSettings = {
  accountStopPct: 0.015, accountTrailArmPct: 0.01, accountTrailGiveback: 0.5, bucketStopPct: 0.03, bucketTrailArmPct: 0.02, bucketTrailGiveback: 0.5,
};
const input = (accountGross: number, over: Partial<StopsInput> = {}): StopsInput => ({
  date: '2026-12-02', now: 1, accountGross, charges: 0, open: [], baseCapital: 1_000_000,
  bucketCapital: { weekly: 500_000, monthly: 300_000, intraday: 200_000 }, ...over,
});
function run(steps: readonly StopsInput[], start: StopsState | null = null) {
  let st = start;
  const out = [];
  for (const i of steps) {
    const r = stepStops(st, i, S);
    st = r.state;
    out.push(r);
  }
  return out;
}

test('the account MTM stop fires at −1.5 % of capital, net of charges, and holds for the rest of the IST day', () => {
  const [a, b, c] = run([input(-14_000), input(-14_000, { charges: 1_000 }), input(+5_000)]);
  assert.equal(a!.view.accountBlocked, false);
  assert.equal(a!.view.account.stopAt, -15_000);
  // −14 000 gross − 1 000 charges = −15 000 net: fired.
  assert.equal(b!.view.accountBlocked, true);
  assert.deepEqual(b!.fired.map((f) => [f.scope, f.triggered?.kind, f.pnl, f.triggered?.level]), [['account', 'stop', -15_000, -15_000]]);
  assert.equal(b!.persist, true, 'a fired stop is written to the journal');
  // The market recovers: still blocked today, nothing fires twice.
  assert.equal(c!.view.accountBlocked, true);
  assert.deepEqual(c!.fired, []);
  // The next IST day starts afresh.
  const next = stepStops(c!.state, input(0, { date: '2026-12-03' }), S);
  assert.equal(next.view.accountBlocked, false);
  assert.equal(next.persist, true);
});

test('the trailing profit lock arms at +1 % and fires when half the peak is given back', () => {
  const r = run([input(8_000), input(12_000), input(7_000), input(6_000)]);
  assert.equal(r[0]!.view.account.trailFloor, null, 'not armed below 10 000');
  assert.equal(r[1]!.view.account.trailFloor, 6_000, 'armed: floor = 12 000 × (1 − 0.5)');
  assert.equal(r[2]!.view.accountBlocked, false);
  assert.equal(r[3]!.view.accountBlocked, true);
  assert.deepEqual(r[3]!.fired.map((f) => [f.triggered?.kind, f.pnl, f.triggered?.level, f.peak]), [['trail', 6_000, 6_000, 12_000]]);
});

test('a bucket stop counts its structures, including one closed since the last cycle at its last mark', () => {
  const w = (id: string, unrealised: number) => ({ id, bucket: 'weekly' as const, unrealised });
  const r = run([
    input(0, { open: [w('s1', -9_000), w('s2', -2_000)] }),
    // s1 closed: its last mark (−9 000) is booked to the weekly bucket's realised P&L; s2 now −6 500 → −15 500.
    input(0, { open: [w('s2', -6_500)] }),
  ]);
  assert.equal(r[0]!.view.blockedBuckets.length, 0);
  assert.equal(r[1]!.state.realised.weekly, -9_000);
  assert.deepEqual(r[1]!.view.blockedBuckets, ['weekly']);
  const weekly = r[1]!.view.buckets.find((b) => b.scope === 'weekly')!;
  assert.equal(weekly.pnl, -15_500);
  assert.equal(weekly.stopAt, -15_000);
  assert.equal(r[1]!.view.accountBlocked, false, 'the account figure is its own');
});

test('a bucket stop is net of the charges its structures paid today: all of them for one opened today, only today\'s for one carried over', () => {
  const w = (id: string, unrealised: number, charges: number) => ({ id, bucket: 'weekly' as const, unrealised, charges });
  const day1 = { date: '2026-12-02' };
  const day2 = { date: '2026-12-03' };
  const r = run([
    // Day 1: s1 opened today, ₹96 of entry charges paid; −14 950 unrealised → −15 046 net: past the −15 000 stop.
    input(0, { ...day1, open: [w('s1', -14_950, 96)] }),
    // Day 2: s1 carried (₹96 paid yesterday: not today's), then s2 opened (₹100); s1 marked −8 000, s2 −2 000.
    input(0, { ...day2, open: [w('s1', -8_000, 96), w('s2', -2_000, 100)] }),
    // s1 closed with its exit's ₹104 (₹200 in all, ₹104 today) at a last mark of −8 000; s2 now −6 800.
    input(0, { ...day2, open: [w('s2', -6_800, 100)], closedCharges: { s1: 200 } }),
  ]);
  const weekly = (i: number) => r[i]!.view.buckets.find((b) => b.scope === 'weekly')!;
  assert.deepEqual([weekly(0).gross, weekly(0).charges, weekly(0).pnl], [-14_950, 96, -15_046]);
  assert.deepEqual(r[0]!.view.blockedBuckets, ['weekly'], 'fired on the net figure (the gross alone is inside the stop)');
  // Day 2: −8 000 − 2 000 gross; charges today 0 (s1's were yesterday's) + 100 (s2 opened today).
  assert.deepEqual([weekly(1).gross, weekly(1).charges, weekly(1).pnl], [-10_000, 100, -10_100]);
  assert.deepEqual(r[1]!.view.blockedBuckets, [], 'a new day starts afresh');
  // s1 booked: −8 000 realised, 104 of its charges today; s2 −6 800 and its 100 → −14 800 gross, 204 charges → −15 004.
  assert.deepEqual([weekly(2).gross, weekly(2).charges, weekly(2).pnl], [-14_800, 204, -15_004]);
  assert.deepEqual(r[2]!.view.blockedBuckets, ['weekly']);
});

test('a level of 0 is off; a restored state keeps a fired stop on the same day', () => {
  const off = stepStops(null, input(-1e9), { ...S, accountStopPct: 0, accountTrailArmPct: 0 });
  assert.equal(off.view.accountBlocked, false);
  assert.equal(off.view.account.stopAt, null);
  const fired = stepStops(null, input(-20_000), S).state;
  const restored = JSON.parse(JSON.stringify(fired)) as StopsState;
  assert.equal(stepStops(restored, input(0), S).view.accountBlocked, true);
});
