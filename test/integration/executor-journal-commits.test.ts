/**
 * The executor journals a saga in one commit an order group, not one an event (engine.ts #emit, order-desk.ts): a
 * group's intents go together, and what the broker answers and pushes (sent, fills, their charges) is staged and goes
 * together. Before, every event was awaited on its own — a 4-leg condor took 19 journal round trips, each a durable
 * commit, inside the cycle. What must not change with it: an order reaches the broker only after its intent is
 * journaled; the next group goes only after the last group's facts are journaled; the executor rebuilt from its
 * journal holds the same book; a decision the journal refuses is never acted on; and a broker fact it refuses (held in
 * memory, missing from the journal) restarts the executor, whose reconciliation then learns it again.
 *
 * The journal is modelled as the client coalesces it: the appends of one synchronous turn are one request (one
 * commit), settled a macrotask later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MultiPlaceLine } from '../../actors/venues/broker.ts';
import { InvariantError } from '../../runtime/errors.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';
import { CFG, Harness, condor } from './executor-harness.ts';

/** Journal commits as the client makes them: the appends of one synchronous turn, by short type (an update with its status). */
function commits(h: Harness): string[][] {
  const out: string[][] = [];
  let open = false;
  h.beforeAppend = async (e) => {
    if (!open) {
      open = true;
      out.push([]);
      queueMicrotask(() => {
        open = false;
      });
    }
    out.at(-1)!.push(e.type.slice(e.type.indexOf('.') + 1) + (e.type === 'executor.orderUpdated' ? `:${e.status}` : ''));
    await new Promise((r) => setImmediate(r));
  };
  return out;
}

/** Every multi-order call, with what the journal held when the broker got it. */
function watchBroker(h: Harness): Array<{ ids: string[]; journaled: readonly ExecEvent[] }> {
  const calls: Array<{ ids: string[]; journaled: readonly ExecEvent[] }> = [];
  const place = h.broker.placeMultiOrder.bind(h.broker);
  h.broker.placeMultiOrder = async (lines): Promise<readonly MultiPlaceLine[]> => {
    calls.push({ ids: lines.map((l) => l.clientOrderId), journaled: [...h.journal] });
    return place(lines);
  };
  return calls;
}

test('a condor is journaled in six commits (start, each group\'s intents, each group\'s facts, finish), each before it is acted on', async () => {
  const h = new Harness(CFG, true);
  try {
    const made = commits(h);
    const calls = watchBroker(h);
    const r = await h.execute([condor('p1')]);
    assert.equal(r.sagasProgressed[0]?.outcome, 'completed');
    assert.deepEqual(made, [
      ['sagaStarted'],
      ['orderIntent', 'orderIntent'],
      ['orderSent', 'orderSent', 'orderUpdated:open', 'orderUpdated:filled', 'charges', 'orderUpdated:open', 'orderUpdated:filled', 'charges'],
      ['orderIntent', 'orderIntent'],
      ['orderSent', 'orderSent', 'orderUpdated:open', 'orderUpdated:filled', 'charges', 'orderUpdated:open', 'orderUpdated:filled', 'charges'],
      ['sagaFinished'],
    ]);
    // Journal before act: each group's intents were journaled when the broker got it; so was everything the broker
    // said of the group before (its sends, fills and their charges).
    assert.equal(calls.length, 2);
    for (const [i, c] of calls.entries()) {
      for (const id of c.ids) assert.ok(c.journaled.some((e) => e.type === 'executor.orderIntent' && e.clientOrderId === id), `intent ${id} journaled before group ${i} went`);
    }
    const first = calls[0]!.ids;
    for (const id of first) {
      const of = (e: ExecEvent): string | undefined => ('clientOrderId' in e ? e.clientOrderId : e.type === 'money.charges' ? e.orderId : undefined);
      for (const type of ['executor.orderSent', 'executor.orderUpdated', 'money.charges'] as const) {
        assert.ok(calls[1]!.journaled.some((e) => e.type === type && of(e) === id), `${type} of ${id} journaled before the next group went`);
      }
    }
    // The journal replayed is the book: memory never ran ahead of it in another order.
    const live = structuredClone(h.engine.state);
    await h.crashAndRestart();
    assert.deepEqual(h.engine.state, live);
  } finally {
    await h.done();
  }
});

test('an intent the journal refuses is not acted on: nothing reaches the broker, and memory does not hold it', async () => {
  const h = new Harness(CFG, true);
  try {
    const calls = watchBroker(h);
    h.beforeAppend = (e) => {
      if (e.type === 'executor.orderIntent') throw new Error('JOURNAL: disk full');
    };
    const r = await h.execute([condor('p2')]).then(() => 'answered', (err: Error) => err.message);
    assert.match(r, /disk full/);
    assert.equal(calls.length, 0);
    assert.deepEqual(await h.broker.getOrderBook(), []);
    assert.deepEqual(h.engine.orders(), []);
  } finally {
    await h.done();
  }
});

test('a broker fact the journal refuses: nothing more is sent, the executor rebuilds (InvariantError), and reconciliation learns the fact again by tag', async () => {
  const h = new Harness(CFG, true);
  try {
    let refused = 0;
    h.beforeAppend = (e) => {
      if (e.type === 'executor.orderSent' || e.type === 'executor.orderUpdated' || e.type === 'money.charges') {
        refused++;
        throw new Error('JOURNAL: disk full');
      }
    };
    const err = await h.execute([condor('p3')]).then(() => undefined, (e: Error) => e);
    assert.ok(err instanceof InvariantError, `an InvariantError (the actor restarts), was ${String(err)}`);
    assert.match(err.message, /refused 8 broker fact\(s\) already applied \(executor.orderSent VG1-/);
    assert.equal(refused, 8, "2 sends, 2 × (open, filled), 2 charges");
    // The hedges were bought at the broker; the shorts were never sent.
    const atBroker = await h.broker.getOrderBook();
    assert.deepEqual(atBroker.map((o) => [o.side, o.status]), [['BUY', 'filled'], ['BUY', 'filled']]);
    // Rebuilt from the journal (the intents only), the first cycle's reconciliation finds both by tag and journals them.
    h.beforeAppend = undefined;
    await h.crashAndRestart();
    assert.deepEqual(h.engine.orders().map((o) => o.status), ['pending', 'pending']);
    await h.execute([]);
    const ids = atBroker.map((o) => o.clientOrderId);
    assert.deepEqual(h.engine.orders().filter((o) => ids.includes(o.clientOrderId)).map((o) => o.status), ['filled', 'filled']);
    for (const id of ids) assert.ok(h.journal.some((e) => e.type === 'executor.orderUpdated' && e.clientOrderId === id && e.status === 'filled'), `the fill of ${id} journaled`);
  } finally {
    await h.done();
  }
});
