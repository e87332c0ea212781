/**
 * @module How good the market data of one snapshot is (scored by the feed, read by the kill switch and strategy).
 */

/** Each component in [0, 1], 1 = perfect; documented in actors/feed/README.md. */
export interface QualityComponents {
  readonly staleness: number;
  readonly crossed: number;
  readonly missingStrikes: number;
  readonly spread: number;
  readonly forwardConsistency: number;
  readonly silence: number;
}

export interface DataQuality {
  readonly score: number;
  readonly components: QualityComponents;
}
