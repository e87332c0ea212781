/**
 * @module Exit and adjustment decisions for open structures. Pure. One decision per structure per cycle, in order
 * of urgency: time exit → portfolio MTM stop (account or bucket) → event calendar close_before → short-strike breach
 * → reducing action for a risk-limit breach (reduce.ts) → stop loss → profit target → roll of the untested side.
 *
 * Marks are per unit set: debit to close = Σ short mids − Σ wing mids (the worst case, at the touch, is journaled
 * too). P&L = entry credit − debit. The stop fires at loss ≥ STOP_LOSS_MULT × credit, the target at P&L net of the
 * charges to close (each leg, or freeze slice, one order at its mid: domain/charges.ts) ≥ PROFIT_TARGET_PCT × credit
 * (issue 14: on a 1-lot condor the charges are ~7 % of a 50 % target). Urgent exits (time, breach, stop) are priced
 * at the touch so they fill; the target at mid. The rationale carries the structure's P&L net of every charge: the
 * ones booked on it so far and the ones to close it.
 */
import type { Book } from '../domain/book.ts';
import type { Leg } from '../domain/leg.ts';
import type { Right } from '../domain/right.ts';
import type { Structure } from '../domain/structure.ts';
import { roundToTick } from '../domain/units.ts';
import type { ProposeRequest } from './messages.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { StrategyParams } from './params.ts';
import type { Draft, EventAct } from './entries.ts';
import { describeEvent, eventEffect } from './events.ts';
import { chooseReduction, closeSideLegs, type Reduction } from './reduce.ts';
import { isTradable, mid, volAt, type MarketView, type Quote, type QuoteLookup } from './market.ts';
import { optionDelta } from './pricing.ts';
import { pickSide, type PickedOption } from './select.ts';
import { istTime } from './session.ts';
import { istDate, sessionCloseMs } from '../domain/calendar.ts';
import { chargesToClose, profitTargetNetOfCharges, type ChargesBreakdown, type ChargesSchedule, type ClosingLeg } from '../domain/charges.ts';
import { chargesSchedule, rollExceedsHeadroom } from './sizing.ts';
import type { Side } from '../domain/side.ts';

export const exitKey = (structureId: string): string => `exit:${structureId}`;

export interface ExitInputs {
  readonly req: ProposeRequest;
  readonly view: MarketView;
  readonly params: StrategyParams;
  readonly killswitch: TradingState;
  readonly recent: Readonly<Record<string, number>>;
}

interface Marks {
  readonly debitMid: number;
  readonly debitTouch: number;
  readonly quotes: QuoteLookup;
  /** Units in one set (the smallest leg's quantity): P&L in ₹ = per-unit P&L × this. */
  readonly unit: number;
}

/**
 * What closing `s` at its mids would cost on IST `date`: each leg one order (closing side), split into freeze-limit
 * slices when it is larger (each slice an order, as the executor sends it).
 */
export function closeCharges(s: Structure, quotes: QuoteLookup, freezeQty: number | undefined, schedule: ChargesSchedule, date: string): ChargesBreakdown {
  const legs: ClosingLeg[] = s.legs.map((l) => {
    const q = quotes.get(l.instrumentKey);
    const price = q === undefined ? 0 : mid(q);
    const slices: number[] = [];
    if (freezeQty !== undefined && freezeQty > 0 && l.quantity > freezeQty) {
      for (let left = l.quantity; left > 0; left -= freezeQty) slices.push(Math.min(freezeQty, left));
    }
    return { side: l.side === 'SELL' ? 'BUY' : 'SELL', price, quantity: l.quantity, ...(slices.length > 0 ? { slices } : {}) };
  });
  return chargesToClose(schedule, date, legs);
}

/** Debit to close one unit set, or null when any leg lacks a tradable quote. */
function markStructure(s: Structure, view: MarketView): Marks | null {
  const unit = Math.min(...s.legs.map((l) => l.quantity));
  if (!(unit > 0)) return null;
  let debitMid = 0;
  let debitTouch = 0;
  const quotes = new Map<string, Quote>();
  for (const l of s.legs) {
    const q = view.quotes.get(l.instrumentKey);
    if (!q || !isTradable(q)) return null;
    quotes.set(l.instrumentKey, q);
    const w = l.quantity / unit;
    // Closing a short costs (buy at ask in the worst case); closing a long pays (sell at bid in the worst case).
    if (l.side === 'SELL') { debitMid += w * mid(q); debitTouch += w * q.ask; }
    else { debitMid -= w * mid(q); debitTouch -= w * q.bid; }
  }
  return { debitMid, debitTouch, quotes, unit };
}

