/**
 * Issue 16 at the control plane of the whole system (simulated market, paper broker, real workers, real LMDB, real
 * HTTP): the supervisor status follows a phase change at once (it showed the boot PHASE), a bodyless emergency stop
 * works, `/health/ready` turns 503 on a latched kill switch while `/health` stays 200, and the journal keeps each
 * control action's outcome.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';

describe('control plane on the running system', () => {
  let s: TestSystem;
  /** Until a cycle completes cleanly (on a loaded machine the first ones can time out). */
  async function healthyCycle(): Promise<void> {
    do await s.cycles(1);
    while (s.cycle.state.lastError !== null);
  }
  before(async () => {
    s = await startTestSystem({ SIM_SPEED: '60' });
    await s.cycles(2);
    await healthyCycle();
  });
  after(async () => {
    await s?.stop();
  });

  it('is live and ready after its first cycles', async () => {
    assert.equal((await fetch(`${s.base}/health`)).status, 200);
    const ready = await fetch(`${s.base}/health/ready`);
    assert.equal(ready.status, 200, await ready.text());
  });

  it('reports the phase set through the API at once, not the boot phase', async () => {
    await healthyCycle();
    assert.equal((await s.api<{ phase: string }>('GET', '/api/v1/supervisor/status')).body.phase, 'SHADOW');
    const set = await s.api('POST', '/api/v1/phase', { phase: 'SEMI_AUTO', approver: 'risk desk', reason: 'shadow week reviewed' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await s.api<{ phase: string }>('GET', '/api/v1/supervisor/status')).body.phase, 'SEMI_AUTO');
    assert.equal((await s.api<{ configured: string; venue: string }>('GET', '/api/v1/phase')).body.configured, 'SEMI_AUTO');
  });

  it('takes a bodyless emergency stop; then /health/ready is 503 with the reasons while /health stays 200', async () => {
    const changed = new Promise<void>((resolve) => {
      const off = s.system.onEvent((type, body) => {
        if (type === 'killswitch.changed' && ['HALTED', 'EMERGENCY'].includes((body as { state: string }).state)) {
          off();
          resolve();
        }
      });
    });
    const res = await fetch(`${s.base}/api/v1/admin/emergency_stop`, { method: 'POST', headers: { authorization: `Bearer ${s.adminToken}` } });
    assert.equal(res.status, 200, await res.text());
    await changed;
    await healthyCycle();
    assert.equal((await fetch(`${s.base}/health`)).status, 200, 'alive');
    const ready = await fetch(`${s.base}/health/ready`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { reasons: string[]; killswitch: { state: string } };
    assert.ok(['HALTED', 'EMERGENCY'].includes(body.killswitch.state));
    assert.ok(body.reasons.some((r) => /^kill switch (HALTED|EMERGENCY): (MANUAL_EMERGENCY|FLATTENED)/.test(r)), body.reasons.join('; '));
    assert.ok(body.reasons.includes('the trading loop is stopped (POST /api/start)'), body.reasons.join('; '));
  });

  it('journals each control action twice: requested, then its outcome', async () => {
    const { events } = await s.system.request<{ events: { type: string; body: { action: string; outcome?: string; requestId?: string } }[] }>('journal', 'journal.recover', { actor: 'main' });
    const audits = events.filter((e) => e.type === 'journal.audit').map((e) => e.body);
    const of = (action: string) => audits.filter((a) => a.action === action).map((a) => a.outcome);
    assert.deepEqual(of('phase.set'), ['requested', 'done']);
    assert.deepEqual(of('emergency.stop'), ['requested', 'done']);
    const ids = audits.filter((a) => a.action === 'phase.set').map((a) => a.requestId);
    assert.equal(ids[0], ids[1]);
  });
});
