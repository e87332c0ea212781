/**
 * @module kill -9 drill: a child process writes heavily and reports every acknowledged seq; we SIGKILL it mid-stream,
 * then the journal must verify clean, hold every acknowledged entry, and continue the sequence and chain.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../runtime/clock.ts';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';

const root = mkdtempSync(path.join(tmpdir(), 'vg-journal-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const writer = fileURLToPath(new URL('../fixtures/journal/heavy-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `atLeast` entries, then kills it; returns the highest acked seq. */
function runAndKill(dir: string, atLeast: number): Promise<{ maxAck: number; acked: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    let maxAck = 0;
    let acked = 0;
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = /^ack (\d+) (\d+)$/.exec(l);
        if (!m) continue;
        const last = Number(m[2]);
        acked += last - Number(m[1]) + 1;
        if (last > maxAck) maxAck = last;
      }
      if (!killed && acked >= atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`expected the writer to die by SIGKILL, was code ${code} signal ${signal}`));
      else resolve({ maxAck, acked });
    });
  });
}

test('after kill -9 mid-write: verify is clean, every acknowledged entry is present, and the chain continues', async () => {
  const dir = path.join(root, 'journal');
  for (let round = 0; round < 2; round++) {
    const { maxAck } = await runAndKill(dir, 20_000);
    const report = await verifyJournal(dir);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    // Seqs are contiguous from 1 (verify found no gap), so "every acknowledged entry present" = lastSeq >= maxAck.
    assert.equal(report.firstSeq, 1);
    assert.ok((report.lastSeq ?? 0) >= maxAck, `expected lastSeq >= ${maxAck} (highest acknowledged), was ${report.lastSeq}`);
  }
  const { journal } = openLmdbJournal(dir, { clock: new ManualClock() });
  const before = journal.lastSeq;
  assert.equal(await journal.append({ actor: 'after', type: 'restart', body: null }), before + 1);
  await journal.close();
  assert.equal((await verifyJournal(dir)).ok, true);
});