/** Signed units the book holds per instrument (positive long). */
export type Holdings = ReadonlyMap<string, number>;

export function holdingsOf(positions: readonly { readonly instrumentKey: string; readonly quantity: number }[]): Holdings {
  const out = new Map<string, number>();
  for (const p of positions) out.set(p.instrumentKey, (out.get(p.instrumentKey) ?? 0) + p.quantity);
  return out;
}

/** A position as the book lists it (actors/domain/position.ts): what a close can always fall back on. */
type HeldPosition = Book['positions'][number];

/**
 * A closing leg for each leg the structure lists, for no more than the book still holds in that direction, plus one
 * for every position the book attributes to the structure that its legs do not list. A roll that ended compensated
 * leaves the structure's legs as they were while the positions moved: a close naming a leg the book no longer holds
 * was refused whole by the executor (CLOSE_EXCEEDS_POSITION) every cycle, and a wing bought by the roll and not sold
 * back stayed held after the close (both seen in the MTM-stop paper test). Legs the book holds none of are left out.
 */
function closingLegs(s: Structure, quotes: QuoteLookup | null, atTouch: boolean, held: Holdings, positions: readonly HeldPosition[]): Leg[] {
  const legs: Leg[] = [];
  const priced = (leg: Leg): Leg => {
    const q = quotes?.get(leg.instrumentKey);
    if (!q) return leg;
    const price = atTouch ? (leg.side === 'BUY' ? q.ask : q.bid) : mid(q);
    return { ...leg, limitPrice: roundToTick(price) };
  };
  for (const l of s.legs) {
    const side = l.side === 'SELL' ? 'BUY' : 'SELL';
    const h = held.get(l.instrumentKey) ?? 0;
    const quantity = Math.min(l.quantity, Math.max(0, side === 'BUY' ? -h : h));
    if (quantity <= 0) continue;
    const { limitPrice: _old, ...rest } = l;
    legs.push(priced({ ...rest, side, quantity }));
  }
  const listed = new Set(s.legs.map((l) => l.instrumentKey));
  for (const p of positions) {
    if (p.structureId !== s.id || p.quantity === 0 || listed.has(p.instrumentKey)) continue;
    legs.push(priced({
      instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right,
      side: p.quantity > 0 ? 'SELL' : 'BUY', quantity: Math.abs(p.quantity),
    }));
  }
  // Buy back the shorts before selling the wings: never hold a naked short in between.
  return [...legs.filter((l) => l.side === 'BUY'), ...legs.filter((l) => l.side === 'SELL')];
}

function findLeg(s: Structure, right: Right, side: Side): Leg | undefined {
  return s.legs.find((l) => l.right === right && l.side === side);
}

