import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RiskPnl } from '../../actors/risk/messages.ts';
import { moneyView } from './money.ts';

const day = (date: string, net: number, charges: number, open: boolean) => ({ date, gross: 0, charges, settlement: 0, net, realised: 0, unrealised: 0, trades: 0, maxDrawdown: 0, safetyEvents: 0, open });
const equity = { start: 1_000_000, dayStart: 998_800, now: 999_650 };
// Monday −₹1,200 net after ₹340 of charges; Tuesday +₹850 so far after ₹60: to date −1,200 + 850 = −₹350, charges 400.
const PNL: RiskPnl = {
  days: [day('2026-12-07', -1_200, 340, false), day('2026-12-08', 850, 60, true)],
  total: { gross: -500, charges: 400, settlement: 0, net: -350 },
  equity,
  shadow: { days: [{ date: '2026-12-08', net: -75, charges: 45, open: true }], total: { charges: 45, net: -75 }, equity },
};

test('moneyView: the latest day and the total, both net of charges with the charges beside', () => {
  assert.deepEqual(moneyView(PNL, false), {
    date: '2026-12-08', open: true, day: { net: 850, charges: 60 }, total: { net: -350, charges: 400 }, shadow: false,
    // each day kept, newest first; the shadow book's own day beside, labelled (it is never mixed into the real one)
    days: [{ date: '2026-12-08', net: 850, charges: 60, open: true }, { date: '2026-12-07', net: -1_200, charges: 340, open: false }],
    shadowDays: [{ date: '2026-12-08', net: -75, charges: 45, open: true }],
  });
});

test('moneyView: in SHADOW, the shadow book\'s figures, marked so; null without a view, a day or a shadow book', () => {
  assert.deepEqual(moneyView(PNL, true), { date: '2026-12-08', open: true, day: { net: -75, charges: 45 }, total: { net: -75, charges: 45 }, shadow: true, days: [{ date: '2026-12-08', net: -75, charges: 45, open: true }] });
  assert.equal(moneyView(null, false), null);
  assert.equal(moneyView({ ...PNL, days: [] }, false), null);
  const { shadow: _, ...real } = PNL;
  assert.equal(moneyView(real, true), null);
});

test('moneyView: at most a week and a half of days, newest first', () => {
  const many = Array.from({ length: 10 }, (_, i) => day(`2026-12-${String(i + 1).padStart(2, '0')}`, i * 100, 10, i === 9));
  const v = moneyView({ ...PNL, days: many }, false);
  assert.deepEqual(v?.days.map((d) => d.date), ['2026-12-10', '2026-12-09', '2026-12-08', '2026-12-07', '2026-12-06', '2026-12-05', '2026-12-04']);
});
