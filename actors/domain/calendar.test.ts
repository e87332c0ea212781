import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CalendarRangeError, expiryKind, holidayCoverage, isMarketOpen, isTradingDay, istDate, istInstant, lastTuesday, monthlyExpiry,
  nextSessionOpen, nextTradingDay, previousTradingDay, requireHolidayCoverage, sessionCloseMs, sessionMinutes, sessionPhase,
  sessionTimes, upcomingExpiries, weekday,
} from './calendar.ts';

const ist = (date: string, hh: number, mm: number, ss = 0) => istInstant(date, hh * 60 + mm + ss / 60);

test('IST instants are UTC+05:30', () => {
  assert.equal(ist('2026-11-23', 15, 30), Date.UTC(2026, 10, 23, 10, 0));
  assert.equal(istDate(Date.UTC(2026, 10, 22, 18, 30)), '2026-11-23'); // 00:00 IST
  assert.equal(istDate(Date.UTC(2026, 10, 22, 18, 29)), '2026-11-22');
});

test('weekdays and holidays decide trading days', () => {
  assert.equal(weekday('2026-11-21'), 6);
  assert.equal(isTradingDay('2026-11-21'), false); // Saturday
  assert.equal(isTradingDay('2026-11-24'), false); // Guru Nanak Jayanti
  assert.equal(isTradingDay('2026-11-23'), true);
  assert.equal(isTradingDay('2026-01-15'), false); // special holiday
  assert.equal(nextTradingDay('2026-11-20'), '2026-11-23');
  assert.equal(nextTradingDay('2026-11-23'), '2026-11-25');
  assert.equal(previousTradingDay('2026-04-06'), '2026-04-02'); // Good Friday 3 Apr
});

test('before 3 Aug 2026 the session is 09:15–15:30 IST with pre-open from 09:00', () => {
  assert.equal(sessionPhase(ist('2026-11-23', 8, 59)), 'closed');
  assert.equal(sessionPhase(ist('2026-11-23', 9, 0)), 'pre_open');
  assert.equal(sessionPhase(ist('2026-11-23', 9, 8)), 'pre_open_matching');
  assert.equal(isMarketOpen(ist('2026-11-23', 9, 14, 59)), false);
  assert.equal(isMarketOpen(ist('2026-11-23', 9, 15)), true);
  assert.equal(isMarketOpen(ist('2026-07-31', 15, 29, 59)), true);
  assert.equal(isMarketOpen(ist('2026-07-31', 15, 30)), false);
  assert.equal(sessionCloseMs('2026-07-31'), Date.UTC(2026, 6, 31, 10, 0)); // 15:30 IST = 10:00 UTC
  assert.equal(sessionMinutes('2026-07-31'), 375);
  assert.equal(isMarketOpen(ist('2026-11-24', 10, 0)), false);
  assert.equal(nextSessionOpen(ist('2026-11-21', 12, 0)), Date.UTC(2026, 10, 23, 3, 45));
  assert.equal(nextSessionOpen(ist('2026-11-23', 10, 0)), ist('2026-11-23', 10, 0));
  assert.equal(nextSessionOpen(ist('2026-11-23', 16, 0)), ist('2026-11-25', 9, 15));
});

test('from 3 Aug 2026 the F&O session closes at 15:40 IST: in session at 15:35, not at 15:41', () => {
  // NSE circular on the Closing Auction Session (data/nse-sessions.ts): the F&O normal market runs 09:15–15:40.
  assert.equal(sessionTimes('2026-08-03').closeMin, 15 * 60 + 40);
  assert.equal(sessionTimes('2026-07-31').closeMin, 15 * 60 + 30); // the Friday before: still 15:30
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 35)), true);
  assert.equal(sessionPhase(ist('2026-11-23', 15, 35)), 'open');
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 39, 59)), true);
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 40)), false);
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 41)), false);
  assert.equal(sessionCloseMs('2026-11-23'), Date.UTC(2026, 10, 23, 10, 10)); // 15:40 IST = 10:10 UTC
  assert.equal(sessionMinutes('2026-11-23'), 385);
  assert.equal(nextSessionOpen(ist('2026-11-23', 15, 35)), ist('2026-11-23', 15, 35));
  assert.equal(nextSessionOpen(ist('2026-11-23', 15, 40)), ist('2026-11-25', 9, 15));
});

test('monthly expiry is the last Tuesday, moved to the previous trading day on a holiday', () => {
  assert.equal(lastTuesday(2026, 1), '2026-01-27');
  assert.equal(lastTuesday(2026, 2), '2026-02-24');
  assert.equal(lastTuesday(2026, 12), '2026-12-29');
  assert.equal(monthlyExpiry(2026, 3), '2026-03-30'); // 31 Mar Mahavir Jayanti
  assert.equal(monthlyExpiry(2026, 11), '2026-11-23'); // 24 Nov holiday
  assert.equal(monthlyExpiry(2026, 6), '2026-06-30');
});

