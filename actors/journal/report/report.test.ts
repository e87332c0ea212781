/**
 * `volguard report session` on a real LMDB journal holding a small paper session written the way the actors journal
 * it (executor.*, killswitch.transition, risk.orderDenied, journal.cycle). Every figure is checked against the
 * arithmetic in the comments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLmdbJournal } from '../lmdb-store.ts';
import { istInstant } from '../../domain/calendar.ts';
import { run } from './cli.ts';
import { buildReport } from './model.ts';
import { cliIo } from '../../../test/fixtures/cli.ts';
import type { JournalEntry } from '../messages.ts';


const D1 = (min: number): number => istInstant('2026-01-12', min);
const D2 = (min: number): number => istInstant('2026-01-13', min);
const CE = 'NSE_FO|47621';
const PE = 'NSE_FO|47622';
const stages = { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 };
const cycle = (ts: number, unrealised: number, vega: number) => ({ cycleId: `c${ts}`, ts, durationMs: 1, overrun: false, stages, summary: { greeks: { delta: 1, gamma: 0.1, vega, theta: 50 }, pnl: { day: 0, realised: 0, unrealised } } });
const proposal = (action: 'open' | 'close', reason: string) => ({
  id: `p-${action}`, action, kind: 'strangle', bucket: 'weekly', underlying: 'NIFTY', expiry: '2026-01-20', reason,
  rationale: { ivRank: 0.62, creditPerLot: 180 }, riskIncreasing: action === 'open', legs: [],
});

/*
 * Day 1 (12 Jan): open strangle S1 — SELL 65 CE filled in two parts (30 @ 100, then cumulative 65 at average
 *   6570/65 = 101.0769…, i.e. 35 @ 102), SELL 65 PE @ 80. The day's last cycle marks unrealised −650.
 *   Equity 100 000 → 99 350; day 1 net −650.
 * Day 2 (13 Jan): close S1 — BUY 65 CE @ 60: 65 × (101.0769 − 60) = 6570 − 3900 = +2 670;
 *   BUY 65 PE @ 90: 65 × (80 − 90) = −650 → realised +2 020; the cycle after marks unrealised 0.
 *   Equity 102 020; day 2 net 102 020 − 99 350 = +2 670. Trade S1 net +2 020 (no charges journaled: gross).
 * Drawdown: peak 100 000, trough 99 350 → ₹650 = 0.65 %.
 * r1 = −650/100 000 = −0.0065, r2 = 2 670/99 350 = 0.0268746855; mean 0.0101873427;
 *   sample sd = |r2 − r1|/√2 = 0.0335746855/1.4142136 = 0.0235994664 → Sharpe = 0.4316… × 15.8745079 = 6.8526572;
 *   DD = √(0.0065²/2) = 0.0045961941 → Sortino = 2.2165… × 15.8745079 = 35.1854272.
 */
