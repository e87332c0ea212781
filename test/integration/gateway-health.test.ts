/**
 * Issue 16 item 7: `/health` stays liveness (a HALTED system is alive); `/health/ready` says whether it can trade —
 * 503 with a reason per obstacle: the kill switch latched, data quality under the threshold for the configured phase,
 * the loop stopped, no cycle yet, and everything liveness reports.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { fakeDeps, type FakeOptions } from './gateway-fakes.ts';

async function probe(opts: FakeOptions, stop = false) {
  const f = fakeDeps(opts);
  if (stop) f.deps.loop.stop();
  const app = createApp(f.deps);
  const live = await app.request('/health');
  const ready = await app.request('/health/ready');
  return { live: live.status, ready: ready.status, body: (await ready.json()) as { ok: boolean; reasons: string[]; killswitch: unknown; dataQuality: number | null } };
}

describe('/health/ready', () => {
  it('is 200 when everything can trade, with what it looked at', async () => {
    const r = await probe({});
    assert.equal(r.ready, 200);
    assert.deepEqual(r.body, { ok: true, reasons: [], killswitch: { state: 'NORMAL', cause: null }, dataQuality: 0.93, phase: { configured: 'SEMI_AUTO', effective: 'SEMI_AUTO' }, loop: 'running' });
  });

  it('is 503 while the kill switch is HALTED or EMERGENCY, while /health stays 200', async () => {
    const halted = await probe({ readiness: { killswitch: { state: 'HALTED', cause: 'DAILY_LOSS: daily loss ₹21,000 beyond the ₹20,000 limit' } } });
    assert.deepEqual([halted.live, halted.ready], [200, 503]);
    assert.deepEqual(halted.body.reasons, ['kill switch HALTED: DAILY_LOSS: daily loss ₹21,000 beyond the ₹20,000 limit (POST /api/v1/killswitch/reset once the cause is cleared)']);
    const emergency = await probe({ readiness: { killswitch: { state: 'EMERGENCY', cause: 'MANUAL_EMERGENCY: drill' } } });
    assert.deepEqual([emergency.live, emergency.ready], [200, 503]);
    assert.deepEqual(emergency.body.reasons, ['kill switch EMERGENCY: MANUAL_EMERGENCY: drill']);
  });

  it('is 503 when data quality is below the threshold for the configured phase (defaults: SHADOW 0.5, FULL_AUTO 0.8)', async () => {
    const poor = await probe({ readiness: { dataQuality: 0.05 } });
    assert.deepEqual([poor.live, poor.ready], [200, 503]);
    assert.deepEqual(poor.body.reasons, ['data quality 0.05 below the SHADOW threshold 0.5 (KS_SHADOW_QUALITY): nothing trades']);
    // 0.8 is not above 0.8: FULL_AUTO is capped; the same quality is fine for SEMI_AUTO.
    const capped = await probe({ readiness: { dataQuality: 0.8, phase: { configured: 'FULL_AUTO', effective: 'SEMI_AUTO' } } });
    assert.deepEqual(capped.body.reasons, ['data quality 0.80 not above the FULL_AUTO threshold 0.8 (KS_FULL_AUTO_QUALITY): FULL_AUTO is capped at SEMI_AUTO']);
    assert.equal((await probe({ readiness: { dataQuality: 0.8 } })).ready, 200);
    const thresholds = await probe({ env: { KS_SHADOW_QUALITY: '0.3' }, readiness: { dataQuality: 0.35 } });
    assert.equal(thresholds.ready, 200, 'the kill switch thresholds are the ones configured');
  });

  it('is 503 before the first cycle, with the loop stopped, and with every liveness reason', async () => {
    const fresh = await probe({ readiness: { killswitch: null, dataQuality: null } });
    assert.deepEqual(fresh.body.reasons, ['kill switch state unknown (no cycle yet)', 'no market snapshot yet']);
    const stopped = await probe({}, true);
    assert.deepEqual(stopped.body.reasons, ['the trading loop is stopped (POST /api/start)']);
    const dead = await probe({ healthy: false });
    assert.deepEqual([dead.live, dead.ready], [503, 503]);
    assert.deepEqual(dead.body.reasons, ['feed: last snapshot 12 s old']);
  });
});
