import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, condor, duplicates, leg, LEGS } from './executor-harness.ts';

test('SHADOW sends nothing: the paper order log stays empty while the shadow book fills', async () => {
  const h = new Harness();
  const r = await h.execute([condor('s1')], 'SHADOW');
  assert.deepEqual(r.shadowFills, ['s1']);
  assert.equal(h.broker.tags().length, 0);
  const book = h.engine.book();
  assert.equal(book.shadow, true);
  assert.equal(book.positions.length, 4);
  await h.done();
});

test('SEMI_AUTO: an approval expires after the TTL on the injected clock', async () => {
  const h = new Harness();
  const r = await h.execute([condor('a1')], 'SEMI_AUTO');
  assert.equal(r.approvalsCreated.length, 1);
  h.clock.advance(120_000);
  const r2 = await h.execute([], 'SEMI_AUTO');
  assert.deepEqual(r2.approvalsChanged, [{ id: r.approvalsCreated[0], status: 'expired' }]);
  const a = await h.engine.approve(r.approvalsCreated[0]!, 'ops');
  assert.equal(a.status, 'expired');
  assert.equal(h.broker.tags().length, 0);
  await h.done();
});

test('an unknown approval id is refused with code NOT_FOUND (the gateway answers 404, not 500)', async () => {
  const h = new Harness();
  await assert.rejects(h.engine.approve('A-nope', 'ops'), (err: Error & { code?: string }) => err.code === 'NOT_FOUND' && /A-nope/.test(err.message));
  await assert.rejects(h.engine.reject('A-nope', 'ops', 'no such thing'), (err: Error & { code?: string }) => err.code === 'NOT_FOUND');
  await h.done();
});

test('SEMI_AUTO: a spot move past the threshold invalidates; a fresh approval re-runs preTrade and executes', async () => {
  const h = new Harness();
  const r = await h.execute([condor('a2')], 'SEMI_AUTO');
  h.spot *= 1.01;
  const r2 = await h.execute([], 'SEMI_AUTO');
  assert.equal(r2.approvalsChanged[0]?.status, 'invalidated');
  const r3 = await h.execute([condor('a3')], 'SEMI_AUTO');
  let asked = 0;
  h.preTrade = () => ({ allowed: ++asked > 0 });
  const a = await h.engine.approve(r3.approvalsCreated[0]!, 'ops');
  assert.ok(asked >= 1, 'preTrade re-run on approval');
  assert.equal(a.status, 'executed');
  assert.equal(h.broker.tags().length, 4);
  assert.ok(r.approvalsCreated[0] !== r3.approvalsCreated[0]);
  await h.done();
});

