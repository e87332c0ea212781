/**
 * @module `volguard journal …` end to end on a real LMDB journal in a temp data dir, driven in-process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { ManualClock } from '../../runtime/clock.ts';
import { run } from '../../actors/journal/cli.ts';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import { listBackups } from '../../actors/journal/backup.ts';
import { runCommand, type CommandResult } from '../fixtures/cli.ts';

const root = mkdtempSync(path.join(tmpdir(), 'vg-journal-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[], dataDir: string): Promise<CommandResult> {
  return runCommand(run, [...args, '--data-dir', dataDir], { cwd: root });
}

async function seed(dataDir: string, n: number): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 0, 6, 4, 0, 0));
  const { journal } = openLmdbJournal(path.join(dataDir, 'journal'), { clock });
  for (let i = 1; i <= n; i++) {
    await journal.append({ actor: i % 2 ? 'risk' : 'executor', type: i % 2 ? 'risk.assessed' : 'executor.intent', cycleId: `c${i}`, body: { i } });
    clock.advance(1000);
  }
  await journal.close();
}

const live = path.join(root, 'live');
before(() => seed(live, 20));

test('verify exits 0 on a clean journal and reports the entry count', async () => {
  const r = await cli(['verify'], live);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).entries, 20);
});

test('dump prints JSON lines and filters by --from, --type and --since', async () => {
  const all = await cli(['dump'], live);
  assert.equal(all.code, 0);
  const rows = all.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; body: { i: number } });
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 20 }, (_, i) => i + 1));
  const from = await cli(['dump', '--from', '18'], live);
  assert.deepEqual(from.out.trim().split('\n').map((l) => JSON.parse(l).seq), [18, 19, 20]);
  const typed = await cli(['dump', '--type', 'executor.intent', '--limit', '2'], live);
  assert.deepEqual(typed.out.trim().split('\n').map((l) => JSON.parse(l).seq), [2, 4]);
  const since = await cli(['dump', '--since', new Date(Date.UTC(2026, 0, 6, 4, 0, 17)).toISOString()], live);
  assert.deepEqual(since.out.trim().split('\n').map((l) => JSON.parse(l).seq), [18, 19, 20]);
});

test('usage errors exit 2 with the reason', async () => {
  assert.equal((await cli(['frobnicate'], live)).code, 2);
  const both = await cli(['dump', '--from', '1', '--since', '0'], live);
  assert.equal(both.code, 2);
  assert.match(both.err, /expected --from or --since, was both/);
  assert.match((await cli(['dump', '--from', 'x'], live)).err, /expected a non-negative integer, was "x"/);
});

test('backup → restore into an empty dir gives an identical dump; restore refuses a live journal', async () => {
  const b = await cli(['backup'], live);
  assert.equal(b.code, 0, b.err);
  const { file, seq } = JSON.parse(b.out) as { file: string; seq: number };
  assert.equal(seq, 20);
  assert.deepEqual(listBackups(path.join(live, 'backup')), [file]);
  const stats = JSON.parse((await cli(['stats'], live)).out) as { backedUpThrough: number };
  assert.equal(stats.backedUpThrough, 20);

  const fresh = path.join(root, 'fresh');
  const r = await cli(['restore', file], fresh);
  assert.equal(r.code, 0, r.err);
  assert.equal((await cli(['dump'], fresh)).out, (await cli(['dump'], live)).out);
  assert.equal((await cli(['verify'], fresh)).code, 0);

  const refused = await cli(['restore', file], live);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /refusing to overwrite/);
});

test('verify exits 1 naming the first bad seq when an entry is corrupted under its seq', async () => {
  const dir = path.join(root, 'corrupt');
  await seed(dir, 10);
  const raw = open({ path: path.join(dir, 'journal', 'journal.mdb'), maxDbs: 16 });
  const events = raw.openDB('events', { encoding: 'binary' });
  const bytes = Buffer.from(events.getBinary(7) as Buffer);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff; // flip a payload byte: still decodable, hash no longer matches
  events.putSync(7, bytes);
  events.putSync(4, Buffer.from('not a frame'));
  await raw.close();
  const r = await cli(['verify'], dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /first bad seq 4 \(DECODE\)/);
  const report = JSON.parse(r.out) as { problems: Array<{ seq: number; kind: string }> };
  assert.deepEqual(report.problems.map((p) => [p.seq, p.kind]), [[4, 'DECODE'], [7, 'CHAIN']]);
});

test('verify exits 1 on a sequence gap', async () => {
  const dir = path.join(root, 'gap');
  await seed(dir, 5);
  const raw = open({ path: path.join(dir, 'journal', 'journal.mdb'), maxDbs: 16 });
  raw.openDB('events', { encoding: 'binary' }).removeSync(3);
  await raw.close();
  const r = await cli(['verify'], dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /first bad seq 3 \(GAP\): expected seq 3, was 4/);
});

test('commands on a missing journal fail with exit 1, not a crash', async () => {
  const r = await cli(['verify'], path.join(root, 'nothing'));
  assert.equal(r.code, 1);
  assert.match(r.err, /expected a journal at/);
  assert.equal(existsSync(path.join(root, 'nothing', 'journal')), false);
});
