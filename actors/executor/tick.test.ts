/**
 * The tick gives way to the cycle (CycleWindow): a tick due between a cycle's book and the end of its execute waits
 * and runs once after it; outside a window, or once the window is older than its bound, ticks run at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleWindow } from './tick.ts';

function window(maxWaitMs = 1000): { w: CycleWindow; advance(ms: number): void } {
  let now = 0;
  return { w: new CycleWindow(maxWaitMs, () => now), advance: (ms) => void (now += ms) };
}

test('outside a cycle a tick runs at once, and nothing is owed after', () => {
  const { w } = window();
  assert.equal(w.holdTick(), false);
  assert.equal(w.close(), false);
});

test('ticks due inside the window wait, and one runs when the execute is done', () => {
  const { w, advance } = window();
  w.open();
  advance(5);
  assert.equal(w.holdTick(), true);
  advance(5);
  assert.equal(w.holdTick(), true, 'a second one due in the same window waits too');
  assert.equal(w.close(), true, 'one tick runs after the execute');
  assert.equal(w.close(), false, 'and only one');
  assert.equal(w.holdTick(), false, 'the window is closed');
});

test('a window with no tick due owes nothing', () => {
  const { w } = window();
  w.open();
  assert.equal(w.close(), false);
});

test('a cycle that never sends its execute holds the tick for at most the bound', () => {
  const { w, advance } = window(1000);
  w.open();
  advance(999);
  assert.equal(w.holdTick(), true);
  advance(1);
  assert.equal(w.holdTick(), false, 'bound reached: the tick runs');
  assert.equal(w.holdTick(), false, 'and the stale window is gone');
  // The tick that went through stands for the one held before it: a late close owes nothing.
  assert.equal(w.close(), false);
  w.open();
  assert.equal(w.holdTick(), true, 'the next cycle opens a new window');
});