test('reconciliation adopts a position opened outside VolGuard (exit-only) and reports drift as a mismatch', async () => {
  const h = new Harness();
  await h.broker.placeOrder({ clientOrderId: 'manual-a', instrumentKey: LEGS.shortCall.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  // SEMI_AUTO: the exit of the adopted position waits for a human (an approval), so the position stays.
  const r = await h.execute([], 'SEMI_AUTO');
  assert.ok(r.reconciliation.findings.some((f) => f.class === 'zombie' && f.instrumentKey === LEGS.shortCall.key));
  assert.equal(r.reconciliation.mismatch, undefined);
  assert.deepEqual(r.approvalsCreated, ['A-adopted-exit-1']);
  const adopted = h.engine.book().structures.find((s) => s.id === 'adopted');
  assert.equal(adopted?.kind, 'adopted');
  await h.broker.placeOrder({ clientOrderId: 'manual-b', instrumentKey: LEGS.shortCall.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  const r2 = await h.execute([], 'SEMI_AUTO');
  assert.match(r2.reconciliation.mismatch ?? '', /quantity drift/);
  assert.ok(h.journal.some((e) => e.type === 'executor.reconFinding' && e.finding.class === 'drift'));
  await h.done();
});

test('flatten closes everything (shorts first), is idempotent, and is journaled', async () => {
  const h = new Harness();
  await h.execute([condor('f1')]);
  const [a, b] = await Promise.all([h.engine.flatten('test'), h.engine.flatten('again')]);
  assert.equal(a, b);
  assert.equal(a.flat, true);
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  const closes = (await h.broker.getOrderBook()).slice(4);
  assert.deepEqual(closes.map((o) => o.side), ['BUY', 'BUY', 'SELL', 'SELL']);
  const again = await h.engine.flatten('once more');
  assert.equal(again.ordersPlaced, 0);
  assert.equal(h.journal.filter((e) => e.type === 'executor.flatten' && e.stage === 'finished').length, 2);
  await h.done();
});

test('adopted (zombie) positions are exited (exit-only) in FULL_AUTO, never in SHADOW; a failed exit is not reversed', async () => {
  const h = new Harness();
  await h.broker.placeOrder({ clientOrderId: 'manual-z1', instrumentKey: LEGS.shortPut.key, side: 'SELL', quantity: 150, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  await h.broker.placeOrder({ clientOrderId: 'manual-z2', instrumentKey: LEGS.longCall.key, side: 'BUY', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  const shadow = await h.execute([], 'SHADOW');
  assert.ok(shadow.reconciliation.findings.some((f) => f.class === 'zombie'));
  assert.equal((await h.broker.getOrderBook()).length, 2, 'SHADOW sends nothing');

  // The first exit attempt: the BUY-back is rejected; nothing is reversed and the saga ends failed.
  h.broker.faults.rejectNext('RMS: try later');
  const r1 = await h.execute([], 'FULL_AUTO');
  assert.equal(r1.sagasProgressed.at(-1)?.outcome, 'failed');
  assert.deepEqual((await h.broker.getOrderBook()).slice(2).map((o) => [o.side, o.status]), [['BUY', 'rejected']], 'the SELL waits for the BUY; nothing reversed');

  // The next cycle retries with a fresh id and closes both, buying back the short first.
  const r2 = await h.execute([], 'FULL_AUTO');
  assert.equal(r2.sagasProgressed.at(-1)?.outcome, 'completed');
  const closes = (await h.broker.getOrderBook()).slice(3);
  assert.deepEqual(closes.map((o) => [o.side, o.clientOrderId?.startsWith('VG')]), [['BUY', true], ['SELL', true]]);
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.equal(h.engine.book().structures.find((s) => s.id === 'adopted')?.status, 'closed');
  const r3 = await h.execute([], 'FULL_AUTO');
  assert.deepEqual(r3.sagasStarted, [], 'nothing left to exit');
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('a leg closed outside VolGuard: reconciliation drops it from the structure, and a stale close that still names it is refused', async () => {
  const h = new Harness();
  await h.execute([condor('x1')]);
  const id = h.engine.book().structures[0]!.id;
  // Someone buys back the short call by hand at the broker.
  await h.broker.placeOrder({ clientOrderId: 'manual-x', instrumentKey: LEGS.shortCall.key, side: 'BUY', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  const stale = {
    id: 'x1-exit', action: 'close' as const, kind: 'iron_condor' as const, bucket: 'weekly' as const, underlying: 'NIFTY' as const, expiry: '2026-01-13', structureId: id,
    legs: [leg('shortPut', 'BUY'), leg('shortCall', 'BUY'), leg('longPut', 'SELL'), leg('longCall', 'SELL')],
    reason: 'exit built before the reconciliation saw the manual close', rationale: {}, riskIncreasing: false,
  };
  const r = await h.execute([stale]);
  assert.ok(r.reconciliation.findings.some((f) => f.class === 'externally_closed' && f.instrumentKey === LEGS.shortCall.key));
  const st = h.engine.book().structures.find((s) => s.id === id)!;
  assert.equal(st.status, 'open', 'still managed');
  assert.deepEqual(st.legs.map((l) => l.instrumentKey).sort(), [LEGS.longCall.key, LEGS.longPut.key, LEGS.shortPut.key].sort());
  assert.equal(r.denied[0]?.reason, 'CLOSE_EXCEEDS_POSITION');
  assert.match(r.denied[0]?.detail ?? '', new RegExp(`BUY 75 ${LEGS.shortCall.key.replace('|', '\\|')}: holding 0`));
  const sent = (await h.broker.getOrderBook()).filter((o) => o.clientOrderId !== 'manual-x').slice(4);
  assert.deepEqual(sent, [], 'nothing sent: a BUY of the short call would have opened a long call');
  // An exit of what is actually held goes through and leaves the book flat.
  const exit = { ...stale, id: 'x1-exit-2', legs: [leg('shortPut', 'BUY'), leg('longPut', 'SELL'), leg('longCall', 'SELL')] };
  const r2 = await h.execute([exit]);
  assert.equal(r2.sagasProgressed[0]?.outcome, 'completed');
  assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
  assert.equal(h.engine.book().structures.find((s) => s.id === id)?.status, 'closed');
  await h.done();
});

test('SEMI_AUTO: one pending approval per bucket and underlying; a newer proposal replaces the older, journaled', async () => {
  const h = new Harness();
  const r1 = await h.execute([condor('b1')], 'SEMI_AUTO');
  const first = r1.approvalsCreated[0]!;
  h.clock.advance(5_000);
  const r2 = await h.execute([condor('b2')], 'SEMI_AUTO');
  const second = r2.approvalsCreated[0]!;
  assert.deepEqual(r2.approvalsChanged, [{ id: first, status: 'invalidated' }]);
  assert.deepEqual(h.engine.approvals().filter((a) => a.status === 'pending').map((a) => a.id), [second]);
  const replaced = h.journal.find((e) => e.type === 'executor.approvalChanged' && e.id === first);
  assert.ok(replaced !== undefined && replaced.type === 'executor.approvalChanged');
  assert.equal(replaced.reason, 'replaced by newer proposal b2 (one pending approval per bucket and underlying)');
  assert.equal((await h.engine.approve(first, 'ops')).status, 'invalidated', 'the replaced one can no longer be approved');
  // another bucket waits alongside
  const r3 = await h.execute([{ ...condor('m1'), bucket: 'monthly' }], 'SEMI_AUTO');
  assert.deepEqual(r3.approvalsChanged, []);
  assert.equal(h.engine.approvals().filter((a) => a.status === 'pending').length, 2);
  assert.equal(h.broker.tags().length, 0);
  await h.done();
});
