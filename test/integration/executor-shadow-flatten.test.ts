/**
 * Issue 19 "shadow figures labelled and kept per day" (flattening a shadow book discarded it): in SHADOW the flatten
 * now closes the shadow book at the touch — paper fills, never an order — so its P&L is realised into the shadow
 * book's money (with its charges) and kept, instead of the shadow positions being left open or dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, condor } from './executor-harness.ts';

test('a flatten in SHADOW closes the shadow book at the touch and keeps its P&L; nothing reaches the broker', async () => {
  const h = new Harness();
  await h.execute([condor('p1')], 'SHADOW');
  const open = h.engine.book();
  assert.equal(open.shadow, true);
  assert.equal(open.positions.filter((p) => p.quantity !== 0).length, 4);
  // Entered at the touch: SELL at the bid, BUY at the ask — 60 + 55 − 20.5 − 18.5 = 76 a unit taken in.
  const chargesIn = open.realised.charges;
  assert.ok(chargesIn > 0);
  const r = await h.engine.flatten('drill in SHADOW');
  assert.equal(r.ordersPlaced, 0);
  assert.deepEqual(r.shadow, { closed: 4, unpriced: [] });
  assert.deepEqual(h.broker.tags(), [], 'no order ever went to the broker');
  const after = h.engine.book();
  assert.deepEqual(after.positions.filter((p) => p.quantity !== 0), [], 'the shadow book is flat');
  // Closed at the touch: BUY the shorts back at the ask, SELL the wings at the bid — 60.5 + 55.5 − 20 − 18 = 78 a unit
  // paid; realised (76 − 78) × 75 = −₹150 gross, kept in the shadow book with the closing charges added.
  assert.equal(after.realised.gross, -150);
  assert.ok(after.realised.charges > chargesIn, 'the closing fills are charged too');
  assert.ok(Math.abs(after.realised.net - (after.realised.gross - after.realised.charges)) < 0.005, 'net = gross − charges');
  assert.ok(h.journal.some((e) => e.type === 'executor.shadowFill' && e.proposalId === 'shadow-flatten-1' && e.fills.length === 4));
  // A replay of the journal rebuilds the same shadow money (the fill is booked once, by its id).
  await h.crashAndRestart();
  assert.deepEqual(h.engine.book().realised, after.realised);
  // A second flatten has nothing left to close in the shadow book.
  const again = await h.engine.flatten('again');
  assert.equal(again.shadow, undefined);
  await h.done();
});
