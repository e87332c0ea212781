import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operatorClose } from './exits.ts';
import { build, condor, EXP, key, started, T0 } from './fixture.ts';
import type { ExecState } from './state.ts';
import type { Right } from '../domain/right.ts';

const WHO = { who: 'operator@127.0.0.1', reason: 'short put tested' };

/** The fixture's condor (S-VG1) open, holding `held` units per instrument (signed, as the broker reconciled them). */
function openCondor(held: Record<string, number>): ExecState {
  const s = build([started(1, condor('p')), { type: 'executor.sagaFinished', sagaId: 'VG1', outcome: 'completed', reason: 'ok', ts: T0 }]);
  s.structures['S-VG1'] = { ...s.structures['S-VG1']!, status: 'open' };
  for (const [k, q] of Object.entries(held)) {
    const strike = Number(k.slice(5, -2));
    s.positions[k] = { instrumentKey: k, quantity: q, averagePrice: 10, realisedPnl: 0, structureId: 'S-VG1', underlying: 'NIFTY', expiry: EXP, strike, right: k.slice(-2) as Right };
  }
  return s;
}
const FULL = { [key(23500, 'PE')]: -65, [key(24500, 'CE')]: -65, [key(23000, 'PE')]: 65, [key(25000, 'CE')]: 65 };

test('an operator close buys the shorts back and sells the wings, exactly what is held, no limit prices', () => {
  const c = operatorClose(openCondor(FULL), 'S-VG1', WHO, T0);
  assert.ok(c.ok);
  assert.equal(c.proposal.id, 'close-S-VG1-2'); // the saga it would start: the second
  assert.equal(c.proposal.action, 'close');
  assert.equal(c.proposal.riskIncreasing, false);
  assert.equal(c.proposal.structureId, 'S-VG1');
  assert.deepEqual(c.proposal.legs.map((l) => [l.instrumentKey, l.side, l.quantity, l.limitPrice]), [
    [key(23500, 'PE'), 'BUY', 65, undefined], [key(24500, 'CE'), 'BUY', 65, undefined],
    [key(23000, 'PE'), 'SELL', 65, undefined], [key(25000, 'CE'), 'SELL', 65, undefined],
  ]);
  assert.equal(c.proposal.reason, 'operator close by operator@127.0.0.1: short put tested');
});

test('reduce-only: a leg the broker holds less of closes only that; one already being closed, or gone, is left out', () => {
  // The 24,500 call was bought back outside VolGuard down to −15; a BUY of 25 on the 23,500 put is still working.
  const s = openCondor({ ...FULL, [key(24500, 'CE')]: -15 });
  s.orders['w1'] = { clientOrderId: 'w1', sagaId: 'VGX', leg: 0, role: 'exit', instrumentKey: key(23500, 'PE'), side: 'BUY', quantity: 25, orderType: 'LIMIT', price: 50, riskIncreasing: false, createdAt: T0, updatedAt: T0, status: 'open', brokerOrderId: 'B1', filledQuantity: 0, averagePrice: 0 };
  s.positions[key(25000, 'CE')]!.quantity = 0;
  const c = operatorClose(s, 'S-VG1', WHO, T0);
  assert.ok(c.ok);
  // 65 − 25 working = 40; 15 held of 65; the put wing 65; the call wing flat: nothing to sell
  assert.deepEqual(c.proposal.legs.map((l) => [l.instrumentKey, l.side, l.quantity]), [
    [key(23500, 'PE'), 'BUY', 40], [key(24500, 'CE'), 'BUY', 15], [key(23000, 'PE'), 'SELL', 65],
  ]);
});

test('refused: unknown, not open, a saga working for it, nothing held, past expiry', () => {
  assert.deepEqual(operatorClose(openCondor(FULL), 'S-NOPE', WHO, T0), { ok: false, code: 'NOT_FOUND', message: 'expected a known structure id, was "S-NOPE"' });
  const closing = openCondor(FULL);
  closing.structures['S-VG1'] = { ...closing.structures['S-VG1']!, status: 'closing' };
  assert.deepEqual(operatorClose(closing, 'S-VG1', WHO, T0), { ok: false, code: 'INVALID_STATE', message: 'expected structure S-VG1 open to close it, was closing' });
  const working = openCondor(FULL);
  working.sagas['VG1']!.status = 'running';
  const w = operatorClose(working, 'S-VG1', WHO, T0);
  assert.equal(w.ok, false);
  assert.match(w.ok ? '' : w.message, /saga working for structure S-VG1, was VG1 \(open\)/);
  const flat = openCondor(Object.fromEntries(Object.keys(FULL).map((k) => [k, 0])));
  assert.match((operatorClose(flat, 'S-VG1', WHO, T0) as { message: string }).message, /holds nothing the book can close/);
  // 2026-12-01's session closes 15:40 IST = 10:10 UTC: after it the contract settles, it cannot trade
  assert.match((operatorClose(openCondor(FULL), 'S-VG1', WHO, Date.UTC(2026, 11, 1, 10, 11)) as { message: string }).message, /past its expiry's close/);
});
