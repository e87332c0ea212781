/**
 * @module Zero-copy replay: frames are parsed straight out of LMDB's reused read buffer, so nothing a read returns may
 * point into it. Binary bodies, read in bulk and kept, must still hold their own bytes after later reads; recovery
 * (point gets) and a reverse/limited scan see the same entries; a scan abandoned midway releases its cursor.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../runtime/clock.ts';
import { openLmdbJournal } from '../../actors/journal/lmdb-store.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';

const root = mkdtempSync(path.join(tmpdir(), 'vg-journal-replay-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('replay decodes from a lent buffer: kept entries (binary bodies included) stay intact; reads agree with each other', async () => {
  const dir = path.join(root, 'journal');
  const { journal } = openLmdbJournal(dir, { clock: new ManualClock() });
  const N = 300;
  const bytesOf = (i: number): Buffer => Buffer.from(Uint8Array.from({ length: 40 + (i % 7) }, (_, k) => (i * 31 + k) & 0xff));
  const seqs = await Promise.all(Array.from({ length: N }, (_, i) =>
    journal.append({ actor: i % 2 === 0 ? 'even' : 'odd', type: 't', body: { i, blob: bytesOf(i), big: 'x'.repeat(i % 3 === 0 ? 5000 : 1) } })));
  assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => i + 1));

  const all = [...journal.read()];
  // A second full read and a point get in between would overwrite a shared buffer if anything pointed into it.
  const again = [...journal.read({ checkHashes: true })];
  const recovered = journal.recover('even').events;
  assert.equal(all.length, N);
  for (const [i, e] of all.entries()) {
    const b = e.body as { i: number; blob: Uint8Array };
    assert.equal(b.i, i);
    assert.deepEqual(Buffer.from(b.blob), Buffer.from(bytesOf(i)), `entry ${i + 1}'s binary body kept its own bytes`);
    assert.equal(e.prevHash, i === 0 ? '0'.repeat(64) : all[i - 1]?.hash, 'each link names its predecessor');
  }
  assert.deepEqual(again, all);
  assert.deepEqual(recovered, all.filter((e) => e.actor === 'even'));
  assert.deepEqual([...journal.read({ from: N - 1 })].map((e) => e.seq), [N - 1, N]);

  // Abandon a scan midway (break), then keep writing and reading: the cursor was released, nothing is pinned.
  for (const e of journal.read()) if (e.seq === 10) break;
  assert.equal(await journal.append({ actor: 'odd', type: 't', body: null }), N + 1);
  assert.equal([...journal.read()].length, N + 1);
  await journal.close();
  const report = await verifyJournal(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
  assert.equal(report.lastSeq, N + 1);
});
