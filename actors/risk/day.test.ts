/**
 * The trading day (issue 14): day P&L from the journaled start, restarts, rollover, the close, the daily summary and
 * the identity. Every figure is written by hand below (capital ₹10,00,000 unless said).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import { istInstant } from '../domain/calendar.ts';
import { NO_REALISED, type RealisedMoney } from '../domain/money.ts';
import type { Book } from '../domain/book.ts';
import { assess, initialRiskState, type RiskState } from './core.ts';
import { stepDay, liveSummary, noteSafetyEvents, pnlView, realisedOfBook, type DayInput, type DayState, type DayStep } from './day.ts';
import { condorBook, emptyBook, grossOnly, key, settings, snapshot, surface } from './fixture.ts';
import { initialKsState, transition } from '../killswitch/core.ts';
import { killswitchSettings, type KillSwitchSettings } from '../killswitch/settings.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import type { EvaluateRequest } from '../killswitch/messages.ts';
import type { RiskReport } from './messages.ts';

const C = 1_000_000;
/** IST wall time on a date → epoch ms. */
const at = (date: string, hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return istInstant(date, h * 60 + m);
};
const cycle = (s: RiskState, ms: number, book: Book, q: Readonly<Record<string, readonly [number, number]>> = {}) =>
  assess(s, { cycleId: `c${ms}`, snapshot: snapshot(ms, q), surface: surface(ms), book });
/** What the worker persists and reads back (kv, msgpack): a restart starts from this and nothing else. */
const restarted = (s: RiskState): RiskState => ({ ...initialRiskState(s.settings), day: unpack(pack(s.day)) as DayState });

/** The kill switch as configured by default (paper), but back to NORMAL after 3 healthy cycles. */
const KS: KillSwitchSettings = { ...killswitchSettings(parseConfig({})), healthyCycles: 3 };
const comps = { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 };
const evaluate = (risk: RiskReport): { type: 'evaluate'; body: EvaluateRequest } => ({
  type: 'evaluate', body: { cycleId: risk.cycleId, quality: { score: 0.95, components: comps }, risk, calibration: { fallbacks: 0, expiries: 4 }, recon: {}, phase: 'FULL_AUTO' },
});

test('two losing days, then a flat day: the day P&L starts from zero each date, the breach clears and the kill switch reset succeeds', () => {
  const s0 = initialRiskState(settings()); // MAX_DAILY_LOSS ₹20,000 (hard above it, catastrophic at ₹30,000)
  const book = (realised: number): Book => ({ ...emptyBook(), realisedPnlDay: realised, realised: grossOnly(realised) });
  // Tue 6 Jan: opens flat (equity 10,00,000), loses ₹25,000 by 14:00 → day P&L −25,000: hard, not catastrophic.
  const d1open = cycle(s0, at('2026-01-06', '09:20'), book(0));
  assert.equal(d1open.report.pnl.day, 0);
  const d1 = cycle(d1open.state, at('2026-01-06', '14:00'), book(-25_000));
  assert.equal(d1.report.pnl.day, -25_000);
  const b1 = d1.report.breaches.find((b) => b.limit === 'dailyLoss');
  assert.equal(b1?.level, 'hard');
  assert.equal(b1?.catastrophic, false);
  let ks = transition(initialKsState('FULL_AUTO', 0), evaluate(d1.report), 1, KS).state;
  assert.equal(ks.state, 'HALTED');
  const refused = transition(ks, { type: 'reset', reason: 'try', who: 'admin' }, 2, KS);
  assert.equal(refused.answer?.ok, false, 'a reset is refused while the day loss holds');

  // Wed 7 Jan, nothing traded: the executor's lifetime figure is still −25,000; the day starts at 9,75,000 → P&L 0.
  const d2 = cycle(d1.state, at('2026-01-07', '10:00'), book(-25_000));
  assert.equal(d2.report.pnl.day, 0);
  assert.equal(d2.report.pnl.realised, 0);
  assert.equal(d2.report.breaches.find((b) => b.limit === 'dailyLoss'), undefined);
  // Tuesday was never closed after its session (last seen 14:00): it closes on Wednesday's first cycle.
  assert.deepEqual(
    { date: d2.money.closed?.date, gross: d2.money.closed?.gross, net: d2.money.closed?.net, equity: d2.money.closed?.equity },
    { date: '2026-01-06', gross: -25_000, net: -25_000, equity: { dayStart: 1_000_000, end: 975_000 } },
  );
  assert.equal(d2.money.opened?.date, '2026-01-07');
  assert.equal(d2.money.opened?.equity, 975_000);
  ks = transition(ks, evaluate(d2.report), 3, KS).state;
  assert.equal(ks.state, 'HALTED', 'the HALT stays latched until a human resets it');
  const reset = transition(ks, { type: 'reset', reason: 'new day, clean', who: 'admin' }, 4, KS);
  assert.equal(reset.answer?.ok, true, JSON.stringify(reset.answer));
  assert.equal(reset.state.state, 'NORMAL');

  // Thu 8 Jan loses ₹15,000 more (lifetime −40,000): the day is −15,000, below the ₹16,000 soft level — no breach.
  const d3open = cycle(d2.state, at('2026-01-08', '09:20'), book(-25_000));
  const d3 = cycle(d3open.state, at('2026-01-08', '11:00'), book(-40_000));
  assert.equal(d3.report.pnl.day, -15_000);
  assert.deepEqual(d3.report.breaches.filter((b) => b.limit === 'dailyLoss'), []);
});

