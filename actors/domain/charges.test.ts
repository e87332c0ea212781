/**
 * @module The charges engine pinned to hand-worked contract-note arithmetic.
 *
 * Rates (actors/domain/data/charges-schedule.ts, in force on 7 Dec 2026): Upstox brokerage ₹20 per executed order
 * (upstox.com pricing, equity options); STT 0.15 % of premium on sale and of intrinsic value on exercise (Finance Act
 * 2026, from 1 Apr 2026; 0.1 % and 0.125 % before); NSE transaction charge 0.03503 % of premium (NSE, from 1 Oct 2024);
 * SEBI fee ₹10/crore = 0.0001 %; NSE IPFT ₹0.50/lakh = 0.0005 %; stamp duty 0.003 % on buys; GST 18 % on brokerage +
 * transaction charge + SEBI fee (Upstox help 257195; no GST on IPFT, Upstox help 260397).
 * Arithmetic, as a broker's contract note and calculator do it (Zerodha's published calculator and charges page:
 * each component = rate × premium turnover; "STT/CTT charged will be rounded off to the nearest rupee"; GST on the
 * rounded base): every figure below is worked by hand, per executed order, halves rounded up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChargesScheduleError, chargesToClose, fillCharges, orderCharges, parseChargesSchedule, profitTargetNetOfCharges,
  ratesOn, settlementCharges, type ChargesBreakdown,
} from './charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from './data/charges-schedule.ts';

const S = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
const DAY = '2026-12-07';
const row = (b: ChargesBreakdown) => [b.brokerage, b.stt, b.exchangeTxn, b.sebiFee, b.ipft, b.stampDuty, b.gst, b.total];

test('selling one NIFTY lot (65) at ₹100: brokerage, STT to the rupee, the rest to the paisa, GST on its base', () => {
  // Sell turnover 65 × 100 = 6,500.
  // brokerage 20.00; STT 0.15 % × 6,500 = 9.75 → ₹10; exchange 0.03503 % × 6,500 = 2.27695 → 2.28;
  // SEBI 0.0001 % × 6,500 = 0.0065 → 0.01; IPFT 0.0005 % × 6,500 = 0.0325 → 0.03; stamp 0 (a sale);
  // GST 18 % × (20 + 2.28 + 0.01 = 22.29) = 4.0122 → 4.01. Total 20 + 10 + 2.28 + 0.01 + 0.03 + 4.01 = 36.33.
  assert.deepEqual(row(fillCharges(S, DAY, { side: 'SELL', quantity: 65, price: 100 })), [20, 10, 2.28, 0.01, 0.03, 0, 4.01, 36.33]);
});

test('buying it: stamp duty on the buy side, no STT', () => {
  // Buy turnover 6,500: stamp 0.003 % × 6,500 = 0.195 → 0.20 (half up); exchange 2.28, SEBI 0.01, IPFT 0.03 as above;
  // GST 4.01. Total 20 + 2.28 + 0.01 + 0.03 + 0.20 + 4.01 = 26.53.
  assert.deepEqual(row(fillCharges(S, DAY, { side: 'BUY', quantity: 65, price: 100 })), [20, 0, 2.28, 0.01, 0.03, 0.2, 4.01, 26.53]);
});

test('the rate in force on the trade date applies: STT was 0.1 % until 31 Mar 2026', () => {
  // 0.1 % × 6,500 = 6.50 → ₹7 (half up). Total 20 + 7 + 2.28 + 0.01 + 0.03 + 4.01 = 33.33.
  assert.deepEqual(row(fillCharges(S, '2026-03-31', { side: 'SELL', quantity: 65, price: 100 })), [20, 7, 2.28, 0.01, 0.03, 0, 4.01, 33.33]);
  assert.equal(ratesOn(S, '2026-04-01').stt.sell, 0.0015);
  assert.equal(ratesOn(S, '2026-03-31').sttExercise, 0.00125);
});

test('an order filled in three fills pays one brokerage on the summed turnover', () => {
  // 130 × 52.35 + 65 × 52.40 + 65 × 52.30 = 6,805.50 + 3,406.00 + 3,399.50 = 13,611.00 sold.
  // STT 0.15 % = 20.4165 → ₹20; exchange 0.03503 % = 4.7679333 → 4.77; SEBI 0.013611 → 0.01; IPFT 0.068055 → 0.07;
  // GST 18 % × (20 + 4.77 + 0.01 = 24.78) = 4.4604 → 4.46. Total 20 + 20 + 4.77 + 0.01 + 0.07 + 4.46 = 49.31.
  const fills = [{ side: 'SELL', quantity: 130, price: 52.35 }, { side: 'SELL', quantity: 65, price: 52.4 }, { side: 'SELL', quantity: 65, price: 52.3 }] as const;
  assert.deepEqual(row(orderCharges(S, DAY, fills)), [20, 20, 4.77, 0.01, 0.07, 0, 4.46, 49.31]);
  // An order that never filled costs nothing.
  assert.equal(orderCharges(S, DAY, []).total, 0);
  assert.equal(orderCharges(S, DAY, [{ side: 'BUY', quantity: 0, price: 10 }]).total, 0);
  assert.throws(() => orderCharges(S, DAY, [{ side: 'BUY', quantity: 65, price: 1 }, { side: 'SELL', quantity: 65, price: 1 }]), /one side/);
  assert.throws(() => orderCharges(S, DAY, [{ side: 'BUY', quantity: -65, price: 1 }]), /non-negative integer fill quantity/);
});

test('settlement: only a long in-the-money option pays STT on its intrinsic value; a short or an OTM option pays nothing', () => {
  // Long 65 NIFTY 26,000 CE settled at 26,150.35: intrinsic 150.35 × 65 = 9,772.75; 0.15 % = 14.659 → ₹15; no GST base.
  const itm = { right: 'CE', strike: 26_000, settlementPrice: 26_150.35, quantity: 65 } as const;
  assert.deepEqual(row(settlementCharges(S, '2026-12-08', itm)), [0, 15, 0, 0, 0, 0, 0, 15]);
  // Before 1 Apr 2026: 0.125 % × 9,772.75 = 12.2159 → ₹12.
  assert.equal(settlementCharges(S, '2026-03-31', itm).stt, 12);
  assert.equal(settlementCharges(S, '2026-12-08', { ...itm, quantity: -65 }).total, 0); // assigned short
  assert.equal(settlementCharges(S, '2026-12-08', { ...itm, right: 'PE' }).total, 0); // the 26,000 PE expires worthless
  // Put: long 30 BANKNIFTY 52,000 PE at 51,000: intrinsic 1,000 × 30 = 30,000; 0.15 % = ₹45.
  assert.equal(settlementCharges(S, '2026-12-29', { right: 'PE', strike: 52_000, settlementPrice: 51_000, quantity: 30 }).stt, 45);
});

test('charges to close a one-lot condor, and a profit target that is reached gross but not net of them', () => {
  // Buy back the shorts, sell the wings, 65 each, one order per leg:
  //  BUY  @22.50: 1,462.50 → exch 0.5123 → 0.51, SEBI 0.00, IPFT 0.0073 → 0.01, stamp 0.0439 → 0.04, GST 18 % × 20.51 = 3.69 → 24.25
  //  BUY  @20.00: 1,300.00 → exch 0.4554 → 0.46, SEBI 0.00, IPFT 0.0065 → 0.01, stamp 0.039 → 0.04, GST 18 % × 20.46 = 3.68 → 24.19
  //  SELL @ 9.50:   617.50 → STT 0.926 → 1, exch 0.2163 → 0.22, SEBI 0.00, IPFT 0.00, GST 18 % × 20.22 = 3.64 → 24.86
  //  SELL @ 8.00:   520.00 → STT 0.78 → 1, exch 0.1822 → 0.18, SEBI 0.00, IPFT 0.00, GST 18 % × 20.18 = 3.63 → 24.81
  // Sum: brokerage 80, STT 2, exchange 1.37, SEBI 0, IPFT 0.02, stamp 0.08, GST 14.64, total 98.11.
  const close = chargesToClose(S, DAY, [
    { side: 'BUY', price: 22.5, quantity: 65 }, { side: 'BUY', price: 20, quantity: 65 },
    { side: 'SELL', price: 9.5, quantity: 65 }, { side: 'SELL', price: 8, quantity: 65 },
  ]);
  assert.deepEqual(row(close), [80, 2, 1.37, 0, 0.02, 0.08, 14.64, 98.11]);
  // Credit 47, debit to close 22.5 + 20 − 9.5 − 8 = 25: gross (47 − 25) × 65 = 1,430; a 45 % target is
  // 0.45 × 47 × 65 = 1,374.75 — reached gross, but net 1,430 − 98.11 = 1,331.89 is not.
  const t = profitTargetNetOfCharges({ creditPerUnit: 47, debitPerUnit: 25, units: 65, targetFraction: 0.45, closeCharges: close });
  assert.deepEqual([t.grossPnl, Math.round(t.netPnl * 100) / 100, Math.round(t.target * 100) / 100, t.reached], [1430, 1331.89, 1374.75, false]);
  assert.equal(profitTargetNetOfCharges({ creditPerUnit: 47, debitPerUnit: 20, units: 65, targetFraction: 0.45, closeCharges: close }).reached, true);
});

test('a leg sliced at the freeze limit pays brokerage per slice', () => {
  // 40 NIFTY lots = 2,600 units at ₹10, in slices of 27 lots (1,755) and 13 lots (845), BUY:
  //  1,755 × 10 = 17,550: exch 6.1478 → 6.15, SEBI 0.0176 → 0.02, IPFT 0.0878 → 0.09, stamp 0.5265 → 0.53,
  //                       GST 18 % × 26.17 = 4.7106 → 4.71; total 31.50
  //    845 × 10 =  8,450: exch 2.9600 → 2.96, SEBI 0.0085 → 0.01, IPFT 0.0423 → 0.04, stamp 0.2535 → 0.25,
  //                       GST 18 % × 22.97 = 4.1346 → 4.13; total 27.39
  const c = chargesToClose(S, DAY, [{ side: 'BUY', price: 10, quantity: 2600, slices: [1755, 845] }]);
  assert.deepEqual([c.brokerage, c.total], [40, 58.89]);
  assert.throws(() => chargesToClose(S, DAY, [{ side: 'BUY', price: 10, quantity: 2600, slices: [1755, 800] }]), /slices summing to the leg quantity 2600, was 2555/);
});

test('published statutory arithmetic (r/UpdateINDIA, 28 May 2025: buy 500 @ ₹25, sell 500 @ ₹35) agrees where conventions agree', () => {
  // Its figures: exchange 30,000 × 0.03503 % = 10.51; SEBI 0.03; IPFT 0.0005 % × 30,000 = 0.15; stamp 0.003 % × 12,500
  // = 0.375 → 0.38; STT 0.1 % × 17,500 = 17.50 (it does not round STT; a contract note rounds it: ₹18).
  // Per order here: buy 12,500 → exch 4.38, SEBI 0.01, IPFT 0.06; sell 17,500 → exch 6.13, SEBI 0.02, IPFT 0.09.
  const buy = fillCharges(S, '2025-05-28', { side: 'BUY', quantity: 500, price: 25 });
  const sell = fillCharges(S, '2025-05-28', { side: 'SELL', quantity: 500, price: 35 });
  assert.equal(Math.round((buy.exchangeTxn + sell.exchangeTxn) * 100) / 100, 10.51);
  assert.equal(Math.round((buy.sebiFee + sell.sebiFee) * 100) / 100, 0.03);
  assert.equal(Math.round((buy.ipft + sell.ipft) * 100) / 100, 0.15);
  assert.equal(buy.stampDuty, 0.38);
  assert.equal(sell.stt, 18);
});

// ---- the schedule is data: bad files are refused at the line at fault ----

const edited = (from: string, to: string) => {
  assert.ok(SHIPPED_CHARGES_CSV.includes(from), from);
  return SHIPPED_CHARGES_CSV.replace(from, to);
};
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
function refused(text: string, needle: string, message: RegExp): void {
  const line = lineOf(text, needle);
  assert.ok(line > 0, needle);
  assert.throws(() => parseChargesSchedule(text, 'data/charges.csv'), (e: unknown) =>
    e instanceof ChargesScheduleError && e.file === 'data/charges.csv' && e.line === line &&
    e.message.startsWith(`data/charges.csv:${line}: `) && message.test(e.message), `${needle} → line ${line}`);
}

test('a gap between two periods is refused naming the later row', () => {
  const text = edited('stt,sell,premium,2026-04-01,,0.0015', 'stt,sell,premium,2026-04-05,,0.0015');
  refused(text, 'stt,sell,premium,2026-04-05', /gap: stt \(sell\) from 2026-04-05 leaves 2026-04-01…2026-04-04 uncovered after line \d+/);
});

test('an overlap is refused naming the later row, also across any/buy', () => {
  refused(edited('stt,sell,premium,2026-04-01,,0.0015', 'stt,sell,premium,2026-03-15,,0.0015'), 'stt,sell,premium,2026-03-15', /overlap: stt \(sell\) from 2026-03-15/);
  const both = `${SHIPPED_CHARGES_CSV}exchange_txn,buy,premium,2026-06-01,,0.0004,a second buy-side rate\n`;
  refused(both, 'a second buy-side rate', /overlap: exchange_txn \(buy\) from 2026-06-01 starts before the period of line \d+ ends \(open-ended\)/);
});

test('a negative rate, a bad field or a missing component is refused with the line at fault', () => {
  refused(edited('sebi_fee,any,premium,2024-10-01,,0.000001', 'sebi_fee,any,premium,2024-10-01,,-0.000001'), 'sebi_fee,any', /non-negative rate, was -0.000001/);
  refused(edited('stamp_duty,buy,premium', 'stamp_duty,buy,order'), 'stamp_duty,buy,order', /expected basis premium for stamp_duty, was "order"/);
  refused(edited('ipft,any,premium', 'ipfy,any,premium'), 'ipfy,any', /expected a component/);
  refused(edited('gst,charges,brokerage+exchange_txn+sebi_fee', 'gst,charges,brokerage+gst'), 'gst,charges,brokerage+gst', /gst's basis/);
  refused(edited('brokerage,any,order,2024-10-01,,20', 'brokerage,any,order,2024-10-01,2024-09-01,20'), 'brokerage,any,order', /until \(2024-09-01\) on or after from/);
  refused(edited('exchange_txn,any,premium,2024-10-01,,0.0003503', 'exchange_txn,any,premium,2024-10-01,,3.503'), 'exchange_txn,any', /fraction of at most 1/);
  refused(edited('component,side,basis,from,until,rate,source', 'component,side,from,until,rate,source'), 'component,side,from', /expected the header/);
  const noIpft = SHIPPED_CHARGES_CSV.split('\n').filter((l) => !l.startsWith('ipft,')).join('\n');
  assert.throws(() => parseChargesSchedule(noIpft, 'x.csv'), /^ChargesScheduleError: x\.csv: expected at least one row for ipft/);
  assert.throws(() => parseChargesSchedule(noIpft, 'x.csv'), (e: unknown) => e instanceof ChargesScheduleError && e.line === 0);
});

test('a date the schedule does not cover is an error, not a zero charge', () => {
  assert.throws(() => fillCharges(S, '2024-09-30', { side: 'SELL', quantity: 65, price: 100 }), /^RangeError: expected a \w+ \(\w+\) rate in force on 2024-09-30 in .*covered 2024-10-01…\)$/);
});
