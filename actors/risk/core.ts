/**
 * @module The risk actor's pure core: assess the book on our surface, judge proposed legs before they are sent,
 * keep the capital buckets. No clock, no I/O: `now` comes in with every call.
 *
 * Invariants
 * - Every number in a report is computed from one (snapshot, surface, book) triple; pre-trade reuses the last one.
 * - Legs allowed by pre-trade are reserved (count against limits and buckets) until the next assessment replaces the
 *   book, so two proposals in one cycle cannot each use the same headroom. The assessment reserves in turn what the
 *   proposals sagas are working have still to fill (Book.working): an order in flight is counted once, by someone.
 * - Anything the core cannot value or cannot trust answers "no" (STALE_SURFACE), never "yes".
 */
import { istDate } from '../domain/calendar.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Book, WorkingProposal } from '../domain/book.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { Leg } from '../domain/leg.ts';
import type { Position } from '../domain/position.ts';
import type { TradingState } from '../domain/trading-state.ts';
import { estimateMargin, worstExpiryLoss, type MarginLeg, type Spots } from '../domain/margin.ts';
import type {
  AssessRequest, Breach, BucketUse, CapitalAdjusted, AdjustCapital, DenyReason, Greeks, LegValuation, LimitName, MarkSource,
  PreTradeDecision, PreTradeRequest, RiskApiView, RiskReport, StopView, StructureRisk,
} from './messages.ts';
import { BUCKETS } from '../domain/bucket.ts';
import { exposure, findBreaches, limitKey, limitLabel, measureLimits } from './limits.ts';
import { isOlder, type OlderInput } from '../domain/market-time.ts';
import type { RiskSettings } from './settings.ts';
import { stepStops, type StopsState } from './stops.ts';
import { runStress } from './stress.ts';
import { realisedOfBook, stepDay, type DayEffects, type DayState } from './day.ts';
import {
  addGreeks, buildMarket, markOf, priceLeg, spotOf, ZERO_GREEKS,
  type BookLeg, type MarketView, type PricedLeg,
} from './valuation.ts';

interface Reservation {
  /** Which order group holds it: a re-check of the same group replaces it instead of stacking (reservationKey). */
  readonly key: string;
  readonly bucket: Bucket;
  readonly legs: readonly PricedLeg[];
  readonly marginLegs: readonly MarginLeg[];
  readonly capitalAtRisk: number;
  readonly charge: number;
}

interface LastAssessment {
  readonly market: MarketView;
  readonly book: Book;
  readonly priced: readonly PricedLeg[];
  readonly report: RiskReport;
}

export interface RiskState {
  readonly settings: RiskSettings;
  /** Bucket fractions of BASE_CAPITAL (runtime-adjustable). */
  readonly fractions: Readonly<Record<Bucket, number>>;
  /** Last kill-switch state seen; unknown counts as not NORMAL (fail closed). */
  readonly killswitch: TradingState | 'UNKNOWN';
  readonly last: LastAssessment | null;
  readonly reserved: readonly Reservation[];
  /** The trading day (day.ts): its journaled start, running figures and identity ledger; restored at start. */
  readonly day: DayState | null;
  /** Portfolio stops of the IST day (stops.ts); restored from the journal at start. */
  readonly stops: StopsState | null;
}

export function initialRiskState(settings: RiskSettings): RiskState {
  return { settings, fractions: { ...settings.buckets }, killswitch: 'UNKNOWN', last: null, reserved: [], day: null, stops: null };
}

/** What an assessment asks the shell to record besides the report. */
export interface AssessEffects {
  /** Portfolio stops that fired this cycle (journal `risk.stopTriggered`). */
  readonly stopsFired: readonly StopView[];
  /** Write the stops state to the journal's kv (a new day, a trigger, a lock that moved). */
  readonly persistStops: StopsState | null;
  /**
   * The breached limits are not those of the last assessment (one breached, changed level or cleared; after a restart,
   * any): journal `risk.breaches`. A breach that lasts is on record once, not once a cycle.
   */
  readonly breachesChanged: boolean;
}

