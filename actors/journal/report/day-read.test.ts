/**
 * `volguard report day` decodes only what its fold reads (DAY_READ: the day's open and close, the types the session
 * model projects, and of each cycle its summary's P&L; the rest is passed over on its type, skim.ts). These tests pin
 * that this changes no output:
 * - the output for a fixed journal (a closed day and a day in progress, every type the fold reads and some it does not,
 *   odd cycle bodies) is byte for byte what the command printed before the change (GOLDEN: captured from the code at
 *   57ac301, which decoded every entry);
 * - it equals the fold over the same journal decoded whole;
 * - a journal whose frames were laid out by another writer (the payload's keys in another order) reports the same.
 * The journal's frame format is unchanged by the change: a journal written by the code before it is read as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Packr } from 'msgpackr';
import { realClock } from '../../../runtime/clock.ts';
import { Journal } from '../journal.ts';
import { LmdbBackend, openLmdbJournal } from '../lmdb-store.ts';
import { FRAME_FORMAT, GENESIS_HASH, HASH_BYTES } from '../frame.ts';
import { istInstant } from '../../domain/calendar.ts';
import { NO_REALISED, type DayOpened, type DaySummary } from '../../domain/money.ts';
import { run } from './cli.ts';
import { buildDayReport, renderDayText } from './day.ts';
import { cliIo } from '../../../test/fixtures/cli.ts';


const MON = '2026-01-12';
const TUE = '2026-01-13';
const at = (date: string, min: number): number => istInstant(date, min);
const stages = { read_market: 1, assess_risk: 2, check_safety: 0, execute: 1, journal: 1 };
const cycle = (ts: number, summary: unknown) => ({ cycleId: `c${ts}`, ts, durationMs: 5, overrun: false, stages, summary });
const CE = 'NSE_FO|47621';
const PE = 'NSE_FO|47622';

/** A busy Monday (closed) and a Tuesday in progress, as the actors journal them, with entries the report does not read. */
async function writeJournal(dir: string, riskDays: boolean): Promise<void> {
  const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: { now: () => at(MON, 600), monotonic: () => 0 } });
  const a = (actor: string, type: string, body: unknown, corrId?: string) => journal.append({ actor, type, body, ...(corrId !== undefined ? { corrId } : {}) });
  const monOpen: DayOpened = { date: MON, at: at(MON, 555), equity: 1_000_000, realised: NO_REALISED, unrealised: 0, marks: {} };
  const monSeq = await a('risk', 'money.dayOpened', monOpen);
  await a('strategy', 'strategy.signal', { ivRank: 0.62, rv: 0.11, chain: Array.from({ length: 40 }, (_, i) => ({ strike: 23_000 + 50 * i, iv: 0.12 + i / 1000 })) });
  await journal.commitCycle(cycle(at(MON, 556), { greeks: { delta: 0, gamma: 0, vega: 0, theta: 0 }, pnl: { day: 0, realised: 0, unrealised: 0 } }));
  await a('risk', 'risk.orderAllowed', { allow: true, reasons: [], details: [], bucket: 'weekly', legs: [] }, 'p1');
  await a('executor', 'executor.sagaStarted', { type: 'executor.sagaStarted', sagaId: 's1', no: 1, structureId: 'S1', approvalId: null, ts: at(MON, 600), proposal: { id: 'p1', action: 'open', kind: 'strangle', bucket: 'weekly', underlying: 'NIFTY', expiry: '2026-01-20', reason: 'IV rank high', rationale: { ivRank: 0.62 }, riskIncreasing: true, legs: [] } }, 'p1');
  await journal.appendBatch([
    { actor: 'executor', type: 'executor.orderIntent', corrId: 'p1', body: { type: 'executor.orderIntent', clientOrderId: 'o1', sagaId: 's1', leg: 0, role: 'entry', instrumentKey: CE, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts: at(MON, 600) } },
    { actor: 'executor', type: 'executor.orderIntent', corrId: 'p1', body: { type: 'executor.orderIntent', clientOrderId: 'o2', sagaId: 's1', leg: 1, role: 'entry', instrumentKey: PE, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 80, riskIncreasing: true, ts: at(MON, 600) } },
  ]);
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o1', sagaId: 's1', brokerOrderId: 'b1', status: 'partially_filled', filledQuantity: 30, averagePrice: 100, ts: at(MON, 601) });
  await journal.commitCycle(cycle(at(MON, 601), { pnl: { day: -120, realised: 0, unrealised: -120 } }));
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o1', sagaId: 's1', brokerOrderId: 'b1', status: 'filled', filledQuantity: 65, averagePrice: 6570 / 65, ts: at(MON, 602) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o2', sagaId: 's1', brokerOrderId: 'b2', status: 'filled', filledQuantity: 65, averagePrice: 80, ts: at(MON, 602), quoteDerived: false });
  await a('executor', 'money.charges', { orderId: 'o1', structureId: 'S1', instrumentKey: CE, side: 'SELL', quantity: 65, price: 6570 / 65, date: MON, at: at(MON, 602), charges: { total: 41.37 }, shadow: false });
  await a('executor', 'money.charges', { orderId: 'o2', structureId: 'S1', instrumentKey: PE, side: 'SELL', quantity: 65, price: 80, date: MON, at: at(MON, 602), charges: { total: 33.1 }, shadow: false });
  await a('executor', 'executor.shadowFill', { structureId: 'SH1', ts: at(MON, 610), legs: [{ underlying: 'NIFTY', kind: 'strangle', expiry: '2026-01-20' }], fills: [{ side: 'SELL', quantity: 65, price: 90, instrumentKey: CE }] });
  await a('executor', 'money.charges', { orderId: 'sh1', structureId: 'SH1', instrumentKey: CE, side: 'SELL', quantity: 65, price: 90, date: MON, at: at(MON, 610), charges: { total: 30 }, shadow: true });
  await a('risk', 'risk.breaches', { breaches: [], limits: [] });
  await a('risk', 'risk.breaches', { breaches: [{ limit: 'vega', level: 'soft', value: -5123.4, threshold: -5000 }], limits: [] });
  await a('risk', 'risk.orderDenied', { reasons: ['VEGA_LIMIT'], details: ['vega −5,123 beyond −5,000'], ts: at(MON, 640) });
  await a('executor', 'executor.orderDenied', { denied: { reason: 'RISK', detail: 'vega', proposalId: 'p2' }, ts: at(MON, 640) });
  await a('killswitch', 'killswitch.transition', { from: 'NORMAL', to: 'DEGRADED', at: at(MON, 700), cause: { code: 'DATA_QUALITY', message: 'quality 0.55 < 0.6', evidence: {} } });
  await a('feed', 'feed.stalled', { reason: 'no ticks 5 s', ts: at(MON, 701) });
  await a('feed', 'feed.recovered', { reason: 'ticks again', ts: at(MON, 703) });
  await a('killswitch', 'killswitch.flattenRetriesExhausted', { attempts: 5, at: at(MON, 704) });
  await a('executor', 'executor.sagaFinished', { sagaId: 's9', outcome: 'compensated', reason: 'leg 2 rejected', ts: at(MON, 705) });
  await journal.commitCycle(cycle(at(MON, 900), { pnl: { day: 800, realised: 0, unrealised: 800 } }));
  const monClose: DaySummary = {
    date: MON, at: at(MON, 945), gross: 1_200, charges: 74.47, settlement: 0, net: 800, realised: 1_125.53, unrealised: -325.53, trades: 2,
    maxDrawdown: 420, safetyEvents: 3, equity: { dayStart: 1_000_000, end: 1_000_800 },
    shadow: { net: 150, charges: 30, equity: { dayStart: 1_000_000, end: 1_000_150 } },
  };
  await a('risk', 'money.dayClosed', monClose);
  const tueSeq = await a('risk', 'money.dayOpened', { ...monOpen, date: TUE, at: at(TUE, 555), equity: 1_000_800 });
  await journal.kvPut('risk.daySeqs', { [MON]: monSeq, [TUE]: tueSeq });
  // Tuesday so far: day P&L −300, +200, −500 → drawdown 700 from the +200 peak; odd cycle bodies the fold passes by.
  await journal.commitCycle(cycle(at(TUE, 560), { pnl: { day: -300, realised: 0, unrealised: -300 } }));
  await journal.commitCycle(cycle(at(TUE, 565), { greeks: { delta: 1, gamma: 0.1, vega: -300, theta: 90 } }));
  await journal.commitCycle(cycle(at(TUE, 570), { pnl: { day: 200, realised: 150, unrealised: 50 }, extra: [1, 2, 3] }));
  await journal.commitCycle(cycle(at(TUE, 572), ['not', 'a', 'map']));
  await journal.commitCycle(cycle(at(TUE, 574), { pnl: { day: 'n/a', realised: 0 } }));
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o3', sagaId: 's2', leg: 0, role: 'exit', instrumentKey: CE, side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 60, riskIncreasing: false, ts: at(TUE, 575) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o3', sagaId: 's2', brokerOrderId: 'b3', status: 'filled', filledQuantity: 65, averagePrice: 60, ts: at(TUE, 576) });
  await a('executor', 'money.charges', { orderId: 'o3', structureId: 'S1', instrumentKey: CE, side: 'BUY', quantity: 65, price: 60, date: TUE, at: at(TUE, 576), charges: { total: 12.5 }, shadow: false });
  await a('executor', 'money.settlement', { instrumentKey: PE, underlying: 'NIFTY', expiry: '2026-01-13', strike: 23_000, right: 'PE', quantity: -65, averagePrice: 80, settlementPrice: 23_050, pnl: 5_200, charges: { total: 0 }, structureId: 'S1', date: TUE, at: at(TUE, 930), shadow: false });
  await a('killswitch', 'killswitch.transition', { from: 'DEGRADED', to: 'NORMAL', at: at(TUE, 580), cause: { code: 'HEALTHY', message: 'recovered', evidence: {} } });
  await journal.commitCycle(cycle(at(TUE, 580), { pnl: { day: -500, realised: 150, unrealised: -650 } }));
  await a('strategy', 'strategy.signal', { ivRank: 0.4 });
  // Risk's index of its closed days (report day's hint of which read is cheaper; absent from older journals). Risk writes
  // it with the close; written last here, so the entries' seqs are the golden's either way.
  if (riskDays) await journal.kvPut('risk.days', [monClose]);
  await journal.close();
}

