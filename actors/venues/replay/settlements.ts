/**
 * @module The final settlement prices a recording holds (entry kind 3, `final`; format.ts), and the lookup an expiry
 * settlement needs: the price of (underlying, expiry) as known at a market instant. Known only from the entry's own
 * time on (the close of the expiry day), so a backtest never settles on a price it could not have seen yet.
 *
 * Who books the settlement is the executor's business (actors/domain/money.ts, `money.settlement`); this only says
 * what the recording says the price was and when it was published.
 */
import type { FinalSettlement } from '../../domain/market-snapshot.ts';
import type { Underlying } from '../../domain/underlying.ts';
import type { Entry, Settlement } from './format.ts';

/** A recording's final settlement price: the domain's `FinalSettlement` (actors/domain/market-snapshot.ts). */
export type FinalSettlementPrice = FinalSettlement;

/**
 * The `final` settlements of a run of entries, in entry order, one per (underlying, expiry). The same figure repeated
 * is kept once; two different figures for one expiry are bad data and refused (a settlement is one number).
 */
export function finalSettlementsOf(entries: Iterable<Entry>, into: FinalSettlementPrice[] = []): FinalSettlementPrice[] {
  for (const e of entries) if (e[1] === 3) addFinalSettlements(into, e[2], e[0]);
  return into;
}

/**
 * Adds the `final` ones of a batch of settlements published at `ts` to `into` (the fold of `finalSettlementsOf`, and
 * what the feed does as playback reaches them). Throws on a non-positive price or a second, different figure for an
 * expiry — checked before anything is added, so a refused batch changes nothing.
 */
export function addFinalSettlements(into: FinalSettlementPrice[], settlements: readonly Settlement[], ts: number): FinalSettlementPrice[] {
  const fresh: FinalSettlementPrice[] = [];
  for (const s of settlements) {
    if (s.kind !== 'final') continue;
    if (!(Number.isFinite(s.price) && s.price > 0)) {
      throw new RangeError(`expected a positive final settlement price for ${s.underlying} ${s.expiry}, was ${s.price}`);
    }
    const seen = into.find((f) => f.underlying === s.underlying && f.expiry === s.expiry) ?? fresh.find((f) => f.underlying === s.underlying && f.expiry === s.expiry);
    if (seen === undefined) fresh.push({ underlying: s.underlying, expiry: s.expiry, price: s.price, ts, source: s.source });
    else if (seen.price !== s.price) {
      throw new RangeError(`expected one final settlement price for ${s.underlying} ${s.expiry}, was ${seen.price} and ${s.price}`);
    }
  }
  into.push(...fresh);
  return into;
}

/** The final settlement price of (underlying, expiry) as known at `now`: undefined before it was published. */
export function settlementPriceAt(finals: readonly FinalSettlementPrice[], underlying: Underlying, expiry: string, now: number): number | undefined {
  const f = finals.find((x) => x.underlying === underlying && x.expiry === expiry);
  return f !== undefined && f.ts <= now ? f.price : undefined;
}
