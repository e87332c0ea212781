import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSagaStep, riskDenied, type SagaContext } from './saga-decide.ts';
import { build, CFG, condor, exit, order, started, T0 } from './fixture.ts';
import type { PlannedOrder } from './state.ts';

const ctx = (ks: SagaContext['ks'], now = T0): SagaContext => ({ now, cfg: CFG, ks, touch: () => ({ bid: 10, ask: 10.5 }), rules: () => undefined });

test('a risk-increasing group is placed with risk re-checked (preTrade), only while the kill switch permits increase', () => {
  const s = build([started(1, condor('p'))]);
  const d = decideSagaStep(s, 'VG1', ctx('NORMAL'));
  assert.deepEqual(d.events, []);
  assert.equal(d.commands[0]?.kind, 'place');
  assert.equal(d.commands[0]?.kind === 'place' ? d.commands[0].preTrade?.id : undefined, 'p');
  // DEGRADED: no increase. Nothing sent yet → the saga ends denied, journaled.
  const h = decideSagaStep(s, 'VG1', ctx('DEGRADED'));
  assert.deepEqual(h.events.map((e) => e.type), ['executor.orderDenied', 'executor.sagaFinished']);
  assert.deepEqual(h.progress, { sagaId: 'VG1', stage: 'done', outcome: 'denied' });
  const denied = h.events[0];
  assert.equal(denied?.type === 'executor.orderDenied' ? denied.denied.detail : '', 'kill switch DEGRADED does not permit increase');
});

test('a risk denial after orders went out compensates instead of ending', () => {
  const first = decideSagaStep(build([started(1, condor('p'))]), 'VG1', ctx('NORMAL')).commands[0];
  const wings = first?.kind === 'place' ? first.orders : [];
  const s = build([started(1, condor('p')), ...wings.flatMap((o) => order(o as PlannedOrder, T0, { status: 'filled' }))]);
  assert.deepEqual(riskDenied(s, 'VG1', 'RISK_PRETRADE_DENIED', 'vega', T0).events.map((e) => e.type), ['executor.orderDenied', 'executor.sagaCompensating']);
});

test('an unapproved exit stops (failed, once) while HALTED; an approved one goes on; a compensation waits through EMERGENCY', () => {
  const x = exit('x', 'S-VG1');
  const shortPut = (st: ReturnType<typeof build>) => {
    st.positions['NIFTY23500PE'] = { instrumentKey: 'NIFTY23500PE', quantity: -65, averagePrice: 10, realisedPnl: 0, structureId: 'S-VG1', underlying: 'NIFTY', expiry: '2026-12-01', strike: 23500, right: 'PE' };
    return st;
  };
  const halted = decideSagaStep(shortPut(build([started(1, x)])), 'VG1', ctx('HALTED'));
  assert.deepEqual(halted.events.map((e) => e.type), ['executor.orderDenied', 'executor.sagaFinished']);
  assert.deepEqual(halted.progress, { sagaId: 'VG1', stage: 'done', outcome: 'failed' });
  const approved = shortPut(build([
    { type: 'executor.approvalCreated', approval: { id: 'A-x', status: 'approved', createdAt: T0, expiresAt: T0 + 1, legs: x.legs, reason: 'r', proposalId: 'x', underlying: 'NIFTY', proposal: x, ref: { spot: 1, ivs: [], mids: [] } } },
    started(1, x, T0, 'A-x'),
  ]));
  const go = decideSagaStep(approved, 'VG1', ctx('HALTED'));
  assert.deepEqual(go.commands.map((c) => c.kind), ['place'], 'an approved exit is permitted while HALTED');
  // A failed entry whose wings filled compensates while HALTED, waits while EMERGENCY (the flatten owns the book).
  const first = decideSagaStep(build([started(1, condor('p'))]), 'VG1', ctx('NORMAL')).commands[0];
  const wings = first?.kind === 'place' ? first.orders : [];
  const failed = build([started(1, condor('p')), ...order(wings[0] as PlannedOrder, T0, { status: 'filled' }), ...order(wings[1] as PlannedOrder, T0, { status: 'rejected' })]);
  assert.deepEqual(decideSagaStep(failed, 'VG1', ctx('HALTED')).commands.map((c) => c.kind), ['place']);
  assert.deepEqual(decideSagaStep(failed, 'VG1', ctx('EMERGENCY')).progress, { sagaId: 'VG1', stage: 'waiting: kill switch EMERGENCY does not permit compensate' });
});