/*
 * GOLDEN: what `volguard report day` printed for this journal at 57ac301 (before DAY_READ), --json and text, for the
 * closed Monday and the Tuesday in progress. By hand: Monday is risk's summary (net 800, charges 74.47, shadow net 150),
 * 2 orders and 4 fills (o1 in two parts, o2, the shadow fill), 8 safety events (the non-empty breach, the two denials,
 * the kill switch, the feed twice, the exhausted flatten, the compensated saga). Tuesday in progress: net −500 (the last
 * cycle's day P&L), drawdown 700 (peak +200 → −500; the cycles without a numeric day P&L count for nothing), charges
 * 12.5, settlement 5,200, gross = realised − settlement + charges = 150 − 5,200 + 12.5 = −5,037.5, 1 order, 1 fill.
 */
const GOLDEN: Record<string, string> = {
  monJson: "{\"format\":\"volguard-day-report\",\"version\":1,\"date\":\"2026-01-12\",\"orders\":2,\"fills\":4,\"safety\":[{\"ts\":1768192200000,\"seq\":17,\"type\":\"risk.breaches\",\"summary\":\"limit breach: vega soft (-5123 vs -5000)\"},{\"ts\":1768194600000,\"seq\":18,\"type\":\"risk.orderDenied\",\"summary\":\"risk refused the order (VEGA_LIMIT): vega −5,123 beyond −5,000\"},{\"ts\":1768194600000,\"seq\":19,\"type\":\"executor.orderDenied\",\"summary\":\"order denied RISK: vega (proposal p2)\"},{\"ts\":1768198200000,\"seq\":20,\"type\":\"killswitch.transition\",\"summary\":\"kill switch NORMAL → DEGRADED: DATA_QUALITY quality 0.55 < 0.6\"},{\"ts\":1768198260000,\"seq\":21,\"type\":\"feed.stalled\",\"summary\":\"feed stalled: no ticks 5 s\"},{\"ts\":1768198380000,\"seq\":22,\"type\":\"feed.recovered\",\"summary\":\"feed recovered (ticks again)\"},{\"ts\":1768198440000,\"seq\":23,\"type\":\"killswitch.flattenRetriesExhausted\",\"summary\":\"flatten retries exhausted: {\\\"attempts\\\":5,\\\"at\\\":1768198440000}\"},{\"ts\":1768198500000,\"seq\":24,\"type\":\"executor.sagaFinished\",\"summary\":\"saga s9 compensated: leg 2 rejected\"}],\"status\":\"closed\",\"gross\":1200,\"charges\":74.47,\"settlement\":0,\"net\":800,\"realised\":1125.53,\"unrealised\":-325.53,\"trades\":2,\"maxDrawdown\":420,\"safetyEvents\":3,\"equity\":{\"dayStart\":1000000,\"end\":1000800},\"shadow\":{\"net\":150,\"charges\":30,\"equity\":{\"dayStart\":1000000,\"end\":1000150}},\"notes\":[]}\n",
  monText: "VolGuard day 2026-01-12 (closed)\n  gross                    ₹1,200.00\n  charges                     ₹74.47\n  settlement                   ₹0.00\n  net                        ₹800.00\n    realised               ₹1,125.53\n    Δ unrealised            −₹325.53\n  trades                           2\n  max drawdown               ₹420.00\n  safety events                    3\n  equity start         ₹10,00,000.00\n  equity end           ₹10,00,800.00\n  shadow net                 ₹150.00\n  shadow charges              ₹30.00\n  orders 2, fills 4\nsafety (8):\n  10:00:00 IST  limit breach: vega soft (-5123 vs -5000)\n  10:40:00 IST  risk refused the order (VEGA_LIMIT): vega −5,123 beyond −5,000\n  10:40:00 IST  order denied RISK: vega (proposal p2)\n  11:40:00 IST  kill switch NORMAL → DEGRADED: DATA_QUALITY quality 0.55 < 0.6\n  11:41:00 IST  feed stalled: no ticks 5 s\n  11:43:00 IST  feed recovered (ticks again)\n  11:44:00 IST  flatten retries exhausted: {\"attempts\":5,\"at\":1768198440000}\n  11:45:00 IST  saga s9 compensated: leg 2 rejected\n",
  tueJson: "{\"format\":\"volguard-day-report\",\"version\":1,\"date\":\"2026-01-13\",\"orders\":1,\"fills\":1,\"safety\":[{\"ts\":1768277400000,\"seq\":38,\"type\":\"killswitch.transition\",\"summary\":\"kill switch DEGRADED → NORMAL: HEALTHY recovered\"}],\"status\":\"open\",\"gross\":-5037.5,\"charges\":12.5,\"settlement\":5200,\"net\":-500,\"realised\":150,\"unrealised\":-650,\"trades\":1,\"maxDrawdown\":700,\"safetyEvents\":1,\"equity\":{\"dayStart\":1000800,\"end\":1000300},\"notes\":[\"The day has not closed (no money.dayClosed yet): figures so far, net from the last cycle's day P&L.\"]}\n",
  tueText: "VolGuard day 2026-01-13 (open)\n  gross                   −₹5,037.50\n  charges                     ₹12.50\n  settlement               ₹5,200.00\n  net                       −₹500.00\n    realised                 ₹150.00\n    Δ unrealised            −₹650.00\n  trades                           1\n  max drawdown               ₹700.00\n  safety events                    1\n  equity start         ₹10,00,800.00\n  equity end           ₹10,00,300.00\n  orders 1, fills 1\nsafety (1):\n  09:40:00 IST  kill switch DEGRADED → NORMAL: HEALTHY recovered\nnote: The day has not closed (no money.dayClosed yet): figures so far, net from the last cycle's day P&L.\n",
};

