import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { planReplay } from './plan.ts';
import { run as importCli } from '../../../actors/venues/replay/import/cli.ts';
import { runCommand } from '../../../test/fixtures/cli.ts';
import { tempDir } from '../../../test/fixtures/temp-dir.ts';

// IST = UTC + 5:30: 15:30 IST on 13 Jan 2026 is 10:00 UTC.
const ist = (d: number, h: number, m: number) => Date.UTC(2026, 0, d, h - 5, m - 30);

test('the plan of a run over the real NSE sample carries the 13 Jan NIFTY weekly\'s final settlement price, published at the close', async () => {
  // data/samples/nse-udiff-2026-01-12_14/2026-01-13/NIFTY.csv: the 100 IDO rows with XpryDt 2026-01-13 all have
  // SttlmPric = UndrlygPric = 25732.30 (NSE's final settlement price, the index close). No BANKNIFTY contract expires
  // in the sample (its XpryDt are 27 Jan, 24 Feb, 30 Mar). The importer stamps settlements at the 15:30 IST close.
  const tmp = tempDir('vg-settle-');
  try {
    const sample = path.resolve(import.meta.dirname, '../../../data/samples/nse-udiff-2026-01-12_14');
    const rec = path.join(tmp.dir, 'rec');
    const r = await runCommand(importCli, ['nse-bhavcopy', sample, '--out', rec, '--data-dir', tmp.dir], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.err);
    const plan = planReplay(rec, { from: '2026-01-12', to: '2026-01-14', intervalMs: 3000, cyclesPerFrame: 1 });
    assert.deepEqual(plan.finalSettlements, [{ underlying: 'NIFTY', expiry: '2026-01-13', price: 25732.3, ts: ist(13, 15, 30), source: 'exchange' }]);
    // The settlement instant is one of the run's cycles, so the cycle that can settle runs at the close.
    assert.ok(plan.instants.includes(ist(13, 15, 30)));
  } finally {
    tmp.cleanup();
  }
});
