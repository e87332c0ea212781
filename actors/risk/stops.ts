/**
 * @module Portfolio stops on the day's mark-to-market: an MTM stop-loss and a trailing profit lock for the account
 * and for each capital bucket — what option sellers on peer platforms rely on besides per-structure exits. Pure.
 *
 *   account P&L  = the day P&L (day.ts: realised + unrealised − the day's baseline), already net of charges and
 *                  settlement because the book's realised is (the executor books charges on every fill): core.ts
 *                  passes charges 0 so they are not taken off twice
 *   bucket P&L   = Σ unrealised of the bucket's open structures + the bucket's realised today − the charges its
 *                  structures paid today, where a structure that closed since the last assessment books its last
 *                  mark-to-market (an approximation: off by the exit's slippage from mid; the account figure is exact)
 *                  and its final charges. A structure's charges today = what it has paid (the executor's per-structure
 *                  `charges`) less what it had paid when the day began (0 for one opened today)
 *   stop-loss    fires when P&L ≤ −stopPct × capital (account: BASE_CAPITAL; bucket: its capital)
 *   trail lock   arms once the day's peak P&L ≥ armPct × capital; then fires when P&L ≤ peak × (1 − giveback)
 *
 * A fired stop holds for the rest of the IST day (the strategy closes what it covers and enters nothing there; risk's
 * pre-trade refuses with MTM_STOP) and starts afresh the next day. Example: ₹10 lakh, account stop 1.5 %: the day's
 * net P&L reaching −₹15,000 fires it; trail arm 1 %, giveback 0.5: a day that peaked at +₹12,000 fires at +₹6,000.
 */
import type { Bucket } from '../domain/bucket.ts';
import { BUCKETS } from '../domain/bucket.ts';
import type { PortfolioStops, StopScope, StopView } from './messages.ts';
import type { StopSettings } from './settings.ts';

interface ScopeState {
  /** Highest net P&L seen today; null before the first assessment of the day (never ±Infinity: it is persisted). */
  readonly peak: number | null;
  readonly triggered: StopView['triggered'];
  /** The peak last written to the journal (the state is persisted when a lock moves materially, not every cycle). */
  readonly savedPeak: number | null;
}

/** What survives a restart (kv `risk.stops`) and what the next assessment continues from. */
export interface StopsState {
  readonly date: string;
  readonly account: ScopeState;
  readonly buckets: Readonly<Record<Bucket, ScopeState>>;
  /**
   * Last mark-to-market of each open structure, to book it to its bucket when it closes; its charges so far and what
   * it had paid when the day began (`base`). Absent in a state written before charges were counted here.
   */
  readonly open: Readonly<Record<string, { readonly bucket: Bucket; readonly unrealised: number; readonly charges?: number; readonly base?: number }>>;
  /** Each bucket's realised P&L today (closed structures' last marks). */
  readonly realised: Readonly<Record<Bucket, number>>;
  /** Each bucket's charges today from structures that closed today (absent in an older state: none). */
  readonly realisedCharges?: Readonly<Record<Bucket, number>>;
}

export interface StopsInput {
  readonly date: string;
  readonly now: number;
  /** The account's day P&L, ₹ (core.ts passes the day P&L, which is already net of charges). */
  readonly accountGross: number;
  /** Charges to take off it, ₹ (0 from core.ts: see the module comment). */
  readonly charges: number;
  /** Structures open now, with their unrealised P&L, bucket and the charges they have paid so far (₹). */
  readonly open: readonly { readonly id: string; readonly bucket: Bucket; readonly unrealised: number; readonly charges?: number }[];
  /** Structures no longer open: the charges they paid in all (their exit's included), by id. */
  readonly closedCharges?: Readonly<Record<string, number>>;
  readonly baseCapital: number;
  readonly bucketCapital: Readonly<Record<Bucket, number>>;
}

export interface StopsStep {
  readonly state: StopsState;
  readonly view: PortfolioStops;
  /** Stops that fired in this step (journal them). */
  readonly fired: readonly StopView[];
  /** True when the state should be written to the journal's kv (a new day, a trigger, a realised booking, a lock that moved). */
  readonly persist: boolean;
}

const FRESH: ScopeState = { peak: null, triggered: null, savedPeak: null };

function freshState(date: string): StopsState {
  return {
    date, account: FRESH, buckets: { weekly: FRESH, monthly: FRESH, intraday: FRESH }, open: {}, realised: { weekly: 0, monthly: 0, intraday: 0 },
    realisedCharges: { weekly: 0, monthly: 0, intraday: 0 },
  };
}

interface Levels {
  readonly stopAt: number | null;
  readonly armAt: number | null;
  readonly giveback: number;
}

function levels(capital: number, stopPct: number, armPct: number, giveback: number): Levels {
  return { stopAt: stopPct > 0 ? -stopPct * capital : null, armAt: armPct > 0 ? armPct * capital : null, giveback };
}

