/**
 * @module Forward per expiry from put-call parity: F = K + e^{rT}·(C − P) on the strikes nearest the money with the
 * tightest spreads (quant.md §4). Pure; NaN marks a missing quote.
 */

export interface ParityQuotes {
  readonly strikes: ArrayLike<number>;
  readonly callBid: ArrayLike<number>;
  readonly callAsk: ArrayLike<number>;
  readonly putBid: ArrayLike<number>;
  readonly putAsk: ArrayLike<number>;
}

export interface ParityForward {
  readonly forward: number;
  /** Strikes used. */
  readonly used: number;
}

/**
 * Among strikes with two-sided call and put quotes, take the `count` with the smallest |C − P| (nearest the money),
 * and average their parity forwards weighted by 1/(call spread + put spread). `null` when no strike qualifies.
 */
export function forwardFromParity(q: ParityQuotes, t: number, rate: number, count = 3): ParityForward | null {
  const growth = Math.exp(rate * t);
  const candidates: { gap: number; forward: number; spread: number }[] = [];
  for (let i = 0; i < q.strikes.length; i++) {
    const cb = q.callBid[i]!, ca = q.callAsk[i]!, pb = q.putBid[i]!, pa = q.putAsk[i]!;
    if (!(cb > 0 && ca >= cb && pb > 0 && pa >= pb)) continue;
    const c = 0.5 * (cb + ca);
    const p = 0.5 * (pb + pa);
    candidates.push({ gap: Math.abs(c - p), forward: q.strikes[i]! + growth * (c - p), spread: (ca - cb) + (pa - pb) });
  }
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.gap - b.gap);
  const chosen = candidates.slice(0, count);
  let num = 0;
  let den = 0;
  for (const c of chosen) {
    const w = 1 / Math.max(c.spread, 1e-9);
    num += w * c.forward;
    den += w;
  }
  return { forward: num / den, used: chosen.length };
}