async function writeSession(dir: string): Promise<void> {
  const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: { now: () => D1(600), monotonic: () => 0 } });
  const a = (actor: string, type: string, body: unknown) => journal.append({ actor, type, body });
  await a('executor', 'executor.sagaStarted', { type: 'executor.sagaStarted', sagaId: 's1', no: 1, proposal: proposal('open', 'IV rank high, trend flat'), structureId: 'S1', approvalId: null, ts: D1(600) });
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o1', sagaId: 's1', leg: 0, role: 'entry', instrumentKey: CE, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 100, riskIncreasing: true, ts: D1(600) });
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o2', sagaId: 's1', leg: 1, role: 'entry', instrumentKey: PE, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 80, riskIncreasing: true, ts: D1(600) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o1', sagaId: 's1', brokerOrderId: 'b1', status: 'partially_filled', filledQuantity: 30, averagePrice: 100, ts: D1(601) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o1', sagaId: 's1', brokerOrderId: 'b1', status: 'filled', filledQuantity: 65, averagePrice: 6570 / 65, ts: D1(602) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o2', sagaId: 's1', brokerOrderId: 'b2', status: 'filled', filledQuantity: 65, averagePrice: 80, ts: D1(602) });
  await a('killswitch', 'killswitch.transition', { from: 'NORMAL', to: 'DEGRADED', at: D1(700), cause: { code: 'DATA_QUALITY', message: 'quality 0.55 < 0.6', evidence: {} } });
  await a('risk', 'risk.orderDenied', { allow: false, reasons: ['SCENARIO_LOSS'], details: ['expected worst scenario loss ≤ 60000, was 71000'] });
  await a('executor', 'executor.orderDenied', { type: 'executor.orderDenied', denied: { proposalId: 'p9', reason: 'RISK_PRETRADE_DENIED', detail: 'SCENARIO_LOSS' }, ts: D1(701) });
  await a('calibrator', 'calibrator.fallback', { expiries: [] });
  await journal.commitCycle(cycle(D1(915), -650, -400));
  await a('executor', 'executor.sagaStarted', { type: 'executor.sagaStarted', sagaId: 's2', no: 2, proposal: { ...proposal('close', 'profit target 50 % reached'), structureId: 'S1' }, structureId: 'S1', approvalId: null, ts: D2(600) });
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o3', sagaId: 's2', leg: 0, role: 'exit', instrumentKey: CE, side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 60, riskIncreasing: false, ts: D2(600) });
  await a('executor', 'executor.orderIntent', { type: 'executor.orderIntent', clientOrderId: 'o4', sagaId: 's2', leg: 1, role: 'exit', instrumentKey: PE, side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 90, riskIncreasing: false, ts: D2(600) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o3', sagaId: 's2', brokerOrderId: 'b3', status: 'filled', filledQuantity: 65, averagePrice: 60, ts: D2(601) });
  await a('executor', 'executor.orderUpdated', { type: 'executor.orderUpdated', clientOrderId: 'o4', sagaId: 's2', brokerOrderId: 'b4', status: 'filled', filledQuantity: 65, averagePrice: 90, quoteDerived: true, ts: D2(601) });
  await journal.commitCycle(cycle(D2(700), 0, 0));
  await journal.close();
}

const near = (a: number | null | undefined, b: number, tol = 1e-6): void => assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= tol, `expected ${b}, was ${a}`);

test('report session: P&L, days, drawdown, ratios, trades with rationale, safety events, greeks, derived fills', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeSession(dir);
  const io = cliIo(dir);
  assert.equal(await run(['session', '--json', '--data-dir', dir, '--capital', '100000', '--out', 'out'], io), 0, io.err());
  const r = JSON.parse(io.out()) as ReturnType<typeof buildReport>;
  assert.deepEqual(r.days.map((d) => [d.date, Math.round(d.net * 100) / 100, d.fills]), [['2026-01-12', -650, 3], ['2026-01-13', 2670, 2]]);
  near(r.days[1]!.endEquity, 102_020);
  near(r.metrics.maxDrawdown, 650);
  near(r.metrics.maxDrawdownPct, 0.0065);
  near(r.metrics.sharpe, 6.8526572, 5e-7);
  near(r.metrics.sortino, 35.1854272, 5e-6);
  assert.deepEqual(r.metrics.worstDay, { date: '2026-01-12', net: -650 });
  assert.equal(r.trades.length, 1);
  const s1 = r.trades[0]!;
  near(s1.realised, 2020, 1e-9);
  near(s1.net, 2020, 1e-9);
  assert.equal(s1.entry?.reason, 'IV rank high, trend flat');
  assert.deepEqual(s1.entry?.rationale, { ivRank: 0.62, creditPerLot: 180 });
  assert.equal(s1.exits[0]!.reason, 'profit target 50 % reached');
  assert.equal(s1.closedAt, D2(601));
  assert.deepEqual([r.metrics.trades, r.metrics.wins, r.metrics.winRate, Math.round(r.metrics.expectancy!)], [1, 1, 1, 2020]);
  // The partial fill: 30 @ 100, then 35 @ 102 (from the cumulative average).
  near(r.fills[1]!.price, 102, 1e-9);
  assert.equal(r.fills[1]!.quantity, 35);
  assert.deepEqual(r.derivedFills.map((f) => f.clientOrderId), ['o4']);
  assert.deepEqual(r.safety.map((s) => s.type), ['killswitch.transition', 'risk.orderDenied', 'executor.orderDenied']);
  assert.match(r.safety[0]!.summary, /NORMAL → DEGRADED: DATA_QUALITY/);
  assert.match(r.safety[1]!.summary, /SCENARIO_LOSS.*71000/);
  assert.deepEqual(r.greeks.map((g) => g.vega), [-400, 0]);
  assert.deepEqual(r.unprojected, { 'calibrator.fallback': 1 });
  assert.ok(r.notes.some((n) => /No charges were journaled/.test(n)));
  assert.ok(r.definitions['sharpe']!.includes('√252'));
  // The HTML is self-contained: uPlot inlined, no external script, stylesheet or font.
  const html = readFileSync(path.join(dir, 'out', 'report.html'), 'utf8');
  assert.ok(html.includes('uPlot') && html.includes('Sortino'));
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?https?:|<img[^>]+src=["']?https?:/);
  assert.match(html, /2026-01-12 10:00:00 IST → 2026-01-13 11:40:00 IST/, 'the session spans market time, from its events');
  assert.ok(existsSync(path.join(dir, 'out', 'summary.json')));
});