/**
 * The condor (fixture.ts: +65 23500PE @20, −65 23700PE @45, −65 24300CE @40, +65 24500CE @18) marked at quote mids.
 * Open (09:30): mids 15, 30, 30, 13 → unrealised 65 × (−5 + 15 + 10 − 5) = +975 (a carried-in gain: no cushion,
 * the first day starts at 10,00,975). 11:00: mids 16, 40, 38, 14 → 65 × (−4 + 5 + 2 − 4) = −65 → day −1,040.
 */
const MIDS_OPEN = { [key(23_500, 'PE')]: [14, 16], [key(23_700, 'PE')]: [29, 31], [key(24_300, 'CE')]: [29, 31], [key(24_500, 'CE')]: [12, 14] } as const;
const MIDS_LATER = { [key(23_500, 'PE')]: [15, 17], [key(23_700, 'PE')]: [39, 41], [key(24_300, 'CE')]: [37, 39], [key(24_500, 'CE')]: [13, 15] } as const;

test('a restarted risk keeps today\'s loss: the day\'s start is read back, never re-based', () => {
  const s0 = initialRiskState(settings());
  const open = cycle(s0, at('2026-01-06', '09:30'), condorBook(), MIDS_OPEN);
  assert.equal(open.report.pnl.unrealised, 975);
  assert.equal(open.report.pnl.day, 0);
  assert.equal(open.money.opened?.equity, 1_000_975);
  const later = cycle(open.state, at('2026-01-06', '11:00'), condorBook(), MIDS_LATER);
  assert.equal(later.report.pnl.unrealised, -65);
  assert.equal(later.report.pnl.day, -1_040);
  // The worker persisted the day; a new incarnation reads it back and judges the same book the same.
  const again = cycle(restarted(later.state), at('2026-01-06', '11:00'), condorBook(), MIDS_LATER);
  assert.equal(again.report.pnl.day, -1_040);
  assert.equal(again.money.opened, null, 'the day opens once per date');
});

// ---- the day module on its own ------------------------------------------------------------------------------

const money = (gross: number, charges: number, settlement: number, trades: number): RealisedMoney =>
  ({ gross, charges, settlement, net: gross + settlement - charges, trades });
const input = (now: number, realised: RealisedMoney, unrealised: number, over: Partial<DayInput> = {}): DayInput =>
  ({ now, capital: C, kind: 'book', realised, unrealised, marks: {}, ...over });
const DELAY = { closeDelayMs: 15 * 60_000 };
function run(steps: readonly DayInput[], from: DayState | null = null): DayStep[] {
  const out: DayStep[] = [];
  let s = from;
  for (const i of steps) {
    const r = stepDay(s, i, DELAY);
    out.push(r);
    s = r.state;
  }
  return out;
}

