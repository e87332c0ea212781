/**
 * The report reads the executor's money stream in the shapes actors/domain/money.ts defines (issue 14): a condor's
 * charges, its settlement at expiry (with exercise STT on a long in the money), the shadow book's bookings left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { istInstant } from '../../domain/calendar.ts';
import { NO_CHARGES } from '../../domain/charges.ts';
import type { ChargesBooked, SettlementBooked } from '../../domain/money.ts';
import type { JournalEntry } from '../messages.ts';
import { buildReport } from './model.ts';

const T = istInstant('2026-01-13', 10 * 60);
const CLOSE = istInstant('2026-01-13', 15 * 60 + 30);
let seq = 0;
const entry = (type: string, body: unknown, ts = T): JournalEntry => ({ seq: ++seq, ts, actor: 'executor', type, body: { type, ...body as object }, prevHash: '', hash: '' });
const charges = (orderId: string, total: number, shadow = false): ChargesBooked => ({
  orderId, structureId: 'S-VG1', instrumentKey: 'K', side: 'SELL', quantity: 65, price: 100, date: '2026-01-13', at: T,
  charges: { ...NO_CHARGES, brokerage: 20, total }, shadow,
});
const settled = (pnl: number, stt: number): SettlementBooked => ({
  instrumentKey: 'K', underlying: 'NIFTY', expiry: '2026-01-13', strike: 24_000, right: 'CE', quantity: 65, averagePrice: 50,
  settlementPrice: 24_100, pnl, charges: { ...NO_CHARGES, stt, total: stt }, structureId: 'S-VG1', date: '2026-01-13', at: CLOSE, shadow: false,
});

test('report: money.charges and money.settlement in the domain shapes; the shadow book is not this book', () => {
  const r = buildReport([
    entry('money.charges', charges('VG1-0', 36.33)),
    entry('money.charges', charges('VG1-1', 24.3)),
    entry('money.charges', charges('p9/0', 99, true)),
    // Long 65 of the 24 000 call bought at 50, settled at 24 100: (100 − 50) × 65 = 3250; exercise STT 0.125 % ×
    // 100 × 65 = 8.125 → ₹8.
    entry('money.settlement', settled(3250, 8), CLOSE),
  ], { title: 't', capital: 1_000_000 });
  const day = r.days.find((d) => d.date === '2026-01-13');
  // Charges 36.33 + 24.30 + 8 (exercise STT) = 68.63; settlement 3250; net 3250 − 68.63 = 3181.37.
  assert.ok(Math.abs((day?.charges ?? 0) - 68.63) < 1e-9, String(day?.charges));
  assert.equal(day?.settlement, 3250);
  assert.ok(Math.abs((day?.net ?? 0) - 3181.37) < 1e-9, String(day?.net));
  assert.ok(!r.notes.some((n) => /No charges|No expiry settlements/.test(n)));
});
