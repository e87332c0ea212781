/**
 * @module Report bench (issue 14): `volguard report day` for one trading day of a busy paper session — 200 orders
 * (intent, a partial and a final fill, a charges booking each), a cycle record every 3 s of the 09:15–15:30 session
 * (7,500, each with the day P&L), risk's pre-trade answers, kill-switch transitions, the day's open and close — written
 * to a real LMDB journal in a temp dir after 30,000 older entries; then the command's whole in-process path (open
 * read-only, find the day through kv risk.daySeqs, read it, fold, render JSON) timed over repeated runs: day_report_ms
 * is the median, budget 50 ms. day_fold_ms is the fold and render alone on the day's entries in memory.
 * day_open_report_ms: the same command on the next day, as busy and still in progress (no summary: its figures come
 * from its cycles), written after the closed day's runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import { run as reportCli } from '../../actors/journal/report/cli.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import { NO_REALISED } from '../../actors/domain/money.ts';
import { realClock } from '../../runtime/clock.ts';
import { Journal } from '../../actors/journal/journal.ts';
import { LmdbBackend } from '../../actors/journal/lmdb-store.ts';
import { buildDayReport } from '../../actors/journal/report/day.ts';
import { percentile, type Figure } from './main.ts';

const DATE = '2026-01-12';
const NEXT = '2026-01-13';
const ORDERS = 200;
const CYCLES = 7_500;
const RUNS = 15;
const PRIOR = 30_000;
const stages = { read_market: 1, assess_risk: 4, check_safety: 0.2, execute: 3, journal: 1 };

function openJournal(dir: string, date: string): Journal {
  const open = istInstant(date, 555);
  return openLmdbJournal(path.join(dir, 'journal'), { clock: { now: () => open, monotonic: () => 0 }, mapSizeBytes: 256 * 1024 * 1024 }).journal;
}

/** One busy trading day (see the module header), closed with risk's summary when `close`. */
async function writeDay(journal: Journal, date: string, daySeqs: Record<string, number>, close: boolean): Promise<void> {
  const open = istInstant(date, 555);
  const a = (actor: string, type: string, body: unknown) => journal.append({ actor, type, body });
  const openSeq = await a('risk', 'money.dayOpened', { date, at: open, equity: 1_000_000, realised: NO_REALISED, unrealised: 0, marks: {} });
  daySeqs[date] = openSeq;
  await journal.kvPut('risk.daySeqs', { ...daySeqs });
  const pending: Array<Promise<number>> = [];
  // The cycles an order starts at: ORDERS of them spread evenly over the session.
  const orderAt = new Set(Array.from({ length: ORDERS }, (_, i) => Math.floor((i * CYCLES) / ORDERS)));
  for (let c = 0; c < CYCLES; c++) {
    const ts = open + c * 3_000;
    pending.push(journal.commitCycle({ cycleId: `c${c}`, ts, durationMs: 9, overrun: false, stages, summary: { greeks: { delta: 1, gamma: 0.1, vega: -300, theta: 90 }, pnl: { day: Math.sin(c / 300) * 4_000, realised: 0, unrealised: 0 } } }));
    if (orderAt.has(c)) {
      const o = `o${c}`;
      const side = c % 2 === 0 ? 'SELL' : 'BUY';
      pending.push(a('risk', 'risk.orderAllowed', { allow: true, reasons: [], details: [], bucket: 'weekly', legs: [] }));
      pending.push(a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: o, sagaId: `s${c}`, leg: 0, role: 'entry', instrumentKey: `NSE_FO|${40_000 + (c % 40)}`, side, quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts }));
      pending.push(a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: o, sagaId: `s${c}`, brokerOrderId: `b${c}`, status: 'partially_filled', filledQuantity: 30, averagePrice: 100, ts: ts + 500 }));
      pending.push(a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: o, sagaId: `s${c}`, brokerOrderId: `b${c}`, status: 'filled', filledQuantity: 65, averagePrice: 100.5, ts: ts + 1_000 }));
      pending.push(a('executor', 'money.charges', { orderId: o, structureId: null, instrumentKey: `NSE_FO|${40_000 + (c % 40)}`, side, quantity: 65, price: 100.5, date, at: ts + 1_000, charges: { total: 41.37 }, shadow: false }));
    }
    if (c % 1_000 === 500) pending.push(a('killswitch', 'killswitch.transition', { from: 'NORMAL', to: 'DEGRADED', at: ts, cause: { code: 'DATA_QUALITY', message: 'quality 0.55 < 0.6', evidence: {} } }));
  }
  await Promise.all(pending);
  if (!close) return;
  const summary = {
    date, at: istInstant(date, 945), gross: 1_200, charges: ORDERS * 41.37, settlement: 0, net: 1_200 - ORDERS * 41.37, realised: 1_200 - ORDERS * 41.37,
    unrealised: 0, trades: ORDERS, maxDrawdown: 8_000, safetyEvents: 8, equity: { dayStart: 1_000_000, end: 1_000_000 + 1_200 - ORDERS * 41.37 },
  };
  // As risk closes a day: the summary, then its kv index of closed days.
  await a('risk', 'money.dayClosed', summary);
  await journal.kvPut('risk.days', [summary]);
}