function stepScope(scope: StopScope, prev: ScopeState, gross: number, charges: number, lv: Levels, now: number): { st: ScopeState; view: StopView; fired: boolean } {
  const pnl = gross - charges;
  const peak = prev.peak === null ? pnl : Math.max(prev.peak, pnl);
  const floor = lv.armAt !== null && peak >= lv.armAt ? peak * (1 - lv.giveback) : null;
  let triggered = prev.triggered;
  if (triggered === null) {
    if (lv.stopAt !== null && pnl <= lv.stopAt) triggered = { kind: 'stop', at: now, pnl, level: lv.stopAt };
    else if (floor !== null && pnl <= floor) triggered = { kind: 'trail', at: now, pnl, level: floor };
  }
  const st: ScopeState = { peak, triggered, savedPeak: prev.savedPeak };
  const view: StopView = { scope, pnl, gross, charges, peak, stopAt: lv.stopAt, trailArmAt: lv.armAt, trailFloor: floor, triggered };
  return { st, view, fired: prev.triggered === null && triggered !== null };
}

/** A lock moved enough to write down: the peak rose by 5 % of its arming level since the last write (while armed). */
function lockMoved(st: ScopeState, armAt: number | null): boolean {
  return armAt !== null && st.peak !== null && st.peak >= armAt && (st.savedPeak === null || st.peak - st.savedPeak >= 0.05 * armAt);
}

export function stepStops(prev: StopsState | null, input: StopsInput, s: StopSettings): StopsStep {
  const newDay = prev === null || prev.date !== input.date;
  const base = newDay ? freshState(input.date) : prev;
  // Structures gone since the last assessment book their last mark to their bucket's realised P&L.
  const realised: Record<Bucket, number> = { ...base.realised };
  const realisedCharges: Record<Bucket, number> = { weekly: 0, monthly: 0, intraday: 0, ...base.realisedCharges };
  const nowOpen = new Set(input.open.map((o) => o.id));
  let booked = false;
  for (const [id, o] of Object.entries(base.open)) {
    if (!nowOpen.has(id)) {
      realised[o.bucket] += o.unrealised;
      realisedCharges[o.bucket] += Math.max(0, (input.closedCharges?.[id] ?? o.charges ?? 0) - (o.base ?? o.charges ?? 0));
      booked = true;
    }
  }
  // A new day: structures carried from the day before count their charges from what they had paid by then.
  const carried = newDay && prev !== null ? prev.open : {};
  const open: Record<string, { bucket: Bucket; unrealised: number; charges: number; base: number }> = {};
  const bucketUnrealised: Record<Bucket, number> = { weekly: 0, monthly: 0, intraday: 0 };
  const bucketCharges: Record<Bucket, number> = { ...realisedCharges };
  for (const o of input.open) {
    const charges = o.charges ?? 0;
    const known = base.open[o.id];
    const before = carried[o.id];
    // Seen before today: its base; carried over: what it had paid then; first seen today: opened today, all of it.
    const dayBase = known !== undefined ? known.base ?? known.charges ?? charges : before !== undefined ? before.charges ?? charges : 0;
    open[o.id] = { bucket: o.bucket, unrealised: o.unrealised, charges, base: dayBase };
    bucketUnrealised[o.bucket] += o.unrealised;
    bucketCharges[o.bucket] += Math.max(0, charges - dayBase);
  }

  const fired: StopView[] = [];
  const acctLv = levels(input.baseCapital, s.accountStopPct, s.accountTrailArmPct, s.accountTrailGiveback);
  const acct = stepScope('account', base.account, input.accountGross, input.charges, acctLv, input.now);
  if (acct.fired) fired.push(acct.view);
  let moved = lockMoved(acct.st, acctLv.armAt);
  const buckets = {} as Record<Bucket, ScopeState>;
  const views: StopView[] = [];
  for (const b of BUCKETS) {
    const lv = levels(input.bucketCapital[b], s.bucketStopPct, s.bucketTrailArmPct, s.bucketTrailGiveback);
    const r = stepScope(b, base.buckets[b], bucketUnrealised[b] + realised[b], bucketCharges[b], lv, input.now);
    buckets[b] = r.st;
    views.push(r.view);
    if (r.fired) fired.push(r.view);
    moved ||= lockMoved(r.st, lv.armAt);
  }
  const persist = newDay || booked || fired.length > 0 || moved;
  const mark = (st: ScopeState): ScopeState => (persist ? { ...st, savedPeak: st.peak } : st);
  const state: StopsState = {
    date: input.date, account: mark(acct.st),
    buckets: { weekly: mark(buckets.weekly), monthly: mark(buckets.monthly), intraday: mark(buckets.intraday) },
    open, realised, realisedCharges,
  };
  const view: PortfolioStops = {
    date: input.date, account: acct.view, buckets: views, accountBlocked: acct.st.triggered !== null,
    blockedBuckets: BUCKETS.filter((b) => buckets[b].triggered !== null),
  };
  return { state, view, fired, persist };
}

/** Checks a persisted StopsState read back from the journal; anything else is ignored (a fresh day starts). */
export function restoredStops(v: unknown): StopsState | null {
  const o = v as Partial<StopsState> | null;
  if (o === null || typeof o !== 'object' || typeof o.date !== 'string' || typeof o.account !== 'object' || typeof o.buckets !== 'object') return null;
  if (typeof o.realised !== 'object' || typeof o.open !== 'object') return null;
  return o as StopsState;
}
