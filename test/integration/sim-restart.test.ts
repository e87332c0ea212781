/**
 * @module A restarted feed or paper exchange resumes the simulated market from the journal's checkpoint (issue 14,
 * found by the chaos drill: at SIM_SPEED 600 they stepped the market again from SIM_START in init, ~1 s of CPU per
 * simulated hour, and a restart a few minutes in no longer fitted the start timeout). Real workers, real LMDB: the
 * market runs at 600× until the feed has checkpointed it well into the session, then the feed and the executor are
 * crashed. Each incarnation must resume from a checkpoint (not from the start), see a clock no earlier than the last
 * snapshot before the crash, and show the very prices an uninterrupted market of the same seed shows. The speed
 * itself is measured by `npm run bench -- sim`, never here.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clockFromSpec } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, type RecoverReply } from '../../actors/journal/index.ts';
import { riskActorSpec } from '../../actors/risk/index.ts';
import { killswitchActorSpec } from '../../actors/killswitch/index.ts';
import { executorActorSpec } from '../../actors/executor/index.ts';
import { feedActorSpec, simClockSpec, type RelayedSnapshot } from '../../actors/feed/index.ts';
import { SimMarket } from '../../actors/venues/sim/market.ts';
import { roundToTick, TICK_SIZE } from '../../actors/domain/units.ts';
import { runningAgain } from '../fixtures/system.ts';
import { waitFor } from '../drills/harness.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-sim-restart-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const SIM_START = '2026-11-25T09:15:00+05:30';
/** How far into the session the market must be checkpointed before the crashes (45 market minutes ≈ 4.5 s at 600×). */
const INTO_SESSION_MS = 45 * 60_000;

test('a feed and an executor restarted deep into the simulated session resume the market from its checkpoint: clock never earlier, prices those of the uninterrupted market', { timeout: 180_000 }, async () => {
  const cfg = parseConfig({
    DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0', SAFETY_MODE: 'paper', FEED: 'sim', PHASE: 'FULL_AUTO',
    SIM_SEED: '7', SIM_SPEED: '600', SIM_START, LOG_LEVEL: 'silent',
  });
  const clockSpec = simClockSpec(cfg, Date.now());
  const origin = Date.parse(SIM_START);
  const system = new ActorSystem(
    {
      kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 10, periodMs: 60_000,
      children: [journalActorSpec(cfg), killswitchActorSpec(cfg), riskActorSpec(cfg), feedActorSpec(cfg, { clock: clockSpec }), executorActorSpec(cfg, clockSpec)],
    },
    { clock: clockFromSpec(clockSpec), clockSpec, heartbeatMs: 1000, logLevel: 'silent' },
  );
  let nifty: RelayedSnapshot['spots'][number] | undefined;
  await system.start();
  try {
    // The first incarnations started at the origin, with nothing to resume from.
    assert.equal((await system.inspect('feed') as { state: { marketResumedFrom: unknown } }).state.marketResumedFrom, null);
    const checkpointed = await waitFor('a market checkpoint deep into the session', async () => {
      const r = await system.request<RecoverReply>('journal', 'journal.recover', { actor: 'feed' });
      return r.snapshot !== null && r.snapshot.ts >= origin + INTO_SESSION_MS ? r.snapshot.ts : undefined;
    }, 120_000, 100);

    for (const name of ['feed', 'executor'] as const) {
      const seen = await system.request<RelayedSnapshot>('feed', 'feed.snapshot', { cycleId: `before-${name}` });
      await runningAgain(system, name, 0); // running (a loaded machine may have restarted it for a missed heartbeat)
      const incarnation = system.host(name)?.incarnation ?? 0;
      system.fault(name, 'crash');
      await runningAgain(system, name, incarnation);
      const resumedFrom = (await system.inspect(name) as { state: { marketResumedFrom?: number | null } }).state.marketResumedFrom;
      assert.ok(typeof resumedFrom === 'number' && resumedFrom >= origin + INTO_SESSION_MS - 10 * 60_000,
        `${name} incarnation ${incarnation + 1}: expected to resume from the checkpoint (≥ ${new Date(checkpointed).toISOString()} less one interval), was ${resumedFrom === null || resumedFrom === undefined ? String(resumedFrom) : new Date(resumedFrom).toISOString()}`);
      const now = await system.request<RelayedSnapshot>('feed', 'feed.snapshot', { cycleId: `after-${name}` });
      assert.ok(now.ts >= seen.ts, `${name}: the snapshot after the restart (${new Date(now.ts).toISOString()}) is earlier than the one before (${new Date(seen.ts).toISOString()})`);
    }

    const snap = await system.request<RelayedSnapshot>('feed', 'feed.snapshot', { cycleId: 'compare' });
    nifty = snap.spots.find((s) => s.underlying === 'NIFTY');
    assert.ok(nifty !== undefined && nifty.ts > checkpointed, JSON.stringify(snap.spots));
  } finally {
    await system.stop();
  }
  // Same seed, same path: the restarted feed's NIFTY index is the uninterrupted market's at that tick's time. Stepped
  // here only once the system is stopped: seconds of CPU on this thread would starve the actors' heartbeats.
  assert.ok(nifty !== undefined);
  const whole = new SimMarket({ seed: 7, startMs: origin });
  whole.advanceTo(nifty.ts);
  assert.equal(nifty.spot, roundToTick(whole.spot('NIFTY'), TICK_SIZE), `at ${new Date(nifty.ts).toISOString()}`);
});
