import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addSpot, EMPTY_SERIES, realisedVol } from './realised-vol.ts';
import { params } from './fixtures.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { istEpoch, istTime } from './session.ts';

const P = { maxSamples: 100, maxGapMs: 60_000, annualisationMinutes: 94_500 };

test('realised vol of a known return path matches the hand computation and drops gaps', () => {
  // Returns of exactly ±1 % every minute: σ² per minute = 1e-4 → σ = sqrt(1e-4 · 94 500) = 3.0741…
  let s = EMPTY_SERIES;
  let spot = 100;
  for (let i = 0; i <= 10; i++) {
    s = addSpot(s, i * 60_000, spot, P);
    spot *= i % 2 === 0 ? Math.exp(0.01) : Math.exp(-0.01);
  }
  assert.equal(s.returns.length, 10);
  assert.ok(Math.abs(realisedVol(s, 5, P) - Math.sqrt(1e-4 * 94_500)) < 1e-12);
  // A two-hour gap (overnight, outage) is not a return.
  const gapped = addSpot(s, 10 * 60_000 + 7_200_000, 150, P);
  assert.equal(gapped.returns.length, 10);
  // Replayed or stale samples are ignored; too little history is NaN, not 0.
  assert.equal(addSpot(s, 60_000, 101, P), s);
  assert.ok(Number.isNaN(realisedVol(s, 11, P)));
  assert.throws(() => addSpot(s, 11 * 60_000, -1, P), /expected a positive spot, was -1/);
});

test('keeps only the most recent maxSamples returns', () => {
  let s = EMPTY_SERIES;
  for (let i = 0; i < 30; i++) s = addSpot(s, i * 1000, 100 + i, { ...P, maxSamples: 10 });
  assert.equal(s.returns.length, 10);
  assert.ok(Math.abs((s.returns.at(-1) ?? 0) - Math.log(129 / 128)) < 1e-15);
});

test('IST helpers: 03:30 UTC is 09:00 IST on the same date; 20:00 UTC is the next IST day', () => {
  assert.deepEqual(istTime(Date.UTC(2026, 0, 7, 3, 30)), { date: '2026-01-07', minutes: 540 });
  assert.deepEqual(istTime(Date.UTC(2026, 0, 7, 20, 0)), { date: '2026-01-08', minutes: 90 });
  assert.equal(istEpoch('2026-01-13', 930), Date.UTC(2026, 0, 13, 10, 0));
});

test('default parameters validate; cross-variable mistakes are ConfigErrors naming the variable', () => {
  const p = params();
  assert.equal(p.shortDelta, 0.16);
  assert.deepEqual(p.buckets.map((b) => [b.bucket, b.capital]), [['weekly', 400_000], ['monthly', 400_000], ['intraday', 200_000]]);
  assert.throws(() => params({ STRATEGY_BUCKET_WEEKLY_PCT: '0.9' }), (e: unknown) =>
    e instanceof ConfigError && e.issues.some((i) => /summing to ≤ 1, was 1.5/.test(i.message)));
  assert.throws(() => params({ STRATEGY_WING_DELTA: '0.2' }), /STRATEGY_WING_DELTA/);
  const zodMessage = (env: Record<string, string>) => {
    try { params(env); } catch (e) { return (e as { issues?: { message: string }[] }).issues?.[0]?.message; }
    return undefined;
  };
  assert.equal(zodMessage({ STRATEGY_ENTRY_START: '9.30' }), 'expected an IST time HH:MM, was "9.30"');
  assert.equal(zodMessage({ STRATEGY_MONTHLY_UNDERLYINGS: 'NIFTY,SENSEX' }), 'expected a comma list of NIFTY|BANKNIFTY, was "NIFTY,SENSEX"');
});

test('samples closer than minIntervalMs are skipped: every return spans at least that long', () => {
  const p = { ...P, minIntervalMs: 60_000 };
  let s = EMPTY_SERIES;
  // Quote noise every 3 s (±0.5 % bounce) around a path that moves +1 % a minute.
  for (let i = 0; i <= 60; i++) {
    const trend = Math.exp(0.01 * Math.floor(i / 20));
    const noise = i % 20 === 0 ? 1 : (i % 2 === 0 ? 1.005 : 0.995);
    s = addSpot(s, i * 3000, 100 * trend * noise, p);
  }
  assert.deepEqual(s.minutes, [1, 1, 1]);
  assert.ok(s.returns.every((r) => Math.abs(r - 0.01) < 1e-12), `returns ${s.returns.join(', ')}`);
  // Without the interval the same samples read the noise: far larger RV.
  let raw = EMPTY_SERIES;
  for (let i = 0; i <= 60; i++) raw = addSpot(raw, i * 3000, 100 * Math.exp(0.01 * Math.floor(i / 20)) * (i % 20 === 0 ? 1 : (i % 2 === 0 ? 1.005 : 0.995)), P);
  assert.ok(realisedVol(raw, 3, P) > 3 * realisedVol(s, 3, p));
  assert.equal(params().rv.minIntervalMs, 60_000);
});
