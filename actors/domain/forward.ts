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
 * Ties in |C − P| keep strike order (as a stable sort would). Allocation-free for count ≤ 8 (called per expiry per
 * cycle): the `count` best are kept by insertion into small scratch arrays.
 */
export function forwardFromParity(q: ParityQuotes, t: number, rate: number, count = 3): ParityForward | null {
  const growth = Math.exp(rate * t);
  if (!(Number.isInteger(count) && count >= 1 && count <= SCRATCH)) return forwardFromParitySorted(q, growth, count);
  const keep = count;
  let size = 0;
  let seen = 0;
  for (let i = 0; i < q.strikes.length; i++) {
    const cb = q.callBid[i]!, ca = q.callAsk[i]!, pb = q.putBid[i]!, pa = q.putAsk[i]!;
    if (!(cb > 0 && ca >= cb && pb > 0 && pa >= pb)) continue;
    const c = 0.5 * (cb + ca);
    const p = 0.5 * (pb + pa);
    const gap = Math.abs(c - p);
    // An infinite quote makes the gap NaN, which a comparator sort orders its own way: take the sorting path.
    if (Number.isNaN(gap)) return forwardFromParitySorted(q, growth, count);
    seen++;
    // Insert after every kept gap ≤ this one (stable), dropping the last when full.
    let j = size < keep ? size : keep - 1;
    if (size === keep && !(gap < GAP[keep - 1]!)) continue;
    while (j > 0 && GAP[j - 1]! > gap) {
      GAP[j] = GAP[j - 1]!; FWD[j] = FWD[j - 1]!; SPREAD[j] = SPREAD[j - 1]!;
      j--;
    }
    GAP[j] = gap; FWD[j] = q.strikes[i]! + growth * (c - p); SPREAD[j] = (ca - cb) + (pa - pb);
    if (size < keep) size++;
  }
  if (seen === 0) return null;
  let num = 0;
  let den = 0;
  for (let j = 0; j < size; j++) {
    const w = 1 / Math.max(SPREAD[j]!, 1e-9);
    num += w * FWD[j]!;
    den += w;
  }
  return { forward: num / den, used: size };
}

const SCRATCH = 8;
const GAP = new Float64Array(SCRATCH);
const FWD = new Float64Array(SCRATCH);
const SPREAD = new Float64Array(SCRATCH);

/** The general path: every candidate, sorted by |C − P|. */
function forwardFromParitySorted(q: ParityQuotes, growth: number, count: number): ParityForward | null {
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
