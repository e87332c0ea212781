/**
 * The cycle's order of requests, against a requester whose replies the test releases one by one: the strategy is asked
 * only once the kill switch has judged this cycle, with that status, so a cycle whose check_safety fails consumes no
 * proposal (the strategy's cooldown would otherwise hold back that exit or entry); the executor gets the same status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.ts';
import { CycleOrchestrator, type CycleRequester } from './cycle.ts';
import { prepack, Prepacked } from '../envelope.ts';

interface Asked {
  readonly actor: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
  answer(value: unknown): void;
  fail(err: Error): void;
}

/** Holds every request until the test answers it; `next(type)` resolves when that request has been sent. */
function heldRequester(): { req: CycleRequester; asked: Asked[]; log: string[]; next(type: string): Promise<Asked> } {
  const asked: Asked[] = [];
  // Everything the cycle sent, in order: a request is all a CycleRequester can send.
  const log: string[] = [];
  const waiters: Array<{ type: string; resolve: (a: Asked) => void }> = [];
  const req = {
    request(actor: string, type: string, body: unknown): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const a: Asked = { actor, type, body: body as Record<string, unknown>, answer: resolve, fail: reject };
        asked.push(a);
        log.push(type);
        const w = waiters.findIndex((x) => x.type === type);
        if (w >= 0) waiters.splice(w, 1)[0]!.resolve(a);
      });
    },
  } as unknown as CycleRequester;
  const next = (type: string): Promise<Asked> => {
    const unanswered = asked.find((a) => a.type === type && !answered.has(a));
    if (unanswered) return Promise.resolve(unanswered).then((a) => (answered.add(a), a));
    return new Promise<Asked>((resolve) => waiters.push({ type, resolve })).then((a) => (answered.add(a), a));
  };
  const answered = new Set<Asked>();
  return { req, asked, log, next };
}

interface Summary { readonly error: string | null; readonly failedStage: string | null; readonly killswitch: string | null; readonly proposals: readonly string[] }
const summary = (r: { readonly summary: unknown }): Summary => r.summary as Summary;

const SNAPSHOT = { cycleId: 'x', ts: 0, marketOpen: true, spots: [], vix: null, expiries: [], quality: { score: 1 }, source: 'sim' };
const SURFACE = { ts: 0, expiries: [] };
const BOOK = { positions: [], orders: [], structures: [] };
const RISK = { total: { delta: 0, gamma: 0, vega: 0, theta: 0 }, pnl: { day: 0, realised: 0, unrealised: 0 }, breaches: [] };
const ks = (state: string, since: number) => ({ state, effectivePhase: 'FULL_AUTO', phaseReasons: [], since });
const EXECUTION = { reconciliation: {}, phase: { configured: 'FULL_AUTO', history: null }, sagasStarted: [], sagasProgressed: [], denied: [] };

/** Answers one cycle up to (not including) the kill switch and the strategy; returns when both may have been asked. */
async function throughRisk(h: ReturnType<typeof heldRequester>): Promise<void> {
  (await h.next('feed.snapshot')).answer(SNAPSHOT);
  (await h.next('calibrator.calibrate')).answer(SURFACE);
  (await h.next('executor.book')).answer(BOOK);
  (await h.next('risk.assess')).answer(RISK);
}

test('the strategy is asked only after the kill switch has judged this cycle, with its status; the executor gets the same', async () => {
  const h = heldRequester();
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  cycle.startTrading();
  for (const [i, state] of (['NORMAL', 'HALTED'] as const).entries()) {
    const run = cycle.runOnce();
    await throughRisk(h);
    const evaluate = await h.next('killswitch.evaluate');
    await Promise.resolve();
    assert.equal(h.asked.filter((a) => a.type === 'strategy.propose').length, i, 'not asked while the kill switch evaluates');
    evaluate.answer(ks(state, i + 1));
    const propose = await h.next('strategy.propose');
    assert.equal((propose.body['killswitch'] as { state: string }).state, state);
    propose.answer([{ id: `p${i}` }]);
    const execute = await h.next('executor.execute');
    assert.deepEqual(execute.body['killswitch'], { state, effectivePhase: 'FULL_AUTO', phaseReasons: [], since: i + 1 });
    assert.deepEqual(execute.body['proposals'], [{ id: `p${i}` }]);
    execute.answer(EXECUTION);
    (await h.next('journal.commitCycle')).answer({ seq: i + 1 });
    const record = await run;
    assert.equal(summary(record).killswitch, state);
    assert.deepEqual(summary(record).proposals, [`p${i}`]);
  }
});

