/**
 * @module The feed actor in a real worker on the simulated market: a snapshot per request, and a chaos silence that
 * raises feed.stalled at main at once and clears on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { Prepacked, unpacked } from '../../runtime/envelope.ts';
import { feedActorSpec, simClockSpec, type RelayedSnapshot } from '../../actors/feed/index.ts';

test('feed actor: snapshot, chaos silence → feed.stalled → feed.recovered', async () => {
  const cfg = parseConfig({ SIM_START: '2026-11-23T10:00:00+05:30', FEED_STALL_MS: '300' });
  const clock = simClockSpec(cfg, Date.now());
  const system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [feedActorSpec(cfg, { clock })] },
    { clock: realClock, clockSpec: clock, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const snap = await system.main.request<RelayedSnapshot>('feed', 'feed.snapshot', { cycleId: 'c1' });
    assert.equal(snap.cycleId, 'c1');
    assert.equal(snap.source, 'sim');
    assert.equal(snap.marketOpen, true);
    // Main receives the chains still packed (it relays them); they decode to the six chains on demand.
    assert.ok(snap.expiries instanceof Prepacked);
    const chains = unpacked(snap.expiries);
    assert.equal(chains.length, 6);
    assert.ok(chains[0]!.callBid instanceof Float64Array);
    const bad = await system.main.request('feed', 'feed.injectFault', { kind: 'meteor' }).catch((e: unknown) => e as Error);
    assert.match(String((bad as Error).message), /expected kind one of silence\|stale/);

    const seen: string[] = [];
    const both = new Promise<void>((resolve) => {
      const off = system.onEvent((type) => {
        if (type !== 'feed.stalled' && type !== 'feed.recovered') return;
        seen.push(type);
        if (type === 'feed.recovered') { off(); resolve(); }
      });
    });
    assert.deepEqual(await system.main.request('feed', 'feed.injectFault', { kind: 'silence', seconds: 1 }), { kind: 'silence', seconds: 1 });
    await both;
    assert.deepEqual(seen, ['feed.stalled', 'feed.recovered']);
  } finally {
    await system.stop();
  }
});
