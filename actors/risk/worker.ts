/**
 * @module The risk worker: wires messages to the pure core (core.ts), the journal and metrics.
 * Bad bodies are answered with "expected X, was Y" and change nothing; denials are answers, journaled at warn.
 */
import { Counter, Gauge } from 'prom-client';
import { defineActor, type ActorContext } from '../../runtime/actor.ts';
import { InvariantError, OlderInputError } from '../../runtime/errors.ts';
import type { ClockSpec } from '../../runtime/clock.ts';
import { journalClient, type JournalClient } from '../journal/index.ts';
import type { Bucket } from '../domain/bucket.ts';
import { warmPreTrade } from './warm.ts';
import { adjustCapital, assess, currentBuckets, initialRiskState, olderAssessment, onKillswitchChanged, preTrade, riskView, type RiskState } from './core.ts';
import { describeOlder, OLDER_INPUTS_HELP, OLDER_INPUTS_METRIC } from '../domain/market-time.ts';
import { noteSafetyEvents, pnlView, type DayEffects, type DayState } from './day.ts';
import type { DaySummary } from '../domain/money.ts';
import { adjustCapitalCheck, assessRequestCheck, killswitchChangedCheck, preTradeCheck, type RiskProtocol } from './messages.ts';
import type { RiskSettings } from './settings.ts';
import { restoredStops } from './stops.ts';

export const FRACTIONS_KEY = 'risk.bucketFractions';
/** The open day's DayOpened (actors/domain/money.ts). */
export const DAY_KEY = 'risk.day';
/** The day module's whole state (day.ts DayState): running figures, the identity ledger, the last close. */
export const DAY_TRACK_KEY = 'risk.dayTrack';
/** Every closed day's DaySummary, oldest first: the index `GET /api/v1/pnl` serves. */
export const DAYS_KEY = 'risk.days';
/** date → journal seq of its `money.dayOpened`: where `volguard report day` starts reading a day (not the whole log). */
export const DAY_SEQS_KEY = 'risk.daySeqs';
/** The portfolio stops of the IST day (peaks, fired stops, realised per bucket): a restart keeps a fired stop fired. */
export const STOPS_KEY = 'risk.stops';

let state: RiskState | null = null;
let journal: JournalClient | null = null;
let gauges: { delta: Gauge; vega: Gauge; pnl: Gauge; dayNet: Gauge; stress: Gauge } | null = null;
let olderRefused: Counter<'actor' | 'input'> | null = null;
/** Closed days (kv DAYS_KEY), and journal writes of the day that failed and are retried next cycle (in order). */
let days: DaySummary[] = [];
let daySeqs: Record<string, number> = {};
type DayWrite =
  | { readonly kind: 'append'; readonly type: string; readonly body: unknown; readonly opened?: string }
  | { readonly kind: 'kv'; readonly key: string; readonly value: unknown };
let pendingDay: DayWrite[] = [];
/** A safety event changed the open day since it was last persisted. */
let dayDirty = false;
/** The pre-trade check has been warmed in this incarnation (warm.ts). */
let warmed = false;

/**
 * Queues what the day step asked for, in order (close before open), then the day's state, and writes them one at a
 * time in queue order. An open or a close is durable before the assessment answers (a crash right after it must not
 * re-open the day from later figures); the periodic running figures are written beside the cycle. A write that fails
 * (journal down, disk full) is logged and retried with the next cycle's: the day in memory is right, and the cycle
 * must not fail for it (risk still has to judge the book).
 */
function recordDay(j: JournalClient, ctx: ActorContext<RiskSettings>, fx: DayEffects, day: DayState | null): Promise<void> {
  if (fx.closed) {
    days = [...days, fx.closed];
    pendingDay.push({ kind: 'append', type: 'money.dayClosed', body: fx.closed }, { kind: 'kv', key: DAYS_KEY, value: days });
    ctx.log.info({ date: fx.closed.date, net: fx.closed.net, charges: fx.closed.charges, trades: fx.closed.trades }, 'trading day closed');
  }
  for (const m of fx.mismatches) {
    ctx.log.error({ mismatch: m }, 'money identity broken: Σ daily net ≠ change in equity');
    ctx.send('main', 'money.identityMismatch', m);
    pendingDay.push({ kind: 'append', type: 'money.identityMismatch', body: m });
  }
  if (fx.opened) {
    pendingDay.push({ kind: 'append', type: 'money.dayOpened', body: fx.opened, opened: fx.opened.date }, { kind: 'kv', key: DAY_KEY, value: fx.opened });
    ctx.log.info({ date: fx.opened.date, equity: fx.opened.equity }, 'trading day opened');
  }
  if ((fx.persist || dayDirty) && day !== null) {
    // Only the newest state is worth writing; the head of the queue may be in flight (the writer removes it when done).
    pendingDay = pendingDay.filter((w, i) => (i === 0 && draining !== null) || !(w.kind === 'kv' && w.key === DAY_TRACK_KEY));
    pendingDay.push({ kind: 'kv', key: DAY_TRACK_KEY, value: day });
    dayDirty = false;
  }
  // One writer at a time; a new batch queued while it runs is written by it (it loops until the queue is empty).
  draining ??= drainDay(j, ctx).finally(() => { draining = null; });
  return draining;
}