/** What a breach is across cycles: its limit, where and how far (its value moves every cycle). */
function breachIdentity(b: Breach): string {
  return `${b.limit}|${b.scope}|${b.underlying ?? ''}|${b.expiry ?? ''}|${b.level}|${b.catastrophic ? 'catastrophic' : ''}`;
}

function breachesChanged(before: readonly Breach[] | undefined, now: readonly Breach[]): boolean {
  if (before === undefined) return now.length > 0;
  const was = new Set(before.map(breachIdentity));
  return was.size !== now.length || now.some((b) => !was.has(breachIdentity(b)));
}

export function onKillswitchChanged(state: RiskState, ks: TradingState): RiskState {
  return { ...state, killswitch: ks };
}

// ---------------------------------------------------------------------------------------------------------------
// Assessment

export function assess(state: RiskState, req: AssessRequest): { state: RiskState; report: RiskReport; effects: AssessEffects; money: DayEffects } {
  const s = state.settings;
  const market = buildMarket(req.snapshot, req.surface, s.market);
  const spots = spotsFor(market);
  const open = req.book.positions.filter((p) => p.quantity !== 0);

  const priced: PricedLeg[] = [];
  const legs: LegValuation[] = [];
  const unvalued: string[] = [];
  const marks: Record<MarkSource, number> = { mid: 0, model: 0, ltp: 0, entry: 0 };
  let unrealised = 0;
  const markOfKey: Record<string, number> = {};
  const byStructure = new Map<string, { greeks: Greeks; unrealised: number }>();
  for (const p of open) {
    const leg = bookLegOf(p);
    const pl = priceLeg(leg, market);
    if (pl) priced.push(pl);
    else unvalued.push(p.instrumentKey);
    const { mark, source } = markOf(market.quotes.get(p.instrumentKey), pl ? pl.modelPrice : null, p.averagePrice);
    marks[source] += 1;
    markOfKey[p.instrumentKey] = mark;
    const u = (mark - p.averagePrice) * p.quantity;
    unrealised += u;
    const greeks = pl ? pl.greeks : ZERO_GREEKS;
    legs.push({
      instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right,
      quantity: p.quantity, vol: pl ? pl.vol : NaN, fallbackIv: pl ? pl.fallbackIv : false,
      modelPrice: pl ? pl.modelPrice : NaN, mark, markSource: source, unrealised: u, greeks,
    });
    if (p.structureId !== null) {
      const acc = byStructure.get(p.structureId) ?? { greeks: ZERO_GREEKS, unrealised: 0 };
      byStructure.set(p.structureId, { greeks: addGreeks(acc.greeks, greeks), unrealised: acc.unrealised + u });
    }
  }

  const exp = exposure(priced, market, s);
  const stress = runStress(priced, { betas: s.betas, expiryDayMove: s.expiryDayMove, dayT: 1 / market.clock.unitsPerYear });

  // Structures: each charges its bucket max(max loss, margin); undefined risk charges (and risks) its margin.
  const structures: StructureRisk[] = [];
  for (const st of req.book.structures) {
    if (st.status === 'closed' || st.status === 'failed') continue;
    const margin = estimateMargin(st.legs, spots, s.margin).required;
    const maxLoss = Number.isFinite(st.maxLoss) && st.maxLoss >= 0 ? st.maxLoss : Infinity;
    const agg = byStructure.get(st.id) ?? { greeks: ZERO_GREEKS, unrealised: 0 };
    structures.push({ id: st.id, bucket: st.bucket, greeks: agg.greeks, unrealised: agg.unrealised, maxLoss, margin, charge: chargeOf(maxLoss, margin) });
  }
  const known = new Set(structures.map((x) => x.id));
  const orphanLegs = open.filter((p) => p.structureId === null || !known.has(p.structureId)).map(marginLegOf);
  const orphanRisk = orphanLegs.length === 0 ? 0 : groupRisk(orphanLegs, spots, s);

  const dayStep = stepDay(state.day, {
    now: market.now, capital: s.baseCapital, kind: req.book.shadow ? 'shadow' : 'book', realised: realisedOfBook(req.book), unrealised, marks: markOfKey,
  }, { closeDelayMs: s.dayCloseDelayMs });
  const day = dayStep.state;
  const dayPnl = dayStep.pnl;

  const marginAll = estimateMargin(open.map(marginLegOf), spots, s.margin);
  const capitalAtRisk = structures.reduce((a, x) => a + (Number.isFinite(x.maxLoss) ? x.maxLoss : x.margin), 0) + orphanRisk;
  const buckets = bucketUse(state.fractions, s.baseCapital, structures, []);

  // The day P&L (day.ts) is already net of charges (equity moves with the book's realised.net): none to take off again.
  const date = istDate(market.now);
  const charges = 0;
  const stops = stepStops(state.stops, {
    date, now: market.now, accountGross: dayPnl, charges, baseCapital: s.baseCapital,
    bucketCapital: { weekly: state.fractions.weekly * s.baseCapital, monthly: state.fractions.monthly * s.baseCapital, intraday: state.fractions.intraday * s.baseCapital },
    open: req.book.structures.filter((x) => x.status === 'open' || x.status === 'opening' || x.status === 'closing')
      .map((x) => ({ id: x.id, bucket: x.bucket, unrealised: byStructure.get(x.id)?.unrealised ?? 0, charges: x.charges ?? 0 })),
    closedCharges: Object.fromEntries(req.book.structures.filter((x) => x.status === 'closed' || x.status === 'failed').map((x) => [x.id, x.charges ?? 0])),
  }, s.stops);

  const limits = measureLimits(s, {
    exposure: exp, dayLoss: Math.max(0, -dayPnl), stressLoss: stress.loss, capitalAtRisk, margin: marginAll.required,
  });
  const breaches = findBreaches(s, limits);

  const report: RiskReport = {
    cycleId: req.cycleId,
    ts: market.now,
    total: exp.total,
    byUnderlying: exp.byUnderlying,
    structures,
    legs,
    pnl: { day: dayPnl, realised: dayStep.realisedToday, unrealised, marks },
    limits,
    breaches,
    stress,
    levels: { softRatio: s.softRatio, betas: s.betas, ...s.limits },
    stops: stops.view,
    buckets,
    capitalAtRisk: { total: capitalAtRisk, limit: s.maxCapitalAtRiskPct * s.baseCapital, utilisation: ratio(capitalAtRisk, s.maxCapitalAtRiskPct * s.baseCapital) },
    margin: { required: marginAll.required, hedgeBenefit: marginAll.hedgeBenefit, limit: s.maxMarginPct * s.baseCapital },
    fallbackLegs: priced.filter((p) => p.fallbackIv).length,
    unvalued,
  };
  // What the working proposals have still to fill is on its way into the book: reserved against every other check
  // until the next assessment (a re-check of one replaces its own).
  const next: RiskState = { ...state, day, reserved: workingReservations(req.book, market, s), stops: stops.state, last: { market, book: req.book, priced, report } };
  const effects: AssessEffects = {
    stopsFired: stops.fired, persistStops: stops.persist ? stops.state : null, breachesChanged: breachesChanged(state.last?.report.breaches, breaches),
  };
  return { state: next, report, effects, money: dayStep.effects };
}