test('the daily summary: gross, charges, settlement, net, trades and drawdown by hand; closed once, after close + delay', () => {
  const d = '2026-01-06'; // session close 15:30 IST (before 3 Aug 2026) → the day closes from 15:45
  const r0 = money(1_000, 100, 0, 4);
  const steps = run([
    input(at(d, '09:20'), r0, 500), //     start: 10,00,000 + 900 + 500 = 10,01,400 → P&L 0
    input(at(d, '10:00'), r0, 800), //     10,01,700 → +300 (the peak)
    input(at(d, '12:00'), money(1_500, 140, 0, 6), -400), // 10,00,960 → −440: drawdown 740
    input(at(d, '15:44'), money(3_000, 180, -700, 8), -200), // 10,01,920 → +520; not yet closed
    input(at(d, '15:45'), money(3_000, 180, -700, 8), -200), // closes
    input(at(d, '16:30'), money(3_000, 180, -700, 8), -200), // no second close
  ]);
  assert.deepEqual(steps.map((x) => x.pnl), [0, 300, -440, 520, 520, 520]);
  assert.deepEqual(steps.map((x) => x.effects.closed?.date ?? null), [null, null, null, null, d, null]);
  const sum = steps[4]!.effects.closed!;
  // gross 3,000 − 1,000; charges 180 − 100; settlement −700; realised net 2,120 − 900 = 1,220; Δunrealised −200 − 500;
  // net = 1,220 − 700 = 520 = 10,01,920 − 10,01,400; drawdown: peak +300 → −440 = 740.
  assert.deepEqual({ ...sum, at: 0 }, {
    date: d, at: 0, gross: 2_000, charges: 80, settlement: -700, net: 520, realised: 1_220, unrealised: -700, trades: 4,
    maxDrawdown: 740, safetyEvents: 0, equity: { dayStart: 1_001_400, end: 1_001_920 },
  });
  assert.deepEqual(steps[4]!.effects.mismatches, []);
});

test('the close follows the dated session: 15:40 IST from 3 Aug 2026', () => {
  const d = '2026-08-04';
  const steps = run([input(at(d, '10:00'), NO_REALISED, 0), input(at(d, '15:54'), NO_REALISED, 0), input(at(d, '15:55'), NO_REALISED, 0)]);
  assert.deepEqual(steps.map((x) => x.effects.closed?.date ?? null), [null, null, d]);
});

test('the next day starts at the previous close: the overnight gap is the new day\'s; weekends open nothing', () => {
  const fri = '2026-01-09';
  const mon = '2026-01-12';
  const r = money(2_000, 200, 0, 2);
  const steps = run([
    input(at(fri, '10:00'), r, 0), //                  start 10,01,800
    input(at(fri, '15:50'), r, -300), //               closes at 10,01,500: net −300
    input(at('2026-01-10', '11:00'), r, -350), //      Saturday: no day opens, P&L still Friday's (−350)
    input(at(mon, '09:00'), r, -1_100), //             Monday opens at Friday's close 10,01,500: the gap −800 is Monday's
  ]);
  assert.equal(steps[1]!.effects.closed?.net, -300);
  assert.equal(steps[2]!.effects.opened, null);
  assert.equal(steps[2]!.pnl, -350);
  const monday = steps[3]!;
  assert.equal(monday.effects.opened?.date, mon);
  assert.equal(monday.effects.opened?.equity, 1_001_500);
  assert.equal(monday.effects.opened?.unrealised, -300);
  assert.equal(monday.pnl, -800);
});

test('identity: a start that is not the previous close, or a realised.net that is not gross + settlement − charges, is an alert', () => {
  const d = '2026-01-06';
  const [open] = run([input(at(d, '10:00'), NO_REALISED, 0)]);
  // The persisted start lost ₹100 (a day's start that is not the previous close): Σ net 100 ≠ equity change 0.
  const s = open!.state!;
  const tampered: DayState = { ...s, kinds: { book: { ...s.kinds.book!, start: { ...s.kinds.book!.start, equity: C - 100 } } } };
  const [closed] = run([input(at(d, '15:50'), NO_REALISED, 0)], tampered);
  // Start 9,99,900 vs the ledger's 10,00,000: the day's net is +100 though nothing moved (components 0), and
  // Σ net 100 ≠ equity 10,00,000 − first start 10,00,000 = 0.
  assert.deepEqual(closed!.effects.mismatches.map((m) => [m.check, m.expected, m.actual]), [['components', 100, 0], ['cumulative', 0, 100]]);
  assert.equal(closed!.effects.closed?.safetyEvents, 2);
  // A book whose net is not gross + settlement − charges (₹5 missing): the components check fires, the sum does not.
  const bad: RealisedMoney = { gross: 1_000, charges: 50, settlement: 0, net: 945, trades: 1 };
  const steps = run([input(at(d, '10:00'), NO_REALISED, 0), input(at(d, '15:50'), bad, 0)]);
  assert.deepEqual(steps[1]!.effects.mismatches.map((m) => [m.check, m.expected, m.actual]), [['components', 945, 950]]);
});