let draining: Promise<void> | null = null;

async function drainDay(j: JournalClient, ctx: ActorContext<RiskSettings>): Promise<void> {
  while (pendingDay.length > 0) {
    const w = pendingDay[0]!;
    try {
      if (w.kind === 'append') {
        const seq = await j.append(w.type, w.body);
        if (w.opened !== undefined) {
          daySeqs = { ...daySeqs, [w.opened]: seq };
          pendingDay.splice(1, 0, { kind: 'kv', key: DAY_SEQS_KEY, value: daySeqs });
        }
      } else {
        await j.kvPut(w.key, w.value);
      }
    } catch (err) {
      ctx.log.warn({ err, pending: pendingDay.length }, 'trading day: journal write failed, retried with the next cycle');
      return;
    }
    pendingDay.shift();
  }
}

/** Market seconds per wall second: the sim's SIM_SPEED, 1 on the real clock (staleness is judged in wall time). */
function clockSpeedOf(spec: ClockSpec): number {
  return spec.kind === 'scaled' ? spec.speed : 1;
}

function need(): { s: RiskState; j: JournalClient } {
  if (!state || !journal) throw new InvariantError('risk received a message before init');
  return { s: state, j: journal };
}

defineActor<RiskSettings, RiskProtocol>({
  async init(ctx: ActorContext<RiskSettings>) {
    journal = journalClient(ctx);
    olderRefused = new Counter({ name: OLDER_INPUTS_METRIC, help: OLDER_INPUTS_HELP, labelNames: ['actor', 'input'], registers: [ctx.metrics] });
    gauges = {
      delta: new Gauge({ name: 'volguard_net_delta_ratio', help: 'Net delta notional / BASE_CAPITAL', registers: [ctx.metrics] }),
      vega: new Gauge({ name: 'volguard_vega_inr', help: 'Net vega, ₹ per vol point', registers: [ctx.metrics] }),
      pnl: new Gauge({ name: 'volguard_pnl_inr', help: 'P&L, ₹', labelNames: ['kind'], registers: [ctx.metrics] }),
      dayNet: new Gauge({ name: 'volguard_pnl_day_net_inr', help: 'Net P&L of the trading day (equity now − the day\'s start equity, after charges), ₹', registers: [ctx.metrics] }),
      stress: new Gauge({ name: 'volguard_stress_worst_inr', help: 'Worst cell of the stress grid (gaps and pins included), ₹ P&L (negative = loss)', registers: [ctx.metrics] }),
    };
    let s = initialRiskState(ctx.config);
    // Capital adjustments survive restarts.
    const saved = await journal.kvGet<Record<Bucket, number>>(FRACTIONS_KEY);
    if (saved.value !== null) s = { ...s, fractions: saved.value };
    // The trading day survives restarts: its start is never re-based (a restart is a safety event of the day).
    const track = await journal.kvGet<DayState>(DAY_TRACK_KEY);
    if (track.value !== null) {
      s = { ...s, day: noteSafetyEvents(track.value) };
      dayDirty = true;
    }
    days = (await journal.kvGet<DaySummary[]>(DAYS_KEY)).value ?? [];
    daySeqs = (await journal.kvGet<Record<string, number>>(DAY_SEQS_KEY)).value ?? {};
    pendingDay = [];
    // A stop fired today stays fired across a restart (the next assessment keeps it only on the same IST day).
    const stops = restoredStops((await journal.kvGet<unknown>(STOPS_KEY)).value);
    if (stops !== null) s = { ...s, stops };
    // Learn the kill switch's state; until then everything risk-increasing is denied (fail closed).
    try {
      const ks = await ctx.request('killswitch', 'killswitch.status', {}, { timeoutMs: 2000 });
      s = onKillswitchChanged(s, ks.state);
    } catch (err) {
      ctx.log.warn({ err }, 'kill switch state unknown at start: denying risk-increasing orders until it reports');
    }
    state = s;
  },
  bodies: {
    'risk.assess': assessRequestCheck,
    'risk.preTrade': preTradeCheck,
    'risk.adjustCapital': adjustCapitalCheck,
    'killswitch.changed': killswitchChangedCheck,
  },
  handlers: {
    async 'risk.assess'(req, ctx) {
      const { s, j } = need();
      const older = olderAssessment(s, req);
      if (older !== null) {
        olderRefused?.inc({ actor: 'risk', input: older.input });
        ctx.log.warn({ cycleId: req.cycleId, ts: older.ts, lastTs: older.lastTs }, describeOlder(older));
        throw new OlderInputError('risk', older);
      }
      const r = assess(s, req);
      // A fired stop is on record before anyone acts on the report that carries it.
      for (const f of r.effects.stopsFired) {
        ctx.log.warn({ cycleId: req.cycleId, scope: f.scope, kind: f.triggered?.kind, pnl: f.pnl, level: f.triggered?.level }, 'portfolio stop fired');
        await j.append('risk.stopTriggered', { ...f, date: r.report.stops.date }, { cycleId: req.cycleId });
      }
      if (r.effects.persistStops !== null) await j.kvPut(STOPS_KEY, r.effects.persistStops);
      state = r.state;
      if (!warmed && state.last !== null) {
        warmed = true;
        ctx.next('risk.warm', null);
      }
      const t = r.report.total;
      gauges?.delta.set(t.deltaRatio);
      gauges?.vega.set(t.vega);
      gauges?.stress.set(r.report.stress.worst.pnl);
      gauges?.pnl.set({ kind: 'day' }, r.report.pnl.day);
      gauges?.pnl.set({ kind: 'realised' }, r.report.pnl.realised);
      gauges?.pnl.set({ kind: 'unrealised' }, r.report.pnl.unrealised);
      gauges?.dayNet.set(r.report.pnl.day);
      const written = recordDay(j, ctx, r.money, r.state.day);
      if (r.money.opened !== null || r.money.closed !== null) await written;
      // On record when they change (a breach that lasts an afternoon is one record, not one a cycle); cleared too.
      if (r.effects.breachesChanged) {
        if (r.report.breaches.length > 0) ctx.log.warn({ cycleId: req.cycleId, breaches: r.report.breaches.map((b) => `${b.level}:${b.limit}`) }, 'risk limits breached');
        else ctx.log.info({ cycleId: req.cycleId }, 'risk limits back within');
        await j.append('risk.breaches', { breaches: r.report.breaches, limits: r.report.limits, stressWorst: r.report.stress.worst }, { cycleId: req.cycleId });
      }
      return r.report;
    },
    async 'risk.preTrade'(req, ctx) {
      const { s, j } = need();
      const r = preTrade(s, req, ctx.clock.now(), clockSpeedOf(ctx.clockSpec));
      state = r.decision.allow ? r.state : { ...r.state, day: noteSafetyEvents(r.state.day) };
      if (!r.decision.allow) dayDirty = true;
      const d = r.decision;
      const cycleId = req.cycleId;
      const body = { allow: d.allow, reasons: d.reasons, details: d.details, bucket: req.bucket, legs: req.legs, charge: d.charge, postTrade: d.postTrade };
      if (!d.allow) ctx.log.warn({ reasons: d.reasons, details: d.details }, 'OrderDenied');
      await j.append(d.allow ? 'risk.orderAllowed' : 'risk.orderDenied', body, cycleId !== undefined ? { cycleId } : {});
      return d;
    },
    'risk.warm'(_body, ctx) {
      if (state === null) return;
      const t0 = performance.now();
      const checks = warmPreTrade(state, ctx.clock.now(), clockSpeedOf(ctx.clockSpec));
      ctx.log.debug({ checks, ms: Math.round(performance.now() - t0) }, 'pre-trade check warmed');
    },
    async 'risk.adjustCapital'(req, ctx) {
      const { s, j } = need();
      const r = adjustCapital(s, req, ctx.clock.now());
      // Durable before it takes effect: a restart must not silently undo an admin's change.
      await j.kvPut(FRACTIONS_KEY, r.event.fractions);
      await j.append('risk.capitalAdjusted', r.event);
      state = r.state;
      return r.event;
    },
    'risk.status'() {
      const { s } = need();
      return { report: s.last?.report ?? null, buckets: currentBuckets(s), killswitch: s.killswitch };
    },
    'risk.pnl'() {
      const { s } = need();
      return pnlView(days, s.day);
    },
    'risk.view'() {
      const { s } = need();
      return s.last === null ? null : riskView(s.last.report);
    },
    'killswitch.changed'(ks) {
      const { s } = need();
      state = onKillswitchChanged(s, ks.state);
      if (ks.state !== s.killswitch && s.killswitch !== 'UNKNOWN') {
        state = { ...state, day: noteSafetyEvents(state.day) };
        dayDirty = true;
      }
    },
  },
  inspect() {
    if (!state) return null;
    return { killswitch: state.killswitch, fractions: state.fractions, reserved: state.reserved.length, lastCycle: state.last?.report.cycleId ?? null };
  },
});
