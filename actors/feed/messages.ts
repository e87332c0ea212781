/**
 * @module The feed actor's own messages: `feed.snapshot` {cycleId} → RelayedSnapshot (the MarketSnapshot, actors/domain/
 * market-snapshot.ts, with its chains packed once), and the `feed.stalled` / `feed.recovered` events.
 */
import type { Prepacked } from '../../runtime/envelope.ts';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';

/**
 * The feed's answer to `feed.snapshot`: the snapshot with its option chains packed once in the feed. Main relays the
 * chains as bytes (it reads only the head: ts, spots, vix, quality); every actor it passes them to receives a plain
 * `MarketSnapshot` (see Prepacked in runtime/envelope.ts). Read the chains in main with `unpacked(s.expiries)`.
 */
export type RelayedSnapshot = Omit<MarketSnapshot, 'expiries'> & { readonly expiries: Prepacked<readonly ExpiryChain[]> };