test('a cycle whose kill switch evaluation fails asks the strategy nothing and executes nothing, and is journaled', async () => {
  const h = heldRequester();
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  cycle.startTrading();
  for (let i = 0; i < 2; i++) {
    const run = cycle.runOnce();
    await throughRisk(h);
    const evaluate = await h.next('killswitch.evaluate');
    if (i === 0) evaluate.answer(ks('NORMAL', 1));
    else evaluate.fail(new Error('killswitch restarting'));
    if (i === 0) {
      (await h.next('strategy.propose')).answer([]);
      (await h.next('executor.execute')).answer(EXECUTION);
    }
    (await h.next('journal.commitCycle')).answer({ seq: i + 1 });
    const record = await run;
    if (i === 1) {
      assert.equal(summary(record).failedStage, 'check_safety');
      assert.match(summary(record).error ?? '', /killswitch restarting/);
    }
  }
  assert.equal(h.asked.filter((a) => a.type === 'strategy.propose').length, 1, 'no proposal made, hence none lost, in the failed cycle');
  assert.equal(h.asked.filter((a) => a.type === 'executor.execute').length, 1);
});

test('with the trading loop stopped the strategy is not asked; monitoring goes on', async () => {
  const h = heldRequester();
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  for (let i = 0; i < 2; i++) {
    const run = cycle.runOnce();
    await throughRisk(h);
    (await h.next('killswitch.evaluate')).answer(ks('NORMAL', 1));
    const execute = await h.next('executor.execute');
    assert.deepEqual(execute.body['proposals'], []);
    execute.answer(EXECUTION);
    (await h.next('journal.commitCycle')).answer({ seq: i + 1 });
    await run;
  }
  assert.equal(h.asked.some((a) => a.type === 'strategy.propose'), false);
});

test('nothing is sent ahead: each stage is asked only once the one before has answered, the chains and the surface go on as the same bytes, and the kill switch gets only the verdict', async () => {
  const h = heldRequester();
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  cycle.startTrading();
  const chains = prepack([{ underlying: 'NIFTY', expiry: '2026-12-29' }]);
  const breach = { limit: 'vegaTotal', level: 'soft', value: 900, threshold: 800 };
  for (const trading of [true, false]) {
    if (!trading) cycle.stopTrading();
    h.log.length = 0;
    const run = cycle.runOnce();
    (await h.next('feed.snapshot')).answer({ ...SNAPSHOT, expiries: chains });
    const calibrate = await h.next('calibrator.calibrate');
    const book = await h.next('executor.book');
    // The fit and the book are the only stage that asks two actors at once; the book (a lookup) first.
    assert.deepEqual(h.log, ['feed.snapshot', 'executor.book', 'calibrator.calibrate']);
    calibrate.answer(SURFACE);
    book.answer(BOOK);
    const assess = await h.next('risk.assess');
    const surface = assess.body['surface'] as Prepacked;
    assert.ok(surface instanceof Prepacked);
    assert.equal((assess.body['snapshot'] as { expiries: unknown }).expiries, chains);
    assert.deepEqual(h.log.slice(3), ['risk.assess']);
    const report = { ...RISK, breaches: [breach], unvalued: [], legs: [{ instrumentKey: 'NSE_FO|1' }], stress: { worst: { loss: -1 } } };
    assess.answer(report);
    const evaluate = await h.next('killswitch.evaluate');
    assert.deepEqual(evaluate.body['risk'], { breaches: [breach], unvalued: [] });
    assert.deepEqual(h.log.slice(4), ['killswitch.evaluate']);
    evaluate.answer(ks('NORMAL', 1));
    if (trading) {
      const propose = await h.next('strategy.propose');
      assert.deepEqual(propose.body['risk'], report);
      assert.equal(propose.body['surface'], surface);
      assert.deepEqual(h.log.slice(5), ['strategy.propose']);
      propose.answer([]);
    }
    const execute = await h.next('executor.execute');
    assert.equal(execute.body['surface'], surface);
    assert.equal((execute.body['snapshot'] as { expiries: unknown }).expiries, chains);
    execute.answer(EXECUTION);
    (await h.next('journal.commitCycle')).answer({ seq: 1 });
    const record = await run;
    assert.equal(summary(record).error, null);
    const stages = ['feed.snapshot', 'executor.book', 'calibrator.calibrate', 'risk.assess', 'killswitch.evaluate', ...(trading ? ['strategy.propose'] : []), 'executor.execute', 'journal.commitCycle'];
    assert.deepEqual(h.log, stages);
  }
});

