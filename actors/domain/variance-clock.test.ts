import { test } from 'node:test';
import assert from 'node:assert/strict';
import { istInstant } from './calendar.ts';
import { DEFAULT_VARIANCE_WEIGHTS, VarianceClock, unitsPerYear, varianceClock } from './variance-clock.ts';
import { black76Price } from './black76.ts';
import { impliedVol } from './implied-vol.ts';

const ist = (date: string, hh: number, mm: number) => istInstant(date, hh * 60 + mm);
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
// Defaults: overnight o = 0.2, weekend day 0.1, holiday 0.1, N = 248 trading days a year.
// D = 248 + 104·0.1 + (261 − 248)·0.1 = 248 + 10.4 + 1.3 = 259.7 units a year.
const D = 259.7;
const clock = varianceClock();

test('the year basis is D = N + 104·w_we + (261 − N)·w_hol', () => {
  close(unitsPerYear(DEFAULT_VARIANCE_WEIGHTS), D);
  close(clock.unitsPerYear, D);
  close(unitsPerYear({ overnight: 0, weekendDay: 0, holiday: 0, tradingDaysPerYear: 252 }), 252);
});

test('in session, variance accrues evenly: (1 − o) of a day over the session minutes (385 from 3 Aug 2026, 375 before)', () => {
  // Mon 23 Nov 2026, 10:00 → 11:00: 60/385 · 0.8 = 0.12467532… units.
  close(clock.years(ist('2026-11-23', 10, 0), ist('2026-11-23', 11, 0)), (60 / 385) * 0.8 / D);
  // Fri 31 Jul 2026 (the old 15:30 close): 60/375 · 0.8 = 0.128 units.
  close(clock.years(ist('2026-07-31', 10, 0), ist('2026-07-31', 11, 0)), 0.128 / D);
  // Expiry day, 10:00 to the 15:40 close: 340 minutes → 340/385 · 0.8 = 0.70649350… units.
  close(clock.yearsToExpiry(ist('2026-11-23', 10, 0), ist('2026-11-23', 15, 40)), (340 / 385) * 0.8 / D);
  close(clock.sessionMinutesToYears(180, '2026-11-23'), (180 / 385) * 0.8 / D);
});

test('a weekend carries the overnight share plus two weekend days, spread over its wall time; a holiday one holiday weight', () => {
  // Fri 27 Nov 15:40 → Mon 30 Nov 09:15: 0.2 + 2 · 0.1 = 0.4 units over 65 h 35 min = 3935 min.
  close(clock.years(ist('2026-11-27', 15, 40), ist('2026-11-30', 9, 15)), 0.4 / D);
  // Sat 28 Nov 12:00 is 20 h 20 min = 1220 min into it: 0.4 · 1220/3935 = 0.12401524… units.
  close(clock.years(ist('2026-11-27', 15, 40), ist('2026-11-28', 12, 0)), (0.4 * 1220) / 3935 / D);
  // Mon 23 Nov 15:40 → Wed 25 Nov 09:15 across the Tue 24 Nov holiday: 0.2 + 0.1 = 0.3 units.
  close(clock.years(ist('2026-11-23', 15, 40), ist('2026-11-25', 9, 15)), 0.3 / D);
  // An ordinary night, Wed 25 Nov close → Thu 26 Nov open: 0.2.
  close(clock.years(ist('2026-11-25', 15, 40), ist('2026-11-26', 9, 15)), 0.2 / D);
});

test('a Wednesday-to-Tuesday weekly is five units: 0.8 + 1 + 1 + (0.2 + 1) + 1', () => {
  // Wed 2 Dec 09:15 → Tue 8 Dec 15:40: Wed session 0.8, Thu 1, Fri 1, weekend 0.2 then Mon 1, Tue 1 = 5.0 units,
  // 5 / 259.7 = 0.019253 years (calendar minutes would say 6 d 6 h 25 min = 0.017170 years).
  close(clock.yearsToExpiry(ist('2026-12-02', 9, 15), ist('2026-12-08', 15, 40)), 5 / D);
  // Additive: the same span split at an arbitrary instant.
  const [a, b, c] = [ist('2026-12-02', 9, 15), ist('2026-12-05', 3, 17), ist('2026-12-08', 15, 40)];
  close(clock.years(a, b) + clock.years(b, c), clock.years(a, c), 1e-15);
});