/** The `GET /api/v1/risk` view of a report (INTERFACE.md): per underlying, per expiry, totals, the stress grid, limits. */
export function riskView(report: RiskReport): RiskApiView {
  const byUnderlying: Record<string, { spot: number; beta: number; delta1pct: number; gamma1pct: number; vega: number; theta: number }> = {};
  const byExpiry: RiskApiView['byExpiry'][number][] = [];
  for (const u of report.byUnderlying) {
    byUnderlying[u.underlying] = { spot: u.spot, beta: u.beta, delta1pct: u.delta1pct, gamma1pct: u.gamma1pct, vega: u.vega, theta: u.theta };
    for (const e of u.byExpiry) byExpiry.push({ underlying: u.underlying, expiry: e.expiry, delta1pct: e.delta1pct, gamma1pct: e.gamma1pct, vega: e.vega, theta: e.theta });
  }
  const t = report.total;
  const stressLimit = report.levels.stress;
  return {
    cycleId: report.cycleId, ts: report.ts, byUnderlying, byExpiry,
    total: { delta1pct: t.delta1pct, gamma1pct: t.gamma1pct, vega: t.vega, theta: t.theta, deltaRatio: t.deltaRatio },
    stress: { ...report.stress, limit: stressLimit, utilisation: ratio(report.stress.loss, stressLimit) },
    limits: report.limits, breaches: report.breaches, stops: report.stops, pnl: report.pnl,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Pre-trade

const EPS = 1e-9;

/**
 * `now` is market time (the system clock); `clockSpeed` is market seconds per wall second (SIM_SPEED on the scaled
 * sim clock, 1 live). The surface's age is judged in wall time, (now − surfaceTs) / clockSpeed: the check guards the
 * pipeline's liveness (a wedged calibrator, an assessment many cycles old), and the pipeline runs on wall time. At
 * SIM_SPEED=600 the tens of wall milliseconds between calibration and pre-trade are half a market minute; judging that
 * in market time denied every order any cycle could make. At speed 1 (and live) the two are the same.
 */
export function preTrade(state: RiskState, req: PreTradeRequest, now: number, clockSpeed = 1): { state: RiskState; decision: PreTradeDecision } {
  if (!(clockSpeed > 0) || !Number.isFinite(clockSpeed)) throw new RangeError(`expected a positive clock speed, was ${clockSpeed}`);
  const s = state.settings;
  const reasons: DenyReason[] = [];
  const details: string[] = [];
  const deny = (r: DenyReason, d: string): void => {
    if (!reasons.includes(r)) reasons.push(r);
    details.push(d);
  };
  if (state.killswitch !== 'NORMAL') deny('TRADING_HALTED', `expected kill switch NORMAL, was ${state.killswitch}`);

  const last = state.last;
  if (!last) {
    deny('STALE_SURFACE', 'expected an assessed surface, was none yet');
    return { state, decision: { allow: false, reasons, details, postTrade: null, stress: null, charge: null } };
  }
  const marketAge = now - last.market.surfaceTs;
  const age = marketAge / clockSpeed;
  if (age > s.surfaceMaxAgeMs) {
    const market = clockSpeed === 1 ? '' : ` (${round(marketAge)} ms of market time at ${clockSpeed}× speed)`;
    deny('STALE_SURFACE', `expected a surface at most ${s.surfaceMaxAgeMs} ms old, was ${round(age)} ms${market}`);
  }
  // A re-check of a proposal a saga is working: what it has filled is in the assessed book already, so only the rest
  // is new. Its structure, when the book lists it opening, charges its bucket and capital at risk in full already.
  const working = req.ref === undefined ? undefined : last.book.working?.find((w) => w.proposalId === req.ref);
  const rest = working === undefined ? req.legs : unfilledLegs(req.legs, working.filled);
  const charged = working !== undefined && chargedAlready(last.book, working);
  const newLegs: PricedLeg[] = [];
  for (const leg of rest) {
    const pl = priceLeg({ ...leg, quantity: leg.side === 'BUY' ? leg.quantity : -leg.quantity }, last.market);
    if (pl) newLegs.push(pl);
    else deny('STALE_SURFACE', `expected a surface vol for ${leg.underlying} ${leg.expiry} ${leg.strike}, was none`);
  }
  if (newLegs.length !== rest.length) {
    return { state, decision: { allow: false, reasons, details, postTrade: null, stress: null, charge: null } };
  }

  // The executor checks a saga when it starts and again before each risk-increasing order group: the same group
  // asked twice must not count against itself (it was denied VEGA_LIMIT at twice its size).
  const key = reservationKey(req);
  const others = state.reserved.filter((r) => r.key !== key);
  const spots = spotsFor(last.market);
  const preLegs = [...last.priced, ...others.flatMap((r) => r.legs)];
  const postLegs = [...preLegs, ...newLegs];
  // With nothing else reserved the book before the trade is the assessed one: its rows and stress are in the report.
  const pre = others.length === 0
    ? { limits: last.report.limits.filter((l) => GREEK_LIMITS.includes(l.name)), stress: last.report.stress }
    : greekAndStressLimits(s, preLegs, last.market);
  const post = greekAndStressLimits(s, postLegs, last.market);

  // Each greek limit row (total, per underlying, per expiry) and the stress limit: refused only when the trade leaves
  // the row over its hard level and makes it worse (a trade that reduces an exceeded measure is never refused for it).
  const before = new Map(pre.limits.map((l) => [limitKey(l), l.value]));
  for (const l of post.limits) {
    const preV = before.get(limitKey(l)) ?? 0;
    if (l.value > l.limit + EPS && l.value > preV + EPS) {
      deny(DENY_OF[l.name], `expected |${limitLabel(l)}| <= ${round(l.limit)} ${l.unit}, was ${round(l.value)} after the trade (${round(preV)} before)`);
    }
  }
  if (post.stress.loss > s.limits.stress + EPS && post.stress.loss > pre.stress.loss + EPS) {
    deny('STRESS_LOSS', `expected the worst stress loss <= ${round(s.limits.stress)} ₹, was ${round(post.stress.loss)} after the trade in "${post.stress.worst.name}" (${round(pre.stress.loss)} before)`);
  }
  const stops = last.report.stops;
  if (stops.accountBlocked) {
    const t = stops.account.triggered;
    deny('MTM_STOP', `expected no account MTM stop today, was fired (${t?.kind} at ₹${round(t?.pnl ?? NaN)}, level ₹${round(t?.level ?? NaN)}): no new risk until the next IST day`);
  } else if (stops.blockedBuckets.includes(req.bucket)) {
    const t = stops.buckets.find((b) => b.scope === req.bucket)?.triggered;
    deny('MTM_STOP', `expected no ${req.bucket} bucket MTM stop today, was fired (${t?.kind} at ₹${round(t?.pnl ?? NaN)}, level ₹${round(t?.level ?? NaN)})`);
  }

  const dayLoss = Math.max(0, -last.report.pnl.day);
  if (dayLoss >= s.maxDailyLoss) deny('DAILY_LOSS', `expected day loss < ${s.maxDailyLoss}, was ${round(dayLoss)}`);

  // The new legs' own risk: worst expiry loss net of the premium they take in, and their margin on their own. The
  // bucket charge and capital at risk are the whole proposal's (a structure's), nothing when its opening structure
  // carries them already; the margin added to the book's is what has not filled.
  const marginLegs = rest.map(marginLegOfLeg);
  const ownMargin = estimateMargin(req.legs.map(marginLegOfLeg), spots, s.margin).required;
  const maxLoss = rest === req.legs ? newLegsMaxLoss(req.legs, newLegs, last.market) : wholeMaxLoss(req.legs, last.market);
  const charge = charged ? 0 : chargeOf(maxLoss, ownMargin);
  const atRisk = charged ? 0 : Number.isFinite(maxLoss) ? maxLoss : ownMargin;

  const fraction = state.fractions[req.bucket];
  const bucketCapital = fraction * s.baseCapital;
  const used = bucketUsed(req.bucket, last.report.structures, others);
  if (used + charge > bucketCapital + EPS) {
    deny('BUCKET_EXHAUSTED', `expected ${req.bucket} bucket use <= ${round(bucketCapital)}, was ${round(used + charge)} (${round(used)} + ${round(charge)})`);
  }
  const carLimit = s.maxCapitalAtRiskPct * s.baseCapital;
  const carPre = last.report.capitalAtRisk.total + others.reduce((a, r) => a + r.capitalAtRisk, 0);
  if (carPre + atRisk > carLimit + EPS) deny('CAPITAL_AT_RISK', `expected capital at risk <= ${round(carLimit)}, was ${round(carPre + atRisk)}`);

  const marginLimit = s.maxMarginPct * s.baseCapital;
  const bookMarginLegs = [...last.book.positions.filter((p) => p.quantity !== 0).map(marginLegOf), ...others.flatMap((r) => r.marginLegs)];
  const marginPre = estimateMargin(bookMarginLegs, spots, s.margin).required;
  const marginPost = estimateMargin([...bookMarginLegs, ...marginLegs], spots, s.margin).required;
  if (marginPost > marginLimit + EPS && marginPost > marginPre + EPS) deny('MARGIN', `expected margin <= ${round(marginLimit)}, was ${round(marginPost)}`);

  const allow = reasons.length === 0;
  const decision: PreTradeDecision = {
    allow, reasons, details, postTrade: post.total,
    stress: { worst: post.stress.worst, loss: post.stress.loss, before: pre.stress.loss },
    charge: { maxLoss, margin: ownMargin, bucket: req.bucket },
  };
  const reserved = allow
    ? [...others, { key, bucket: req.bucket, legs: newLegs, marginLegs, capitalAtRisk: atRisk, charge }]
    : others;
  return { state: { ...state, reserved }, decision };
}

// ---------------------------------------------------------------------------------------------------------------
// Capital buckets

export function adjustCapital(state: RiskState, body: AdjustCapital, now: number): { state: RiskState; event: CapitalAdjusted } {
  const fractions = { weekly: body.weekly, monthly: body.monthly, intraday: body.intraday };
  const sum = fractions.weekly + fractions.monthly + fractions.intraday;
  if (sum > 1 + EPS) throw new RangeError(`expected bucket fractions summing to at most 1, was ${sum}`);
  const next = { ...state, fractions };
  const event: CapitalAdjusted = {
    previous: state.fractions, fractions, who: body.who, reason: body.reason, ts: now,
    buckets: bucketUse(fractions, state.settings.baseCapital, state.last?.report.structures ?? [], state.reserved),
  };
  return { state: next, event };
}

export function currentBuckets(state: RiskState): BucketUse[] {
  return bucketUse(state.fractions, state.settings.baseCapital, state.last?.report.structures ?? [], state.reserved);
}

function bucketUsed(bucket: Bucket, structures: readonly StructureRisk[], reserved: readonly Reservation[]): number {
  let used = 0;
  for (const st of structures) if (st.bucket === bucket) used += st.charge;
  for (const r of reserved) if (r.bucket === bucket) used += r.charge;
  return used;
}

function bucketUse(fractions: Readonly<Record<Bucket, number>>, capital: number, structures: readonly StructureRisk[], reserved: readonly Reservation[]): BucketUse[] {
  return BUCKETS.map((bucket) => {
    const cap = fractions[bucket] * capital;
    const used = bucketUsed(bucket, structures, reserved);
    return { bucket, fraction: fractions[bucket], capital: cap, used, available: Math.max(0, cap - used) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const DENY_OF: Readonly<Record<LimitName, DenyReason>> = {
  delta: 'DELTA_LIMIT', vega: 'VEGA_LIMIT', gamma: 'GAMMA_LIMIT', theta: 'THETA_LIMIT', stress: 'STRESS_LOSS',
  dailyLoss: 'DAILY_LOSS', capitalAtRisk: 'CAPITAL_AT_RISK', margin: 'MARGIN',
};

const GREEK_LIMITS: readonly LimitName[] = ['delta', 'vega', 'gamma', 'theta'];

/** The greek limit rows and the stress of a set of legs (pre-trade compares the book with and without the new legs). */
function greekAndStressLimits(s: RiskSettings, legs: readonly PricedLeg[], market: MarketView) {
  const exp = exposure(legs, market, s);
  const stress = runStress(legs, { betas: s.betas, expiryDayMove: s.expiryDayMove, dayT: 1 / market.clock.unitsPerYear });
  const limits = measureLimits(s, { exposure: exp, dayLoss: 0, stressLoss: 0, capitalAtRisk: 0, margin: 0 })
    .filter((l) => GREEK_LIMITS.includes(l.name));
  return { total: exp.total, limits, stress };
}

function spotsFor(market: MarketView): Spots {
  const out: Partial<Record<Underlying, number>> = {};
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    const s = spotOf(market, u);
    if (s > 0) out[u] = s;
  }
  return out;
}

function bookLegOf(p: Position): BookLeg {
  return { instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right, quantity: p.quantity };
}

function marginLegOf(p: Position): MarginLeg {
  return { underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right, side: p.quantity > 0 ? 'BUY' : 'SELL', quantity: Math.abs(p.quantity) };
}

/**
 * The identity of an order group across its re-checks: the caller's `ref` (a proposal id) when given, else the
 * bucket and every leg with its quantity and limit price. Two different proposals with identical legs, prices and
 * bucket within one assessment would share a reservation; the strategy proposes at most one entry per bucket and
 * underlying per cycle (and prices move between cycles), and callers that can should send `ref`.
 */
export function reservationKey(req: PreTradeRequest): string {
  if (req.ref !== undefined) return `ref:${req.ref}`;
  const legs = req.legs.map((l) => `${l.instrumentKey}/${l.side}/${l.quantity}/${l.limitPrice ?? '-'}`).join(',');
  return `legs:${req.bucket}:${legs}`;
}

function chargeOf(maxLoss: number, margin: number): number {
  return Number.isFinite(maxLoss) ? Math.max(maxLoss, margin) : margin;
}

/** Capital at risk of legs with no structure: worst expiry loss per (underlying, expiry), margin where unbounded. */
function groupRisk(legs: readonly MarginLeg[], spots: Spots, s: RiskSettings): number {
  const groups = new Map<string, MarginLeg[]>();
  for (const l of legs) {
    const k = `${l.underlying}|${l.expiry}`;
    groups.set(k, [...(groups.get(k) ?? []), l]);
  }
  let sum = 0;
  for (const g of groups.values()) {
    const w = worstExpiryLoss(g);
    sum += Number.isFinite(w) ? w : estimateMargin(g, spots, s.margin).required;
  }
  return sum;
}

/**
 * Max loss of new legs: worst expiry payoff loss minus the net premium they take in, per (underlying, expiry).
 * Premium: the leg's limit price, else the quote mid, else our model price.
 */
function newLegsMaxLoss(legs: readonly Leg[], priced: readonly PricedLeg[], market: MarketView): number {
  const groups = new Map<string, { legs: MarginLeg[]; credit: number }>();
  legs.forEach((l, i) => {
    const k = `${l.underlying}|${l.expiry}`;
    const g = groups.get(k) ?? { legs: [], credit: 0 };
    const q = market.quotes.get(l.instrumentKey);
    const mid = q && q.bid > 0 && q.ask >= q.bid ? (q.bid + q.ask) / 2 : NaN;
    const premium = l.limitPrice ?? (Number.isFinite(mid) ? mid : priced[i]!.modelPrice);
    g.legs.push({ underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: l.quantity });
    g.credit += (l.side === 'SELL' ? 1 : -1) * premium * l.quantity;
    groups.set(k, g);
  });
  let total = 0;
  for (const g of groups.values()) total += Math.max(0, worstExpiryLoss(g.legs) - g.credit);
  return total;
}

/** A working proposal whose structure the book lists `opening`: that structure charges its bucket and capital at
 *  risk with the proposal's legs in full already. */
function chargedAlready(book: Book, w: WorkingProposal): boolean {
  return book.structures.some((st) => st.id === w.structureId && st.status === 'opening');
}

/**
 * The reservations of the proposals sagas are working (risk-increasing ones: an exit's unfilled legs only reduce): the
 * legs each has still to fill, under its pre-trade key, so a re-check replaces it. Legs the market cannot value are
 * left out (a check of anything on that expiry is refused STALE_SURFACE anyway).
 */
function workingReservations(book: Book, market: MarketView, s: RiskSettings): Reservation[] {
  const out: Reservation[] = [];
  const spots = spotsFor(market);
  for (const w of book.working ?? []) {
    if (!w.riskIncreasing) continue;
    const rest = unfilledLegs(w.legs, w.filled);
    if (rest.length === 0) continue;
    const legs: PricedLeg[] = [];
    for (const l of rest) {
      const pl = priceLeg({ ...l, quantity: l.side === 'BUY' ? l.quantity : -l.quantity }, market);
      if (pl) legs.push(pl);
    }
    const charged = chargedAlready(book, w);
    const margin = charged ? 0 : estimateMargin(w.legs.map(marginLegOfLeg), spots, s.margin).required;
    const maxLoss = charged ? 0 : wholeMaxLoss(w.legs, market);
    out.push({
      key: reservationKey({ legs: w.legs, bucket: w.bucket, ref: w.proposalId }), bucket: w.bucket, legs, marginLegs: rest.map(marginLegOfLeg),
      capitalAtRisk: charged ? 0 : Number.isFinite(maxLoss) ? maxLoss : margin, charge: charged ? 0 : chargeOf(maxLoss, margin),
    });
  }
  return out;
}

function marginLegOfLeg(l: Leg): MarginLeg {
  return { underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: l.quantity };
}

/** The legs still to fill: each leg less what its orders filled (`filled`, by leg), legs filled in full left out. */
function unfilledLegs(legs: readonly Leg[], filled: readonly number[]): Leg[] {
  const out: Leg[] = [];
  legs.forEach((l, i) => {
    const q = l.quantity - Math.max(0, filled[i] ?? 0);
    if (q > 0) out.push(q === l.quantity ? l : { ...l, quantity: q });
  });
  return out;
}

/** The whole proposal's max loss, its legs priced on the market (Infinity when one cannot be valued: fail closed). */
function wholeMaxLoss(legs: readonly Leg[], market: MarketView): number {
  const priced = legs.map((l) => priceLeg({ ...l, quantity: l.side === 'BUY' ? l.quantity : -l.quantity }, market));
  if (priced.some((p) => p === null)) return Infinity;
  return newLegsMaxLoss(legs, priced as PricedLeg[], market);
}

function ratio(value: number, limit: number): number {
  if (limit > 0) return value / limit;
  return value > 0 ? Infinity : 0;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

// ---------------------------------------------------------------------------------------------------------------
// Market time

/**
 * An assessment whose snapshot is older than the last one assessed is bad data (DESIGN.md §8): assessing it would move
 * the day back (an earlier IST date re-bases the day's P&L, forgetting today's loss) and replace the market pre-trade
 * checks against. The shell refuses it before `assess` and leaves the state as it was.
 */
export function olderAssessment(state: RiskState, req: Pick<AssessRequest, 'snapshot'>): OlderInput | null {
  const last = state.last?.market.now ?? null;
  return isOlder(last, req.snapshot.ts) ? { input: 'snapshot', ts: req.snapshot.ts, lastTs: last } : null;
}
