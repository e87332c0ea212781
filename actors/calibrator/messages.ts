/**
 * @module What the calibrator emits per cycle: the fitted surface, per expiry, with diagnostics and fallback flags;
 * and its protocol map (`CalibratorProtocol`).
 */
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';

export interface SabrParams {
  readonly alpha: number;
  readonly beta: number;
  readonly rho: number;
  readonly nu: number;
}

export interface ExpiryFit {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly expiryTs: number;
  /** Years to the expiry's session close on the variance clock (actors/domain/variance-clock.ts). */
  readonly t: number;
  /** Forward from put-call parity. */
  readonly forward: number;
  /** Null when the fit failed. */
  readonly params: SabrParams | null;
  readonly rmseVolPts: number;
  readonly maxErrorVolPts: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** True when per-strike Black IVs are used instead of SABR (failed or poor fit). */
  readonly fallback: boolean;
  readonly fallbackReason?: string;
  readonly strikes: Float64Array;
  /** Market implied vols (OTM side), NaN where none. */
  readonly marketIv: Float64Array;
  /** The vol to use per strike: SABR when fitted, else market IV (interpolated where missing). */
  readonly vols: Float64Array;
  /** Broker-IV divergence (vol points, max abs), when the venue supplied IVs. */
  readonly brokerIvDivergenceVolPts?: number;
  /** Our IV against the broker's on the liquid strikes (those whose quotes the fit used), when the venue supplied IVs:
   *  the median gap (what the kill switch judges: one odd quote does not move it) and the worst strike as evidence. */
  readonly brokerDivergence?: BrokerIvDivergence;
}

export interface BrokerIvDivergence {
  readonly medianVolPts: number;
  readonly maxVolPts: number;
  /** The strike of the largest gap, with both IVs (decimal). */
  readonly strike: number;
  readonly ours: number;
  readonly broker: number;
  /** Liquid strikes compared. */
  readonly strikes: number;
}

export interface SurfaceCalibrated {
  readonly cycleId: string;
  readonly ts: number;
  readonly expiries: readonly ExpiryFit[];
  readonly computeMs: number;
}

/** The calibrator's protocol (runtime/protocols.ts): the one message it accepts. */
export interface CalibratorProtocol {
  /**
   * Main, once a cycle (assess_risk): fit every expiry of the snapshot. The body is checked by snapshot-schema.ts
   * `parseSnapshot`: a fast hand check every cycle, zod (for its wording) only for a body the hand check refuses.
   */
  'calibrator.calibrate': { in: MarketSnapshot; out: SurfaceCalibrated };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    calibrator: CalibratorProtocol;
  }
}
