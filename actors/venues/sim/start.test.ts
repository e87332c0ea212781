import { test } from 'node:test';
import assert from 'node:assert/strict';
import { istInstant } from '../../domain/calendar.ts';
import { planSimClock, timelineOf } from './start.ts';

const WALL = Date.UTC(2026, 11, 6, 8, 0, 0);
const START = istInstant('2026-11-25', 9 * 60 + 15);

test('a fresh data dir starts the timeline at SIM_START (origin and start are the same)', () => {
  const plan = planSimClock({ SIM_SPEED: 60, SIM_START: START, SIM_SEED: 7 }, WALL, null);
  assert.equal(plan.fresh, true);
  assert.deepEqual(plan.spec, { kind: 'scaled', simStartMs: START, wallStartMs: WALL, speed: 60, originMs: START });
  assert.deepEqual(plan.timeline, { seed: 7, originMs: START });
  assert.match(plan.notes.join('\n'), /a fresh data dir: the simulated market starts at 2026-11-25T03:45:00.000Z \(SIM_START\)/);
});

test('a data dir with a journal resumes where it had got to: SIM_START ignored and said so, the market still anchored at the origin', () => {
  const last = START + 3 * 3600_000 + 1234; // 12:15:01.234 IST, the latest entry before a kill -9
  const plan = planSimClock({ SIM_SPEED: 60, SIM_START: START, SIM_SEED: 7 }, WALL, { timeline: { seed: 7, originMs: START }, lastMs: last });
  assert.equal(plan.fresh, false);
  assert.deepEqual(plan.spec, { kind: 'scaled', simStartMs: last, wallStartMs: WALL, speed: 60, originMs: START });
  const notes = plan.notes.join('\n');
  assert.match(notes, /resuming the simulated market at 2026-11-25T06:45:01.234Z, where DATA_DIR's journal had got to \(timeline from 2026-11-25T03:45:00.000Z\)/);
  assert.match(notes, /SIM_START \(2026-11-25T03:45:00.000Z\) ignored: it applies only to a fresh data dir/);
});

test('never before the origin, and a changed seed is said (the timeline keeps its origin)', () => {
  const earlier = START - 86_400_000; // an entry stamped before the origin (a clock that once ran backwards)
  const plan = planSimClock({ SIM_SPEED: 1, SIM_SEED: 9 }, WALL, { timeline: { seed: 7, originMs: START }, lastMs: earlier });
  assert.equal(plan.spec.simStartMs, START);
  assert.deepEqual(plan.timeline, { seed: 9, originMs: START });
  assert.match(plan.notes.join('\n'), /SIM_SEED 9 differs from the seed this data dir's market began with \(7\)/);
});

test('a journal without a timeline (from before timelines) resumes at its latest time and anchors there', () => {
  const last = START + 600_000;
  const plan = planSimClock({ SIM_SPEED: 600, SIM_START: START }, WALL, { timeline: null, lastMs: last });
  assert.deepEqual(plan.spec, { kind: 'scaled', simStartMs: last, wallStartMs: WALL, speed: 600, originMs: last });
  assert.match(plan.notes.join('\n'), /first recorded now/);
});

test('a damaged timeline latch reads as none, and is said', () => {
  assert.equal(timelineOf({ seed: -1, originMs: START }), null);
  assert.equal(timelineOf({ seed: 7, originMs: 'yesterday' }), null);
  assert.equal(timelineOf('x'), null);
  const plan = planSimClock({ SIM_SPEED: 1 }, WALL, { timeline: { seed: 'x' }, lastMs: START + 5 });
  assert.equal(plan.spec.simStartMs, START + 5);
  assert.match(plan.notes.join('\n'), /is not a timeline/);
});
