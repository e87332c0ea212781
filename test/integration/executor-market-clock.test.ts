/**
 * The executor actor on the real sim and paper exchange at SIM_SPEED=300 (issue 16 item 10): its timers are market
 * time and its tick comes often enough in market terms. A resting entry is pulled after ORDER_FILL_TIMEOUT_MS (30 s)
 * of MARKET time — before, the timer was wall time, so at 300× it waited 150 market minutes (past the close on most
 * afternoons) and the compensation that followed was refused.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clockFromSpec, type ClockSpec } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { unpacked } from '../../runtime/envelope.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import { journalActorSpec } from '../../actors/journal/index.ts';
import { riskActorSpec } from '../../actors/risk/index.ts';
import { killswitchActorSpec } from '../../actors/killswitch/index.ts';
import { executorActorSpec } from '../../actors/executor/index.ts';
import { feedActorSpec } from '../../actors/feed/index.ts';
import { calibratorActorSpec } from '../../actors/calibrator/index.ts';
import type { RelayedSnapshot } from '../../actors/feed/messages.ts';
import type { SurfaceCalibrated } from '../../actors/calibrator/messages.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { Book } from '../../actors/domain/book.ts';
import type { OrderView } from '../../actors/domain/order.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { roundToTick } from '../../actors/domain/units.ts';

const SPEED = 300;
const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-exec-clock-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('at SIM_SPEED=300 a resting entry is pulled after 30 s of market time, not 30 wall s (150 market minutes)', async () => {
  // Wed 2026-11-25 09:20 IST: six market hours to the close — 74 wall s at 300×, room for a slow start on a loaded
  // machine (the clock runs from here).
  const clockSpec: ClockSpec = { kind: 'scaled', simStartMs: istInstant('2026-11-25', 9 * 60 + 20), wallStartMs: Date.now(), speed: SPEED };
  const clock = clockFromSpec(clockSpec);
  const cfg = parseConfig({
    DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0', SAFETY_MODE: 'paper', FEED: 'sim', PHASE: 'FULL_AUTO', SIM_SEED: '7',
    SIM_SPEED: String(SPEED), MAX_VEGA: '1000000', RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000', LOG_LEVEL: 'silent',
    // The fill timeout is what is measured: no entry re-pricing (it would re-place the resting order at 10 s).
    ENTRY_REPRICE_ATTEMPTS: '0',
  });
  const system = new ActorSystem(
    {
      kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000,
      // A generous start timeout: six workers start at once on a loaded 2-core machine.
      children: [journalActorSpec(cfg), feedActorSpec(cfg, { clock: clockSpec }), calibratorActorSpec(cfg), killswitchActorSpec(cfg), riskActorSpec(cfg), executorActorSpec(cfg, clockSpec)]
        .map((spec) => ({ ...spec, startTimeoutMs: 60_000 })),
    },
    { clock, clockSpec, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const snapshot = await system.request<RelayedSnapshot>('feed', 'feed.snapshot', { cycleId: 'c1' });
    const surface = await system.request<SurfaceCalibrated>('calibrator', 'calibrator.calibrate', snapshot);
    const book = await system.request<Book>('executor', 'executor.book', { cycleId: 'c1' });
    await system.request('risk', 'risk.assess', { cycleId: 'c1', snapshot, surface, book });

    // One long put a little out of the money, limit-priced well under the bid: it rests at the exchange.
    const chains = unpacked(snapshot.expiries);
    const chain = chains.find((c) => c.underlying === 'NIFTY')!;
    const spot = snapshot.spots.find((s) => s.underlying === 'NIFTY')!.spot;
    let i = 0;
    for (let j = 0; j < chain.strikes.length; j++) if (Math.abs(chain.strikes[j]! - spot * 0.98) < Math.abs(chain.strikes[i]! - spot * 0.98)) i = j;
    const key = chain.putKeys[i]!;
    const bid = chain.putBid[i]!;
    assert.ok(bid > 2, `a put with a bid to rest under, was ${bid}`);
    const proposal: Proposal = {
      id: 'rest-1', action: 'open', kind: 'iron_condor', bucket: 'intraday', underlying: 'NIFTY', expiry: chain.expiry,
      legs: [{ instrumentKey: key, underlying: 'NIFTY', expiry: chain.expiry, strike: chain.strikes[i]!, right: 'PE', side: 'BUY', quantity: chain.lotSize, limitPrice: roundToTick(bid / 2) }],
      reason: 'market-clock test', rationale: {}, riskIncreasing: true,
    };
    // The executor's timer runs from when it created the order, which is after this instant (the same scaled clock in
    // every thread) and before the exchange stamps the place: the intent is made durable in between, a wall ms or
    // two that is 300–600 market ms here. So "never early" is measured from here, not from the exchange's place.
    const beforeExecute = clock.now();
    const report = await system.request<ExecutionReport>('executor', 'executor.execute', {
      cycleId: 'c1', proposals: [proposal], snapshot, surface, killswitch: { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }, phase: 'FULL_AUTO',
    });
    assert.deepEqual(report.denied, []);
    assert.equal(report.sagasStarted.length, 1);

    // The tick (market-clock interval) pulls it. Wait on the order's state, bounded by MARKET time: an hour of market
    // (12 wall s here, room for a loaded machine); the wall-time timer of before needed 30 wall s = 150 market minutes.
    const placedAt = clock.now();
    let order: OrderView | undefined;
    while (clock.now() - placedAt < 3_600_000) {
      const { orders } = await system.request<{ orders: OrderView[] }>('executor', 'executor.orders', {});
      order = orders.find((o) => o.clientOrderId === 'VG1-0E0');
      if (order?.status === 'cancelled') break;
      await new Promise((r) => setImmediate(r));
    }
    const paperBook = readFileSync(path.join(dataDir, 'paper', 'orders.jsonl'), 'utf8');
    assert.equal(order?.status, 'cancelled', `pulled within an hour of market time, was ${order?.status} (${paperBook})`);

    // The exchange's own log says when, on the market clock: at least 30 s after the executor created the order (never
    // early), and the place it pulled came after that.
    const log = readFileSync(path.join(dataDir, 'paper', 'orders.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { k: string; ts: number; clientOrderId?: string; brokerOrderId: string });
    const place = log.find((r) => r.k === 'place' && r.clientOrderId === 'VG1-0E0')!;
    const cancel = log.find((r) => r.k === 'cancel' && r.brokerOrderId === place.brokerOrderId)!;
    assert.ok(place.ts >= beforeExecute, `placed at ${place.ts}, before the execute request at ${beforeExecute}`);
    assert.ok(cancel.ts - beforeExecute >= 30_000, `cancelled ${cancel.ts - beforeExecute} market ms after the execute request (${cancel.ts - place.ts} after the exchange's place)`);
  } finally {
    await system.stop();
  }
});
