/**
 * @module The one place the strategy gets Black-76 numbers from (an adapter over actors/domain), so the selection
 * and exit code never depends on the pricing module's call shape.
 *
 * Black-76 on the per-expiry forward F (from the calibrator), strike K, year fraction t, rate r, vol σ:
 *   d₁ = (ln(F/K) + σ²t/2) / (σ√t),  Δ_call = e^{−rt} Φ(d₁),  Δ_put = −e^{−rt} Φ(−d₁)   (Δ = ∂V/∂F).
 */
import { normCdf } from '../domain/normal.ts';
import type { Right } from '../executor/messages.ts';

/** Forward delta (∂V/∂F) of one option; NaN when any input is unusable (no vol, t ≤ 0). */
export function optionDelta(right: Right, forward: number, strike: number, t: number, rate: number, vol: number): number {
  if (!(forward > 0) || !(strike > 0) || !(t > 0) || !(vol > 0)) return Number.NaN;
  const sigmaRootT = vol * Math.sqrt(t);
  const d1 = (Math.log(forward / strike) + 0.5 * sigmaRootT * sigmaRootT) / sigmaRootT;
  const discount = Math.exp(-rate * t);
  return right === 'CE' ? discount * normCdf(d1) : -discount * normCdf(-d1);
}
