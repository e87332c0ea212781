/**
 * @module Phase governance, pure: the one FULL_AUTO rule (DESIGN §3). Read by its owner and by everyone who must
 * answer for it:
 * - the kill switch applies `fullAutoAdmission` to the phase it puts in force, every evaluation, on the facts the
 *   executor journals and reports (`PhaseHistory`, relayed by main); data quality is its own gate (with hysteresis);
 * - the executor answers `executor.setPhase` / `executor.approvePhase` with `requestChecks` (a request that fails them
 *   is refused with the checks: the gateway's 409) and shows them in `executor.phase`;
 * - `volguard validate --phase FULL_AUTO` prints `fullAutoAdmission`'s checks read from the journal.
 *
 * The rules:
 * - Data quality above FULL_AUTO_MIN_QUALITY (never waived).
 * - History: FULL_AUTO_MIN_SHADOW_DAYS in SHADOW and FULL_AUTO_MIN_SEMI_AUTO_DAYS in SEMI_AUTO, counted on this venue
 *   only (simulated days never count toward live). Waivable on paper (PAPER_WAIVE_PHASE_HISTORY), and then said so.
 * - Governance, on live: FULL_AUTO asked for (POST /api/v1/phase) and approved in a second, separate journaled step
 *   with its own reason (POST /api/v1/phase/approve), both on live (an approval given on paper never counts).
 *   Not needed on paper, and then said so.
 *
 * Records journaled before venues were recorded count as paper: the safe reading for live.
 */
import type { Phase } from './phase.ts';

/** Where the phase and its history were earned: the paper exchange (SAFETY_MODE=paper) or the real broker. */
export type Venue = 'paper' | 'live';
export const VENUES: readonly Venue[] = ['paper', 'live'];

export function venueOf(live: boolean): Venue {
  return live ? 'live' : 'paper';
}

export interface GovernanceRules {
  readonly minShadowDays: number;
  readonly minSemiAutoDays: number;
  /** FULL_AUTO needs data quality strictly above this. */
  readonly minQuality: number;
  readonly paperWaiveHistory: boolean;
}

/** The parsed variables (runtime/system-env.ts GOVERNANCE_KEYS), as an actor's config section carries them. */
export interface GovernanceEnvValues {
  readonly FULL_AUTO_MIN_SHADOW_DAYS: number;
  readonly FULL_AUTO_MIN_SEMI_AUTO_DAYS: number;
  readonly FULL_AUTO_MIN_QUALITY: number;
  readonly PAPER_WAIVE_PHASE_HISTORY: boolean;
}

export function governanceRulesFromEnv(v: GovernanceEnvValues): GovernanceRules {
  return { minShadowDays: v.FULL_AUTO_MIN_SHADOW_DAYS, minSemiAutoDays: v.FULL_AUTO_MIN_SEMI_AUTO_DAYS, minQuality: v.FULL_AUTO_MIN_QUALITY, paperWaiveHistory: v.PAPER_WAIVE_PHASE_HISTORY };
}

export interface PhaseCheck {
  readonly name: 'quality' | 'history' | 'governance';
  readonly ok: boolean;
  /** Passed only because a paper waiver applied (shown, never silent). */
  readonly waived?: boolean;
  readonly detail: string;
}

export interface HistoryCounts {
  readonly SHADOW: number;
  readonly SEMI_AUTO: number;
}

/** The second step of a FULL_AUTO decision on live: someone approved the request, with a reason of their own. */
export interface GovernanceApproval {
  readonly requestId: string;
  readonly approver: string;
  readonly reason: string;
  readonly ts: number;
}

/** The latched phase decision (journal kv `executor.phase`). */
export interface GovernanceRecord {
  readonly phase: Phase;
  readonly approver: string;
  readonly reason: string;
  readonly ts: number;
  /** Absent on records journaled before venues were recorded: paper. */
  readonly venue?: Venue;
  readonly approval?: GovernanceApproval;
}

/** A FULL_AUTO request waiting for its separate approval (live). */
export interface PhaseRequest {
  readonly id: string;
  readonly phase: Phase;
  readonly approver: string;
  readonly reason: string;
  readonly venue: Venue;
  readonly ts: number;
  readonly expiresAt: number;
}

/**
 * What the executor has journaled about the phase on the venue it trades (the facts the rule reads): the latched
 * decision (whatever venue it was taken on: the rule says why another venue's does not count) and this venue's
 * trading days per phase. The executor reports it with every execution; main relays it to the kill switch.
 */
export interface PhaseHistory {
  readonly venue: Venue;
  readonly governance: GovernanceRecord | null;
  readonly days: HistoryCounts;
}

export function recordVenue(r: { readonly venue?: Venue | undefined }): Venue {
  return r.venue ?? 'paper';
}

/** The journaled decision applies on the venue it was taken on only; elsewhere the configured PHASE does. */
export function governanceFor(g: GovernanceRecord | null | undefined, venue: Venue): GovernanceRecord | null {
  return g !== null && g !== undefined && recordVenue(g) === venue ? g : null;
}

export function qualityCheck(quality: number | undefined, rules: GovernanceRules): PhaseCheck {
  if (quality === undefined) return { name: 'quality', ok: false, detail: `expected data quality above ${rules.minQuality}, was unknown (no market snapshot yet)` };
  return quality > rules.minQuality
    ? { name: 'quality', ok: true, detail: `data quality ${quality.toFixed(2)} above ${rules.minQuality}` }
    : { name: 'quality', ok: false, detail: `expected data quality above ${rules.minQuality}, was ${quality.toFixed(2)}` };
}

