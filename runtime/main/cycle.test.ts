/**
 * The cycle's order of requests, against a requester whose replies the test releases one by one: the strategy
 * proposes on the kill switch's last status while the kill switch evaluates this cycle (one round trip fewer), never
 * before a first status exists, and the executor — the one gate — always receives this cycle's status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.ts';
import { CycleOrchestrator, type CycleRequester } from './cycle.ts';

interface Asked {
  readonly actor: string;
  readonly type: string;
  readonly body: Record<string, unknown>;
  answer(value: unknown): void;
  fail(err: Error): void;
}

/** Holds every request until the test answers it; `next(type)` resolves when that request has been sent. */
function heldRequester(): { req: CycleRequester; asked: Asked[]; next(type: string): Promise<Asked> } {
  const asked: Asked[] = [];
  const waiters: Array<{ type: string; resolve: (a: Asked) => void }> = [];
  const req = {
    request(actor: string, type: string, body: unknown): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const a: Asked = { actor, type, body: body as Record<string, unknown>, answer: resolve, fail: reject };
        asked.push(a);
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
  return { req, asked, next };
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

/** A trading orchestrator that has run one whole cycle (NORMAL, nothing proposed): the kill switch has a last status. */
async function afterOneCycle(h: ReturnType<typeof heldRequester>): Promise<CycleOrchestrator> {
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  cycle.startTrading();
  const first = cycle.runOnce();
  await throughRisk(h);
  (await h.next('killswitch.evaluate')).answer(ks('NORMAL', 1));
  (await h.next('strategy.propose')).answer([]);
  (await h.next('executor.execute')).answer(EXECUTION);
  (await h.next('journal.commitCycle')).answer({ seq: 1 });
  assert.equal(summary(await first).error, null);
  return cycle;
}

test('the first cycle proposes only after the kill switch has evaluated; later cycles propose on the last status while it evaluates', async () => {
  const h = heldRequester();
  const cycle = new CycleOrchestrator(h.req, { intervalMs: 1000, configuredPhase: 'FULL_AUTO', clock: new ManualClock() });
  cycle.startTrading();

  const first = cycle.runOnce();
  await throughRisk(h);
  const ks1 = await h.next('killswitch.evaluate');
  assert.equal(h.asked.some((a) => a.type === 'strategy.propose'), false, 'no status yet: the strategy waits for this one');
  ks1.answer(ks('NORMAL', 1));
  const propose1 = await h.next('strategy.propose');
  assert.equal((propose1.body['killswitch'] as { state: string }).state, 'NORMAL');
  propose1.answer([]);
  (await h.next('executor.execute')).answer(EXECUTION);
  (await h.next('journal.commitCycle')).answer({ seq: 1 });
  assert.equal(summary(await first).error, null);

  // Second cycle: the kill switch halts, but the strategy was already asked with the last status (NORMAL).
  const second = cycle.runOnce();
  await throughRisk(h);
  const ks2 = await h.next('killswitch.evaluate');
  assert.equal(h.asked.filter((a) => a.type === 'strategy.propose').length, 2, 'the strategy is asked while the kill switch evaluates');
  const propose2 = await h.next('strategy.propose');
  assert.equal((propose2.body['killswitch'] as { state: string }).state, 'NORMAL', 'proposes on the last published status');
  propose2.answer([{ id: 'p1' }]);
  await Promise.resolve();
  assert.equal(h.asked.filter((a) => a.type === 'executor.execute').length, 1, 'the executor waits for the kill switch');
  ks2.answer(ks('HALTED', 2));
  const execute2 = await h.next('executor.execute');
  // The executor, the one gate, judges the early proposal by THIS cycle's status.
  assert.deepEqual(execute2.body['killswitch'], { state: 'HALTED', effectivePhase: 'FULL_AUTO', phaseReasons: [], since: 2 });
  assert.deepEqual(execute2.body['proposals'], [{ id: 'p1' }]);
  execute2.answer(EXECUTION);
  (await h.next('journal.commitCycle')).answer({ seq: 2 });
  const record = await second;
  assert.equal(summary(record).killswitch, 'HALTED');
  assert.deepEqual(summary(record).proposals, ['p1']);
});

test('an early proposal that fails fails the cycle at execute, after the kill switch has evaluated', async () => {
  const h = heldRequester();
  const cycle = await afterOneCycle(h);

  const second = cycle.runOnce();
  await throughRisk(h);
  const ks2 = await h.next('killswitch.evaluate');
  (await h.next('strategy.propose')).fail(new Error('strategy restarting'));
  ks2.answer(ks('NORMAL', 1));
  (await h.next('journal.commitCycle')).answer({ seq: 2 });
  const record = await second;
  assert.equal(summary(record).failedStage, 'execute');
  assert.match(summary(record).error ?? '', /strategy restarting/);
  assert.equal(summary(record).killswitch, 'NORMAL', 'the kill switch still evaluated this cycle');
  assert.equal(h.asked.filter((a) => a.type === 'executor.execute').length, 1, 'nothing executed on a failed proposal');
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
