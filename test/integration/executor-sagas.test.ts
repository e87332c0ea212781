import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError, type MultiPlaceLine, type OrderRequest } from '../../actors/venues/broker.ts';
import { CFG, Harness, condor, duplicates, LEGS } from './executor-harness.ts';

test('a condor in FULL_AUTO sends BUY legs before SELL legs, fills, and opens the structure', async () => {
  const h = new Harness();
  const r = await h.execute([condor('p1')]);
  assert.equal(r.sagasStarted.length, 1);
  assert.equal(r.sagasProgressed[0]?.outcome, 'completed');
  const book = await h.broker.getOrderBook();
  assert.deepEqual(book.map((o) => o.side), ['BUY', 'BUY', 'SELL', 'SELL']);
  assert.ok(book.every((o) => o.status === 'filled'));
  const s = h.engine.book().structures[0];
  assert.equal(s?.status, 'open');
  assert.equal(s?.entryCredit, 60 + 55 - 20.5 - 18.5, 'credit per unit set');
  assert.equal(s?.maxLoss, (300 - (60 + 55 - 20.5 - 18.5)) * 75, '(width − credit) × quantity, ₹');
  await h.done();
});

test('short leg rejected after the hedges filled: the rest is compensated and the saga ends compensated', async () => {
  const h = new Harness();
  // Orders go: longPut, longCall (BUYs), then shortPut, shortCall. Reject the third: shortPut.
  const origPlace = h.broker.placeOrder.bind(h.broker);
  let n = 0;
  h.broker.placeOrder = async (req) => {
    if (++n === 3) h.broker.faults.rejectNext('RMS: short not allowed');
    return origPlace(req);
  };
  const r = await h.execute([condor('p2')]);
  assert.equal(r.sagasProgressed.at(-1)?.outcome, 'compensated');
  const positions = (await h.broker.getPositions()).filter((p) => p.quantity !== 0);
  assert.deepEqual(positions, [], 'flat at the broker after compensation');
  const book = await h.broker.getOrderBook();
  // The SELL short call was never sent after its sibling failed; hedges were sold back.
  assert.equal(book.filter((o) => o.instrumentKey === LEGS.shortCall.key).length, 0);
  assert.ok(h.journal.some((e) => e.type === 'executor.sagaFinished' && e.outcome === 'compensated'));
  assert.equal(h.engine.book().structures[0]?.status, 'failed');
  await h.done();
});

test('an ambiguous send stays UNKNOWN (never resent) and reconciliation resolves it by tag', async () => {
  const h = new Harness();
  h.broker.faults.ambiguousNext();
  h.broker.faults.muteUpdates = true; // the answer and the stream are both lost
  const r1 = await h.execute([condor('p3')]);
  h.broker.faults.muteUpdates = false;
  assert.match(r1.sagasProgressed[0]?.stage ?? '', /waiting: UNKNOWN/);
  const unknown = h.engine.orders().filter((o) => o.status === 'unknown');
  assert.equal(unknown.length, 1);
  assert.equal((await h.broker.getOrderBook()).length, 1, 'nothing else sent while UNKNOWN');
  const r2 = await h.execute([]);
  assert.ok(r2.reconciliation.findings.some((f) => f.class === 'unknown_resolved' && f.clientOrderId === unknown[0]?.clientOrderId));
  assert.equal(r2.sagasProgressed[0]?.outcome, 'completed');
  assert.deepEqual(duplicates(h.broker.tags()), []);
  await h.done();
});

test('crash between legs: the rebuilt executor finds its orders by tag and never sends one twice', async () => {
  const h = new Harness();
  // Crash right after the first SELL is accepted, before its answer is journaled.
  const origPlace = h.broker.placeOrder.bind(h.broker);
  h.broker.placeOrder = async (req) => {
    const r = await origPlace(req);
    if (req.side === 'SELL') {
      h.dead = true;
      throw new Error('process killed');
    }
    return r;
  };
  await assert.rejects(h.execute([condor('p4')]), /process is dead/);
  await h.crashAndRestart();
  // The SELL's intent is journaled, its answer is not: it is in doubt, not absent.
  assert.deepEqual(h.engine.orders().filter((o) => o.status === 'pending').map((o) => o.side), ['SELL']);
  const r = await h.execute([condor('p4')]); // the strategy re-proposes the same idea: no second saga
  assert.equal(r.sagasStarted.length, 0);
  assert.equal(r.sagasProgressed[0]?.outcome, 'completed');
  assert.deepEqual(duplicates(h.broker.tags()), []);
  assert.equal((await h.broker.getOrderBook()).length, 4);
  await h.done();
});