export function historyCheck(days: HistoryCounts, venue: Venue, rules: GovernanceRules): PhaseCheck {
  const counts = `${days.SHADOW}/${rules.minShadowDays} SHADOW and ${days.SEMI_AUTO}/${rules.minSemiAutoDays} SEMI_AUTO trading days on ${venue}`;
  if (days.SHADOW >= rules.minShadowDays && days.SEMI_AUTO >= rules.minSemiAutoDays) return { name: 'history', ok: true, detail: counts };
  if (venue === 'paper' && rules.paperWaiveHistory) return { name: 'history', ok: true, waived: true, detail: `${counts}: waived on paper (PAPER_WAIVE_PHASE_HISTORY)` };
  return { name: 'history', ok: false, detail: `expected at least ${rules.minShadowDays} SHADOW and ${rules.minSemiAutoDays} SEMI_AUTO trading days on ${venue}, was ${counts}` };
}

/** On live, FULL_AUTO needs a request and a separate approval, both journaled on live. Paper waives it, visibly. */
export function governanceCheck(g: GovernanceRecord | null | undefined, venue: Venue): PhaseCheck {
  if (venue === 'paper') return { name: 'governance', ok: true, waived: true, detail: 'no separate FULL_AUTO approval needed on paper' };
  const mine = governanceFor(g, venue);
  if (mine?.phase === 'FULL_AUTO' && mine.approval !== undefined) {
    return { name: 'governance', ok: true, detail: `FULL_AUTO asked for by ${mine.approver} ("${mine.reason}") and approved by ${mine.approval.approver} ("${mine.approval.reason}") on live` };
  }
  const was = g === null || g === undefined ? 'none'
    : recordVenue(g) !== venue ? `a ${g.phase} decision taken on ${recordVenue(g)}, which does not count on live`
    : g.phase !== 'FULL_AUTO' ? `phase ${g.phase}`
    : 'a FULL_AUTO decision without its separate approval';
  return { name: 'governance', ok: false, detail: `expected FULL_AUTO asked for and separately approved on live (POST /api/v1/phase, then POST /api/v1/phase/approve), was ${was}` };
}

/** What asking for FULL_AUTO must pass (before the request is journaled, and again when it is approved). */
export function requestChecks(quality: number | undefined, days: HistoryCounts, venue: Venue, rules: GovernanceRules): PhaseCheck[] {
  return [qualityCheck(quality, rules), historyCheck(days, venue, rules)];
}

/** "quality: …; history: …" for the checks that failed (empty when none did). */
export function failed(checks: readonly PhaseCheck[]): string {
  return checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ');
}

export interface FullAutoAdmission {
  readonly admitted: boolean;
  /** The history and governance checks as they stand (empty when no history was reported). */
  readonly checks: readonly PhaseCheck[];
  /** Why not (empty when admitted). */
  readonly reasons: readonly string[];
  /** Set while a paper waiver of the history is what admits FULL_AUTO: the text to show and journal. */
  readonly waiver: string | null;
}

/** Before the executor has reported its phase history (after a start): not admitted. */
export const UNREPORTED: FullAutoAdmission = { admitted: false, checks: [], reasons: ['phase history not yet reported by the executor'], waiver: null };

/**
 * May FULL_AUTO be put in force on `venue` (data quality aside: the kill switch's quality gate judges it, with
 * hysteresis)? The history and the governance decision, as the executor journaled them. Fail closed: no history
 * reported yet, or one reported for another venue, is not admitted.
 */
export function fullAutoAdmission(history: PhaseHistory | null, venue: Venue, rules: GovernanceRules): FullAutoAdmission {
  if (history === null) return UNREPORTED;
  if (history.venue !== venue) return { admitted: false, checks: [], reasons: [`expected the phase history of ${venue}, was that of ${history.venue}`], waiver: null };
  const checks = [historyCheck(history.days, venue, rules), governanceCheck(history.governance, venue)];
  const reasons = checks.filter((c) => !c.ok).map((c) => c.detail);
  if (reasons.length > 0) return { admitted: false, checks, reasons, waiver: null };
  const waived = checks.find((c) => c.name === 'history' && c.waived === true);
  return { admitted: true, checks, reasons: [], waiver: waived?.detail ?? null };
}

/** Why an approval is refused: `NOT_FOUND` (no such request), `INVALID_STATE` (expired, other venue), `VALIDATION`. */
export interface ApprovalProblem {
  readonly code: 'NOT_FOUND' | 'INVALID_STATE' | 'VALIDATION';
  readonly message: string;
}

/** Why approving request `id` is refused, or undefined when it may proceed to the checks. */
export function approvalProblem(req: PhaseRequest | null | undefined, id: string, approval: { readonly reason: string }, now: number, venue: Venue): ApprovalProblem | undefined {
  if (req === null || req === undefined || req.id !== id) {
    return { code: 'NOT_FOUND', message: `expected a pending phase request ${JSON.stringify(id)}, was ${req === null || req === undefined ? 'none' : `request ${JSON.stringify(req.id)}`}` };
  }
  if (req.venue !== venue) return { code: 'INVALID_STATE', message: `expected a request made on ${venue}, was one made on ${req.venue}` };
  if (now >= req.expiresAt) return { code: 'INVALID_STATE', message: `expected request ${id} unexpired, was expired at ${new Date(req.expiresAt).toISOString()}` };
  if (normalise(approval.reason) === normalise(req.reason)) return { code: 'VALIDATION', message: "expected the approval to give its own reason, was the request's reason repeated" };
  return undefined;
}

function normalise(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}
