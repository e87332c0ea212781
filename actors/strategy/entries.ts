/**
 * @module Entry decisions: for each bucket and underlying, either an `open` proposal (a short iron condor or a
 * strangle with wings, sized by the bucket's capital at risk) or a skip with its reason. Pure.
 *
 * Gates, in order: market open, kill switch NORMAL, no risk-limit breach, no account MTM stop today, data quality,
 * the bucket's IST window, no bucket MTM stop today, entries per day, open-structure cap, re-proposal cooldown,
 * re-entry cool-down after a close, the event calendar, an eligible expiry, not late on that expiry's own expiry day,
 * a surface, IV ≥ ratio × RV, strikes by delta, a worthwhile credit, and at least one whole lot within the risk
 * budget and within the risk actor's headroom (its soft limits and bucket charge; sizing.ts), with one lot kept back
 * for every other configured bucket that holds nothing yet. A `halve_size` event halves the lots.
 */
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Leg } from '../domain/leg.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { Structure } from '../domain/structure.ts';
import { istDate } from '../domain/calendar.ts';
import { roundToTick, TICK_SIZE } from '../domain/units.ts';
import type { ExpiryFit } from '../calibrator/messages.ts';
import type { EntrySkipped, EventActed, ProposeRequest, SkipReason } from './messages.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { BucketParams, StrategyParams } from './params.ts';
import { eventEffect, describeEvent, type MarketEvent } from './events.ts';
import { atmVol, type MarketView } from './market.ts';
import { pickStructure, type PickedOption, type StructurePick } from './select.ts';
import { istTime } from './session.ts';
import { chargesSchedule, headroomLots, lotCost, roundTripCharges, type Consumed, type LotCost } from './sizing.ts';
import type { Side } from '../domain/side.ts';

export type Draft = Omit<Proposal, 'id'>;

/** Structures that still hold (or are acquiring) risk. */
export const ACTIVE_STATUSES: ReadonlySet<Structure['status']> = new Set(['opening', 'open', 'closing']);

export interface EntryInputs {
  readonly req: ProposeRequest;
  readonly view: MarketView;
  readonly params: StrategyParams;
  readonly killswitch: TradingState;
  readonly realisedVol: ReadonlyMap<Underlying, number>;
  /** Proposal key → market time it was last proposed. */
  readonly recent: Readonly<Record<string, number>>;
}

export const openKey = (bucket: string, underlying: Underlying): string => `open:${bucket}:${underlying}`;

/** The bucket's expiry for `underlying`: the nearest eligible one, or undefined. */
export function chooseExpiry(chains: readonly ExpiryChain[], underlying: Underlying, b: BucketParams, now: number): ExpiryChain | undefined {
  let best: ExpiryChain | undefined;
  for (const c of chains) {
    if (c.underlying !== underlying) continue;
    if (b.expiryKind === 'monthly' && c.kind !== 'monthly') continue;
    const minutesLeft = (c.expiryTs - now) / 60_000;
    if (minutesLeft <= b.exitMinutesBeforeExpiry || minutesLeft / 1440 < b.minDaysToExpiry) continue;
    if (!best || c.expiryTs < best.expiryTs) best = c;
  }
  return best;
}

/**
 * The entry limit: `cross` half-spreads from the mid toward (and past) the touch, on the tick grid rounded the
 * aggressive way (up for a BUY, down for a SELL), never below one tick.
 */
export function entryLimit(o: PickedOption, side: Side, cross: number): number {
  const half = (o.ask - o.bid) / 2;
  const raw = side === 'BUY' ? o.mid + cross * half : o.mid - cross * half;
  const ticks = raw / TICK_SIZE;
  // The epsilon keeps a price already on the grid (floating noise like 40.050000001) from moving a tick.
  const onGrid = side === 'BUY' ? Math.ceil(ticks - 1e-6) : Math.floor(ticks + 1e-6);
  return roundToTick(Math.max(TICK_SIZE, onGrid * TICK_SIZE));
}

function leg(chain: ExpiryChain, o: PickedOption, side: Side, quantity: number, cross: number): Leg {
  return {
    instrumentKey: o.instrumentKey, underlying: chain.underlying, expiry: chain.expiry, strike: o.strike,
    right: o.right, side, quantity, limitPrice: entryLimit(o, side, cross),
  };
}

/** The event calendar acted: `EventActed` without the market time (core.ts stamps it and keeps one per day). */
export type EventAct = Omit<EventActed, 'marketTs'>;

