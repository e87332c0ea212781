/**
 * @module The one place the strategy gets Black-76 numbers from (an adapter over actors/domain/black76.ts), so the
 * selection and exit code does not depend on the pricing module's call shape.
 *
 * Δ = ∂V/∂F on the per-expiry forward F from the calibrator, year fraction t from the surface, the fitted vol at the
 * strike; call Δ = e^{−rt}Φ(d₁), put Δ = −e^{−rt}Φ(−d₁).
 */
import { black76Greeks } from '../domain/black76.ts';
import type { Right } from '../domain/right.ts';

/** Forward delta of one option; NaN when an input is unusable (no vol, t ≤ 0) rather than a throw: that strike is skipped. */
export function optionDelta(right: Right, forward: number, strike: number, t: number, rate: number, vol: number): number {
  if (!(forward > 0) || !(strike > 0) || !(t > 0) || !(vol > 0) || !Number.isFinite(vol)) return Number.NaN;
  return black76Greeks(right === 'CE' ? 'call' : 'put', forward, strike, t, rate, vol).delta;
}