const ARGS: Record<string, readonly string[]> = {
  monJson: ['--date', MON, '--json'],
  monText: ['--date', MON],
  tueJson: ['--json'],
  tueText: ['--date', TUE],
};

async function outputs(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, args] of Object.entries(ARGS)) {
    const io = cliIo(dir);
    assert.equal(await run(['day', ...args, '--data-dir', dir], io), 0, io.err());
    out[name] = io.out();
  }
  return out;
}

for (const riskDays of [true, false]) test(`report day: the output for a fixed journal is what it was before the day was read selectively (${riskDays ? 'with' : 'without'} kv risk.days)`, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-day-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeJournal(dir, riskDays);
  assert.deepEqual(await outputs(dir), GOLDEN);
});

for (const riskDays of [true, false]) test(`report day: the selective read folds to the same report as the journal decoded whole (closed day, day in progress; ${riskDays ? 'with' : 'without'} kv risk.days)`, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-day-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeJournal(dir, riskDays);
  const out = await outputs(dir);
  const backend = new LmdbBackend(path.join(dir, 'journal'), { readOnly: true });
  try {
    const whole = [...new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER }).read({})];
    const mon = buildDayReport(MON, whole)!;
    const tue = buildDayReport(null, whole)!;
    assert.equal(out['monJson'], `${JSON.stringify(mon)}\n`);
    assert.equal(out['monText'], renderDayText(mon));
    assert.equal(out['tueJson'], `${JSON.stringify(tue)}\n`);
    assert.equal(out['tueText'], renderDayText(tue));
  } finally {
    await backend.close();
  }
});

