import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleInstants, followUpsOf, frameSpacingMs, instantsOf, needsFollowUp } from './schedule.ts';
import { driveCycles } from './driver.ts';
import { SteppedClock } from '../../clock.ts';
import type { CycleRecord } from '../../../actors/journal/messages.ts';
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

test('follow-ups: a frame\'s later cycles, run only while the cycle before left work in flight', async () => {
  const frames = [ist(12, 15, 15), ist(13, 15, 15)];
  const settlements = [ist(12, 15, 30), ist(13, 15, 30)];
  const instants = cycleInstants(frames, settlements, { from: '2026-01-12', to: '2026-01-13', intervalMs: 3000, cyclesPerFrame: 3 });
  const followUp = followUpsOf(instants, frames, settlements);
  assert.deepEqual(followUp, [false, true, true, false, false, true, true, false]);
  const quiet = { working: 0, error: null, killswitch: 'NORMAL' };
  assert.equal(needsFollowUp(quiet), false);
  assert.equal(needsFollowUp({ ...quiet, working: 1 }), true, 'a saga still working');
  assert.equal(needsFollowUp({ ...quiet, working: null }), true, 'execute did not run');
  assert.equal(needsFollowUp({ ...quiet, error: 'RequestTimeoutError: …' }), true, 'a failed cycle');
  assert.equal(needsFollowUp({ ...quiet, killswitch: 'EMERGENCY' }), true, 'a flatten');
  assert.equal(needsFollowUp(null), true, 'unknown');

  // The driver on a stepped clock: 12 Jan's frame is quiet (its follow-ups are passed over); 13 Jan's leaves a saga
  // working for one more cycle (15:15:03 runs, 15:15:06 does not).
  const working = new Map([[ist(13, 15, 15), 1]]);
  const clock = new SteppedClock(instants[0]!);
  const ran: number[] = [];
  const cycle = {
    runOnce: async (): Promise<CycleRecord> => {
      const ts = clock.now();
      ran.push(ts);
      return { cycleId: `c${ran.length}`, ts, durationMs: 0, stages: { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 }, overrun: false, summary: { ...quiet, working: working.get(ts) ?? 0 } };
    },
  };
  const paced: [number, number][] = [];
  const r = await driveCycles({ clock, cycle, instants, followUp, pace: async (a, b) => { paced.push([a, b]); } });
  assert.deepEqual(ran, [ist(12, 15, 15), ist(12, 15, 30), ist(13, 15, 15), ist(13, 15, 15, 3), ist(13, 15, 30)]);
  assert.deepEqual(r, { next: instants.length, ran: 5 });
  // Paced from the cycle that ran before (a paper session's wall pacing spans the passed-over follow-ups).
  assert.deepEqual(paced[1], [ist(12, 15, 30), ist(13, 15, 15)]);
  assert.deepEqual(paced[0], [ist(12, 15, 15), ist(12, 15, 30)]);

  // Resumed after 13 Jan 15:15 (its record left a saga working): the follow-up runs, as it did uninterrupted.
  const resumed: number[] = [];
  const clock2 = new SteppedClock(ist(13, 15, 15));
  await driveCycles({
    clock: clock2, instants, followUp, start: 5, previousSummary: { ...quiet, working: 1 },
    cycle: { runOnce: async () => { resumed.push(clock2.now()); return { cycleId: 'x', ts: clock2.now(), durationMs: 0, stages: { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 }, overrun: false, summary: quiet }; } },
  });
  assert.deepEqual(resumed, [ist(13, 15, 15, 3), ist(13, 15, 30)]);
});
