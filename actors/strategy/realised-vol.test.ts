import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addSpot, EMPTY_SERIES, realisedVol } from './realised-vol.ts';
import { params } from './fixtures.ts';
import { ConfigError } from '../../runtime/errors.ts';
import { istEpoch, istTime } from './session.ts';
import { istInstant } from '../domain/calendar.ts';
import { DEFAULT_VARIANCE_WEIGHTS, varianceClock } from '../domain/variance-clock.ts';

const P = { maxSamples: 100, variance: DEFAULT_VARIANCE_WEIGHTS };
// Default clock: a 385-minute session (from 3 Aug 2026) carries 1 − 0.2 = 0.8 units, so one session minute is 0.8/385
// units; D = 259.7 units a year (actors/domain/variance-clock.ts).
const MINUTE_UNITS = 0.8 / 385;
const D = 259.7;
const MON = istInstant('2026-11-23', 9 * 60 + 30);
const ist = (date: string, hh: number, mm: number) => istInstant(date, hh * 60 + mm);

test('realised vol of a known return path matches the hand computation on the variance clock', () => {
  // Returns of exactly ±1 % every session minute: σ² = 1e-4 / (0.8/385) · 259.7 = 1e-4 · 481.25 · 259.7 = 12.4980625,
  // σ = 3.53526… (on trading minutes at 252 × 375 it read sqrt(9.45) = 3.074).
  let s = EMPTY_SERIES;
  let spot = 100;
  for (let i = 0; i <= 10; i++) {
    s = addSpot(s, MON + i * 60_000, spot, P);
    spot *= i % 2 === 0 ? Math.exp(0.01) : Math.exp(-0.01);
  }
  assert.equal(s.returns.length, 10);
  assert.ok(s.units.every((u) => Math.abs(u - MINUTE_UNITS) < 1e-12), `${s.units.join(', ')}`);
  assert.ok(Math.abs(realisedVol(s, 5, P) - Math.sqrt(1e-4 * (385 / 0.8) * D)) < 1e-9);
  // Replayed or stale samples are ignored; too little history is NaN, not 0.
  assert.equal(addSpot(s, MON + 60_000, 101, P), s);
  assert.ok(Number.isNaN(realisedVol(s, 11, P)));
  assert.throws(() => addSpot(s, MON + 11 * 60_000, -1, P), /expected a positive spot, was -1/);
});

test('a return across a night or a weekend counts with the clock units for it, not dropped and not by the hour', () => {
  // Thu 26 Nov 15:40 close → Fri 27 Nov 09:15 open: the overnight share, 0.2 units.
  const night = addSpot(addSpot(EMPTY_SERIES, ist('2026-11-26', 15, 40), 100, P), ist('2026-11-27', 9, 15), 101, P);
  assert.ok(Math.abs(night.units[0]! - 0.2) < 1e-12);
  // Fri 27 Nov close → Mon 30 Nov open: 0.2 + 2 · 0.1 = 0.4 units (not 65 hours' worth).
  const weekend = addSpot(addSpot(EMPTY_SERIES, ist('2026-11-27', 15, 40), 100, P), ist('2026-11-30', 9, 15), 101, P);
  assert.ok(Math.abs(weekend.units[0]! - 0.4) < 1e-12);
});

test('the same variance per unit reads the same RV on a Monday session and across a weekend', () => {
  // A path whose every return has r² = σ²·Δu/D exactly: RV must be σ whatever the span, weekday or weekend.
  const sigma = 0.12;
  const path = (times: readonly number[]): number => {
    let s = EMPTY_SERIES;
    let spot = 24_000;
    times.forEach((ts, i) => {
      if (i > 0) {
        const du = (varianceClock().years(times[i - 1]!, ts)) * D;
        spot *= Math.exp((i % 2 ? 1 : -1) * sigma * Math.sqrt(du / D));
      }
      s = addSpot(s, ts, spot, P);
    });
    return realisedVol(s, 3, P);
  };
  const monday = Array.from({ length: 30 }, (_, i) => MON + i * 60_000);
  const weekend = [ist('2026-11-27', 15, 20), ist('2026-11-27', 15, 30), ist('2026-11-27', 15, 40), ist('2026-11-30', 9, 15), ist('2026-11-30', 9, 25)];
  assert.ok(Math.abs(path(monday) - sigma) < 1e-12, `${path(monday)}`);
  assert.ok(Math.abs(path(weekend) - sigma) < 1e-12, `${path(weekend)}`);
});

test('keeps only the most recent maxSamples returns', () => {
  let s = EMPTY_SERIES;
  for (let i = 0; i < 30; i++) s = addSpot(s, MON + i * 1000, 100 + i, { ...P, maxSamples: 10 });
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
    s = addSpot(s, MON + i * 3000, 100 * trend * noise, p);
  }
  assert.equal(s.units.length, 3);
  assert.ok(s.units.every((u) => Math.abs(u - MINUTE_UNITS) < 1e-12));
  assert.ok(s.returns.every((r) => Math.abs(r - 0.01) < 1e-12), `returns ${s.returns.join(', ')}`);
  // Without the interval the same samples read the noise: far larger RV.
  let raw = EMPTY_SERIES;
  for (let i = 0; i <= 60; i++) raw = addSpot(raw, MON + i * 3000, 100 * Math.exp(0.01 * Math.floor(i / 20)) * (i % 20 === 0 ? 1 : (i % 2 === 0 ? 1.005 : 0.995)), P);
  assert.ok(realisedVol(raw, 3, P) > 3 * realisedVol(s, 3, p));
  assert.equal(params().rv.minIntervalMs, 60_000);
});
