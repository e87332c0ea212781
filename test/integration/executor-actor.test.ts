/**
 * @module The executor worker for real: journal, risk, kill switch and executor actors under one supervisor (real
 * workers, real LMDB, the paper exchange on disk). One iron condor in FULL_AUTO: BUY legs first, the book and the
 * order/position views (INTERFACE.md fields), a crash of the executor rebuilt from the journal without a duplicate
 * order at the exchange, and a naked-leg EMERGENCY whose flatten (executor.flatten) leaves the book flat.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clockFromSpec, type ClockSpec } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import { journalActorSpec } from '../../actors/journal/index.ts';
import { riskActorSpec } from '../../actors/risk/index.ts';
import { killswitchActorSpec } from '../../actors/killswitch/index.ts';
import { executorActorSpec } from '../../actors/executor/index.ts';
import type { ExecuteRequest, ExecutionReport, FlattenResult } from '../../actors/executor/messages.ts';
import type { Book } from '../../actors/domain/book.ts';
import type { OrderView } from '../../actors/domain/order.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { CONDOR, EXPIRY, condorLegs, key, snapshot, surface } from '../../actors/risk/fixture.ts';
import { runningAgain } from '../fixtures/system.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-exec-actor-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

// In session (10:30 IST on a trading Tuesday) whatever the wall time: the paper exchange checks market hours.
const clockSpec: ClockSpec = { kind: 'scaled', simStartMs: istInstant('2026-01-06', 10 * 60 + 30), wallStartMs: Date.now(), speed: 1 };
const clock = clockFromSpec(clockSpec);

const QUOTES: Record<string, readonly [number, number]> = Object.fromEntries(
  CONDOR.map((c) => [key(c.strike, c.right), [c.avg - 0.5, c.avg] as const]),
);

const proposal: Proposal = {
  id: 'ic-actor-1', action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: EXPIRY,
  // SELL legs listed first on purpose: the executor must still send the BUY legs first.
  legs: [...condorLegs(false)].sort((a, b) => (a.side === b.side ? 0 : a.side === 'SELL' ? -1 : 1)),
  reason: 'integration', rationale: { test: true }, riskIncreasing: true,
};

let cycle = 0;
function request(proposals: Proposal[]): ExecuteRequest {
  const now = clock.now();
  const cycleId = `c${++cycle}`;
  return { cycleId, proposals, snapshot: { ...snapshot(now, QUOTES), cycleId }, surface: { ...surface(now), cycleId }, killswitch: { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }, phase: 'FULL_AUTO' };
}

function paperLog(): Array<{ k: string; clientOrderId?: string; side?: string }> {
  return readFileSync(path.join(dataDir, 'paper', 'orders.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { k: string });
}

test('executor actor: condor saga in FULL_AUTO on paper, crash + rebuild without duplicates, flatten', async () => {
  const cfg = parseConfig({
    DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0', SAFETY_MODE: 'paper', FEED: 'replay', PHASE: 'FULL_AUTO',
    MAX_VEGA: '1000000', RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000', LOG_LEVEL: 'silent',
  });
  const system = new ActorSystem(
    {
      kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000,
      children: [journalActorSpec(cfg), killswitchActorSpec(cfg), riskActorSpec(cfg), executorActorSpec(cfg, clockSpec)],
    },
    { clock, clockSpec, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    // Risk needs an assessed surface before it allows anything (fail closed).
    const first = request([]);
    const book0 = await system.request<Book>('executor', 'executor.book', { cycleId: first.cycleId });
    await system.request('risk', 'risk.assess', { cycleId: first.cycleId, snapshot: first.snapshot, surface: first.surface, book: book0 });

    const report = await system.request<ExecutionReport>('executor', 'executor.execute', request([proposal]));
    assert.equal(report.phase.effective, 'FULL_AUTO', report.phase.reasons.join('; '));
    assert.deepEqual(report.denied, []);
    assert.equal(report.sagasStarted.length, 1);
    assert.equal(report.sagasProgressed[0]?.outcome, 'completed', JSON.stringify(report.sagasProgressed));

    const placed = paperLog().filter((r) => r.k === 'place');
    assert.deepEqual(placed.map((r) => r.side), ['BUY', 'BUY', 'SELL', 'SELL'], 'BUY legs first');

    const book = await system.request<Book>('executor', 'executor.book', {});
    const st = book.structures.find((s) => s.kind === 'iron_condor');
    assert.ok(st);
    assert.equal(st.status, 'open');
    assert.equal(st.legs.length, 4);
    const credit = 45 - 0.5 + 40 - 0.5 - 20 - 18; // SELLs at the bid, BUYs at the ask
    assert.ok(Math.abs(st.entryCredit - credit) < 1e-9, `entry credit per unit ${st.entryCredit}`);
    assert.ok(Math.abs(st.maxLoss - (200 - credit) * 65) < 1e-6, `maxLoss ${st.maxLoss}`);
    assert.equal(book.positions.length, 4);

    // INTERFACE.md: GET /api/v1/orders and GET /api/v1/positions.
    const { orders } = await system.request<{ orders: OrderView[] }>('executor', 'executor.orders', {});
    assert.equal(orders.length, 4);
    for (const o of orders) {
      for (const f of ['clientOrderId', 'sagaId', 'instrumentKey', 'side', 'quantity', 'status', 'brokerOrderId', 'filledQuantity']) assert.ok(f in o, `order field ${f}`);
      assert.equal(o.status, 'filled');
      assert.equal(o.filledQuantity, 65);
    }
    const pos = await system.request<{ positions: Book['positions']; structures: Book['structures'] }>('executor', 'executor.positions', {});
    for (const p of pos.positions) for (const f of ['instrumentKey', 'quantity', 'averagePrice', 'structureId']) assert.ok(f in p, `position field ${f}`);
    for (const s of pos.structures) for (const f of ['id', 'kind', 'status', 'legs']) assert.ok(f in s, `structure field ${f}`);
    assert.deepEqual(
      pos.positions.map((p) => [p.instrumentKey, p.quantity]).sort(),
      CONDOR.map((c) => [key(c.strike, c.right), c.qty]).sort(),
    );

    // Crash the executor: the restart rebuilds the same book from the journal and re-proposing sends nothing.
    const inc = system.host('executor')?.incarnation ?? 1;
    system.fault('executor', 'crash');
    await runningAgain(system, 'executor', inc);
    const rebuilt = await system.request<Book>('executor', 'executor.book', {});
    assert.deepEqual(rebuilt.structures, book.structures);
    assert.deepEqual(rebuilt.positions, book.positions);
    assert.deepEqual(rebuilt.orders, book.orders);
    const again = await system.request<ExecutionReport>('executor', 'executor.execute', request([proposal]));
    assert.deepEqual(again.sagasStarted, [], 'a proposal is handled once, across restarts');
    assert.equal(again.reconciliation.mismatch, undefined);
    const tags = paperLog().filter((r) => r.k === 'place').map((r) => r.clientOrderId);
    assert.equal(new Set(tags).size, tags.length, `no duplicate orders at the exchange: ${tags.join(',')}`);
    assert.equal(tags.length, 4);

    // A naked-leg trigger reaches the kill switch as a plain message; its EMERGENCY flattens through executor.flatten
    // (no deadlock: nothing in the executor waits on the kill switch) and ends HALTED once the book is flat.
    const halted = new Promise<{ state: string; cause?: { code?: string } | null }>((resolve) => {
      const off = system.onEvent((type, body) => {
        const b = body as { state: string; cause?: { code?: string } | null };
        if (type === 'killswitch.changed' && b.state === 'HALTED') { off(); resolve(b); }
      });
    });
    system.send('killswitch', 'executor.nakedLegDetected', { structureId: st.id, message: 'test: short leg unhedged' });
    assert.equal((await halted).cause?.code, 'FLATTENED');
    const after = await system.request<Book>('executor', 'executor.book', {});
    assert.deepEqual(after.positions, []);
    const closing = paperLog().filter((r) => r.k === 'place').slice(4);
    assert.deepEqual(closing.map((r) => r.side), ['BUY', 'BUY', 'SELL', 'SELL'], 'flatten buys back the shorts first');
    const flat = await system.request<FlattenResult>('executor', 'executor.flatten', { reason: 'test' }, 20_000);
    assert.equal(flat.flat, true, JSON.stringify(flat.left));
    assert.equal(flat.ordersPlaced, 0, 'already flat');
  } finally {
    await system.stop();
  }
});
