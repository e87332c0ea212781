import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
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
    for (const name of ['config', 'data dir', 'journal', 'kill switch', 'clock', 'calendar', 'charges', 'venue', 'phase']) assert.match(line(r.out, name), /^  ✓/, name);
    assert.match(line(r.out, 'charges'), /shipped schedule: 10 rates, in force today/);
    assert.match(line(r.out, 'calendar'), /2026-01-07 is a trading day/);
    assert.match(r.out, /ready for SHADOW: all 9 checks passed/);
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

test('FULL_AUTO on live needs the separate governance approval and the SHADOW/SEMI_AUTO history, both on live', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  const env = { DATA_DIR: dir, SAFETY_MODE: 'live', FEED: 'upstox' };
  const deps: ValidateDeps = { ...fixed, liveVenueProbe: async () => ({ ok: true, detail: 'fake upstox reachable' }) };
  try {
    const before = await validate(['--phase', 'FULL_AUTO'], env, dir, deps);
    assert.equal(before.code, 1, before.out);
    assert.match(line(before.out, 'governance'), /^  ✗ .*expected FULL_AUTO asked for and separately approved on live .*was none/);
    assert.match(line(before.out, 'history'), /^  ✗ .*0\/7 SHADOW and 0\/21 SEMI_AUTO trading days on live/);

    const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: new ManualClock(NOW) });
    for (let d = 1; d <= 7; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-11-${String(d).padStart(2, '0')}`, phase: 'SHADOW', venue: 'live' } });
    // A repeated day counts once.
    await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: '2025-11-07', phase: 'SHADOW', venue: 'live' } });
    for (let d = 1; d <= 21; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-12-${String(d).padStart(2, '0')}`, phase: 'SEMI_AUTO', venue: 'live' } });
    await journal.kvPut('executor.phase', { phase: 'FULL_AUTO', approver: 'trader', reason: 'paper month reviewed', ts: NOW, venue: 'live', approval: { requestId: 'PR-1', approver: 'risk-officer', reason: 'limits checked', ts: NOW } });
    await journal.close();

    const after = await validate(['--phase', 'FULL_AUTO'], env, dir, deps);
    assert.equal(after.code, 0, after.out);
    assert.match(line(after.out, 'journal'), /^  ✓ journal +30 entries verified/);
    assert.match(line(after.out, 'governance'), /^  ✓ .*asked for by trader .*approved by risk-officer .*on live/);
    assert.match(line(after.out, 'history'), /^  ✓ .*7\/7 SHADOW and 21\/21 SEMI_AUTO trading days on live/);

    const noProbe = await validate(['--phase', 'SHADOW'], env, dir, fixed);
    // Live without a token: the Upstox probe refuses before it calls anything.
    assert.match(noProbe.out, /✗ .*expected an access token/);
  } finally { cleanup(); }
});

test('simulated days and a paper approval never count toward live (issue 16 item 8)', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  const deps: ValidateDeps = { ...fixed, liveVenueProbe: async () => ({ ok: true, detail: 'fake upstox reachable' }) };
  try {
    const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: new ManualClock(NOW) });
    // A paper history, some from before venues were recorded (no venue: paper), and a paper FULL_AUTO decision.
    for (let d = 1; d <= 7; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-11-${String(d).padStart(2, '0')}`, phase: 'SHADOW' } });
    for (let d = 1; d <= 21; d++) await journal.append({ actor: 'executor', type: 'executor.tradingDay', body: { date: `2025-12-${String(d).padStart(2, '0')}`, phase: 'SEMI_AUTO', venue: 'paper' } });
    await journal.kvPut('executor.phase', { phase: 'FULL_AUTO', approver: 'ops', reason: 'paper run', ts: NOW, venue: 'paper' });
    await journal.close();

    const paper = await validate(['--phase', 'FULL_AUTO'], { DATA_DIR: dir, PAPER_WAIVE_PHASE_HISTORY: '0' }, dir, deps);
    assert.equal(paper.code, 0, paper.out);
    assert.match(line(paper.out, 'history'), /^  ✓ .*7\/7 SHADOW and 21\/21 SEMI_AUTO trading days on paper/);

    const live = await validate(['--phase', 'FULL_AUTO'], { DATA_DIR: dir, SAFETY_MODE: 'live', FEED: 'upstox' }, dir, deps);
    assert.equal(live.code, 1, live.out);
    assert.match(line(live.out, 'history'), /^  ✗ .*was 0\/7 SHADOW and 0\/21 SEMI_AUTO trading days on live/);
    assert.match(line(live.out, 'governance'), /^  ✗ .*decision taken on paper, which does not count on live/);
  } finally { cleanup(); }
});

test('a latched HALTED kill switch fails validation with its cause and how to reset it', async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    const { journal } = openLmdbJournal(path.join(dir, 'journal'), { clock: new ManualClock(NOW) });
    await journal.kvPut('killswitch.latch', { state: 'HALTED', since: NOW - 60_000, cause: { code: 'DAILY_LOSS', message: 'daily loss ₹21,000 beyond the ₹20,000 limit', evidence: {} }, history: [], holding: {}, phaseCap: 'SEMI_AUTO' });
    await journal.close();
    const r = await validate(['--phase', 'SHADOW'], { DATA_DIR: dir }, dir);
    assert.equal(r.code, 1, r.out);
    assert.match(line(r.out, 'kill switch'), /^  ✗ kill switch +expected NORMAL, was HALTED since 2026-01-07T04:29:00\.000Z \(DAILY_LOSS: daily loss ₹21,000 beyond the ₹20,000 limit\); .*POST \/api\/v1\/killswitch\/reset/);
    assert.match(r.out, /NOT ready for SHADOW/);
  } finally { cleanup(); }
});

test('live FULL_AUTO against a closed Upstox port prints every check and exits non-zero (it used to print nothing and exit 0)', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = tempDir('vg-validate-');
  try {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const main = fileURLToPath(new URL('../../runtime/cli/main.ts', import.meta.url));
    const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
    const env = { PATH: process.env['PATH'] ?? '', SAFETY_MODE: 'live', FEED: 'upstox', UPSTOX_ACCESS_TOKEN: 'x', UPSTOX_BASE_URL: `http://127.0.0.1:${port}`, DATA_DIR: path.join(dir, 'data') };
    const child = spawn(process.execPath, ['--import', tsx, main, 'validate', '--phase', 'FULL_AUTO'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, out);
    for (const name of ['config', 'data dir', 'journal', 'kill switch', 'clock', 'calendar', 'upstox token', 'upstox profile', 'governance', 'history']) assert.match(line(out, name), /^  [✓✗] /, `${name} in:\n${out}`);
    assert.match(line(out, 'upstox profile'), /^  ✗ .*transport/);
    assert.match(out, /NOT ready for FULL_AUTO/);
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