/*
 * The same entries (same seqs, actors, types, bodies) in frames another writer laid out: the payload's keys in another
 * order (body first, seq last), chained and hashed as frame.ts defines (hash = sha256(prevHash ‖ payload)).
 */
async function rewriteReordered(from: string, to: string): Promise<void> {
  const src = new LmdbBackend(path.join(from, 'journal'), { readOnly: true });
  const dst = new LmdbBackend(path.join(to, 'journal'));
  const packr = new Packr({ useRecords: false, moreTypes: true });
  try {
    const journal = new Journal(src, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
    const daySeqs = journal.kvGet('risk.daySeqs').value;
    let prev = GENESIS_HASH;
    const frames: Array<[number, Buffer, string]> = [];
    for (const e of journal.read({})) {
      const payload = packr.pack({ body: e.body, type: e.type, ...(e.corrId !== undefined ? { corrId: e.corrId } : {}), actor: e.actor, ...(e.cycleId !== undefined ? { cycleId: e.cycleId } : {}), ts: e.ts, seq: e.seq });
      const hash = createHash('sha256').update(prev).update(payload).digest();
      frames.push([e.seq, Buffer.concat([Buffer.from([FRAME_FORMAT]), hash, prev, payload]), e.actor]);
      prev = hash;
    }
    assert.equal(prev.length, HASH_BYTES);
    await dst.transaction((txn) => {
      for (const [seq, frame, actor] of frames) {
        txn.put('events', seq, frame);
        txn.put('byActor', [actor, seq], 1);
      }
      txn.put('kv', 'risk.daySeqs', { value: daySeqs, seq: frames.length });
      txn.put('kv', 'risk.days', { value: journal.kvGet('risk.days').value, seq: frames.length });
    });
  } finally {
    await src.close();
    await dst.close();
  }
}

test('report day: a journal whose frames another writer laid out (keys in another order) reports the same', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-day-read-'));
  const other = mkdtempSync(path.join(tmpdir(), 'vg-report-day-read-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); rmSync(other, { recursive: true, force: true }); });
  await writeJournal(dir, true);
  await rewriteReordered(dir, other);
  assert.deepEqual(await outputs(other), await outputs(dir));
});

/*
 * A day that never closed (risk was down over its close) with a later day after it: the earlier day's figures so far are
 * its own cycles' only. Monday: day P&L +100, −250 → net −250, drawdown 350; Tuesday: −1,000 (not Monday's).
 */
for (const [indexed, hint] of [[true, false], [false, false], [true, true]]) test(`report day: a day left open before a later one reads only its own cycles (${indexed ? 'through risk.daySeqs' : 'whole journal'}${hint ? ', kv risk.days wrongly listing it' : ''})`, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-day-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: { now: () => at(MON, 600), monotonic: () => 0 } });
  const open = (date: string, equity: number) => journal.append({ actor: 'risk', type: 'money.dayOpened', body: { date, at: at(date, 555), equity, realised: NO_REALISED, unrealised: 0, marks: {} } });
  const monSeq = await open(MON, 1_000_000);
  await journal.commitCycle(cycle(at(MON, 560), { pnl: { day: 100, realised: 0 } }));
  await journal.commitCycle(cycle(at(MON, 570), { pnl: { day: -250, realised: 0 } }));
  const tueSeq = await open(TUE, 999_750);
  await journal.commitCycle(cycle(at(TUE, 560), { pnl: { day: -1_000, realised: 0 } }));
  if (indexed) await journal.kvPut('risk.daySeqs', { [MON]: monSeq, [TUE]: tueSeq });
  // A wrong hint only changes how the day is read (a second pass for its cycles), never the figures.
  if (hint) await journal.kvPut('risk.days', [{ date: MON }]);
  await journal.close();

  const io = cliIo(dir);
  assert.equal(await run(['day', '--date', MON, '--json', '--data-dir', dir], io), 0, io.err());
  const mon = JSON.parse(io.out()) as { status: string; net: number; maxDrawdown: number; equity: unknown };
  assert.deepEqual([mon.status, mon.net, mon.maxDrawdown, mon.equity], ['open', -250, 350, { dayStart: 1_000_000, end: 999_750 }]);
  const backend = new LmdbBackend(path.join(dir, 'journal'), { readOnly: true });
  try {
    const whole = [...new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER }).read({})];
    assert.equal(io.out(), `${JSON.stringify(buildDayReport(MON, whole))}\n`);
  } finally {
    await backend.close();
  }
});