test('a short leg left unhedged past the timer asks the kill switch for EMERGENCY', async () => {
  const h = new Harness();
  await h.execute([condor('p5')]);
  // Someone sells the long put outside VolGuard: the short put is now naked.
  await h.broker.placeOrder({ clientOrderId: 'manual-1', instrumentKey: LEGS.longPut.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  const r = await h.execute([]);
  assert.ok(r.reconciliation.findings.some((f) => f.class === 'externally_closed' && f.instrumentKey === LEGS.longPut.key));
  assert.equal(h.emergencies.length, 0);
  h.clock.advance(10_000);
  await h.engine.tick();
  assert.equal(h.emergencies.length, 1);
  assert.match(JSON.stringify(h.emergencies[0]), /NAKED_LEG/);
  assert.equal((h.emergencies[0] as { structureId: string }).structureId, h.engine.book().structures[0]?.id);
  await h.engine.tick();
  assert.equal(h.emergencies.length, 1, 'one request per episode');
  await h.done();
});

test('the naked-leg timer is journaled: a restart continues it instead of resetting it, and asks once', async () => {
  const h = new Harness();
  await h.execute([condor('p9')]);
  await h.broker.placeOrder({ clientOrderId: 'manual-2', instrumentKey: LEGS.longCall.key, side: 'SELL', quantity: 75, orderType: 'MARKET', product: 'D', validity: 'DAY' });
  await h.execute([]);
  const started = h.journal.find((e) => e.type === 'executor.nakedLegStarted');
  assert.ok(started, 'the timer start is journaled');
  h.clock.advance(6_000);
  await h.crashAndRestart();
  h.clock.advance(4_000);
  await h.engine.tick();
  assert.equal(h.emergencies.length, 1, 'the 10 s ran across the restart');
  await h.crashAndRestart();
  await h.engine.tick();
  assert.equal(h.emergencies.length, 1, 'the request is journaled too: not repeated after another restart');
  await h.done();
});

test('risk.preTrade denial is a journaled OrderDenied and nothing is sent; so is a kill switch that is not NORMAL', async () => {
  const h = new Harness();
  h.preTrade = () => ({ allowed: false, reason: 'DELTA_LIMIT_EXCEEDED' });
  const r = await h.execute([condor('p6')]);
  assert.equal(r.denied[0]?.reason, 'RISK_PRETRADE_DENIED');
  h.preTrade = () => ({ allowed: true });
  const r2 = await h.execute([condor('p7')], 'FULL_AUTO', 'DEGRADED');
  assert.equal(r2.phase.effective, 'SEMI_AUTO');
  // HALTED: the kill switch puts SEMI_AUTO in force (an approval); approved, the entry is still refused.
  const r3 = await h.execute([condor('p8')], 'FULL_AUTO', 'HALTED');
  assert.equal(r3.phase.effective, 'SEMI_AUTO');
  const a3 = await h.engine.approve(r3.approvalsCreated[0]!, 'ops');
  assert.equal(a3.status, 'failed');
  assert.ok(h.journal.some((e) => e.type === 'executor.orderDenied' && e.denied.proposalId === 'p8' && e.denied.reason === 'KILLSWITCH_NOT_NORMAL'));
  assert.equal((await h.broker.getOrderBook()).length, 0);
  assert.ok(h.journal.some((e) => e.type === 'executor.orderDenied'));
  await h.done();
});

test('multi-leg groups go out as multi orders (BUY call first) and a 207-style partial answer is handled line by line', async () => {
  const h = new Harness(CFG, true);
  const calls: string[][] = [];
  const orig = h.broker.placeMultiOrder.bind(h.broker);
  let failSell = false;
  h.broker.placeMultiOrder = async (reqs: readonly OrderRequest[]): Promise<readonly MultiPlaceLine[]> => {
    calls.push(reqs.map((r) => r.side));
    if (!failSell || reqs[0]?.side !== 'SELL') return orig(reqs);
    // 207: the first line placed, the second refused by the exchange, a third line (none here) unaffected.
    const [first, ...rest] = reqs;
    const placed = await orig([first!]);
    return [...placed, ...rest.map((r) => ({ ok: false as const, clientOrderId: r.clientOrderId, error: new BrokerError('REJECTED', 'line refused (207)') }))];
  };
  const r = await h.execute([condor('m1')]);
  assert.equal(r.sagasProgressed[0]?.outcome, 'completed');
  assert.deepEqual(calls, [['BUY', 'BUY'], ['SELL', 'SELL']]);
  assert.ok((await h.broker.getOrderBook()).every((o) => o.status === 'filled'));

  calls.length = 0;
  failSell = true;
  const r2 = await h.execute([condor('m2')]);
  assert.equal(r2.sagasProgressed.at(-1)?.outcome, 'compensated');
  const saga = r2.sagasStarted[0]!;
  const lines = h.journal.filter((e) => 'sagaId' in e && e.sagaId === saga);
  assert.ok(lines.some((e) => e.type === 'executor.orderSent' && e.clientOrderId === 'VG2-0E0'), 'the placed line is sent');
  assert.ok(lines.some((e) => e.type === 'executor.orderUpdated' && e.clientOrderId === 'VG2-1E0' && e.status === 'rejected'), 'the refused line alone is rejected');
  // Compensation reversed what m2 filled; m1's condor is untouched.
  const net = new Map((await h.broker.getPositions()).map((p) => [p.instrumentKey, p.quantity]));
  assert.equal(net.get(LEGS.shortPut.key), -75);
  assert.equal(net.get(LEGS.longPut.key), 75);
  assert.deepEqual(duplicates(h.broker.tags()), []);

  // A multi call that fails ambiguously as a whole leaves every line UNKNOWN (never resent); reconciliation resolves them.
  const h3 = new Harness(CFG, true);
  h3.broker.faults.ambiguousNext();
  h3.broker.faults.muteUpdates = true; // and the update stream is down: only reconciliation can tell
  const r3 = await h3.execute([condor('m3')]);
  h3.broker.faults.muteUpdates = false;
  assert.match(r3.sagasProgressed[0]?.stage ?? '', /UNKNOWN/);
  assert.equal((await h3.broker.getOrderBook()).length, 2, 'the BUY lines exist at the exchange');
  const r4 = await h3.execute([]);
  assert.ok(r4.reconciliation.findings.some((f) => f.class === 'unknown_resolved'));
  assert.equal(r4.sagasProgressed[0]?.outcome, 'completed');
  assert.deepEqual(duplicates(h3.broker.tags()), []);
  await h3.done();
  await h.done();
});

test('live read budget: with nothing in flight the broker is reconciled at most once per interval; in-flight orders are reconciled every cycle', async () => {
  const h = new Harness({ ...CFG, reconIntervalMs: 10_000 });
  let reads = 0;
  const orig = h.broker.getOrderBook.bind(h.broker);
  h.broker.getOrderBook = async () => {
    reads++;
    return orig();
  };
  await h.execute([]);
  h.clock.advance(3_000);
  await h.execute([]);
  h.clock.advance(3_000);
  await h.execute([]);
  assert.equal(reads, 1, 'two cycles inside the interval read nothing');
  h.clock.advance(5_000);
  await h.execute([]);
  assert.equal(reads, 2, 'due again after the interval');
  // An order whose fate is unknown is reconciled every cycle until resolved.
  h.broker.faults.ambiguousNext();
  h.broker.faults.muteUpdates = true; // the answer and the stream are both lost: only reconciliation can tell
  await h.execute([condor('p-live')]);
  h.broker.faults.muteUpdates = false;
  assert.equal(h.engine.orders().filter((o) => o.status === 'unknown').length, 1);
  const before = reads;
  h.clock.advance(1_000);
  const r = await h.execute([]);
  assert.equal(reads, before + 1, 'an UNKNOWN order makes the next cycle reconcile, inside the interval');
  assert.ok(r.reconciliation.findings.some((f) => f.class === 'unknown_resolved'));
  await h.done();
});

for (const multi of [false, true]) {
  test(`crash mid-flatten (${multi ? 'multi-order' : 'one by one'}: first order at the exchange, the rest journaled but never sent): the rebuilt executor resolves them by tag, re-places them under new ids, ends flat and the structure closed`, async () => {
    const h = new Harness(CFG, multi);
    await h.execute([condor('pf')]);
    const sid = h.engine.book().structures[0]?.id;
    assert.equal(h.engine.book().structures[0]?.status, 'open');
    // The kill lands right after the flatten's first order reached the exchange, before the others were sent (their
    // intents are journaled: one by one the next one's, in a multi-order group every line's).
    const origPlace = h.broker.placeOrder.bind(h.broker);
    let sent = 0;
    h.broker.placeOrder = async (req) => {
      if (req.clientOrderId?.startsWith('VGF') === true && sent++ > 0) {
        h.dead = true;
        throw new Error('process killed');
      }
      return origPlace(req);
    };
    h.broker.placeMultiOrder = async (reqs: readonly OrderRequest[]) => {
      await origPlace(reqs[0]!);
      h.dead = true;
      throw new Error('process killed');
    };
    await assert.rejects(h.engine.flatten('drill latch'), /process is dead|process killed/);
    await h.crashAndRestart();
    const inDoubt = h.engine.orders().filter((o) => o.status === 'pending' || o.status === 'unknown');
    // Multi-order: the flatten's first basket holds only the two shorts (the hedges are sold once no short is left).
    assert.equal(inDoubt.length, multi ? 2 : 1, JSON.stringify(h.engine.orders()));
    assert.equal((await h.broker.getPositions()).filter((p) => p.quantity !== 0).length, 3, 'one leg closed at the exchange');

    // The kill switch resumes the flatten: it resolves the orders in doubt by tag (the first one present and filled,
    // the others proven absent after the grace) and places what is left under new ids.
    const r = await h.engine.flatten('resume the flatten interrupted by a restart');
    assert.equal(r.flat, true, JSON.stringify(r));
    assert.deepEqual((await h.broker.getPositions()).filter((p) => p.quantity !== 0), []);
    assert.deepEqual(h.engine.book().positions, []);
    assert.deepEqual(duplicates(h.broker.tags()), [], 'no tag sent twice');
    for (const o of inDoubt) {
      const now = h.engine.orders().find((x) => x.clientOrderId === o.clientOrderId)!;
      if (h.broker.tags().includes(o.clientOrderId)) assert.equal(now.status, 'filled', 'present: tracked');
      else assert.equal(now.status, 'rejected', 'absent: proven so, never resent under its old id');
    }
    assert.equal(r.ordersPlaced, 3, 'the three legs left, each placed once again');
    const st = h.engine.book().structures.find((s) => s.id === sid);
    assert.equal(st?.status, 'closed', JSON.stringify(st));
    assert.deepEqual(st?.legs, []);
    // A rebuild from the journal says the same.
    await h.crashAndRestart();
    assert.deepEqual(h.engine.book().structures.find((s) => s.id === sid), st);
    await h.done();
  });
}

test('a flatten that closes only some legs leaves the structure closing with the legs it still holds, never open with all four', async () => {
  const h = new Harness({ ...CFG, flattenMaxAttempts: 1 });
  await h.execute([condor('pg')]);
  const sid = h.engine.book().structures[0]!.id;
  // No bid on the long call: its SELL to close cannot fill (the wing stays); the other three close.
  h.setQuote(LEGS.longCall.key, 0, 0, 0);
  const r = await h.engine.flatten('partial');
  assert.equal(r.flat, false);
  assert.deepEqual(r.left.map((p) => p.instrumentKey), [LEGS.longCall.key]);
  const st = h.engine.book().structures.find((s) => s.id === sid)!;
  assert.equal(st.status, 'closing');
  assert.deepEqual(st.legs.map((l) => [l.instrumentKey, l.side, l.quantity]), [[LEGS.longCall.key, 'BUY', 75]]);
  // A rebuild from the journal says the same.
  await h.crashAndRestart();
  assert.deepEqual(h.engine.book().structures.find((s) => s.id === sid), st);
  await h.done();
});