test('never negative, any year answers (uncovered years count weekdays as trading days), bad weights are refused', () => {
  assert.equal(clock.yearsToExpiry(ist('2026-11-23', 15, 41), ist('2026-11-23', 15, 40)), 0);
  assert.equal(clock.years(ist('2026-11-23', 12, 0), ist('2026-11-23', 12, 0)), 0);
  // Tue 4 Jan 2028 (no holiday data held): a normal 385-minute session.
  close(clock.years(ist('2028-01-04', 10, 0), ist('2028-01-04', 11, 0)), (60 / 385) * 0.8 / D);
  // A NIFTY half-yearly five years out is about five years on this clock too (D is a typical year's units), a little
  // more because 2028–2031 hold no holiday data: 261 trading days a year instead of ~248, (261 + 10.4)/259.7 = 1.045.
  const t = clock.yearsToExpiry(ist('2026-12-07', 10, 0), ist('2031-12-30', 15, 40));
  assert.ok(t > 5.0 && t < 5.06 * 1.045 + 0.01, `${t}`);
  assert.throws(() => new VarianceClock({ ...DEFAULT_VARIANCE_WEIGHTS, overnight: 1 }), /overnight: expected a share in \[0, 1\), was 1/);
  assert.throws(() => new VarianceClock({ ...DEFAULT_VARIANCE_WEIGHTS, weekendDay: -0.1 }), /weekendDay/);
  assert.throws(() => clock.units(Date.UTC(1999, 0, 1)), /from 2000-01-01/);
  assert.equal(varianceClock({ ...DEFAULT_VARIANCE_WEIGHTS }), clock); // one table per weights per thread
});

test('implied vol on this clock is the same on every weekday for a market that prices trading time; calendar minutes swing it', () => {
  // A market whose option prices carry σ = 12 % per variance-year to the Tue 8 Dec 15:40 expiry, quoted at noon on
  // Wed 2, Fri 4 and Mon 7 Dec. The clock reads σ back exactly each day; calendar minutes read σ·sqrt(t_clock/t_cal):
  // Wed 4.657 units / 6.153 days, Fri 2.657 / 4.153 (the weekend's two calendar days carry 0.2 units), Mon
  // 1.457 / 1.153 — lowest on Friday, highest on Monday: the swing the IV ≥ RV gate used to see.
  const sigma = 0.12;
  const f = 26_000;
  const k = 26_000;
  const expiry = ist('2026-12-08', 15, 40);
  const ivOn = (date: string) => {
    const now = ist(date, 12, 0);
    const tClock = clock.yearsToExpiry(now, expiry);
    const price = black76Price('call', f, k, tClock, 0.0525, sigma);
    const tCalendar = (expiry - now) / 60_000 / (365 * 1440);
    const onClock = impliedVol('call', price, f, k, tClock, 0.0525);
    const onCalendar = impliedVol('call', price, f, k, tCalendar, 0.0525);
    assert.ok(onClock.status === 'OK' && onCalendar.status === 'OK');
    return { clock: onClock.vol, calendar: onCalendar.vol };
  };
  const [wed, fri, mon] = ['2026-12-02', '2026-12-04', '2026-12-07'].map(ivOn) as [ReturnType<typeof ivOn>, ReturnType<typeof ivOn>, ReturnType<typeof ivOn>];
  for (const d of [wed, fri, mon]) close(d.clock, sigma, 1e-9);
  // Wed 12:00 → Tue 15:40 by hand: the rest of Wednesday's session, 220 min → 220/385 · 0.8 = 0.45714; Thu 1; Fri 1;
  // weekend + Mon 1.2; Tue 1 → 4.65714 units.
  close(clock.yearsToExpiry(ist('2026-12-02', 12, 0), expiry) * D, 220 / 385 * 0.8 + 4.2, 1e-9);
  assert.ok(fri.calendar < wed.calendar && wed.calendar < mon.calendar, `${fri.calendar} ${wed.calendar} ${mon.calendar}`);
  assert.ok(mon.calendar - fri.calendar > 0.02, `calendar swing ${mon.calendar - fri.calendar}`);
});

test('the table grows both ways on demand and a span reads the same whichever instant was asked first', () => {
  const late = new VarianceClock(DEFAULT_VARIANCE_WEIGHTS);
  const early = new VarianceClock(DEFAULT_VARIANCE_WEIGHTS);
  const [a, b, c] = [ist('2024-03-05', 11, 0), ist('2026-01-16', 10, 0), ist('2026-12-08', 15, 40)];
  late.units(c); // built around Dec 2026 first, then extended back over a year boundary and a holiday (15 Jan 2026)
  early.units(a);
  for (const [x, y] of [[a, c], [b, c], [a, b], [ist('2026-01-14', 15, 30), ist('2026-01-16', 9, 15)]] as const) {
    close(late.years(x, y), early.years(x, y), 1e-12);
  }
  // Wed 14 Jan 2026 close → Fri 16 Jan open across the Thu 15 Jan special holiday: 0.2 + 0.1 = 0.3 units.
  close(late.years(ist('2026-01-14', 15, 30), ist('2026-01-16', 9, 15)) * D, 0.3);
});
