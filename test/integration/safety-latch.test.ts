/**
 * @module The kill switch in a real worker with the real journal: a HALT is latched in LMDB, survives a crash of the
 * kill switch and a restart of the whole system, and the reset is refused while its cause holds.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { realClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import { ActorSystem } from '../../runtime/system.ts';
import { journalActorSpec } from '../../actors/journal/index.ts';
import { killswitchActorSpec, type KillSwitchStatus, type ResetAnswer } from '../../actors/killswitch/index.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'vg-safety-latch-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function boot(): ActorSystem {
  const cfg = parseConfig({ DATA_DIR: dataDir, JOURNAL_BACKUP_INTERVAL_S: '0' });
  const ks = killswitchActorSpec(cfg);
  return new ActorSystem(
    // The executor is absent here; the kill switch's peer list is trimmed so the tree only wires what exists.
    { kind: 'supervisor', name: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 60_000, children: [journalActorSpec(cfg), { ...ks, peers: ['journal'] }] },
    { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 1000, logLevel: 'silent' },
  );
}

function changedTo(system: ActorSystem, state: string): Promise<KillSwitchStatus> {
  return new Promise((resolve) => {
    const off = system.onEvent((type, body) => {
      if (type === 'killswitch.changed' && (body as KillSwitchStatus).state === state) { off(); resolve(body as KillSwitchStatus); }
    });
  });
}

test('a HALT latched by the kill switch survives its crash and a full restart; reset refused while the token is expired', async () => {
  let system = boot();
  await system.start();
  try {
    const halted = changedTo(system, 'HALTED');
    system.send('killswitch', 'broker.tokenExpired', { message: '401 UDAPI100050' });
    assert.equal((await halted).cause?.code, 'TOKEN_EXPIRED');

    const restarted = new Promise<void>((resolve) => {
      const off = system.onEvent((type, body) => {
        const b = body as { name?: string; incarnation: number };
        if (type === 'sys.actorReady' && b.name === 'killswitch' && b.incarnation > 1) { off(); resolve(); }
      });
    });
    system.fault('killswitch', 'crash');
    await restarted;
    const st = await system.request<KillSwitchStatus>('killswitch', 'killswitch.status', {});
    assert.equal(st.state, 'HALTED');
    assert.deepEqual(st.holding, ['TOKEN_EXPIRED']);
    const refused = await system.request<ResetAnswer>('killswitch', 'killswitch.reset', { reason: 'try anyway', who: 'admin' });
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.refused.includes('TOKEN_EXPIRED'));
    const bad = await system.request('killswitch', 'killswitch.reset', { reason: '', who: 'admin' }).catch((e: unknown) => e as Error);
    assert.match(String((bad as Error).message), /expected a valid body/);
  } finally {
    await system.stop();
  }

  system = boot();
  await system.start();
  try {
    const st = await system.request<KillSwitchStatus>('killswitch', 'killswitch.status', {});
    assert.equal(st.state, 'HALTED', 'a halted system stays halted after a restart');
    system.send('killswitch', 'broker.tokenRefreshed', {});
    const ok = await system.request<ResetAnswer>('killswitch', 'killswitch.reset', { reason: 'token refreshed by ops', who: 'admin' });
    assert.equal(ok.ok, true);
    assert.equal(ok.status.state, 'NORMAL');
  } finally {
    await system.stop();
  }
});
