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

test('a new instrument list pauses playback until the next poll: a consumer that subscribes on `connected` gets the new contracts\' first ticks', async (t) => {
  // An imported end-of-day recording lists a new expiry with the frame that first quotes it (same instant): before the
  // pause, those ticks were played in the same poll as the list, ahead of the consumer's (async) subscription, and
  // dropped — the feed then carried the new chain with no quotes all day (data quality 0, kill switch DEGRADED).
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const T1 = T0 + 60_000;
  const opt = (key: string, expiry: string) => ({ instrumentKey: key, underlying: 'NIFTY' as const, kind: 'CE' as const, expiry, strike: 26_000, lotSize: 65, tickSize: 0.05 });
  const tick = (key: string, ts: number): Tick => ({ instrumentKey: key, ts, ltp: 10, bid: 9.95, ask: 10.05 });
  const rec = new Recorder({ dir, source: 'import', createdAt: '2026-11-21T00:00:00Z' });
  rec.instruments(T0, [opt('NSE_FO|1', '2026-11-24')]);
  rec.ticks(T0, [tick('NSE_FO|1', T0)]);
  rec.instruments(T1, [opt('NSE_FO|1', '2026-11-24'), opt('NSE_FO|2', '2026-12-01')]);
  rec.ticks(T1, [tick('NSE_FO|1', T1), tick('NSE_FO|2', T1)]);
  rec.close();

  let now = T0;
  const src = new ReplaySource({ dir, speed: 1, wall: { monotonic: () => 0 }, clock: { now: () => now, monotonic: () => now - T0 } });
  const played: string[] = [];
  let subscribing: Promise<void> | null = null;
  src.onTicks((b) => played.push(...b.map((x) => `${x.instrumentKey}@${x.ts - T0}`)));
  // As the feed does: refetch the list and subscribe to all of it when the source says `connected`.
  src.onStatus((s) => {
    if (s.kind === 'connected') subscribing = src.instruments().then((list) => src.subscribe(list.map((i) => i.instrumentKey)));
  });
  await src.start();
  const playTo = async (ms: number) => {
    now = ms;
    src.poll();
    while (subscribing !== null) {
      const p: Promise<void> = subscribing;
      subscribing = null;
      await p;
      src.poll();
    }
  };
  await playTo(T0);
  await playTo(T1);
  assert.deepEqual(played, ['NSE_FO|1@0', 'NSE_FO|1@60000', 'NSE_FO|2@60000']);
});

test('on a stepped clock already days into the recording, playback starts at that IST day with the list in force, not at the recording\'s start', async (t) => {
  // A resumed backtest or a feed restarted mid-run made its source with the clock on day 3: it used to play days 1–3
  // in its first poll (a month of minute data: past the snapshot's timeout and the feed's heartbeat, so the restarted
  // feed was declared hung again and again). Chunks of 10 minutes; days 23, 24, 25 Nov 2026 at 10:00–10:30 IST.
  const opt = (key: string) => ({ instrumentKey: key, underlying: 'NIFTY' as const, kind: 'CE' as const, expiry: '2026-12-01', strike: 26_000, lotSize: 65, tickSize: 0.05 });
  const day = (d: number, minute: number) => istInstant(`2026-11-${d}`, minute);
  const record = (dir: string, listEachDay: boolean) => {
    const rec = new Recorder({ dir, source: 'import', chunkMs: 600_000, createdAt: '2026-11-21T00:00:00Z' });
    for (const d of [23, 24, 25]) {
      // Day d lists NSE_FO|<d> (an imported day opens with its own list); a live recording lists at its start only.
      if (listEachDay || d === 23) rec.instruments(day(d, 600), [opt(`NSE_FO|${d}`)]);
      for (let m = 600; m <= 630; m += 5) rec.ticks(day(d, m), [{ instrumentKey: `NSE_FO|${listEachDay ? d : 23}`, ts: day(d, m), ltp: d, bid: d - 0.05, ask: d + 0.05 }]);
    }
    return rec.close();
  };
  for (const listEachDay of [true, false]) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vg-rec-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const index = record(dir, listEachDay);
    assert.ok(index.chunks.length >= 9, 'several chunks a day');
    const now = day(25, 615);
    const src = new ReplaySource({ dir, speed: 1, wall: { monotonic: () => 0 }, clock: { now: () => now, monotonic: () => now } });
    const key = listEachDay ? 'NSE_FO|25' : 'NSE_FO|23';
    assert.deepEqual((await src.instruments()).map((i) => i.instrumentKey), [key]);
    await src.subscribe([key]);
    const played: number[] = [];
    src.onTicks((b) => played.push(...b.map((x) => x.ts)));
    await src.start();
    for (let i = 0; i < 3; i++) src.poll(); // past the pause a list entry makes
    // Only day 25's ticks up to 10:15 — 10:00, 10:05, 10:10, 10:15.
    assert.deepEqual(played, [600, 605, 610, 615].map((m) => day(25, m)), `list each day: ${listEachDay}`);
  }
  // A clock on the recording's first day plays from its first entry, as before.
  const dir = mkdtempSync(path.join(tmpdir(), 'vg-rec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  record(dir, true);
  const first = new ReplaySource({ dir, speed: 1, wall: { monotonic: () => 0 }, clock: { now: () => day(23, 605), monotonic: () => 0 } });
  const played: number[] = [];
  first.onTicks((b) => played.push(...b.map((x) => x.ts)));
  await first.start();
  for (let i = 0; i < 3; i++) first.poll();
  assert.deepEqual(played, [day(23, 600), day(23, 605)]);
});
