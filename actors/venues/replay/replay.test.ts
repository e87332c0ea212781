import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Recorder } from './recorder.ts';
import { ReplaySource, readIndex } from './source.ts';
import { SimMarket, STEP_MS } from '../sim/market.ts';
import { istInstant } from '../../domain/calendar.ts';
import type { Tick } from '../market-data.ts';

const T0 = istInstant('2026-11-23', 10 * 60);

test('replay reproduces a recording exactly, across chunks, at any speed', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const market = new SimMarket({ seed: 4, startMs: T0 });
  const rec = new Recorder({ dir, source: 'sim', chunkMs: 10_000, createdAt: '2026-11-21T00:00:00Z' });
  rec.status(T0, { kind: 'market', open: true });
  rec.instruments(T0, market.instruments());
  const recorded: Tick[][] = [[...market.snapshotTicks()]];
  rec.ticks(T0, recorded[0]!);
  market.drainChanged();
  for (let now = T0 + STEP_MS; now <= T0 + 30_000; now += STEP_MS) {
    market.advanceTo(now);
    const ticks = market.drainChanged();
    recorded.push(ticks);
    rec.ticks(now, ticks);
  }
  const index = rec.close();
  assert.ok(index.chunks.length >= 3, `chunks ${index.chunks.length}`);
  assert.deepEqual(readIndex(dir), index);

  for (const speed of [1, 50]) {
    let wall = 0;
    const src = new ReplaySource({ dir, speed, wall: { monotonic: () => wall } });
    const played: (readonly Tick[])[] = [];
    const statuses: string[] = [];
    src.onTicks((b) => played.push(b));
    src.onStatus((s) => statuses.push(s.kind === 'market' ? `market:${s.open}` : s.kind));
    assert.equal((await src.instruments()).length, market.instruments().length);
    await src.start();
    await src.stop(); // drive by hand
    while (!src.ended) {
      wall += 100;
      src.poll();
      assert.ok(src.clock.now() <= index.endTs);
    }
    assert.deepEqual(played, recorded);
    assert.deepEqual(statuses, ['connected', 'market:true', 'connected', 'market:false', 'disconnected']);
  }
});

test('a corrupt chunk or index is refused with a clear error', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => readIndex(dir), /expected a recording index at/);
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ format: 'volguard-recording', version: 3 }));
  assert.throws(() => readIndex(dir), /expected version 1 or 2, was 3/);
  const rec = new Recorder({ dir, source: 'sim', createdAt: 'x' });
  rec.ticks(T0, [{ instrumentKey: 'k', ts: T0, ltp: 1 }]);
  rec.close();
  writeFileSync(path.join(dir, 'chunk-000000.msgpack.gz'), 'not gzip');
  assert.throws(() => new ReplaySource({ dir, speed: 1, wall: { monotonic: () => 0 } }), /expected a gzip msgpack chunk at .*chunk-000000/);
});
