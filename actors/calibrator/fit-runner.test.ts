/**
 * @module FitRunner: the piscina pool (a .ts task loaded under tsx) gives the same surface as inline; a newer snapshot
 * aborts the stale one; the snapshot schema rejects bad bodies with clear messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATOR_SETTINGS as CFG } from './config.ts';
import { FitRunner } from './fit-runner.ts';
import { parseSnapshot } from './snapshot-schema.ts';
import { OlderInputError } from '../../runtime/errors.ts';
import { buildSnapshot, fullMarketSpecs } from '../../test/fixtures/quant/snapshot.ts';

test('pool mode loads the .ts task and matches inline results; a newer snapshot aborts the stale fit', async () => {
  const snapshot = buildSnapshot(fullMarketSpecs().slice(0, 2));
  const inline = await new FitRunner(CFG).calibrate(snapshot, () => 0);
  const pool = new FitRunner({ ...CFG, mode: 'pool', threads: 1 });
  try {
    const stale = pool.calibrate(snapshot, () => 0);
    const fresh = pool.calibrate({ ...snapshot, cycleId: 'c-2' }, () => 0);
    await assert.rejects(stale, (err: Error) => err.name === 'AbortError' || /abort/i.test(err.message));
    const surface = await fresh;
    assert.equal(surface.cycleId, 'c-2');
    surface.expiries.forEach((e, i) => {
      assert.deepEqual(e.params, inline.expiries[i]!.params);
      assert.ok(e.vols instanceof Float64Array);
    });
  } finally {
    await pool.destroy();
  }
});

test('rejects a body that is not a MarketSnapshot, naming the field', () => {
  assert.throws(() => parseSnapshot({ cycleId: 1 }), /cycleId: .*expected string/i);
  const snap = buildSnapshot(fullMarketSpecs().slice(0, 1));
  const bad = { ...snap, expiries: [{ ...snap.expiries[0]!, callBid: new Float64Array(3) }] };
  assert.throws(() => parseSnapshot(bad), /callBid: expected 41 values \(as strikes\), was 3/);
  assert.equal(parseSnapshot(snap), snap);
});

test('the hand-written check in front of the schema accepts nothing the schema rejects', () => {
  const snap = buildSnapshot([{ ...fullMarketSpecs()[0]!, brokerIvOffset: 0.01 }]);
  assert.equal(parseSnapshot(snap), snap);
  const chain = snap.expiries[0]!;
  const bad: [unknown, RegExp][] = [
    [null, /body: /],
    [{ ...snap, ts: Number.POSITIVE_INFINITY }, /ts: /],
    [{ ...snap, spots: [{ underlying: 'NIFTY', spot: Number.NaN }] }, /spots\.0\.spot: /],
    [{ ...snap, spots: [{ underlying: 'SENSEX', spot: 1 }] }, /spots\.0\.underlying: /],
    [{ ...snap, expiries: [{ ...chain, strikes: Float64Array.from(chain.strikes).reverse() }] }, /strikes\.1: expected ascending strikes/],
    [{ ...snap, expiries: [{ ...chain, putBrokerIv: new Float64Array(2) }] }, /putBrokerIv: expected 41 values/],
    [{ ...snap, expiries: [{ ...chain, callAsk: [...chain.callAsk] }] }, /callAsk: expected a Float64Array/],
    [{ ...snap, expiries: [{ ...chain, expiryTs: Number.NaN }] }, /expiryTs: /],
  ];
  for (const [body, message] of bad) assert.throws(() => parseSnapshot(body), message);
});

test('a snapshot older than the latest one calibrated is refused (OlderInputError, nothing fitted); the same instant or a later one is fitted', async () => {
  const snapshot = buildSnapshot(fullMarketSpecs().slice(0, 1));
  const runner = new FitRunner(CFG);
  const first = await runner.calibrate(snapshot, () => 0);
  await assert.rejects(runner.calibrate({ ...snapshot, cycleId: 'c-old', ts: snapshot.ts - 60_000 }, () => 0), (err: unknown) => {
    assert.ok(err instanceof OlderInputError, String(err));
    assert.deepEqual([err.input, err.ts, err.lastTs], ['snapshot', snapshot.ts - 60_000, snapshot.ts]);
    assert.match(err.message, /^calibrator: expected snapshot at or after .* \(the latest seen\), was .*: refused as bad data$/);
    return true;
  });
  const again = await runner.calibrate({ ...snapshot, cycleId: 'c-same' }, () => 0);
  assert.deepEqual(again.expiries.map((e) => e.params), first.expiries.map((e) => e.params));
  const later = await runner.calibrate({ ...snapshot, cycleId: 'c-later', ts: snapshot.ts + 1000 }, () => 0);
  assert.equal(later.cycleId, 'c-later');
  await runner.destroy();
});
