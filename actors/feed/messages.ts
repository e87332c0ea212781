/**
 * @module The feed actor's own messages and its protocol map (`FeedProtocol`): `feed.snapshot` {cycleId} →
 * RelayedSnapshot (the MarketSnapshot, actors/domain/market-snapshot.ts, with its chains packed once),
 * `feed.injectFault`, `feed.refreshToken`; it emits the `feed.stalled` / `feed.recovered` events (stall.ts).
 */
import { z } from 'zod';
import type { Prepacked } from '../../runtime/envelope.ts';
import type { BodyParser } from '../../runtime/protocols.ts';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
import { parseFaultRequest, type FaultKind, type FaultRequest } from '../venues/sim/faults.ts';

/**
 * The feed's answer to `feed.snapshot`: the snapshot with its option chains packed once in the feed. Main relays the
 * chains as bytes (it reads only the head: ts, spots, vix, quality); every actor it passes them to receives a plain
 * `MarketSnapshot` (see Prepacked in runtime/envelope.ts). Read the chains in main with `unpacked(s.expiries)`.
 */
export type RelayedSnapshot = Omit<MarketSnapshot, 'expiries'> & { readonly expiries: Prepacked<readonly ExpiryChain[]> };

/** Body of `feed.snapshot`. */
export interface SnapshotRequest {
  readonly cycleId: string;
  /** Instruments that must stay subscribed whatever the window (what the book holds or works); a venue with caps
   *  keeps them in its plan and the snapshot's chains reach out to their strikes. */
  readonly watch?: readonly string[];
}

/** Reply to `feed.injectFault`: the fault and how long it lasts. */
export interface FaultInjected {
  readonly kind: FaultKind;
  readonly seconds: number;
}

/** Body of `feed.refreshToken` (the Upstox token hot swap, from main). */
export interface RefreshToken {
  readonly accessToken: string;
}

export interface TokenRefreshed {
  readonly state: string;
  readonly expiresAt: number;
}

/** The feed's protocol (runtime/protocols.ts): every message it accepts, its body and its reply. */
export interface FeedProtocol {
  /** Main, once a cycle (read_market). */
  'feed.snapshot': { in: SnapshotRequest; out: RelayedSnapshot };
  /** Gateway chaos (`POST /api/v1/chaos/feed`): a data fault on the live feed for a while. */
  'feed.injectFault': { in: FaultRequest; out: FaultInjected };
  /** Main (token hot swap): a new Upstox access token for the source. */
  'feed.refreshToken': { in: RefreshToken; out: TokenRefreshed };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    feed: FeedProtocol;
  }
}

const snapshotRequestSchema = z.object({ cycleId: z.string(), watch: z.array(z.string().min(1)).max(2000).optional() });
export const snapshotRequestCheck: BodyParser<SnapshotRequest> = {
  parse(body) {
    const { cycleId, watch } = snapshotRequestSchema.parse(body);
    return watch === undefined ? { cycleId } : { cycleId, watch };
  },
};
export const faultRequestCheck: BodyParser<FaultRequest> = { parse: parseFaultRequest };
export const refreshTokenCheck: BodyParser<RefreshToken> = z.object({ accessToken: z.string().min(1) });
