/**
 * Money in the executor on the paper exchange (issue 14): every executed order is charged on its trade date, and a
 * position held into expiry settles at the final settlement price — on the exchange's books and on VolGuard's, never
 * as "closed outside VolGuard" for ₹0. Figures are worked by hand in the comments (shipped schedule, January 2026:
 * STT on sales 0.1 %, exchange 0.03503 %, SEBI 1e-6, IPFT 5e-6, stamp duty on buys 0.003 %, GST 18 % of brokerage +
 * exchange + SEBI, brokerage ₹20 per order; STT to the rupee, the rest to the paisa, halves up).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';
import { CFG, Harness, EXPIRY, LEGS, condor } from './executor-harness.ts';

// The condor's fills on paper (at the touch): long put BUY 75 @ 20.5, long call BUY 75 @ 18.5, short put SELL 75 @ 60,
// short call SELL 75 @ 55.
// - BUY 75 @ 20.5 (1537.5): exchange 0.53858 → 0.54; SEBI 0.0015 → 0; IPFT 0.0077 → 0.01; stamp 0.046125 → 0.05;
//   GST 18 % × 20.54 = 3.6972 → 3.70; total 20 + 0.54 + 0.01 + 0.05 + 3.70 = 24.30.
// - BUY 75 @ 18.5 (1387.5): exchange 0.48604 → 0.49; IPFT 0.0069 → 0.01; stamp 0.041625 → 0.04; GST 18 % × 20.49 =
//   3.6882 → 3.69; total 24.23.
// - SELL 75 @ 60 (4500): STT 4.5 → ₹5; exchange 1.57635 → 1.58; SEBI 0.0045 → 0; IPFT 0.0225 → 0.02; GST 18 % × 21.58
//   = 3.8844 → 3.88; total 20 + 5 + 1.58 + 0.02 + 3.88 = 30.48.
// - SELL 75 @ 55 (4125): STT 4.125 → ₹4; exchange 1.4449875 → 1.44; IPFT 0.020625 → 0.02; GST 18 % × 21.44 = 3.8592
//   → 3.86; total 29.32.
const ENTRY_CHARGES: Record<string, number> = { [LEGS.longPut.key]: 24.3, [LEGS.longCall.key]: 24.23, [LEGS.shortPut.key]: 30.48, [LEGS.shortCall.key]: 29.32 };
// 24.30 + 24.23 + 30.48 + 29.32
const ENTRY_TOTAL = 108.33;

test('paper: every executed order is charged once, on its trade date, and the book reports lifetime money', async () => {
  const h = new Harness();
  await h.execute([condor('m1')]);
  const booked = h.journal.filter((e) => e.type === 'money.charges');
  assert.equal(booked.length, 4, 'one booking per executed order');
  for (const b of booked) {
    assert.equal(b.charges.total, ENTRY_CHARGES[b.instrumentKey], b.instrumentKey);
    assert.deepEqual([b.date, b.quantity, b.structureId, b.shadow], ['2026-01-06', 75, 'S-VG1', false]);
  }
  assert.deepEqual(h.engine.book().realised, { gross: 0, charges: ENTRY_TOTAL, settlement: 0, net: -ENTRY_TOTAL, trades: 4 });
  // The exchange's ledger paid the same charges out of the account's cash.
  assert.equal(h.broker.chargesPaid, ENTRY_TOTAL);
  // A restart rebuilds the same money from the journal and books nothing twice.
  await h.crashAndRestart();
  await h.execute([]);
  assert.equal(h.journal.filter((e) => e.type === 'money.charges').length, 4);
  assert.deepEqual(h.engine.book().realised.charges, ENTRY_TOTAL);
  await h.done();
});

test('paper: a condor held into expiry settles at the final settlement price on both books; nothing is "closed outside" or adopted', async () => {
  const h = new Harness();
  await h.execute([condor('m2')]);
  // Expiry day's close has passed, NIFTY settled at 24 500: the 24 400 call is worth 100, everything else 0.
  h.clock.set(sessionCloseMs(EXPIRY) + 60_000);
  h.settlementPrice = 24_500;
  const r = await h.execute([]);
  // Short call −75 @ 55: (100 − 55) × −75 = −3375; long call +75 @ 18.5: (0 − 18.5) × 75 = −1387.5;
  // short put −75 @ 60: (0 − 60) × −75 = +4500; long put +75 @ 20.5: −1537.5. Sum −1800 (the credit 76 × 75 = 5700
  // less the short call's 100 × 75 = 7500). No long is in the money: no exercise STT.
  const settled = h.journal.filter((e) => e.type === 'money.settlement');
  assert.deepEqual(Object.fromEntries(settled.map((s) => [s.instrumentKey, s.pnl])), {
    [LEGS.shortCall.key]: -3375, [LEGS.longCall.key]: -1387.5, [LEGS.shortPut.key]: 4500, [LEGS.longPut.key]: -1537.5,
  });
  assert.ok(settled.every((s) => s.settlementPrice === 24_500 && s.charges.total === 0 && s.date === EXPIRY));
  // net = gross 0 + settlement −1800 − charges 108.33.
  assert.deepEqual(h.engine.book().realised, { gross: 0, charges: ENTRY_TOTAL, settlement: -1800, net: -1908.33, trades: 4 });
  assert.deepEqual(h.engine.book().positions, []);
  const st = h.engine.book().structures.find((s) => s.id === 'S-VG1');
  assert.deepEqual([st?.status, st?.closeReason], ['closed', 'settled']);
  // The exchange booked the same settlement (its realised P&L), and reconciliation found nothing to explain.
  const broker = await h.broker.getPositions();
  assert.deepEqual(broker.filter((p) => p.quantity !== 0), []);
  assert.equal(broker.reduce((a, p) => a + p.realisedPnl, 0), -1800);
  assert.deepEqual(r.reconciliation.findings.filter((f) => f.class !== 'in_flight'), []);
  assert.ok(!h.journal.some((e) => e.type === 'executor.positionExternallyClosed' || e.type === 'executor.positionAdopted'));
  // Settled once, whatever happens next.
  await h.crashAndRestart();
  await h.execute([]);
  assert.equal(h.journal.filter((e) => e.type === 'money.settlement').length, 4);
  assert.equal(h.engine.book().realised.net, -1908.33);
  await h.done();
});

test('paper: until the settlement price is known an expired position waits (no ₹0 external close, no adoption)', async () => {
  const h = new Harness();
  await h.execute([condor('m3')]);
  h.clock.set(sessionCloseMs(EXPIRY) + 60_000);
  const r = await h.execute([]);
  assert.ok(!h.journal.some((e) => e.type === 'money.settlement' || e.type === 'executor.positionExternallyClosed'));
  assert.deepEqual(r.reconciliation.findings.filter((f) => f.class !== 'in_flight'), []);
  assert.equal(h.engine.book().positions.length, 4);
  await h.done();
});

test('paper account: equity = capital + realised net + unrealised at the mids; available = equity − the margin model\'s used', async () => {
  const h = new Harness({ ...CFG, capital: 5_000_000 });
  await h.execute([condor('m4')]);
  const a = await h.engine.account();
  // Unrealised at the mids, each leg (mid − average) × signed quantity: long put (20.25 − 20.5) × 75 = −18.75; long
  // call (18.25 − 18.5) × 75 = −18.75; short put (60.25 − 60) × −75 = −18.75; short call (55.25 − 55) × −75 = −18.75;
  // −75 in all. Equity = 5 000 000 − 108.33 (charges) − 75 = 4 999 816.67.
  assert.equal(a.source, 'paper');
  assert.equal(a.equity, 4_999_816.67);
  const used = (await h.broker.getFunds()).usedMargin;
  assert.ok(used > 0);
  assert.equal(a.usedMargin, used);
  assert.equal(a.availableMargin, Math.round((4_999_816.67 - used) * 100) / 100);
  assert.equal(a.asOf, h.clock.now());
  await h.done();
});
