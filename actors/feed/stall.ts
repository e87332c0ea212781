/**
 * @module Stall detection: no tick for `stallMs` (wall time) while the market is open → stalled, at once; the first
 * tick afterwards → recovered. Off-hours silence is never a stall, and a stall open when the market closes is
 * cleared. Pure: the caller passes the times.
 */

export type StallEvent =
  | { readonly type: 'feed.stalled'; readonly body: { readonly reason: string; readonly ageMs: number; readonly silentMs: number; readonly lastTickWall: number } }
  | { readonly type: 'feed.recovered'; readonly body: { readonly stalledMs: number; readonly reason: 'data' | 'market_closed' } };

export class StallDetector {
  readonly stallMs: number;
  /** Wall ms of the last tick (or of start, so a feed that never delivers still stalls). */
  lastTickWall: number;
  stalledSince: number | null = null;

  constructor(stallMs: number, wallNow: number) {
    if (!(stallMs > 0)) throw new RangeError(`expected a positive stall time, was ${stallMs}`);
    this.stallMs = stallMs;
    this.lastTickWall = wallNow;
  }

  onData(wallNow: number): StallEvent | null {
    this.lastTickWall = wallNow;
    if (this.stalledSince === null) return null;
    const stalledMs = wallNow - this.stalledSince;
    this.stalledSince = null;
    return { type: 'feed.recovered', body: { stalledMs, reason: 'data' } };
  }

  check(wallNow: number, marketOpen: boolean): StallEvent | null {
    if (!marketOpen) {
      // The open → closed transition must not leave a stall latched, and the next open starts a fresh window.
      this.lastTickWall = Math.max(this.lastTickWall, wallNow);
      if (this.stalledSince === null) return null;
      const stalledMs = wallNow - this.stalledSince;
      this.stalledSince = null;
      return { type: 'feed.recovered', body: { stalledMs, reason: 'market_closed' } };
    }
    const silentMs = wallNow - this.lastTickWall;
    if (this.stalledSince !== null || silentMs < this.stallMs) return null;
    this.stalledSince = wallNow;
    return { type: 'feed.stalled', body: { reason: `no data for ${Math.round(silentMs)} ms while the market is open`, ageMs: silentMs, silentMs, lastTickWall: this.lastTickWall } };
  }

  silenceMs(wallNow: number): number {
    return wallNow - this.lastTickWall;
  }
}
