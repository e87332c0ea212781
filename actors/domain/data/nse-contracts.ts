/**
 * @module NSE index-option lot sizes and quantity freeze limits, as dated data: the shipped offline default. Live,
 * the broker's instrument master (`lot_size`, `freeze_quantity`) overrides these (see contract-facts.ts).
 *
 * Lot sizes are keyed by the contract's **expiry**: a revision applies to contracts expiring from a month on, while
 * older contracts keep their lot (quarterly and half-yearly contracts switch on a stated day; that historic detail is
 * not held: a row's `from` is the first expiry it governs). Freeze limits are keyed by the **trade date**: a new limit
 * applies to every order from its effective date. A freeze limit is the largest quantity one order may carry.
 *
 * Sources (see /work/shared/reference/quant.md §4 and upstox.md "Updates as of December 2026"):
 * - Lots: NSE (SEBI minimum contract value ₹15 lakh) from 20 Nov 2024: NIFTY 75, BANKNIFTY 30; Apr 2025 review:
 *   BANKNIFTY 35 from the Jul 2025 expiries; NSE/FAOP/70616 (3 Oct 2025): NIFTY 65, BANKNIFTY 30 from the Jan 2026
 *   expiries.
 * - Freeze limits: NSE circulars "Quantity freeze limits for indices": 30 Jun 2025 (effective 1 Jul 2025) NIFTY 1,800,
 *   BANKNIFTY 600; 29 Aug 2025 (effective 1 Sep 2025) BANKNIFTY 900; 31 Oct 2025 (effective 3 Nov 2025) BANKNIFTY
 *   600; 30 Jan 2026 (effective 1 Feb 2026) NIFTY 1,800, BANKNIFTY 600 (computed per NSE/FAOP/67775, 30 Apr 2025).
 */
import type { Underlying } from '../underlying.ts';

export interface DatedValue {
  readonly value: number;
  /** First IST date (`YYYY-MM-DD`) the value applies to: an expiry date for lots, a trade date for freeze limits. */
  readonly from: string;
  readonly source: string;
}

/** Ascending by `from`, per underlying. Keyed by expiry date. */
export const NSE_LOT_SIZES: Readonly<Record<Underlying, readonly DatedValue[]>> = {
  NIFTY: [
    { value: 75, from: '2024-11-20', source: 'NSE lot revision (SEBI minimum contract value ₹15 lakh), from 20 Nov 2024' },
    { value: 65, from: '2026-01-01', source: 'NSE/FAOP/70616 (3 Oct 2025): from the Jan 2026 expiries' },
  ],
  BANKNIFTY: [
    { value: 30, from: '2024-11-20', source: 'NSE lot revision (SEBI minimum contract value ₹15 lakh), from 20 Nov 2024' },
    { value: 35, from: '2025-07-01', source: 'NSE lot review (Apr 2025): from the Jul 2025 expiries' },
    { value: 30, from: '2026-01-01', source: 'NSE/FAOP/70616 (3 Oct 2025): from the Jan 2026 expiries' },
  ],
};

/** Ascending by `from`, per underlying. Keyed by trade date. */
export const NSE_FREEZE_LIMITS: Readonly<Record<Underlying, readonly DatedValue[]>> = {
  NIFTY: [
    { value: 1800, from: '2025-07-01', source: 'NSE circular, quantity freeze limits for indices, 30 Jun 2025 (effective 1 Jul 2025)' },
    { value: 1800, from: '2026-02-01', source: 'NSE circular, quantity freeze limits for indices, 30 Jan 2026 (effective 1 Feb 2026)' },
  ],
  BANKNIFTY: [
    { value: 600, from: '2025-07-01', source: 'NSE circular, quantity freeze limits for indices, 30 Jun 2025 (effective 1 Jul 2025)' },
    { value: 900, from: '2025-09-01', source: 'NSE circular, quantity freeze limits for indices, 29 Aug 2025 (effective 1 Sep 2025)' },
    { value: 600, from: '2025-11-03', source: 'NSE circular, quantity freeze limits for indices, 31 Oct 2025 (effective 3 Nov 2025)' },
    { value: 600, from: '2026-02-01', source: 'NSE circular, quantity freeze limits for indices, 30 Jan 2026 (effective 1 Feb 2026)' },
  ],
};
