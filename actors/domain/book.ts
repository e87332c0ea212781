/**
 * @module The book: everything the executor holds and is working (the reply to `executor.book`).
 */
import type { Bucket } from './bucket.ts';
import type { Leg } from './leg.ts';
import type { RealisedMoney, SettlementPending } from './money.ts';
import type { OrderView } from './order.ts';
import type { Position } from './position.ts';
import type { Structure } from './structure.ts';

export interface Book {
  readonly positions: readonly Position[];
  readonly structures: readonly Structure[];
  readonly orders: readonly OrderView[];
  /**
   * @deprecated Despite its name, the book's LIFETIME realised P&L of fills (gross, before charges; the shadow
   * book's own in SHADOW): it was never reset at a date change. Use `realised` (lifetime, with charges and
   * settlement); the risk actor derives the day from it (issue 14). Kept only until risk stops reading it.
   */
  readonly realisedPnlDay: number;
  /** Lifetime realised money of this book (the shadow book its own), ₹: fills, charges, expiry settlement. */
  readonly realised: RealisedMoney;
  /** True when the phase is SHADOW and this book is the shadow (simulated) book. */
  readonly shadow: boolean;
  /** Positions past their expiry's close still waiting for their settlement (live: the price or the broker's booking). */
  readonly settlementPending?: readonly SettlementPending[];
  /**
   * Every proposal a saga is still working, with what each of its legs has filled so far (those units are already
   * in `positions`). Risk counts the rest of each risk-increasing one against every other check until its next
   * assessment, and a re-check of one counts only its own rest: counting the whole proposal again on top of its own
   * fills denied entries whose wings had filled (STRESS_LOSS on twice the hedge). Absent: none working.
   */
  readonly working?: readonly WorkingProposal[];
}

/** A proposal a saga is working: its structure, its legs and, per leg (same order), the units filled so far. */
export interface WorkingProposal {
  readonly proposalId: string;
  readonly structureId: string;
  readonly bucket: Bucket;
  /** It sells options (an entry, a roll): what it has not filled yet is risk on its way into the book. */
  readonly riskIncreasing: boolean;
  readonly legs: readonly Leg[];
  readonly filled: readonly number[];
}