/** `report day` (the latest day) timed over RUNS, checking it is the day described: ORDERS orders, 2 fills each, `status`. */
async function timeReport(dir: string, status: 'closed' | 'open'): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => { text += String(d); });
    const t0 = performance.now();
    const code = await reportCli(['day', '--json', '--data-dir', dir], { stdin: new PassThrough(), stdout: out, stderr: out, env: {}, cwd: dir });
    times.push(performance.now() - t0);
    if (code !== 0) throw new Error(`report day exited ${code}: ${text}`);
    const r = JSON.parse(text) as { orders: number; fills: number; status: string };
    if (r.orders !== ORDERS || r.fills !== 2 * ORDERS || r.status !== status) throw new Error(`report day: expected a ${status} day of ${ORDERS} orders, ${2 * ORDERS} fills, was ${text.slice(0, 200)}`);
  }
  return times;
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-bench-report-'));
  try {
    const daySeqs: Record<string, number> = {};
    let journal = openJournal(dir, DATE);
    // A week of earlier activity the report must not read (a long-running journal), then the day.
    for (let i = 0; i < PRIOR; i++) await journal.append({ actor: 'risk', type: 'risk.breaches', body: { breaches: [], limits: [] } });
    await writeDay(journal, DATE, daySeqs, true);
    await journal.close();
    const times = await timeReport(dir, 'closed');
    // The fold and render alone, on the day's entries in memory (what the budget is about when the disk is cold).
    const backend = new LmdbBackend(path.join(dir, 'journal'), { readOnly: true });
    const entries = [...new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER }).read({ from: PRIOR + 1 })];
    await backend.close();
    const folds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      JSON.stringify(buildDayReport(null, entries));
      folds.push(performance.now() - t0);
    }
    // The next day, still in progress (no summary yet): its figures so far come from its cycles.
    journal = openJournal(dir, NEXT);
    await writeDay(journal, NEXT, daySeqs, false);
    await journal.close();
    const open = await timeReport(dir, 'open');
    return [
      { suite: 'report', metric: 'day_report_ms', value: percentile(times, 50), unit: 'ms', budget: '≤ 50 ms (the command: 200 orders, 7,500 cycles, after 30k older entries)' },
      { suite: 'report', metric: 'day_fold_ms', value: percentile(folds, 50), unit: 'ms' },
      { suite: 'report', metric: 'day_open_report_ms', value: percentile(open, 50), unit: 'ms', budget: '≤ 50 ms (the same day in progress: its figures from its 7,500 cycles)' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
