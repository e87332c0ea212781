import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideApprove, decideStart, routeProposal, type RouteContext } from './proposals.ts';
import { build, CFG, condor, exit, T0 } from './fixture.ts';

const ctx = (phase: RouteContext['phase'], over: Partial<RouteContext> = {}): RouteContext => ({
  phase, flattening: false, now: T0, touch: () => ({ bid: 10, ask: 10.5 }), approvalTtlMs: 120_000, ref: () => ({ spot: 24_000, ivs: [12], mids: [10.25] }), ...over,
});

test('a proposal by phase: SHADOW fills at the touch, SEMI_AUTO becomes an approval with its TTL, FULL_AUTO a saga; once per id', () => {
  const s = build([]);
  const sh = routeProposal(s, condor('p'), ctx('SHADOW'));
  assert.equal(sh.kind, 'shadow');
  const fill = sh.kind === 'shadow' ? sh.events[0] : undefined;
  // BUY at the ask, SELL at the bid.
  assert.deepEqual(fill?.type === 'executor.shadowFill' ? fill.fills.map((f) => [f.side, f.price]) : [], [['SELL', 10], ['SELL', 10], ['BUY', 10.5], ['BUY', 10.5]]);
  const ap = routeProposal(s, condor('p'), ctx('SEMI_AUTO'));
  assert.equal(ap.kind === 'approval' ? ap.id : '', 'A-p');
  const created = ap.kind === 'approval' ? ap.events[0] : undefined;
  assert.equal(created?.type === 'executor.approvalCreated' ? created.approval.expiresAt : 0, T0 + 120_000);
  assert.equal(routeProposal(s, condor('p'), ctx('FULL_AUTO')).kind, 'saga');
  assert.equal(routeProposal(s, condor('p'), ctx('FULL_AUTO', { flattening: true })).kind, 'denied');
  const seen = build(ap.kind === 'approval' ? ap.events : []);
  assert.equal(routeProposal(seen, condor('p'), ctx('FULL_AUTO')).kind, 'ignored');
});

test('a saga starts through the gate and never closes more than the book holds', () => {
  const s = build([]);
  const go = decideStart(s, condor('p'), null, 'NORMAL', T0);
  assert.deepEqual(go.kind === 'start' ? [go.sagaId, go.preTrade] : [], ['VG1', true]);
  assert.equal(decideStart(s, condor('p'), null, 'DEGRADED', T0).kind, 'denied');
  // An exit of nothing held: refused before anything is sent.
  const none = decideStart(s, exit('x', 'S-1'), null, 'NORMAL', T0);
  assert.equal(none.kind === 'denied' ? (none.events[0]?.type === 'executor.orderDenied' ? none.events[0].denied.reason : '') : '', 'CLOSE_EXCEEDS_POSITION');
  assert.equal(decideStart(s, exit('x', 'S-1'), null, 'HALTED', T0).kind, 'denied', 'an unapproved exit while HALTED');
});

test('an approval stands only while pending, inside its TTL (market time) and without drift', () => {
  const p = condor('p');
  const ref = { spot: 24_000, ivs: [12, 12, 12, 12], mids: [10, 10, 10, 10] };
  const s = build([{ type: 'executor.approvalCreated', approval: { id: 'A-p', status: 'pending', createdAt: T0, expiresAt: T0 + 120_000, legs: p.legs, reason: 'r', proposalId: 'p', underlying: 'NIFTY', proposal: p, ref } }]);
  assert.deepEqual(decideApprove(s, 'A-p', 'ops', T0 + 1000, ref, CFG).start, true);
  assert.equal(decideApprove(s, 'A-p', 'ops', T0 + 120_000, ref, CFG).events[0]?.type === 'executor.approvalChanged' ? 'expired' : '', 'expired');
  // Spot 24000 → 24150 is 0.625 %, past the 0.5 % limit.
  const moved = decideApprove(s, 'A-p', 'ops', T0 + 1000, { ...ref, spot: 24_150 }, CFG).events[0];
  assert.equal(moved?.type === 'executor.approvalChanged' ? moved.status : '', 'invalidated');
  assert.match(moved?.type === 'executor.approvalChanged' ? moved.reason : '', /spot moved 0\.63% \(limit 0\.50%\)/);
});

test('SHADOW fills a proposal once per id: the same id proposed again next cycle is ignored, not filled again', () => {
  const sh = routeProposal(build([]), condor('p'), ctx('SHADOW'));
  const filled = build(sh.kind === 'shadow' ? sh.events : []);
  assert.equal(filled.shadow.fills, 1);
  assert.equal(routeProposal(filled, condor('p'), ctx('SHADOW')).kind, 'ignored');
});
