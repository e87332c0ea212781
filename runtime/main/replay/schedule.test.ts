import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleInstants, frameSpacingMs, instantsOf } from './schedule.ts';
import type { Entry } from '../../../actors/venues/replay/format.ts';

// IST = UTC + 5:30: 15:15 IST on 12 Jan 2026 is 09:45 UTC.
const ist = (d: number, h: number, m: number, s = 0) => Date.UTC(2026, 0, d, h - 5, m - 30, s);

test('an end-of-day frame gets its cycle and the next ones SUPERVISOR_LOOP_INTERVAL apart; a settlement gets one', () => {
  const frames = [ist(12, 15, 15), ist(13, 15, 15)];
  const settlements = [ist(12, 15, 30), ist(13, 15, 30)];
  const got = cycleInstants(frames, settlements, { from: '2026-01-12', to: '2026-01-13', intervalMs: 3000, cyclesPerFrame: 3 });
  assert.deepEqual(got, [ist(12, 15, 15), ist(12, 15, 15, 3), ist(12, 15, 15, 6), ist(12, 15, 30), ist(13, 15, 15), ist(13, 15, 15, 3), ist(13, 15, 15, 6), ist(13, 15, 30)]);
  // [from, to] by IST date.
  assert.deepEqual(cycleInstants(frames, settlements, { from: '2026-01-13', to: '2026-01-13', intervalMs: 3000, cyclesPerFrame: 1 }), [ist(13, 15, 15), ist(13, 15, 30)]);
});

test('a frame\'s extra cycles stop before the next frame and at the close', () => {
  // Minute frames 15:28, 15:29, 15:30 with 30 s cycles, 3 a frame: 15:28:00, 15:28:30 | 15:29:00, 15:29:30 | 15:30:00.
  const frames = [ist(12, 15, 28), ist(12, 15, 29), ist(12, 15, 30)];
  assert.deepEqual(cycleInstants(frames, [], { from: '2026-01-12', to: '2026-01-12', intervalMs: 30_000, cyclesPerFrame: 3 }),
    [ist(12, 15, 28), ist(12, 15, 28, 30), ist(12, 15, 29), ist(12, 15, 29, 30), ist(12, 15, 30)]);
  assert.throws(() => cycleInstants(frames, [], { from: '2026-01-12', to: '2026-01-12', intervalMs: 3000, cyclesPerFrame: 0 }), /cycles per frame/);
});

test('frame spacing: the widest gap inside a session, or from its last frame to the 15:30 close', () => {
  assert.equal(frameSpacingMs([ist(12, 15, 15), ist(13, 15, 15)]), 15 * 60_000);
  assert.equal(frameSpacingMs([ist(12, 9, 16), ist(12, 9, 17), ist(12, 9, 19), ist(12, 15, 30)]), 6 * 3_600_000 + 11 * 60_000);
  assert.equal(frameSpacingMs([]), 0);
});

test('instants of entries: tick entries are frames, settlement entries settlements, each once', () => {
  const e = (ts: number, kind: 0 | 2 | 3): Entry => (kind === 2 ? [ts, 2, { kind: 'market', open: true }] : [ts, kind, []]) as Entry;
  assert.deepEqual(instantsOf([e(1, 2), e(1, 0), e(1, 0), e(2, 0), e(3, 3), e(3, 3)]), { frames: [1, 2], settlements: [3] });
});