function act(e: MarketEvent, effect: EventAct['effect'], bucket: EventAct['bucket'], underlying: Underlying, structureId?: string): EventAct {
  return {
    date: e.date, kind: e.kind, action: e.action, provisional: e.provisional, note: e.note, source: e.source, effect, bucket, underlying,
    ...(structureId !== undefined ? { structureId } : {}),
  };
}

/** A bucket and underlying that passed every gate up to sizing. */
interface Candidate {
  readonly b: BucketParams;
  readonly underlying: Underlying;
  readonly chain: ExpiryChain;
  readonly fit: ExpiryFit;
  readonly pick: StructurePick;
  readonly cost: LotCost;
  readonly spot: number;
  readonly rv: number;
  readonly ratio: number;
  readonly targetDelta: number;
  readonly atm: { strike: number; vol: number };
  readonly halve: MarketEvent | null;
}

export function planEntries(inp: EntryInputs): { drafts: Draft[]; skipped: EntrySkipped[]; acts: EventAct[] } {
  const { req, view, params } = inp;
  const drafts: Draft[] = [];
  const skipped: EntrySkipped[] = [];
  const acts: EventAct[] = [];
  const now = req.snapshot.ts;
  const clock = istTime(now);
  const quality = req.snapshot.quality.score;
  const breaches = req.risk.breaches?.length ?? 0;
  const stops = req.risk.stops;

  const globalGate: [SkipReason, string] | null =
    !req.snapshot.marketOpen ? ['MARKET_CLOSED', 'the market is closed']
    : inp.killswitch !== 'NORMAL' ? ['KILLSWITCH_NOT_NORMAL', `kill switch is ${inp.killswitch}, entries need NORMAL`]
    : breaches > 0 ? ['RISK_LIMITS', `risk report lists ${breaches} breach(es)`]
    : stops?.accountBlocked === true ? ['MTM_STOP', `account MTM stop fired today (${stopText(stops.account?.triggered)}): no entries until the next IST day`]
    : !(quality >= params.minQuality) ? ['LOW_QUALITY', `data quality ${quality.toFixed(3)} < ${params.minQuality}`]
    : null;

  const candidates: Candidate[] = [];
  const holdsNothing = new Set<string>();
  /** Structures active or pending per bucket: the open-structure cap counts them with this cycle's drafts. */
  const held = new Map<string, number>();
  for (const b of params.buckets) {
    if (b.kind === null) continue;
    const skip = (underlying: Underlying | null, reason: SkipReason, detail: string) =>
      skipped.push({ bucket: b.bucket, underlying, reason, detail });
    if (globalGate) { skip(null, ...globalGate); continue; }
    if (clock.minutes < b.entryStart || clock.minutes >= b.entryEnd) {
      skip(null, 'OUTSIDE_WINDOW', `IST minute ${Math.floor(clock.minutes)} outside [${b.entryStart}, ${b.entryEnd})`);
      continue;
    }
    if (stops?.blockedBuckets.includes(b.bucket) === true) {
      skip(null, 'MTM_STOP', `${b.bucket} bucket MTM stop fired today (${stopText(stops.buckets?.find((x) => x.scope === b.bucket)?.triggered)})`);
      continue;
    }
    const active = req.book.structures.filter((s) => s.bucket === b.bucket && ACTIVE_STATUSES.has(s.status));
    // An entry proposed within the cooldown but not yet in the book (awaiting approval or its saga) holds a slot too.
    const pendingUs = b.underlyings.filter((u) => {
      const last = inp.recent[openKey(b.bucket, u)];
      return last !== undefined && now - last < params.cooldownMs && !active.some((s) => s.underlying === u);
    });
    if (active.length === 0 && pendingUs.length === 0) holdsNothing.add(b.bucket);
    held.set(b.bucket, active.length + pendingUs.length);
    const today = req.book.structures.filter((s) => s.bucket === b.bucket && s.status !== 'failed' && istDate(s.openedAt) === clock.date).length + pendingUs.length;
    if (today >= params.maxEntriesPerDay) {
      skip(null, 'MAX_ENTRIES_DAY', `${today} entr${today === 1 ? 'y' : 'ies'} today, max ${params.maxEntriesPerDay} per bucket`);
      continue;
    }
    for (const underlying of b.underlyings) {
      const inBucket = active.length + pendingUs.length;
      if (inBucket >= params.maxOpenPerBucket) { skip(underlying, 'MAX_OPEN', `${inBucket} open, max ${params.maxOpenPerBucket}`); continue; }
      const last = inp.recent[openKey(b.bucket, underlying)];
      if (last !== undefined && now - last < params.cooldownMs) { skip(underlying, 'COOLDOWN', `proposed ${(now - last) / 1000}s ago`); continue; }
      const lastClose = lastClosed(req.book.structures, b.bucket, underlying);
      if (lastClose !== null && now - lastClose < params.reentryCooldownMs) {
        skip(underlying, 'REENTRY_COOLDOWN', `a ${b.bucket} ${underlying} structure closed ${Math.round((now - lastClose) / 60_000)} min ago; re-entry after ${params.reentryCooldownMs / 60_000} min`);
        continue;
      }
      const ev = eventEffect(params.events, now, underlying, params.eventCloseMinute);
      if (ev.block !== null) {
        skip(underlying, 'EVENT_CALENDAR', `${ev.block.action} for ${describeEvent(ev.block)}`);
        acts.push(act(ev.block, 'entries skipped', b.bucket, underlying));
        continue;
      }
      const chain = chooseExpiry(req.snapshot.expiries, underlying, b, now);
      if (!chain) { skip(underlying, 'NO_EXPIRY', `no ${b.expiryKind} expiry past the exit horizon`); continue; }
      if (chain.expiry === clock.date && clock.minutes >= params.expiryDayCutoff) {
        skip(underlying, 'LATE_ON_EXPIRY_DAY', `${chain.expiry} expires today and it is past the cutoff`);
        continue;
      }
      const fit = view.fit(underlying, chain.expiry);
      if (!fit || !(fit.t > 0) || !(fit.forward > 0)) { skip(underlying, 'NO_SURFACE', `no usable surface for ${chain.expiry}`); continue; }
      if (fit.fallback && !params.allowFallbackSurface) { skip(underlying, 'FALLBACK_SURFACE', fit.fallbackReason ?? 'fallback vols'); continue; }
      const atm = atmVol(fit);
      const rv = inp.realisedVol.get(underlying) ?? Number.NaN;
      if (!Number.isFinite(rv) || !(rv > 0)) { skip(underlying, 'RV_UNKNOWN', 'not enough spot history for realised vol'); continue; }
      const ratio = atm.vol / rv;
      if (!(ratio >= params.minIvRvRatio)) {
        skip(underlying, 'IV_BELOW_RV', `ATM IV ${atm.vol.toFixed(4)} / RV ${rv.toFixed(4)} = ${ratio.toFixed(3)} < ${params.minIvRvRatio}`);
        continue;
      }
      const targetDelta = b.kind === 'strangle' ? params.strangleShortDelta : params.shortDelta;
      const wing = { mode: params.wingMode, delta: params.wingDelta, widthPct: params.wingWidthPct };
      const pick = pickStructure(chain, fit, targetDelta, wing, params.rate);
      if (!pick) { skip(underlying, 'NO_STRIKES', `no tradable strikes near delta ${targetDelta} with wings`); continue; }
      const width = Math.max(pick.callWidth, pick.putWidth);
      if (!(pick.creditTouch > 0) || pick.creditMid / width < params.minCreditToWidth) {
        skip(underlying, 'CREDIT_TOO_SMALL', `credit ${pick.creditMid.toFixed(2)} (touch ${pick.creditTouch.toFixed(2)}) on width ${width}`);
        continue;
      }
      const spot = view.spots.get(underlying) ?? fit.forward;
      candidates.push({ b, underlying, chain, fit, pick, cost: lotCost(chain, fit, pick, spot, params.rate), spot, rv, ratio, targetDelta, atm, halve: ev.halve });
    }
  }

  // One lot kept back for each other configured bucket that holds nothing yet: the largest of its candidates (by
  // vega, the measure that binds first for sellers), so the first bucket to enter cannot crowd out the others.
  const reserveOf = (bucket: string): Consumed[] => {
    const out: Consumed[] = [];
    for (const other of new Set(candidates.map((c) => c.b.bucket))) {
      // A bucket drafted this cycle already counts in `consumed`.
      if (other === bucket || !holdsNothing.has(other) || drafts.some((d) => d.bucket === other)) continue;
      const mine = candidates.filter((c) => c.b.bucket === other);
      const big = mine.reduce((x, c) => (x === null || c.cost.vega > x.cost.vega ? c : x), null as Candidate | null);
      if (big !== null) out.push({ ...big.cost, bucket: big.b.bucket, underlying: big.underlying, expiry: big.chain.expiry });
    }
    return out;
  };

  const consumed: Consumed[] = [];
  /** The first configured bucket (candidates are in configuration order) that holds nothing and has no draft yet. */
  const firstEmpty = (): string | undefined => candidates.map((c) => c.b.bucket).find((x) => holdsNothing.has(x) && !drafts.some((d) => d.bucket === x));
  for (const c of candidates) {
    const { b, underlying, chain, fit, pick, cost, spot } = c;
    const skip = (reason: SkipReason, detail: string) => skipped.push({ bucket: b.bucket, underlying, reason, detail });
    const inBucket = (held.get(b.bucket) ?? 0) + drafts.filter((d) => d.bucket === b.bucket).length;
    if (inBucket >= params.maxOpenPerBucket) { skip('MAX_OPEN', `${inBucket} open or drafted, max ${params.maxOpenPerBucket}`); continue; }
    // Sizing: whole lots whose worst-case loss fits both the per-trade and the remaining per-bucket budget.
    const active = req.book.structures.filter((s) => s.bucket === b.bucket && ACTIVE_STATUSES.has(s.status));
    const used = active.reduce((sum, s) => sum + s.maxLoss, 0) +
      drafts.filter((d) => d.bucket === b.bucket).reduce((sum, d) => sum + Number(d.rationale['maxLossTotal'] ?? 0), 0);
    const fromRisk = req.risk.buckets?.find((x) => x.bucket === b.bucket)?.capital;
    const capital = fromRisk !== undefined && Number.isFinite(fromRisk) && fromRisk >= 0 ? fromRisk : b.capital;
    const tradeBudget = capital * params.maxRiskPerTradePct;
    const bucketLeft = capital * params.maxRiskPerBucketPct - used;
    const perLot = pick.maxLossPerUnit * chain.lotSize;
    const budget = Math.min(tradeBudget, bucketLeft);
    // The worst case includes the charges of opening and closing it (issue 14): whole lots whose max loss plus
    // round-trip charges fit the budget.
    const picked = [[pick.call.wing, 'BUY'], [pick.put.wing, 'BUY'], [pick.call.short, 'SELL'], [pick.put.short, 'SELL']] as const;
    const roundTrip = (n: number): number => roundTripCharges(chargesSchedule(params), istDate(now), picked.map(([o, side]) => ({
      side, price: entryLimit(o, side, params.entryCross), quantity: n * chain.lotSize,
    })), chain.freezeQty);
    let budgetLots = Math.min(params.maxLots, Math.floor(budget / perLot));
    while (budgetLots >= 1 && budgetLots * perLot + roundTrip(budgetLots) > budget) budgetLots--;
    if (!(budgetLots >= 1)) {
      skip('RISK_BUDGET', `one lot risks ₹${perLot.toFixed(0)} plus ₹${roundTrip(1).toFixed(0)} of round-trip charges; budget ₹${budget.toFixed(0)}`);
      continue;
    }
    // An entry still opening is not in the risk report's limits yet (its legs are orders, not positions), so the
    // headroom read from the report would be counted twice: the second condor of a morning was sized as if the
    // first did not exist and the book breached the hard vega limit once both filled. Wait for it to settle.
    const opening = req.book.structures.filter((s) => s.status === 'opening');
    if (opening.length > 0) {
      skip('RISK_HEADROOM', `${opening.map((s) => s.id).join(', ')} still opening: risk's headroom does not hold it yet`);
      continue;
    }
    // The risk actor's limits (to their soft level) and its bucket charge cap the lots too (sizing.ts).
    let reserved = reserveOf(b.bucket);
    const target = { bucket: b.bucket, underlying, expiry: chain.expiry };
    const room = headroomLots(req.risk, target, cost, [...consumed, ...reserved]);
    let lots = Math.min(budgetLots, room.lots);
    if (!(lots >= 1) && reserved.length > 0 && b.bucket === firstEmpty() && headroomLots(req.risk, target, cost, consumed).lots >= 1) {
      // The room cannot hold one lot for every bucket still empty, so the reservations cannot all be honoured: kept
      // anyway, every bucket would keep room for the others and none would ever enter (seen on paper: "one lot kept
      // for monthly BANKNIFTY, intraday NIFTY" on every bucket, all day). The first empty bucket in configuration
      // order enters with one lot; the others then size on what is left.
      lots = 1;
      reserved = [];
    }
    if (!(lots >= 1)) {
      const kept = reserved.length > 0 ? `; one lot kept for ${reserved.map((r) => `${r.bucket} ${r.underlying}`).join(', ')}` : '';
      skip('RISK_HEADROOM', `${room.detail}${kept} (the risk actor would deny it)`);
      continue;
    }
    if (c.halve !== null) {
      lots = Math.floor(lots / 2);
      acts.push(act(c.halve, lots >= 1 ? 'size halved' : 'entries skipped', b.bucket, underlying));
      if (lots < 1) {
        skip('EVENT_CALENDAR', `halve_size for ${describeEvent(c.halve)}: half of one lot is none`);
        continue;
      }
    }
    consumed.push({
      bucket: b.bucket, underlying, expiry: chain.expiry, maxLoss: cost.maxLoss * lots, margin: cost.margin * lots, charge: cost.charge * lots,
      gamma: cost.gamma * lots, vega: cost.vega * lots, theta: cost.theta * lots,
    });
    const quantity = lots * chain.lotSize;
    drafts.push({
      action: 'open', kind: b.kind ?? 'iron_condor', bucket: b.bucket, underlying, expiry: chain.expiry,
      // Hedges first: the executor sends BUY legs before SELL legs, and the order here says the same.
      legs: [
        leg(chain, pick.call.wing, 'BUY', quantity, params.entryCross), leg(chain, pick.put.wing, 'BUY', quantity, params.entryCross),
        leg(chain, pick.call.short, 'SELL', quantity, params.entryCross), leg(chain, pick.put.short, 'SELL', quantity, params.entryCross),
      ],
      reason: `${b.kind} entry: IV/RV ${c.ratio.toFixed(2)}, shorts at Δ ${pick.call.short.delta.toFixed(3)}/${pick.put.short.delta.toFixed(3)}, ${lots} lot(s)${c.halve !== null ? ` (halved: ${c.halve.kind} ${c.halve.date})` : ''}`,
      riskIncreasing: true,
      rationale: {
        spot, forward: fit.forward, t: fit.t, minutesToExpiry: (chain.expiryTs - now) / 60_000, fallbackSurface: fit.fallback,
        quality, atmStrike: c.atm.strike, atmIv: c.atm.vol, realisedVol: c.rv, ivRvRatio: c.ratio, targetShortDelta: c.targetDelta,
        shortCallStrike: pick.call.short.strike, shortCallDelta: pick.call.short.delta, shortCallIv: pick.call.short.vol,
        shortPutStrike: pick.put.short.strike, shortPutDelta: pick.put.short.delta, shortPutIv: pick.put.short.vol,
        wingCallStrike: pick.call.wing.strike, wingCallDelta: pick.call.wing.delta,
        wingPutStrike: pick.put.wing.strike, wingPutDelta: pick.put.wing.delta, wingMode: params.wingMode,
        creditMid: pick.creditMid, creditTouch: pick.creditTouch, entryCross: params.entryCross, callWidth: pick.callWidth, putWidth: pick.putWidth,
        maxLossPerUnit: pick.maxLossPerUnit, lotSize: chain.lotSize, lots, quantity, maxLossTotal: perLot * lots, roundTripCharges: roundTrip(lots),
        bucketCapital: capital, tradeBudget, bucketBudgetLeft: bucketLeft, budgetLots, headroomLots: room.lots,
        sizingBinding: lots < budgetLots ? room.binding ?? 'risk' : 'budget', marginPerLot: cost.margin,
        gammaPerLot: cost.gamma, vegaPerLot: cost.vega, thetaPerLot: cost.theta,
        reservedForBuckets: reserved.map((r) => r.bucket).join(','), eventHalved: c.halve !== null,
      },
    });
  }
  return { drafts, skipped, acts };
}

/** When a bucket's structure on `underlying` last closed (failed entries do not count), or null. */
function lastClosed(structures: readonly Structure[], bucket: string, underlying: Underlying): number | null {
  let last: number | null = null;
  for (const s of structures) {
    if (s.bucket === bucket && s.underlying === underlying && s.status === 'closed' && s.closedAt !== undefined) last = Math.max(last ?? -Infinity, s.closedAt);
  }
  return last;
}

function stopText(t: { readonly kind: string; readonly pnl: number; readonly level: number } | null | undefined): string {
  return t ? `${t.kind} at ₹${t.pnl.toFixed(0)}, level ₹${t.level.toFixed(0)}` : 'fired';
}
