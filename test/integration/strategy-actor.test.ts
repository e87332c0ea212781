import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec, journalClient } from '../../actors/journal/index.ts';
import { strategyActorSpec } from '../../actors/strategy/index.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import { market, request } from '../../actors/strategy/fixtures.ts';
import { istEpoch } from '../../actors/strategy/session.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-strategy-actor-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('strategy actor: proposes over msgpack, journals every proposal first, and keeps cooldowns across a crash', async () => {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0', STRATEGY_RV_MIN_SAMPLES: '5', STRATEGY_RV_SAMPLE_S: '0' });
  const system = new ActorSystem(
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg), strategyActorSpec(cfg)] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
  await system.start();
  try {
    const propose = (now: number, id: string, nifty = 24_000) =>
      system.main.request<Proposal[]>('strategy', 'strategy.propose', request(market({ now, nifty, banknifty: nifty * 2.1 }, id)));
    const t0 = istEpoch('2026-01-07', 9 * 60 + 20); // before the 09:30 entry window
    for (let i = 0; i < 8; i++) assert.deepEqual(await propose(t0 + i * 3000, `w${i}`, 24_000 + (i % 2)), []);
    const ps = await propose(istEpoch('2026-01-07', 10 * 60), 'c1');
    assert.deepEqual(ps.map((p) => p.id), ['c1-s0', 'c1-s1', 'c1-s2']);
    assert.ok(ps.every((p) => p.action === 'open' && p.riskIncreasing && p.legs.length === 4));

    const stream = await journalClient(system.main, { actor: 'main' }).recover('strategy');
    const journaled = stream.events.filter((e) => e.type === 'strategy.proposed').map((e) => (e.body as { proposal: Proposal }).proposal);
    assert.deepEqual(journaled.map((p) => p.id), ['c1-s0', 'c1-s1', 'c1-s2']);
    assert.equal(typeof journaled[0]?.rationale['shortCallDelta'], 'number');

    const bad = await system.main.request('strategy', 'strategy.propose', { cycleId: 'x' }).catch((e: unknown) => e as Error);
    assert.match(String((bad as Error).message), /expected snapshot with a finite ts/);

    const restarted = new Promise<void>((resolve) => {
      const off = system.onEvent((type, body) => {
        if (type === 'sys.actorReady' && (body as { name?: string; incarnation: number }).incarnation > 1) { off(); resolve(); }
      });
    });
    system.fault('strategy', 'crash');
    await restarted;
    // Recovered cooldowns: the same slots are not proposed again a minute later (RV history restarts, so warm it).
    const t1 = istEpoch('2026-01-07', 10 * 60 + 1);
    for (let i = 0; i < 8; i++) await propose(t1 + i * 3000, `v${i}`, 24_000 + (i % 2));
    assert.deepEqual(await propose(t1 + 30_000, 'c2'), []);
    const status = await system.main.request<{ lastSkipped: { reason: string }[] }>('strategy', 'strategy.status', {});
    assert.ok(status.lastSkipped.some((s) => s.reason === 'COOLDOWN' || s.reason === 'MAX_OPEN'));
  } finally {
    await system.stop();
  }
});
