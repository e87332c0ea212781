/**
 * Issue 7's headline: a simulated trading day in FULL_AUTO on paper opens an iron condor and closes it, the journal
 * verifies clean, and the paper exchange never saw a client order id twice.
 *
 * The day: Tue 2026-12-01 (a NIFTY weekly expiry) from 09:15 IST at SIM_SPEED 600 with a 0.1 s loop (a cycle every
 * ~60 market seconds). Strategy and risk run on their defaults (but for the entry cross below): the weekly bucket may enter the expiring weekly until
 * the 11:00 expiry-day cutoff, and every weekly structure is time-exited 60 minutes before the 15:30 close — so a
 * condor opened in the morning must be closed (target, stop, breach or time) by 14:30 market time, ~32 s of wall time
 * (start-up alone is ~25 market minutes at this speed; the realised-vol history needs 20 cycles before any entry).
 *
 * Determinism: the sim is a pure function of (SIM_SEED, SIM_START, market time); only wall-time scheduling varies
 * between runs, and at 600× a 10 ms hiccup is 6 market seconds — so which snapshots the strategy samples (its RV, the
 * IV ≥ RV gate, the strikes) and how far the market moves between a proposal and its orders differ run to run. The
 * outcome must not: the executor's timers are wall time (market ms ÷ SIM_SPEED), so nothing is cancelled or escalated
 * for running 600× fast; working exits and compensations are re-priced until they fill; the paper exchange's own
 * market is kept at the clock (a first order no longer waits ~0.6 s for an hour of sim steps); and this test sets
 * the two knobs an operator would for a day compressed 600×:
 * - ORDER_FILL_TIMEOUT_MS=2000 (wall): the default 30 wall s is 5 market hours here — an entry leg that missed its
 *   price rested from 10:30 until 13:30 and the condor never opened. 2 wall s (20 market minutes) lets the saga
 *   unwind and the strategy try again inside the entry window.
 * - STRATEGY_ENTRY_CROSS=2: entries limit-priced a half-spread through the touch, because ~20–50 ms of pipeline
 *   latency is 12–30 market seconds at 600×, long enough for a touch-priced limit to miss at the exchange.
 * Seed 7 enters around 10:20–10:50 (ATM IV/RV crosses 1 then) and exits by breach, stop or the 14:30 time exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { run as journalCli } from '../../actors/journal/cli.ts';
import type { Structure } from '../../actors/executor/messages.ts';

const SPEED = 600;
const START = '2026-12-01T09:15:00+05:30';
/** 15:30 IST that day: the market closes; whatever has not happened by then will not. */
const CLOSE_MS = Date.parse('2026-12-01T15:30:00+05:30');

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => { text += d.toString('utf8'); });
  const code = await journalCli(argv, { stdin: new PassThrough(), stdout: out, stderr: out, env: {}, cwd: process.cwd() });
  return { code, out: text };
}

/** Resolves with the first structure that was seen open and is now closed; rejects if the market closes first. */
function condorRoundTrip(s: TestSystem): Promise<Structure> {
  const seenOpen = new Set<string>();
  return new Promise((resolve, reject) => {
    const off = s.system.onEvent((type) => {
      if (type !== 'cycle.completed') return;
      const { book, snapshot } = s.cycle.state;
      for (const st of book?.structures ?? []) {
        if (st.kind !== 'iron_condor') continue;
        if (st.status === 'open') seenOpen.add(st.id);
        if (st.status === 'closed' && seenOpen.has(st.id)) {
          off();
          resolve(st);
          return;
        }
      }
      if (snapshot && snapshot.ts >= CLOSE_MS) {
        off();
        reject(new Error(`market closed with no condor opened and closed (journal in ${s.cfg.DATA_DIR}); structures: ${JSON.stringify(book?.structures.map((x) => [x.id, x.kind, x.status]))}`));
      }
    });
  });
}

test('FULL_AUTO on paper: a simulated expiry day opens an iron condor and closes it; journal clean, no duplicate tags', async (t) => {
  const s = await startTestSystem({
    PHASE: 'FULL_AUTO',
    SIM_SEED: '7',
    SIM_START: START,
    SIM_SPEED: String(SPEED),
    SUPERVISOR_LOOP_INTERVAL: '0.1',
    ORDER_FILL_TIMEOUT_MS: '2000',
    STRATEGY_ENTRY_CROSS: '2',
  });
  let stopped = false;
  t.after(async () => { if (!stopped) await s.stop(); });

  const closed = await condorRoundTrip(s);
  assert.equal(closed.bucket, 'weekly');
  assert.ok(closed.legs.length === 4, `a condor has four legs, was ${closed.legs.length}`);
  stopped = true;
  await s.stop();

  const dataDir = s.cfg.DATA_DIR;
  const verify = await cli(['verify', '--data-dir', dataDir]);
  assert.equal(verify.code, 0, `journal verify: ${verify.out}`);

  // The journal tells the story: the open and the close were proposed, and the close had a reason.
  const dump = await cli(['dump', '--data-dir', dataDir, '--type', 'strategy.proposed']);
  const proposals = dump.out.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { body: { proposal: { action: string; structureId?: string; reason: string } } }).body.proposal);
  assert.ok(proposals.some((p) => p.action === 'open'), 'an open was proposed');
  const close = proposals.find((p) => p.action === 'close' && p.structureId === closed.id);
  assert.ok(close, `a close of ${closed.id} was proposed`);
  t.diagnostic(`closed ${closed.id}: ${close.reason}`);

  // The paper exchange's own order log: every client order id placed once.
  const records = readFileSync(path.join(dataDir, 'paper', 'orders.jsonl'), 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { k: string; clientOrderId?: string | null });
  const tags = records.filter((r) => r.k === 'place').map((r) => r.clientOrderId);
  assert.ok(tags.length >= 8, `at least four entry and four exit orders, was ${tags.length}`);
  assert.ok(tags.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 40), 'every order carries a tag that fits Upstox');
  assert.equal(new Set(tags).size, tags.length, `duplicate tags: ${tags.filter((x, i) => tags.indexOf(x) !== i).join(', ')}`);
});
