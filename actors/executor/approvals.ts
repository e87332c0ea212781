/**
 * @module SEMI_AUTO approvals (pure): the market reference taken when one is created, the drift that invalidates it
 * (spot, a leg's IV or mid moved past its threshold; a missing value counts as moved) and its expiry (APPROVAL_TTL,
 * market time).
 */
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';
import type { CoreConfig } from './core.ts';
import { findQuote, type QuoteIndex } from './quote-index.ts';
import type { ApprovalRec, ApprovalRef, ExecEvent, ExecState } from './state.ts';

export function marketRef(proposal: Proposal, snapshot: MarketSnapshot, surface: SurfaceCalibrated, index?: QuoteIndex): ApprovalRef {
  const spot = snapshot.spots.find((s) => s.underlying === proposal.underlying)?.spot ?? Number.NaN;
  const ivs = proposal.legs.map((l) => {
    const fit = surface.expiries.find((e) => e.underlying === l.underlying && e.expiry === l.expiry);
    if (fit === undefined) return Number.NaN;
    const i = fit.strikes.indexOf(l.strike);
    return i < 0 ? Number.NaN : (fit.vols[i] ?? Number.NaN) * 100;
  });
  const mids = proposal.legs.map((l) => {
    const q = findQuote(snapshot, l.instrumentKey, index);
    return q === undefined ? Number.NaN : (q.bid + q.ask) / 2;
  });
  return { spot, ivs, mids };
}

/** Why the market moved too far since `ref` (undefined = still valid). A missing value counts as moved (fail closed). */
export function drift(ref: ApprovalRef, cur: ApprovalRef, cfg: CoreConfig): string | undefined {
  const spotMove = Math.abs(cur.spot / ref.spot - 1);
  if (!(spotMove <= cfg.approvalMaxSpotMovePct)) return `spot moved ${(spotMove * 100).toFixed(2)}% (limit ${(cfg.approvalMaxSpotMovePct * 100).toFixed(2)}%)`;
  for (let i = 0; i < ref.ivs.length; i++) {
    const a = ref.ivs[i] ?? Number.NaN;
    const b = cur.ivs[i] ?? Number.NaN;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(b - a) <= cfg.approvalMaxIvMovePts)) return `leg ${i} IV moved ${(b - a).toFixed(2)} vol pts (limit ${cfg.approvalMaxIvMovePts})`;
  }
  for (let i = 0; i < ref.mids.length; i++) {
    const a = ref.mids[i] ?? Number.NaN;
    const b = cur.mids[i] ?? Number.NaN;
    const move = Math.abs(b / a - 1);
    if (!(move <= cfg.approvalMaxMidMovePct)) return `leg ${i} mid moved ${(move * 100).toFixed(1)}% (limit ${(cfg.approvalMaxMidMovePct * 100).toFixed(1)}%)`;
  }
  return undefined;
}

/** Pending approvals that expired by `now` or drifted against `current`. */
export function sweepApprovals(state: ExecState, now: number, current: (a: ApprovalRec) => ApprovalRef, cfg: CoreConfig): ExecEvent[] {
  const out: ExecEvent[] = [];
  for (const a of Object.values(state.approvals)) {
    if (a.status !== 'pending') continue;
    if (now >= a.expiresAt) {
      out.push({ type: 'executor.approvalChanged', id: a.id, status: 'expired', reason: `not approved within TTL (expired at ${new Date(a.expiresAt).toISOString()})`, ts: now });
      continue;
    }
    const why = drift(a.ref, current(a), cfg);
    if (why !== undefined) out.push({ type: 'executor.approvalChanged', id: a.id, status: 'invalidated', reason: why, ts: now });
  }
  return out;
}
