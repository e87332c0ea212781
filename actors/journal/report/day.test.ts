/**
 * `volguard report day` on a real LMDB journal written the way the actors journal a day (risk's money.dayOpened /
 * money.dayClosed, the executor's orders, the kill switch, cycles). Figures by hand in the comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbJournal } from '../lmdb-store.ts';
import { istInstant } from '../../domain/calendar.ts';
import { NO_REALISED, type DayOpened, type DaySummary } from '../../domain/money.ts';
import { run } from './cli.ts';
import type { DayReport } from './day.ts';
import { cliIo } from '../../../test/fixtures/cli.ts';


const MON = '2026-01-12';
const TUE = '2026-01-13';
const at = (date: string, min: number): number => istInstant(date, min);
const stages = { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 };
const cycle = (ts: number, day: number, realised: number) => ({ cycleId: `c${ts}`, ts, durationMs: 1, overrun: false, stages, summary: { pnl: { day, realised, unrealised: day - realised } } });

/*
 * Monday: opens at ₹10,00,000; one SELL order filled (charges ₹41.37 booked by the executor); a kill-switch
 * DEGRADED; closes with risk's summary: gross +1,200, charges 41.37, settlement 0 → realised 1,158.63, Δunrealised
 * −358.63 → net +800; equity 10,00,000 → 10,00,800.
 * Tuesday (open): starts at 10,00,800; cycles at day P&L −300, +200, −500 (realised 0): drawdown from +200 to −500 = 700.
 * A charges booking of ₹12.50 that morning → gross = 0 − 0 + 12.50.
 */
async function writeJournal(dir: string, indexed: boolean): Promise<void> {
  const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: { now: () => at(MON, 600), monotonic: () => 0 } });
  const a = (actor: string, type: string, body: unknown) => journal.append({ actor, type, body });
  const monOpen: DayOpened = { date: MON, at: at(MON, 555), equity: 1_000_000, realised: NO_REALISED, unrealised: 0, marks: {} };
  const monSeq = await a('risk', 'money.dayOpened', monOpen);
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o1', sagaId: 's1', leg: 0, role: 'entry', instrumentKey: 'NSE_FO|1', side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts: at(MON, 600) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o1', sagaId: 's1', brokerOrderId: 'b1', status: 'filled', filledQuantity: 65, averagePrice: 100, ts: at(MON, 601) });
  await a('killswitch', 'killswitch.transition', { from: 'NORMAL', to: 'DEGRADED', at: at(MON, 700), cause: { code: 'DATA_QUALITY', message: 'quality 0.55 < 0.6', evidence: {} } });
  const monClose: DaySummary = {
    date: MON, at: at(MON, 945), gross: 1_200, charges: 41.37, settlement: 0, net: 800, realised: 1_158.63, unrealised: -358.63, trades: 1,
    maxDrawdown: 420, safetyEvents: 1, equity: { dayStart: 1_000_000, end: 1_000_800 },
  };
  await a('risk', 'money.dayClosed', monClose);
  const tueSeq = await a('risk', 'money.dayOpened', { ...monOpen, date: TUE, at: at(TUE, 555), equity: 1_000_800 });
  await a('executor', 'money.charges', { orderId: 'o2', structureId: null, instrumentKey: 'NSE_FO|1', side: 'BUY', quantity: 65, price: 10, date: TUE, at: at(TUE, 560), charges: { total: 12.5 }, shadow: false });
  await journal.commitCycle(cycle(at(TUE, 560), -300, 0));
  await journal.commitCycle(cycle(at(TUE, 570), 200, 0));
  await journal.commitCycle(cycle(at(TUE, 580), -500, 0));
  // The risk actor's index of where each day starts (the report reads from there, not the whole journal).
  if (indexed) await journal.kvPut('risk.daySeqs', { [MON]: monSeq, [TUE]: tueSeq });
  await journal.close();
}

for (const indexed of [true, false]) test(`report day (${indexed ? 'through risk.daySeqs' : 'whole journal'}): a closed day is risk's summary with the day's safety events; an open day is its figures so far`, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-day-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeJournal(dir, indexed);

  const io = cliIo(dir);
  assert.equal(await run(['day', '--date', MON, '--json', '--data-dir', dir], io), 0, io.err());
  const mon = JSON.parse(io.out()) as DayReport;
  assert.deepEqual(
    [mon.status, mon.gross, mon.charges, mon.settlement, mon.net, mon.trades, mon.maxDrawdown, mon.safetyEvents, mon.equity, mon.orders, mon.fills],
    ['closed', 1_200, 41.37, 0, 800, 1, 420, 1, { dayStart: 1_000_000, end: 1_000_800 }, 1, 1],
  );
  assert.deepEqual(mon.safety.map((s) => s.type), ['killswitch.transition']);

  const io2 = cliIo(dir);
  assert.equal(await run(['day', '--json', '--data-dir', dir], io2), 0, io2.err()); // the latest day: Tuesday
  const tue = JSON.parse(io2.out()) as DayReport;
  assert.deepEqual(
    [tue.date, tue.status, tue.net, tue.charges, tue.gross, tue.trades, tue.maxDrawdown, tue.equity],
    [TUE, 'open', -500, 12.5, 12.5, 1, 700, { dayStart: 1_000_800, end: 1_000_300 }],
  );

  const io3 = cliIo(dir);
  assert.equal(await run(['day', '--date', MON, '--data-dir', dir], io3), 0, io3.err());
  assert.match(io3.out(), /VolGuard day 2026-01-12 \(closed\)/);
  assert.match(io3.out(), /net\s+₹800\.00/);
  assert.match(io3.out(), /charges\s+₹41\.37/);
  assert.match(io3.out(), /NORMAL → DEGRADED: DATA_QUALITY/);

  const io4 = cliIo(dir);
  assert.equal(await run(['day', '--date', '2026-01-14', '--data-dir', dir], io4), 1);
  assert.match(io4.err(), /expected a trading day 2026-01-14 in the journal/);
  const io5 = cliIo(dir);
  assert.equal(await run(['day', '--date', 'yesterday', '--data-dir', dir], io5), 2);
  assert.equal(await run(['day', '--days', '3', '--data-dir', dir], io5), 2);
});