test('shadow and live books are tracked apart; SHADOW from the start writes the live book flat at capital', () => {
  const d = '2026-01-06';
  const steps = run([
    input(at(d, '10:00'), NO_REALISED, 0, { kind: 'shadow' }),
    input(at(d, '11:00'), money(-2_000, 60, 0, 2), 0, { kind: 'shadow' }), // shadow −2,060
  ]);
  const opened = steps[0]!.effects.opened!;
  assert.equal(opened.equity, C);
  assert.equal(opened.shadow?.equity, C);
  assert.equal(steps[1]!.pnl, -2_060);
  const live = liveSummary(steps[1]!.state)!;
  assert.equal(live.net, 0);
  assert.deepEqual(live.shadow, { net: -2_060, charges: 60, equity: { dayStart: C, end: C - 2_060 } });
});

test('safety events count into the open day; a clock that runs backwards changes nothing', () => {
  const d = '2026-01-07';
  const [open] = run([input(at(d, '10:00'), NO_REALISED, 0)]);
  const s = noteSafetyEvents(noteSafetyEvents(open!.state), 2)!;
  assert.equal(s.safetyEvents, 3);
  const back = stepDay(s, input(at('2026-01-06', '10:00'), money(-9_000, 0, 0, 1), 0), DELAY);
  assert.equal(back.effects.stale, true);
  assert.equal(back.state, s);
  const [closed] = run([input(at(d, '15:50'), NO_REALISED, 0)], s);
  assert.equal(closed!.effects.closed?.safetyEvents, 3);
});

test('GET /api/v1/pnl\'s view: closed days then the open one, totals as the rows\' sums, equity start → now', () => {
  // Mon 12 Jan: +1,000 gross, ₹60 charges → net 940 (10,00,000 → 10,00,940). Tue 13 Jan (open): −200 gross → −200.
  const mon = '2026-01-12';
  const tue = '2026-01-13';
  const steps = run([
    input(at(mon, '10:00'), NO_REALISED, 0),
    input(at(mon, '15:50'), money(1_000, 60, 0, 2), 0),
    input(at(tue, '10:00'), money(1_000, 60, 0, 2), 0),
    input(at(tue, '11:00'), money(800, 60, 0, 3), 0),
  ]);
  const view = pnlView([steps[1]!.effects.closed!], steps[3]!.state);
  assert.deepEqual(view.days.map((d) => [d.date, d.gross, d.charges, d.net, d.trades, d.open]), [[mon, 1_000, 60, 940, 2, false], [tue, -200, 0, -200, 1, true]]);
  assert.deepEqual(view.total, { gross: 800, charges: 60, settlement: 0, net: 740 });
  assert.deepEqual(view.equity, { start: C, dayStart: 1_000_940, now: 1_000_740 });
  assert.equal(view.shadow, undefined);
});

test('the book\'s money: its lifetime RealisedMoney when the executor reports one, else its realised figure as gross', () => {
  const realised = money(2_500, 140.5, -300, 6); // net 2,500 − 300 − 140.50 = 2,059.50
  assert.deepEqual(realisedOfBook({ ...emptyBook(), realisedPnlDay: 999, realised }), realised);
  assert.deepEqual(realisedOfBook({ realisedPnlDay: -1_250 }), { gross: -1_250, charges: 0, settlement: 0, net: -1_250, trades: 0 });
  // Through an assessment: equity 10,00,000 + 2,059.50 (no positions); the first day starts there.
  const r = assess(initialRiskState(settings()), { cycleId: 'c1', snapshot: snapshot(at('2026-01-06', '10:00')), surface: surface(at('2026-01-06', '10:00')), book: { ...emptyBook(), realised } as Book });
  assert.equal(r.money.opened?.equity, 1_002_059.5);
  assert.deepEqual(r.money.opened?.realised, realised);
});
