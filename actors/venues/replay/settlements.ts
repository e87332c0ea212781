/**
 * @module The final settlement prices a recording holds (entry kind 3, `final`; format.ts), and the lookup an expiry
 * settlement needs: the price of (underlying, expiry) as known at a market instant. Known only from the entry's own
 * time on (the close of the expiry day), so a backtest never settles on a price it could not have seen yet.
 *
 * Who books the settlement is the executor's business (actors/domain/money.ts, `money.settlement`); this only says
 * what the recording says the price was and when it was published.
 */
import type { Underlying } from '../../domain/underlying.ts';
import type { Entry } from './format.ts';

export interface FinalSettlementPrice {
  readonly underlying: Underlying;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  /** The underlying's final settlement price, ₹ (NSE: its official close on the expiry day). */
  readonly price: number;
  /** Market-clock epoch ms the recording published it (its entry's ts). */
  readonly ts: number;
  /** `derived` when the importer computed it (format.ts `Settlement.source`). */
  readonly source: 'exchange' | 'derived';
}

/**
 * The `final` settlements of a run of entries, in entry order, one per (underlying, expiry). The same figure repeated
 * is kept once; two different figures for one expiry are bad data and refused (a settlement is one number).
 */
export function finalSettlementsOf(entries: Iterable<Entry>, into: FinalSettlementPrice[] = []): FinalSettlementPrice[] {
  for (const e of entries) {
    if (e[1] !== 3) continue;
    for (const s of e[2]) {
      if (s.kind !== 'final') continue;
      if (!(Number.isFinite(s.price) && s.price > 0)) {
        throw new RangeError(`expected a positive final settlement price for ${s.underlying} ${s.expiry}, was ${s.price}`);
      }
      const seen = into.find((f) => f.underlying === s.underlying && f.expiry === s.expiry);
      if (seen === undefined) into.push({ underlying: s.underlying, expiry: s.expiry, price: s.price, ts: e[0], source: s.source });
      else if (seen.price !== s.price) {
        throw new RangeError(`expected one final settlement price for ${s.underlying} ${s.expiry}, was ${seen.price} and ${s.price}`);
      }
    }
  }
  return into;
}

/** The final settlement price of (underlying, expiry) as known at `now`: undefined before it was published. */
export function settlementPriceAt(finals: readonly FinalSettlementPrice[], underlying: Underlying, expiry: string, now: number): number | undefined {
  const f = finals.find((x) => x.underlying === underlying && x.expiry === expiry);
  return f !== undefined && f.ts <= now ? f.price : undefined;
}