test('report: unknown subcommands and bad options are usage errors; an unknown event type is counted, not fatal', async () => {
  const io = cliIo(tmpdir());
  assert.equal(await run(['week'], io), 2);
  assert.equal(await run(['session', '--capital', '-5', '--data-dir', '/x'], io), 2);
  assert.equal(await run(['day', '--date', '2026-13-01', '--data-dir', '/x'], io), 2);
  assert.match(io.err(), /report day: --date: expected a date YYYY-MM-DD, was "2026-13-01"/);
  const entries: JournalEntry[] = [{ seq: 1, ts: D1(600), actor: 'x', type: 'x.new', body: { a: 1 }, prevHash: '', hash: '' }];
  const r = buildReport(entries, { title: 't', capital: 1 });
  assert.deepEqual(r.unprojected, { 'x.new': 1 });
  assert.equal(r.metrics.trades, 0);
});

test('report: proposals left to a human approval (SEMI_AUTO) are counted by outcome in a note', () => {
  let seq = 0;
  const e = (type: string, body: unknown): JournalEntry => ({ seq: ++seq, ts: D1(600), actor: 'executor', type, body, prevHash: '', hash: '' });
  const created = (id: string) => e('executor.approvalCreated', { type: 'executor.approvalCreated', approval: { id, status: 'pending', legs: [] } });
  const changed = (id: string, status: string) => e('executor.approvalChanged', { type: 'executor.approvalChanged', id, status, reason: '', ts: D1(603) });
  const quiet = buildReport([e('x.new', {})], { title: 't', capital: 1 });
  assert.ok(!quiet.notes.some((n) => /approval/.test(n)), 'no approvals, no note');
  // A1 and A2 expire, A3 is approved, A4 never answered; a change for an approval never created is ignored.
  const r = buildReport([created('A1'), created('A2'), created('A3'), created('A4'), changed('A1', 'expired'), changed('A2', 'expired'),
    changed('A3', 'approved'), changed('A9', 'expired')], { title: 't', capital: 1 });
  const note = r.notes.find((n) => /approval/.test(n));
  assert.match(note ?? '', /^4 proposal\(s\) waited for a human approval .*: 1 approved, 2 expired, 1 pending\. .*FULL_AUTO_MIN_QUALITY/);
  assert.deepEqual(r.unprojected, {});
});