/** Roll the untested side in toward the money when exactly one short is tested (|Δ| ≥ TESTED_DELTA). */
function planRoll(s: Structure, inp: ExitInputs, marks: Marks, base: Record<string, number | string | boolean>): Draft | null {
  const { view, params } = inp;
  // Under any risk breach (soft or hard) nothing that sells options is proposed, as for entries.
  if (!params.rollEnabled || inp.killswitch !== 'NORMAL' || s.kind === 'adopted' || s.legs.length !== 4) return null;
  if ((inp.req.risk.breaches?.length ?? 0) > 0) return null;
  const chain = view.chain(s.underlying, s.expiry);
  const fit = view.fit(s.underlying, s.expiry);
  const sc = findLeg(s, 'CE', 'SELL'); const wc = findLeg(s, 'CE', 'BUY');
  const sp = findLeg(s, 'PE', 'SELL'); const wp = findLeg(s, 'PE', 'BUY');
  if (!chain || !fit || !sc || !wc || !sp || !wp || !(fit.t > 0)) return null;
  const callDelta = optionDelta('CE', fit.forward, sc.strike, fit.t, params.rate, volAt(fit, sc.strike));
  const putDelta = optionDelta('PE', fit.forward, sp.strike, fit.t, params.rate, volAt(fit, sp.strike));
  const callTested = callDelta >= params.testedDelta;
  const putTested = -putDelta >= params.testedDelta;
  if (callTested === putTested) return null;
  const untested: Right = callTested ? 'PE' : 'CE';
  const [oldShort, oldWing] = untested === 'CE' ? [sc, wc] : [sp, wp];
  const target = s.kind === 'strangle' ? params.strangleShortDelta : params.shortDelta;
  const side = pickSide(chain, fit, untested, target, { mode: params.wingMode, delta: params.wingDelta, widthPct: params.wingWidthPct }, params.rate);
  if (!side) return null;
  // Only toward the money, and never past the tested short (the condor must not invert).
  const moves = untested === 'CE' ? side.short.strike < oldShort.strike && side.short.strike > sp.strike
    : side.short.strike > oldShort.strike && side.short.strike < sc.strike;
  if (!moves) return null;
  const qOldShort = marks.quotes.get(oldShort.instrumentKey);
  const qOldWing = marks.quotes.get(oldWing.instrumentKey);
  if (!qOldShort || !qOldWing) return null;
  const q = oldShort.quantity;
  const open = (o: PickedOption, legSide: Side): Leg => ({
    instrumentKey: o.instrumentKey, underlying: s.underlying, expiry: s.expiry, strike: o.strike, right: o.right,
    side: legSide, quantity: q, limitPrice: roundToTick(o.mid),
  });
  const legs: Leg[] = [
    { ...oldShort, side: 'BUY', limitPrice: roundToTick(mid(qOldShort)) }, open(side.wing, 'BUY'),
    { ...oldWing, side: 'SELL', limitPrice: roundToTick(mid(qOldWing)) }, open(side.short, 'SELL'),
  ];
  // A roll sells new options: like an entry it must fit the risk actor's soft limits — at the end and in between
  // (the BUY legs go first) — or it is not proposed (the stop, breach and time exits still manage the structure).
  const spot = view.spots.get(s.underlying) ?? fit.forward;
  if (rollExceedsHeadroom(inp.req.risk, legs, fit, spot, params.rate, (k) => volAt(fit, k)) !== null) return null;
  const rollCredit = side.short.mid - side.wing.mid - (mid(qOldShort) - mid(qOldWing));
  const newWidth = untested === 'CE' ? side.wing.strike - side.short.strike : side.short.strike - side.wing.strike;
  const otherWidth = untested === 'CE' ? sp.strike - wp.strike : wc.strike - sc.strike;
  return {
    action: 'adjust', kind: s.kind, bucket: s.bucket, underlying: s.underlying, expiry: s.expiry, structureId: s.id,
    legs,
    reason: `roll untested ${untested} side: ${oldShort.strike} → ${side.short.strike} (tested Δ ${(callTested ? callDelta : putDelta).toFixed(3)})`,
    // It sells new options, so it is gated like an entry.
    riskIncreasing: true,
    rationale: {
      ...base, testedRight: callTested ? 'CE' : 'PE', shortCallDelta: callDelta, shortPutDelta: putDelta,
      testedDeltaThreshold: params.testedDelta, untestedRight: untested, oldShortStrike: oldShort.strike,
      oldWingStrike: oldWing.strike, newShortStrike: side.short.strike, newShortDelta: side.short.delta,
      newShortIv: side.short.vol, newWingStrike: side.wing.strike, newWingDelta: side.wing.delta,
      rollCreditMid: rollCredit, maxLossPerUnitAfter: Math.max(newWidth, otherWidth) - (s.entryCredit + rollCredit),
    },
  };
}

/** The reducing proposal for a breach (reduce.ts): close the chosen side as an `adjust` that keeps the structure open. */
function reductionDraft(r: Reduction, view: MarketView, base: Record<string, number | string | boolean>, held: Holdings): Draft | null {
  const s = r.structure;
  const b = r.breach;
  const where = [b.underlying, b.expiry].filter((x) => x !== undefined).join(' ');
  const label = `${b.level} ${b.limit}${where === '' ? '' : ` ${where}`}`;
  const numbers = `${Math.abs(b.signed ?? b.value).toFixed(0)} > ${b.threshold.toFixed(0)}`;
  const rationale = {
    ...base, exit: 'risk_reduce', breachLimit: b.limit, breachLevel: b.level, breachScope: b.scope ?? 'total',
    breachValue: b.value, breachThreshold: b.threshold, breachSigned: b.signed ?? NaN, reductionScore: r.score,
  };
  if (r.side === null) return null;
  const side = r.side;
  const legs = closeSideLegs(side, view.quotes, held);
  const wing = side.legs.find((l) => l.side === 'BUY');
  return {
    action: 'adjust', kind: s.kind, bucket: s.bucket, underlying: s.underlying, expiry: s.expiry, structureId: s.id, legs,
    reason: `reduce ${label} breach (${numbers}): close the tested ${side.right} side ${side.shortStrike}${wing ? `/${wing.strike}` : ''}`,
    riskIncreasing: false,
    rationale: {
      ...rationale, closedRight: side.right, closedShortStrike: side.shortStrike, closedShortAbsDelta: side.shortAbsDelta,
      sideDelta1pct: side.delta1pct, sideGamma1pct: side.gamma1pct, sideVega: side.vega, sideTheta: side.theta,
    },
  };
}

