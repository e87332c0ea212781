import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, condor, LEGS } from './executor-harness.ts';

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
  const r = await h.execute([]);
  assert.ok(r.reconciliation.findings.some((f) => f.class === 'zombie' && f.instrumentKey === LEGS.shortCall.key));
  assert.equal(r.reconciliation.mismatch, undefined);
  const adopted = h.engine.book().structures.find((s) => s.id === 'adopted');
  assert.equal(adopted?.kind, 'adopted');
  await h.broker.placeOrder({ clientOrderId: 'manual-b', instrumentKey: LEGS.shortCall.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  const r2 = await h.execute([]);
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
