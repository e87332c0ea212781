/**
 * @module The executor refuses a cycle whose snapshot is older than one it has acted on (issue 14, DESIGN.md §8):
 * an OlderInputError reply (counted, never a crash), nothing placed, nothing journaled; the next good cycle acts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OlderInputError } from '../../runtime/errors.ts';
import { Harness, condor } from './executor-harness.ts';

test('a cycle whose snapshot is older than the latest one acted on is refused: nothing placed or journaled, then the next cycle acts', async () => {
  const h = new Harness();
  try {
    await h.execute([]);
    const seen = h.clock.now();
    const journaled = h.journal.length;
    const older = h.request([condor('late')]);
    // One market minute before the last cycle's, as a market restarted from its start would deliver it.
    const req = { ...older, snapshot: { ...older.snapshot, ts: seen - 60_000 } };
    await assert.rejects(h.engine.execute(req), (err: unknown) => {
      assert.ok(err instanceof OlderInputError, String(err));
      assert.equal(err.code, 'OLDER_INPUT');
      assert.deepEqual([err.input, err.ts, err.lastTs], ['snapshot', seen - 60_000, seen]);
      return true;
    });
    assert.deepEqual(await h.broker.getOrderBook(), [], 'no order reached the exchange');
    assert.equal(h.journal.length, journaled, 'nothing journaled');
    // The same instant again is not older; the proposal goes through on it.
    h.clock.advance(1000);
    const r = await h.execute([condor('p1')]);
    assert.equal(r.sagasProgressed[0]?.outcome, 'completed', JSON.stringify(r.sagasProgressed));
  } finally {
    await h.done();
  }
});
