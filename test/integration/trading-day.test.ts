/**
 * Issue 7's headline: a simulated trading day in FULL_AUTO on paper opens an iron condor and closes it, the journal
 * verifies clean, and the paper exchange never saw a client order id twice.
 *
 * The day: Wed 2026-11-25 (not an expiry day; the nearest NIFTY weekly is Tue 2026-12-01) from 09:15 IST, SIM_SEED 7,
 * at SIM_SPEED 600 with a 0.1 s loop (a cycle every ~60 market seconds). Only the intraday bucket trades, configured
 * as an iron condor (STRATEGY_INTRADAY_KIND=iron_condor, weekly and monthly off — a legitimate operator
 * configuration): its entry window is 09:45–13:30 and every intraday structure is closed from
 * STRATEGY_INTRADAY_EXIT_TIME=14:30 on, whatever the market did. So the outcome does not hang on wall-time jitter:
 * - the entry: on this seed ATM IV/RV crosses 1 around 11:00 and keeps rising (1.07–1.09 by 11:30), leaving 2½
 *   market hours of the window for the entry and for retries of an entry whose wing limit the market ran away from
 *   (entries are not chased: the saga unwinds after ORDER_FILL_TIMEOUT_MS and the strategy proposes again);
 * - the exit: a clock exit an hour before the close, not a target, stop or breach that a run may or may not hit; an
 *   exit leg that misses is re-priced (touch + ticks × attempt) after the re-price interval (market time: 1.67 market
 *   s at the defaults), and a failed exit is proposed again the next cycle;
 * - one structure at a time: with a weekly condor open too, the intraday one is sized against what the weekly left of
 *   the vega headroom (or none), so which bucket trades first would decide the day.
 * Earlier versions ran the expiry Tuesday's weekly condor, whose entry had to beat the 11:00 expiry-day cutoff
 * (entries came 10:20–10:50 when IV/RV crossed 1), so a slow run missed it.
 *
 * Determinism: the sim is a pure function of (SIM_SEED, SIM_START, market time); only wall-time scheduling varies
 * between runs, and at 600× a 10 ms hiccup is 6 market seconds — so which snapshots the strategy samples (its RV, the
 * IV ≥ RV gate, the strikes) and how far the market moves between a proposal and its orders differ run to run. The
 * executor's timers are market time (DESIGN §8), and the test sets the knobs an operator would for this day:
 * - ORDER_FILL_TIMEOUT_MS=600000: an entry limit the market ran away from rests 10 market minutes (1 wall s here)
 *   before the saga unwinds it and the strategy proposes again.
 * - STRATEGY_ENTRY_CROSS=2: entries limit-priced a half-spread through the touch, because ~20–50 ms of pipeline
 *   latency is 12–30 market seconds at 600×, long enough for a touch-priced limit to miss at the exchange.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { run as journalCli } from '../../actors/journal/cli.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import { sessionCloseMs } from '../../actors/domain/calendar.ts';

const SPEED = 600;
const START = '2026-11-25T09:15:00+05:30';
/** The F&O close that day (15:40 IST since 3 Aug 2026): whatever has not happened by then will not. */
const CLOSE_MS = sessionCloseMs('2026-11-25');

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => { text += d.toString('utf8'); });
  const code = await journalCli(argv, { stdin: new PassThrough(), stdout: out, stderr: out, env: {}, cwd: process.cwd() });
  return { code, out: text };
}

/**
 * Resolves with the first structure that was seen open and is now closed, with the legs it held while open (a closed
 * structure holds none: exit fills shrink its legs); rejects if the market closes first.
 */
function condorRoundTrip(s: TestSystem): Promise<{ closed: Structure; openLegs: number }> {
  const seenOpen = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const off = s.system.onEvent((type) => {
      if (type !== 'cycle.completed') return;
      const { book, snapshot } = s.cycle.state;
      for (const st of book?.structures ?? []) {
        if (st.kind !== 'iron_condor') continue;
        if (st.status === 'open') seenOpen.set(st.id, Math.max(seenOpen.get(st.id) ?? 0, st.legs.length));
        if (st.status === 'closed' && seenOpen.has(st.id)) {
          off();
          resolve({ closed: st, openLegs: seenOpen.get(st.id) ?? 0 });
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

test('FULL_AUTO on paper: a simulated day opens an intraday iron condor and closes it; journal clean, no duplicate tags', async (t) => {
  const s = await startTestSystem({
    PHASE: 'FULL_AUTO',
    SIM_SEED: '7',
    SIM_START: START,
    SIM_SPEED: String(SPEED),
    SUPERVISOR_LOOP_INTERVAL: '0.1',
    ORDER_FILL_TIMEOUT_MS: '600000',
    STRATEGY_ENTRY_CROSS: '2',
    STRATEGY_INTRADAY_KIND: 'iron_condor',
    STRATEGY_WEEKLY_KIND: 'off',
    STRATEGY_MONTHLY_KIND: 'off',
    STRATEGY_INTRADAY_EXIT_TIME: '14:30',
  });
  let stopped = false;
  t.after(async () => { if (!stopped) await s.stop(); });

  const { closed, openLegs } = await condorRoundTrip(s);
  assert.equal(closed.bucket, 'intraday');
  assert.equal(openLegs, 4, `a condor held four legs while open, was ${openLegs}`);
  assert.equal(closed.legs.length, 0, 'a closed structure holds no legs');
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
