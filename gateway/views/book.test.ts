import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Book } from '../../actors/domain/book.ts';
import type { Position } from '../../actors/domain/position.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import type { Leg } from '../../actors/domain/leg.ts';
import { bookView, expiryCloseMs, type MarkOf } from './book.ts';

const EXP = '2026-01-13';
const key = (strike: number, right: 'CE' | 'PE') => `NSE_FO|NIFTY${EXP}${strike}${right}`;
const pos = (strike: number, right: 'CE' | 'PE', quantity: number, averagePrice: number, structureId: string | null): Position => ({
  instrumentKey: key(strike, right), quantity, averagePrice, realisedPnl: 0, structureId, underlying: 'NIFTY', expiry: EXP, strike, right,
});
const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL'): Leg => ({ instrumentKey: key(strike, right), underlying: 'NIFTY', expiry: EXP, strike, right, side, quantity: 75 });
const structure = (id: string, kind: Structure['kind'], status: Structure['status'], legs: Leg[]): Structure => ({
  id, kind, underlying: 'NIFTY', expiry: EXP, bucket: 'weekly', status, legs, entryCredit: 0, maxLoss: 0, openedAt: 0,
});
const CONDOR_LEGS = [leg(23300, 'PE', 'BUY'), leg(23600, 'PE', 'SELL'), leg(24400, 'CE', 'SELL'), leg(24700, 'CE', 'BUY')];

// Book as the executor holds it after: condor ic-1 filled; condor ic-2 failed with its compensation leaving the long
// 23300 PE bought; one position adopted at reconciliation.
const BOOK: Book = {
  positions: [
    pos(23300, 'PE', 75, 40, 'ic-1'), pos(23600, 'PE', -75, 95, 'ic-1'), pos(24400, 'CE', -75, 90, 'ic-1'), pos(24700, 'CE', 75, 35, 'ic-1'),
    { ...pos(23200, 'PE', 75, 30, 'ic-2') },
    { ...pos(25000, 'CE', -50, 20, 'adopt-1') },
    { ...pos(23900, 'CE', 0, 70, 'ic-1') },
  ],
  structures: [
    structure('ic-1', 'iron_condor', 'open', CONDOR_LEGS),
    structure('ic-2', 'iron_condor', 'failed', [leg(23200, 'PE', 'BUY'), leg(23500, 'PE', 'SELL'), leg(24500, 'CE', 'SELL'), leg(24800, 'CE', 'BUY')]),
    structure('adopt-1', 'adopted', 'open', [leg(25000, 'CE', 'SELL')]),
  ],
  orders: [],
  realisedPnlDay: 0,
  realised: { gross: 0, charges: 0, settlement: 0, net: 0, trades: 0 },
  shadow: false,
};
const MARKS = new Map<string, MarkOf>([
  [key(23300, 'PE'), { mark: 30, markSource: 'mid' }],
  [key(23600, 'PE'), { mark: 70, markSource: 'mid' }],
  [key(24400, 'CE'), { mark: 60, markSource: 'mid' }],
  [key(24700, 'CE'), { mark: 20, markSource: 'model' }],
  [key(23200, 'PE'), { mark: 25, markSource: 'mid' }],
]);
// 6 days and 3 hours before the 15:30 IST close of 13 Jan: 12:30 IST on 7 Jan.
const NOW = Date.parse('2026-01-07T12:30:00+05:30');

test('an open condor shows what is held: signed quantities, fills, marks, leg and structure P&L worked by hand', () => {
  const v = bookView(BOOK, MARKS, NOW);
  const ic = v.structures.find((s) => s.id === 'ic-1');
  assert.ok(ic);
  assert.equal(ic.group, 'structure');
  assert.deepEqual(ic.legs.map((l) => [l.strike, l.quantity, l.averagePrice, l.mark, l.pnl]), [
    [23300, 75, 40, 30, -750], // 75 × (30 − 40)
    [23600, -75, 95, 70, 1875], // −75 × (70 − 95)
    [24400, -75, 90, 60, 2250], // −75 × (60 − 90)
    [24700, 75, 35, 20, -1125], // 75 × (20 − 35)
  ]);
  assert.equal(ic.credit, 8250); // 75 × (95 + 90 − 40 − 35)
  assert.equal(ic.value, -6000); // 75 × (30 − 70 − 60 + 20)
  assert.equal(ic.pnl, 2250); // −6000 + 8250 = −750 + 1875 + 2250 − 1125
  assert.equal(ic.maxLoss, 14250); // 75 × (300 − 110)
  assert.deepEqual(ic.breakevens, [23490, 24510]);
  assert.equal(ic.daysToExpiry, 6.1); // 6 d 3 h = 6.125 d, to one decimal
  assert.equal(ic.statusReason, 'open: all 4 legs held');
  assert.equal(expiryCloseMs(EXP), Date.parse('2026-01-13T10:00:00Z'));
  // from 3 Aug 2026 the F&O session closes at 15:40 IST (the closing auction): a December expiry settles at 10:10 UTC
  assert.equal(expiryCloseMs('2026-12-29'), Date.parse('2026-12-29T10:10:00Z'));
  assert.ok(Number.isNaN(expiryCloseMs('not-a-date')));
});

test('a failed structure shows no planned legs; its leftover long put is an orphan; adopted positions stand apart', () => {
  const v = bookView(BOOK, MARKS, NOW);
  assert.deepEqual(v.structures.map((s) => [s.id, s.group]), [['ic-1', 'structure'], ['adopt-1', 'adopted'], [`orphan:NIFTY:${EXP}`, 'orphan']]);
  const orphan = v.structures[2];
  assert.ok(orphan);
  assert.deepEqual(orphan.legs.map((l) => [l.strike, l.right, l.quantity]), [[23200, 'PE', 75]]);
  assert.equal(orphan.statusReason, 'held at the broker, left by failed structure ic-2');
  assert.equal(orphan.credit, -2250); // a debit: 75 × 30
  assert.equal(orphan.pnl, -375); // 75 × (25 − 30)
  assert.equal(orphan.maxLoss, 2250);
  const adopted = v.structures[1];
  assert.ok(adopted);
  // no mark for the adopted short call: its value and P&L are unknown, not zero; its loss is unbounded
  assert.equal(adopted.pnl, null);
  assert.equal(adopted.maxLoss, null);
  assert.equal(adopted.maxLossUnbounded, true);
  assert.equal(v.pnl, null);
  assert.equal(v.shadow, false);
});

test('the shadow book is flagged, and a position naming no known structure is an orphan', () => {
  const v = bookView({ ...BOOK, shadow: true, positions: [pos(23300, 'PE', -75, 40, 'ghost')], structures: [] }, MARKS, NOW);
  assert.equal(v.shadow, true);
  assert.equal(v.structures[0]?.statusReason, 'held in the shadow book, left by ghost (unknown to the book)');
  assert.equal(v.pnl, 750); // −75 × (30 − 40)
});
