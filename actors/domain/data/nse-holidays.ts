/**
 * @module NSE trading holidays (equity and equity-derivatives segments), one entry per covered year.
 *
 * Weekend holidays are omitted (the calendar skips weekends anyway). Muhurat trading (a one-hour Diwali session on a
 * holiday or weekend) is not modelled: that day counts as closed.
 *
 * Sources:
 * - 2026: NSE circular "Trading holidays for the calendar year 2026" (Dec 2025), plus the later special holiday on
 *   15 Jan 2026 (Maharashtra municipal elections), as listed by nseindia.com/resources/exchange-communication-holidays
 *   and republished by stocktrack.co.in (Jan 2026).
 * - 2027: PROVISIONAL. NSE publishes the list in December of the prior year, and it was not out when this file was
 *   written (Nov 2026). Only holidays whose dates are fixed or computable and that NSE has closed for every recent year
 *   are listed: Republic Day (26 Jan), Good Friday (Easter 2027 = 28 Mar → 26 Mar), Dr. Ambedkar Jayanti (14 Apr).
 *   Maharashtra Day, Independence Day, Gandhi Jayanti and Christmas 2027 fall on weekends. Lunar-calendar holidays
 *   (Holi, Eid, Diwali, …) are MISSING until the circular is out: replace this entry then. Guessed lunar dates are
 *   deliberately not listed: a wrong holiday would make the system believe the market shut on a trading day (no time
 *   exits, no flatten), while a missing one only shows as a silent feed (stale data, DEGRADED) and, live, the broker's
 *   instrument master still gives the true expiry dates.
 *
 * Years not listed here are *uncovered*: the calendar treats every weekday as a trading day (the safer error, for the
 * same reason), reports the year's coverage as `none`, and `volguard validate` fails when today is in one.
 */

export interface HolidayYear {
  readonly status: 'official' | 'provisional';
  readonly source: string;
  /** `YYYY-MM-DD` → name; weekdays only. */
  readonly holidays: Readonly<Record<string, string>>;
}

export const NSE_HOLIDAYS: Readonly<Record<number, HolidayYear>> = {
  2026: {
    status: 'official',
    source: 'NSE circular, trading holidays 2026 (+ 15 Jan 2026 special holiday)',
    holidays: {
      '2026-01-15': 'Municipal Corporation Election - Maharashtra',
      '2026-01-26': 'Republic Day',
      '2026-03-03': 'Holi',
      '2026-03-26': 'Shri Ram Navami',
      '2026-03-31': 'Shri Mahavir Jayanti',
      '2026-04-03': 'Good Friday',
      '2026-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
      '2026-05-01': 'Maharashtra Day',
      '2026-05-28': 'Bakri Id',
      '2026-06-26': 'Muharram',
      '2026-09-14': 'Ganesh Chaturthi',
      '2026-10-02': 'Mahatma Gandhi Jayanti',
      '2026-10-20': 'Dussehra',
      '2026-11-10': 'Diwali-Balipratipada',
      '2026-11-24': 'Prakash Gurpurb Sri Guru Nanak Dev',
      '2026-12-25': 'Christmas',
    },
  },
  2027: {
    status: 'provisional',
    source: 'fixed-date and computable holidays only; NSE 2027 circular not yet published',
    holidays: {
      '2027-01-26': 'Republic Day',
      '2027-03-26': 'Good Friday',
      '2027-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
    },
  },
};
