import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CalendarRangeError, isMarketOpen, isTradingDay, istDate, istInstant, lastTuesday, monthlyExpiry, nextSessionOpen,
  nextTradingDay, previousTradingDay, sessionPhase, upcomingExpiries, weekday,
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

test('the session is 09:15–15:30 IST with pre-open from 09:00', () => {
  assert.equal(sessionPhase(ist('2026-11-23', 8, 59)), 'closed');
  assert.equal(sessionPhase(ist('2026-11-23', 9, 0)), 'pre_open');
  assert.equal(sessionPhase(ist('2026-11-23', 9, 8)), 'pre_open_matching');
  assert.equal(isMarketOpen(ist('2026-11-23', 9, 14, 59)), false);
  assert.equal(isMarketOpen(ist('2026-11-23', 9, 15)), true);
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 29, 59)), true);
  assert.equal(isMarketOpen(ist('2026-11-23', 15, 30)), false);
  assert.equal(isMarketOpen(ist('2026-11-24', 10, 0)), false);
  assert.equal(nextSessionOpen(ist('2026-11-21', 12, 0)), Date.UTC(2026, 10, 23, 3, 45));
  assert.equal(nextSessionOpen(ist('2026-11-23', 10, 0)), ist('2026-11-23', 10, 0));
  assert.equal(nextSessionOpen(ist('2026-11-23', 16, 0)), ist('2026-11-25', 9, 15));
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
  assert.equal(nifty[0]?.expiryTs, Date.UTC(2026, 10, 23, 10, 0));
  const bank = upcomingExpiries('BANKNIFTY', now, 2);
  assert.deepEqual(bank.map((e) => [e.expiry, e.kind]), [['2026-11-23', 'monthly'], ['2026-12-29', 'monthly']]);
});

test('an expiry stays live until its 15:30 close, and holiday Tuesdays shift inside the week', () => {
  assert.equal(upcomingExpiries('NIFTY', ist('2026-11-23', 15, 29), 1)[0]?.expiry, '2026-11-23');
  assert.equal(upcomingExpiries('NIFTY', ist('2026-11-23', 15, 30), 1)[0]?.expiry, '2026-12-01');
  assert.deepEqual(upcomingExpiries('NIFTY', ist('2026-02-27', 10, 0), 2).map((e) => e.expiry), ['2026-03-02', '2026-03-10']);
  assert.equal(upcomingExpiries('NIFTY', ist('2026-04-13', 10, 0), 1)[0]?.expiry, '2026-04-13'); // 14 Apr holiday
  assert.equal(upcomingExpiries('BANKNIFTY', ist('2026-12-30', 10, 0), 1)[0]?.expiry, '2027-01-25'); // 26 Jan 2027 holiday → Mon 25
});

test('dates outside the covered years are refused with a clear error', () => {
  assert.throws(() => isTradingDay('2028-01-04'), CalendarRangeError);
  assert.throws(() => isTradingDay('2026-02-30'), /real calendar date/);
  assert.throws(() => isTradingDay('26-01-01'), /expected a date YYYY-MM-DD/);
});