export function planExits(inp: ExitInputs): { drafts: Draft[]; acts: EventAct[] } {
  const { req, view, params } = inp;
  const acts: EventAct[] = [];
  if (inp.killswitch === 'EMERGENCY' || inp.killswitch === 'SHUTDOWN' || !req.snapshot.marketOpen) return { drafts: [], acts };
  const now = req.snapshot.ts;
  const clock = istTime(now);
  const drafts: Draft[] = [];
  const cooling = (s: Structure): boolean => {
    const last = inp.recent[exitKey(s.id)];
    return last !== undefined && now - last < params.cooldownMs;
  };
  // One reducing action per cycle for the worst reducible breach; the next cycle sees its effect (or its cooldown).
  // None while an entry is opening: the breach was measured on a book holding part of it (its wings and one short,
  // say, which can lose more than the whole condor), and the kill switch already holds new risk back. The entry
  // completes or is compensated within its fill timeout, and the settled book decides. Seen on paper with the default
  // configuration: the weekly entry half filled put the book 0.7 % over its soft stress level, and the intraday
  // strangle opened a minute before lost its call side for it.
  const settled = !req.book.structures.some((s) => s.status === 'opening');
  const reduction = !settled ? null : chooseReduction(req.risk.breaches ?? [], req.book.structures, view, params.rate,
    (s) => s.status === 'open' && s.kind !== 'adopted' && s.legs.length > 0 && !cooling(s), req.risk.levels?.betas ?? {});
  const stops = req.risk.stops;
  const held = holdingsOf(req.book.positions);
  for (const s of req.book.structures) {
    if (s.status !== 'open' || s.legs.length === 0) continue;
    if (cooling(s)) continue;
    const bucket = params.buckets.find((b) => b.bucket === s.bucket);
    // The chain's expiry instant, else the dated session close of the expiry date (15:40 IST from 3 Aug 2026).
    const expiryTs = view.chain(s.underlying, s.expiry)?.expiryTs ?? sessionCloseMs(s.expiry);
    // Past its expiry's close a contract no longer trades: what is still held settles at the final settlement price
    // (the executor books it). An order for it could never fill, and proposing one every cooldown floods the venue.
    if (now >= expiryTs) continue;
    const minutesToExpiry = (expiryTs - now) / 60_000;
    const spot = view.spots.get(s.underlying) ?? Number.NaN;
    const marks = markStructure(s, view);
    const pnl = marks ? s.entryCredit - marks.debitMid : Number.NaN;
    const toClose = marks ? closeCharges(s, marks.quotes, view.chain(s.underlying, s.expiry)?.freezeQty, chargesSchedule(params), istDate(now)) : undefined;
    const booked = s.charges ?? 0;
    const base: Record<string, number | string | boolean> = {
      spot, minutesToExpiry, istMinute: clock.minutes, entryCredit: s.entryCredit,
      debitMid: marks?.debitMid ?? Number.NaN, debitTouch: marks?.debitTouch ?? Number.NaN, pnlPerUnit: pnl,
      capturedPct: s.entryCredit > 0 ? pnl / s.entryCredit : Number.NaN,
      profitTargetPct: params.profitTargetPct, stopLossMult: params.stopLossMult,
      chargesBooked: booked, chargesToClose: toClose?.total ?? Number.NaN,
      // ₹: (credit − debit) × units less every charge, booked and to close.
      netPnl: marks && toClose ? pnl * marks.unit - booked - toClose.total : Number.NaN,
    };
    const close = (why: string, reason: string, atTouch: boolean, extra: Record<string, number | string | boolean> = {}): Draft => ({
      action: 'close', kind: s.kind, bucket: s.bucket, underlying: s.underlying, expiry: s.expiry, structureId: s.id,
      legs: closingLegs(s, marks?.quotes ?? null, atTouch, held, req.book.positions), reason, riskIncreasing: false,
      rationale: { ...base, exit: why, ...extra },
    });
    // Nothing held (closed outside VolGuard, reconciliation catching up): nothing to propose for it.
    const push = (d: Draft): void => {
      if (d.legs.length > 0) drafts.push(d);
    };

    const timeByExpiry = minutesToExpiry <= (bucket?.exitMinutesBeforeExpiry ?? 0);
    const timeByClock = bucket?.exitAtMinute != null && clock.minutes >= bucket.exitAtMinute;
    if (timeByExpiry || timeByClock) {
      push(close('time', timeByClock ? `intraday time exit at IST minute ${Math.floor(clock.minutes)}`
        : `time exit: ${minutesToExpiry.toFixed(0)} min to expiry`, true, { exitMinutesBeforeExpiry: bucket?.exitMinutesBeforeExpiry ?? 0 }));
      continue;
    }
    if (s.kind !== 'adopted' && stops !== undefined && (stops.accountBlocked || stops.blockedBuckets.includes(s.bucket))) {
      const scope = stops.accountBlocked ? 'account' : s.bucket;
      const t = stops.accountBlocked ? stops.account?.triggered : stops.buckets?.find((x) => x.scope === s.bucket)?.triggered;
      const numbers = t ? `${t.kind}: day P&L ₹${t.pnl.toFixed(0)} at level ₹${t.level.toFixed(0)}` : 'fired';
      push(close('mtm_stop', `${scope} MTM ${numbers}: close`, true, { stopScope: scope, stopKind: t?.kind ?? '', stopPnl: t?.pnl ?? NaN, stopLevel: t?.level ?? NaN }));
      continue;
    }
    const ev = eventEffect(params.events, now, s.underlying, params.eventCloseMinute).close;
    if (ev !== null && s.kind !== 'adopted' && s.expiry >= ev.date) {
      push(close('event', `event calendar close_before: ${describeEvent(ev)}`, true, { eventDate: ev.date, eventKind: ev.kind, eventProvisional: ev.provisional }));
      acts.push({
        date: ev.date, kind: ev.kind, action: ev.action, provisional: ev.provisional, note: ev.note, source: ev.source,
        effect: 'close proposed', bucket: s.bucket, underlying: s.underlying, structureId: s.id,
      });
      continue;
    }
    const shortCall = findLeg(s, 'CE', 'SELL');
    const shortPut = findLeg(s, 'PE', 'SELL');
    const breached = shortCall && spot > shortCall.strike ? shortCall : shortPut && spot < shortPut.strike ? shortPut : undefined;
    if (breached) {
      push(close('breach', `spot ${spot} beyond short ${breached.right} ${breached.strike}`, true, { breachedStrike: breached.strike, breachedRight: breached.right }));
      continue;
    }
    if (reduction !== null && reduction.structure.id === s.id) {
      const d = reductionDraft(reduction, view, base, held);
      const b = reduction.breach;
      push(d ?? close('risk_reduce', `reduce ${b.level} ${b.limit} breach (${b.value.toFixed(0)} > ${b.threshold.toFixed(0)}): close the structure`, true,
        { breachLimit: b.limit, breachLevel: b.level, breachValue: b.value, breachThreshold: b.threshold }));
      continue;
    }
    if (!marks || !(s.entryCredit > 0)) continue;
    if (-pnl >= params.stopLossMult * s.entryCredit) {
      push(close('stop', `stop loss: loss ${(-pnl).toFixed(2)} ≥ ${params.stopLossMult} × credit ${s.entryCredit.toFixed(2)}`, true));
      continue;
    }
    const target = profitTargetNetOfCharges({
      creditPerUnit: s.entryCredit, debitPerUnit: marks.debitMid, units: marks.unit, targetFraction: params.profitTargetPct, closeCharges: toClose!,
    });
    if (target.reached) {
      push(close('profit', `profit target: captured ₹${target.netPnl.toFixed(2)} net of ₹${toClose!.total.toFixed(2)} to close, of credit ${s.entryCredit.toFixed(2)} × ${marks.unit}`, false, { targetNetPnl: target.netPnl, target: target.target }));
      continue;
    }
    const roll = planRoll(s, inp, marks, base);
    if (roll) drafts.push(roll);
  }
  return { drafts, acts };
}