test('NIFTY lists 4 weeklies incl. the monthly; BANKNIFTY 2 monthlies', () => {
  const now = ist('2026-11-21', 17, 30);
  const nifty = upcomingExpiries('NIFTY', now, 4);
  assert.deepEqual(nifty.map((e) => [e.expiry, e.kind]), [
    ['2026-11-23', 'monthly'], ['2026-12-01', 'weekly'], ['2026-12-08', 'weekly'], ['2026-12-15', 'weekly'],
  ]);
  assert.equal(nifty[0]?.expiryTs, Date.UTC(2026, 10, 23, 10, 10)); // 15:40 IST
  const bank = upcomingExpiries('BANKNIFTY', now, 2);
  assert.deepEqual(bank.map((e) => [e.expiry, e.kind]), [['2026-11-23', 'monthly'], ['2026-12-29', 'monthly']]);
});

test('an expiry stays live until its session close (15:40 from 3 Aug 2026, 15:30 before), and holiday Tuesdays shift inside the week', () => {
  assert.equal(upcomingExpiries('NIFTY', ist('2026-11-23', 15, 39), 1)[0]?.expiry, '2026-11-23');
  assert.equal(upcomingExpiries('NIFTY', ist('2026-11-23', 15, 40), 1)[0]?.expiry, '2026-12-01');
  assert.equal(upcomingExpiries('NIFTY', ist('2026-07-28', 15, 29), 1)[0]?.expiryTs, ist('2026-07-28', 15, 30));
  assert.equal(upcomingExpiries('NIFTY', ist('2026-07-28', 15, 30), 1)[0]?.expiry, '2026-08-04');
  assert.equal(upcomingExpiries('NIFTY', ist('2026-07-28', 15, 30), 1)[0]?.expiryTs, ist('2026-08-04', 15, 40));
  assert.deepEqual(upcomingExpiries('NIFTY', ist('2026-02-27', 10, 0), 2).map((e) => e.expiry), ['2026-03-02', '2026-03-10']);
  assert.equal(upcomingExpiries('NIFTY', ist('2026-04-13', 10, 0), 1)[0]?.expiry, '2026-04-13'); // 14 Apr holiday
  assert.equal(upcomingExpiries('BANKNIFTY', ist('2026-12-30', 10, 0), 1)[0]?.expiry, '2027-01-25'); // 26 Jan 2027 holiday → Mon 25
});

test('an uncovered holiday year counts every weekday as a trading day and says so; only the strict check throws', () => {
  assert.equal(holidayCoverage('2026-05-01'), 'official');
  assert.equal(holidayCoverage('2027-03-26'), 'provisional');
  assert.equal(holidayCoverage('2028-01-04'), 'none');
  assert.equal(isTradingDay('2028-01-04'), true); // Tuesday, no holiday data for 2028
  assert.equal(isTradingDay('2028-01-08'), false); // Saturday
  assert.equal(monthlyExpiry(2031, 12), '2031-12-30'); // no throw: no holidays known, nominal day stands
  assert.throws(() => requireHolidayCoverage('2028-01-04'), CalendarRangeError);
  assert.equal(requireHolidayCoverage('2027-01-05'), 'provisional');
  assert.throws(() => isTradingDay('2026-02-30'), /real calendar date/);
  assert.throws(() => isTradingDay('26-01-01'), /expected a date YYYY-MM-DD/);
});

test('any expiry year classifies; what no rule covers is unknown, not an error', () => {
  // Half-yearlies to 2031 (last Tuesday of June / December): 2031-01-01 is a Wednesday, so 30 Jun 2031 is a Monday
  // (day 181) and the last Tuesday is 24 Jun; 31 Dec 2031 is a Wednesday, so the last Tuesday is 30 Dec.
  assert.equal(expiryKind('NIFTY', '2031-06-24'), 'monthly');
  assert.equal(expiryKind('NIFTY', '2031-12-30'), 'monthly');
  assert.equal(expiryKind('NIFTY', '2031-12-23'), 'weekly');
  assert.equal(expiryKind('BANKNIFTY', '2030-03-26'), 'monthly'); // last Tuesday of Mar 2030
  assert.equal(expiryKind('BANKNIFTY', '2026-12-08'), 'unknown'); // BANKNIFTY lists no weeklies
  assert.equal(expiryKind('NIFTY', '2026-12-08'), 'weekly');
  assert.equal(expiryKind('NIFTY', '2026-11-23'), 'monthly'); // Monday: Tue 24 Nov is a holiday
  assert.equal(expiryKind('NIFTY', '2026-03-30'), 'monthly'); // Monday: Tue 31 Mar is a holiday
  assert.equal(expiryKind('NIFTY', '2025-08-28'), 'monthly'); // last Thursday, before the Tuesday rule
  assert.equal(expiryKind('NIFTY', '2025-08-21'), 'weekly');
  assert.equal(expiryKind('NIFTY', '2024-01-04'), 'unknown'); // before the first rule held
  assert.deepEqual(upcomingExpiries('BANKNIFTY', ist('2031-11-03', 10, 0), 2).map((e) => [e.expiry, e.kind]), [
    ['2031-11-25', 'monthly'], ['2031-12-30', 'monthly'],
  ]);
});
