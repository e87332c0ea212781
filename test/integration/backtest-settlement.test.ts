/**
 * Issue 14/20: expiry settlement on a replay of the real NSE sample (data/samples/nse-udiff-2026-01-12_14; the 13 Jan
 * NIFTY weekly's final settlement price is 25732.30, published 15:30 IST). Two positions placed on the paper account
 * outside VolGuard on 12 Jan are adopted (SEMI_AUTO: their exit waits for a human nobody is, so they are held into
 * expiry) and, at the 15:30 cycle of 13 Jan, settle at the recording's price — in the executor's book (`money.settlement`)
 * and on the paper exchange's own books — with every figure computed by hand below. Once settled nothing proposes to
 * close them again.
 *
 * The whole production tree (`volguard run`, FEED=replay on the stepped clock: the same tree a backtest runs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ManualClock } from '../../runtime/clock.ts';
import { PaperBroker } from '../../actors/venues/sim/paper/exchange.ts';
import type { PaperQuote } from '../../actors/venues/sim/paper/quotes.ts';
import { run as importCli } from '../../actors/venues/replay/import/cli.ts';
import { runCommand } from '../fixtures/cli.ts';
import { tempDir } from '../fixtures/temp-dir.ts';
import { startTestSystem } from '../fixtures/run-system.ts';
import { journalDump } from './safety-system.ts';
import { reportOf } from '../../runtime/main/replay/backtest.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = path.join(ROOT, 'data/samples/nse-udiff-2026-01-12_14');
const CONFIG = path.join(ROOT, 'test/fixtures/backtest/eod-sample.env');
const LOT = 65;
// 13 Jan 2026 NIFTY weekly, from the 12 Jan bhavcopy rows (FinInstrmId, ClsPric): 25700 CE 46161 136.55; 25800 PE
// 46166 66.10. The outside orders fill at those closes (the quotes below are the closes, 5 paise wide).
const CALL = 'NSE_FO|46161';
const PUT = 'NSE_FO|46166';
const QUOTES: Record<string, PaperQuote> = {
  [CALL]: { bid: 136.55, ask: 136.6, ltp: 136.55, bidQty: 1800, askQty: 1800 },
  [PUT]: { bid: 66.05, ask: 66.1, ltp: 66.1, bidQty: 1800, askQty: 1800 },
};
const T0 = Date.UTC(2026, 0, 12, 4, 30); // 12 Jan 10:00 IST
const SETTLED_AT = Date.UTC(2026, 0, 13, 10, 0); // 13 Jan 15:30 IST: the price's publication and the session close

const tmp = tempDir('vg-bt-settle-');
const recording = path.join(tmp.dir, 'rec');
after(() => tmp.cleanup());
before(async () => {
  const r = await runCommand(importCli, ['nse-bhavcopy', SAMPLE, '--out', recording], { cwd: tmp.dir });
  assert.equal(r.code, 0, r.err);
});

function outsideExchange(dataDir: string, at: number): PaperBroker {
  return new PaperBroker({
    dir: path.join(dataDir, 'paper'), clock: new ManualClock(at), quotes: (k) => QUOTES[k], instruments: (k) => (QUOTES[k] ? { lotSize: LOT, freezeQty: 1800 } : undefined),
    capital: 10_000_000,
  });
}

test('positions held into the 13 Jan expiry settle at the recording\'s 25732.30, hand-computed, on both books', async () => {
  const dataDir = path.join(tmp.dir, 'data');
  const outside = outsideExchange(dataDir, T0);
  try {
    await outside.placeOrder({ clientOrderId: 'outside-call', instrumentKey: CALL, side: 'SELL', quantity: LOT, orderType: 'MARKET', product: 'D', validity: 'DAY' });
    await outside.placeOrder({ clientOrderId: 'outside-put', instrumentKey: PUT, side: 'BUY', quantity: LOT, orderType: 'MARKET', product: 'D', validity: 'DAY' });
    const held = await outside.getPositions();
    assert.deepEqual(held.map((p) => [p.instrumentKey, p.quantity, p.averagePrice]).sort(), [[CALL, -LOT, 136.55], [PUT, LOT, 66.1]]);
  } finally {
    await outside.close();
  }

  const env = parseEnv(readFileSync(CONFIG, 'utf8')) as Record<string, string>;
  const sys = await startTestSystem({
    ...env, DATA_DIR: dataDir, FEED: 'replay', FEED_REPLAY_PATH: recording, FEED_REPLAY_SPEED: '1000000', SAFETY_MODE: 'paper', PHASE: 'SEMI_AUTO',
    SUPERVISOR_LOOP_INTERVAL: '3',
  });
  try {
    await new Promise<void>((resolve) => {
      const off = sys.system.onEvent((type) => { if (type === 'replay.finished') { off(); resolve(); } });
    });
    const rows = await journalDump(dataDir, 'money.settlement');
    const settled = rows.map((r) => r.body as Record<string, any>);
    // Settlement price 25732.30 (NSE's final settlement of the 13 Jan NIFTY weekly):
    //   short 25700 CE: intrinsic 25732.30 − 25700 = 32.30; P&L (32.30 − 136.55) × −65 = 104.25 × 65 = 6776.25; a short
    //     pays no exercise STT → charges 0.
    //   long 25800 PE: intrinsic 25800 − 25732.30 = 67.70; P&L (67.70 − 66.10) × 65 = 1.60 × 65 = 104.00; exercise STT
    //     0.125 % (the shipped schedule before 1 Apr 2026) × 67.70 × 65 = 5.500625 → ₹6 (STT is rounded to the rupee);
    //     GST is not on STT → charges 6.00.
    assert.deepEqual(settled.map((b) => [b.instrumentKey, b.expiry, b.strike, b.right, b.quantity, b.averagePrice, b.settlementPrice, b.pnl, b.charges.total, b.at, b.structureId]).sort(), [
      [CALL, '2026-01-13', 25700, 'CE', -LOT, 136.55, 25732.3, 6776.25, 0, SETTLED_AT, 'adopted'],
      [PUT, '2026-01-13', 25800, 'PE', LOT, 66.1, 25732.3, 104, 6, SETTLED_AT, 'adopted'],
    ]);
    const book = await sys.system.request<{ positions: Array<{ instrumentKey: string }>; realised: { settlement: number; charges: number } }>('executor', 'executor.book', {});
    assert.deepEqual(book.positions.filter((p) => p.instrumentKey === CALL || p.instrumentKey === PUT), []);
    // 6776.25 + 104.00 = 6880.25 settled; the 6.00 exercise STT is the only charge (VolGuard placed no order).
    assert.deepEqual([book.realised.settlement, book.realised.charges], [6880.25, 6]);
    const journal = await journalDump(dataDir);
    assert.ok(!journal.some((r) => r.type === 'executor.positionExternallyClosed'), 'never "closed outside" for ₹0');
    // Nothing proposes to close the expired contracts once settled (no saga, no approval for them after the settlement).
    const settledSeq = Math.max(...rows.map((r) => r.seq));
    const late = journal.filter((r) => r.seq > settledSeq && (r.type === 'executor.approvalCreated' || r.type === 'executor.sagaStarted')
      && /46161|46166/.test(JSON.stringify(r.body)));
    assert.deepEqual(late.map((r) => r.type), []);
  } finally {
    await sys.stop();
  }
  // The report books it on the expiry day: settlement 6880.25, the exercise STT among that day's charges.
  const report = await reportOf(dataDir, { title: 'replay settlement', capital: 1_000_000, derived: true });
  const day = report.days.find((d) => d.date === '2026-01-13');
  assert.deepEqual([day?.settlement, day?.charges], [6880.25, 6]);
  assert.ok(!report.notes.some((n) => /No expiry settlements/.test(n)), report.notes.join(' | '));
  // The exchange settled the same: flat, the settlement realised (the put's exercise STT is the account's, not P&L).
  const afterwards = outsideExchange(dataDir, SETTLED_AT + 86_400_000);
  try {
    const p = await afterwards.getPositions();
    assert.deepEqual(p.map((x) => [x.instrumentKey, x.quantity, Math.round(x.realisedPnl * 100) / 100]).sort(), [[CALL, 0, 6776.25], [PUT, 0, 104]]);
  } finally {
    await afterwards.close();
  }
});
