/**
 * @module NSE equity-derivatives (F&O) session times, as dated rules: each rule applies from its `from` date (IST,
 * inclusive) until the next rule's `from`. Minutes are after IST midnight. A rule change is a new row here, never an
 * edit of an old one: dates before the change keep their old times (replays, reports and tests of past days).
 *
 * Sources:
 * - 09:15–15:30 normal market with pre-open order entry 09:00–09:08 and matching 09:08–09:15: NSE market timings
 *   (equity and equity derivatives), in force for many years before 2026; the first row's date is where our data
 *   starts, not when NSE introduced these times.
 * - 15:40 close from 3 Aug 2026: NSE circular on the Closing Auction Session (reported 30 May 2026, e.g.
 *   news.webindia123.com …/20260530/4456383.html): the F&O normal market closes at 15:40 IST (the derivatives'
 *   close-price VWAP window is 15:10–15:40); the cash market's closing auction runs 15:15–15:35; pre-open and the
 *   09:15 open are unchanged. See /work/shared/reference/upstox.md "Updates as of December 2026".
 */

export interface SessionRule {
  /** First IST date (`YYYY-MM-DD`) the rule applies to. */
  readonly from: string;
  readonly preOpenStartMin: number;
  readonly preOpenOrderEndMin: number;
  readonly openMin: number;
  readonly closeMin: number;
  readonly source: string;
}

/** Ascending by `from`; the first row covers every earlier date too (no older rules are held). */
export const NSE_FO_SESSIONS: readonly SessionRule[] = [
  {
    from: '2024-01-01', preOpenStartMin: 9 * 60, preOpenOrderEndMin: 9 * 60 + 8, openMin: 9 * 60 + 15, closeMin: 15 * 60 + 30,
    source: 'NSE market timings: normal market 09:15–15:30 IST, pre-open 09:00–09:15',
  },
  {
    from: '2026-08-03', preOpenStartMin: 9 * 60, preOpenOrderEndMin: 9 * 60 + 8, openMin: 9 * 60 + 15, closeMin: 15 * 60 + 40,
    source: 'NSE circular on the Closing Auction Session (reported 30 May 2026): F&O normal market closes 15:40 IST from 3 Aug 2026',
  },
];
