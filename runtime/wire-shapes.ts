/**
 * @module The record shapes of the values prepacked every cycle (runtime/envelope.ts `prepack`), shared by every
 * thread's prepack codec: one fixed list, built identically in every thread, like the envelope's own.
 *
 * Why: msgpackr defines a shape it does not share inline in each message, and the decoder compiles a reader for it
 * (`new Function`) on the fourth object of that shape in the message — every message, in every thread that decodes it.
 * A snapshot's six expiry chains are decoded by four actors each cycle. A shared shape costs its consumers neither.
 *
 * A value whose keys are not exactly one of these (another shape, or the same keys in another order) is still
 * encoded, with its record defined inline: a list out of step with the code that builds the values is slower, never
 * wrong. `actors/feed/snapshot.test.ts` checks that the chains the feed builds match.
 *
 * Append only: the position of a shape is its id on the wire between our threads (never persisted).
 */

/** `ExpiryChain` (actors/domain/market-snapshot.ts) in the key order `actors/feed/snapshot.ts` builds it. */
const CHAIN = [
  'underlying', 'expiry', 'expiryTs', 'kind', 'lotSize', 'freezeQty',
  'strikes', 'callKeys', 'putKeys',
  'callBid', 'callAsk', 'callLtp', 'callOi', 'callTs', 'putBid', 'putAsk', 'putLtp', 'putOi', 'putTs',
];
const IVS = ['callBrokerIv', 'putBrokerIv'];
const DERIVED = ['callDerived', 'putDerived'];
const GREEKS = ['callBrokerGreeks', 'putBrokerGreeks'];

export const PREPACKED_SHAPES: readonly (readonly string[])[] = [
  // Simulated market, and a replay without broker IVs.
  CHAIN,
  // Upstox: broker IVs, with and without the greeks.
  [...CHAIN, ...IVS],
  [...CHAIN, ...IVS, ...GREEKS],
  // Historical replays with quotes derived from closes.
  [...CHAIN, ...DERIVED],
  [...CHAIN, ...IVS, ...DERIVED],
  [...CHAIN, ...IVS, ...DERIVED, ...GREEKS],
  // `BrokerGreeks`, two per chain when the venue sends them.
  ['delta', 'gamma', 'theta', 'vega'],
];
