import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type ValidateDeps } from '../../runtime/cli/validate.ts';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { runCommand } from '../fixtures/cli.ts';
import { tempDir } from '../fixtures/temp-dir.ts';

/** A Wednesday 10:00 IST inside the calendar's covered years. */
const NOW = Date.UTC(2026, 0, 7, 4, 30);
const fixed: ValidateDeps = { now: () => NOW, monotonic: () => 0 };

function validate(argv: string[], env: Record<string, string>, cwd: string, deps: ValidateDeps = fixed) {
  return runCommand((a, io) => run(a, io, deps), argv, { env, cwd });
}

const line = (out: string, name: string) => out.split('\n').find((l) => new RegExp(`^  [✓✗] ${name}\\b`).test(l)) ?? '';

test('validate without --phase, or with an unknown phase, is a usage error (exit 2)', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    const none = await validate([], { DATA_DIR: dir }, dir);
    assert.equal(none.code, 2);
    assert.match(none.err, /expected --phase, was missing/);
    const bad = await validate(['--phase', 'YOLO'], { DATA_DIR: dir }, dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /expected --phase SHADOW\|SEMI_AUTO\|FULL_AUTO, was "YOLO"/);
  } finally { cleanup(); }
});

test('a fresh paper deployment passes every SHADOW check and exits 0', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    const r = await validate(['--phase', 'SHADOW'], { DATA_DIR: path.join(dir, 'data') }, dir);
    assert.equal(r.code, 0, r.out);
    for (const name of ['config', 'data dir', 'journal', 'clock', 'calendar', 'charges', 'venue', 'phase']) assert.match(line(r.out, name), /^  ✓/, name);
    assert.match(line(r.out, 'charges'), /shipped schedule: 10 rates, in force today/);
    assert.match(line(r.out, 'calendar'), /2026-01-07 is a trading day/);
    assert.match(r.out, /ready for SHADOW: all 8 checks passed/);
  } finally { cleanup(); }
});

test('an unwritable data dir, a bad variable or a clock outside the calendar fail with reasons (exit 1)', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const unwritable = await validate(['--phase', 'SHADOW'], { DATA_DIR: file }, dir);
    assert.equal(unwritable.code, 1);
    assert.match(line(unwritable.out, 'data dir'), /^  ✗ .*expected .*not-a-dir to be writable/);

    const badConfig = await validate(['--phase', 'SHADOW'], { DATA_DIR: dir, STRATEGY_SHORT_DELTA: 'lots' }, dir);
    assert.equal(badConfig.code, 1);
    assert.match(line(badConfig.out, 'config'), /^  ✗ .*STRATEGY_SHORT_DELTA/);

    const future = await validate(['--phase', 'SHADOW'], { DATA_DIR: dir }, dir, { now: () => Date.UTC(2040, 5, 1), monotonic: () => 0 });
    assert.equal(future.code, 1);
    assert.match(line(future.out, 'clock'), /^  ✗ .*2040-06-01 IST.*outside/);
    assert.match(line(future.out, 'calendar'), /^  ✗ /);
  } finally { cleanup(); }
});

test('FULL_AUTO on live needs the journaled governance approval and the SHADOW/SEMI_AUTO history', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  const env = { DATA_DIR: dir, SAFETY_MODE: 'live', FEED: 'upstox' };
  const deps: ValidateDeps = { ...fixed, liveVenueProbe: async () => ({ ok: true, detail: 'fake upstox reachable' }) };
  try {
    const before = await validate(['--phase', 'FULL_AUTO'], env, dir, deps);
    assert.equal(before.code, 1, before.out);
    assert.match(line(before.out, 'governance'), /^  ✗ .*expected a journaled FULL_AUTO approval/);
    assert.match(line(before.out, 'history'), /^  ✗ .*0\/7 SHADOW and 0\/21 SEMI_AUTO/);

    const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: new ManualClock(NOW) });
    for (let d = 1; d <= 7; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-11-${String(d).padStart(2, '0')}`, phase: 'SHADOW' } });
    // A repeated day counts once.
    await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: '2025-11-07', phase: 'SHADOW' } });
    for (let d = 1; d <= 21; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-12-${String(d).padStart(2, '0')}`, phase: 'SEMI_AUTO' } });
    await journal.kvPut('executor.phase', { phase: 'FULL_AUTO', approver: 'risk-officer', reason: 'paper month reviewed', ts: NOW });
    await journal.close();

    const after = await validate(['--phase', 'FULL_AUTO'], env, dir, deps);
    assert.equal(after.code, 0, after.out);
    assert.match(line(after.out, 'journal'), /^  ✓ journal +30 entries verified/);
    assert.match(line(after.out, 'governance'), /^  ✓ .*by risk-officer/);
    assert.match(line(after.out, 'history'), /^  ✓ .*7\/7 SHADOW and 21\/21 SEMI_AUTO/);

    const noProbe = await validate(['--phase', 'SHADOW'], env, dir, fixed);
    // Live without a token: the Upstox probe refuses before it calls anything.
    assert.match(noProbe.out, /✗ .*expected an access token/);
  } finally { cleanup(); }
});

test('FULL_AUTO on paper passes with the history waiver flagged, and fails without it', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    const waived = await validate(['--phase', 'FULL_AUTO'], { DATA_DIR: dir }, dir);
    assert.equal(waived.code, 0, waived.out);
    assert.match(line(waived.out, 'history'), /waived on paper .*\[WAIVED\]$/);
    const strict = await validate(['--phase', 'FULL_AUTO'], { DATA_DIR: dir, PAPER_WAIVE_PHASE_HISTORY: '0' }, dir);
    assert.equal(strict.code, 1);
    assert.match(line(strict.out, 'history'), /^  ✗ history +expected at least 7 SHADOW and 21 SEMI_AUTO/);
  } finally { cleanup(); }
});
