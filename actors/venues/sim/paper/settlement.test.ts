/**
 * The paper exchange's ledger (issue 14): each executed order pays its charges out of the account's cash, and after
 * an expiry's close a position settles at its intrinsic value — a long in the money paying exercise STT — and stays
 * settled across a reopen (the `settle` record is in the log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../../runtime/clock.ts';
import { sessionCloseMs } from '../../../domain/calendar.ts';
import { parseChargesSchedule } from '../../../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../../../domain/data/charges-schedule.ts';
import { PaperBroker, type PaperOptions } from './exchange.ts';

const KEY = 'NSE_FO|24000CE';
const EXPIRY = '2026-12-08';

test('paper ledger: charges per executed order, settlement at intrinsic with exercise STT, durable', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'paper-settle-'));
  try {
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 5, 0)); // Mon 7 Dec 2026, 10:30 IST
    const opts: PaperOptions = {
      dir, clock, quotes: () => ({ bid: 49.5, ask: 50, ltp: 49.75, bidQty: 650, askQty: 650 }), instruments: () => ({ lotSize: 65, freezeQty: 1755 }),
      capital: 1_000_000, isMarketOpen: () => true, charges: parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE),
      // The 24 000 call of 8 Dec settles at 24 100: worth 100 a unit, once the session has closed.
      settlement: (key, now) => (key === KEY && now >= sessionCloseMs(EXPIRY) ? { settlementPrice: 24_100, value: 100 } : undefined),
    };
    let broker = new PaperBroker(opts);
    await broker.placeOrder({ clientOrderId: 'o1', instrumentKey: KEY, side: 'BUY', quantity: 65, orderType: 'LIMIT', price: 50, product: 'D', validity: 'DAY' });
    // BUY 65 @ 50 (3250): brokerage 20; exchange 0.0003503 × 3250 = 1.138 → 1.14; SEBI 0.00325 → 0; IPFT 0.01625 →
    // 0.02; stamp 0.00003 × 3250 = 0.0975 → 0.10; GST 18 % × 21.14 = 3.8052 → 3.81; total 25.07.
    assert.equal(broker.chargesPaid, 25.07);
    clock.set(sessionCloseMs(EXPIRY) + 60_000);
    const [p] = await broker.getPositions();
    // (100 − 50) × 65 = 3250 realised; exercise STT 0.15 % × 100 × 65 = 9.75 → ₹10; charges 25.07 + 10 = 35.07.
    assert.deepEqual([p?.quantity, p?.realisedPnl], [0, 3250]);
    assert.equal(broker.chargesPaid, 35.07);
    const cash = (await broker.getFunds()).availableMargin;
    assert.ok(Math.abs(cash - (1_000_000 + 3250 - 35.07)) < 1e-6, String(cash));
    await broker.close();
    broker = new PaperBroker(opts);
    assert.deepEqual((await broker.getPositions()).map((x) => [x.quantity, x.realisedPnl]), [[0, 3250]]);
    assert.equal(broker.chargesPaid, 35.07);
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
