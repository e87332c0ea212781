/**
 * @module NSE index-option expiry rules, as dated data: which weekday contracts expire on and which underlyings list
 * weeklies. A rule governs every nominal expiry date from its `from` (IST, inclusive) until the next rule's `from`.
 * Monthly (and quarterly, half-yearly) contracts expire on the month's last expiry weekday; an expiry falling on a
 * holiday moves to the previous trading day.
 *
 * Sources (see /work/shared/reference/quant.md §4):
 * - From 20 Nov 2024: BANKNIFTY weeklies discontinued (last weekly 13 Nov 2024) under SEBI's one-weekly-index-per-
 *   exchange rule; NIFTY weeklies and all monthlies on Thursday.
 * - From 1 Sep 2025: Tuesday for all NSE index and stock derivatives (SEBI circular 26 May 2025 allowed Tuesday or
 *   Thursday; NSE chose Tuesday, applied EOD 28 Aug 2025, the last Thursday expiry).
 */
import type { Underlying } from '../underlying.ts';

export interface ExpiryRule {
  /** First nominal expiry date (IST `YYYY-MM-DD`) the rule governs. */
  readonly from: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** Underlyings with weekly expiries (every week's expiry weekday). */
  readonly weekly: readonly Underlying[];
  /** Underlyings with monthly expiries (the month's last expiry weekday). */
  readonly monthly: readonly Underlying[];
  readonly source: string;
}

/** Ascending by `from`. Dates before the first rule have no rule (classification says `unknown`). */
export const NSE_EXPIRY_RULES: readonly ExpiryRule[] = [
  {
    from: '2024-11-20', weekday: 4, weekly: ['NIFTY'], monthly: ['NIFTY', 'BANKNIFTY'],
    source: 'SEBI one weekly index per exchange (BANKNIFTY weeklies ended 13 Nov 2024); Thursday expiries',
  },
  {
    from: '2025-09-01', weekday: 2, weekly: ['NIFTY'], monthly: ['NIFTY', 'BANKNIFTY'],
    source: 'SEBI circular 26 May 2025 (Tuesday or Thursday); NSE: Tuesday for all index derivatives from 1 Sep 2025',
  },
];
