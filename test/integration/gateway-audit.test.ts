/**
 * Issue 16 item 4: audit records carry the outcome. Every control action writes `requested` before it runs and
 * `done`, `refused` (4xx, with the owner's code and reason) or `failed` (5xx) after, under one requestId; a refused
 * request never writes `done`. Approvals: an unknown id is 404, one that is no longer pending is 409 with its status.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { ActorUnavailableError, JournalError } from '../../runtime/errors.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { jsonInit } from './gateway-routes.ts';

const outcomes = (f: ReturnType<typeof fakeDeps>) => f.rec.audits.map((a) => [a.action, a.outcome, a.result?.code ?? null]);

describe('approvals: 404 for an unknown id, 409 with the status for one no longer pending', () => {
  it('approving or rejecting an unknown id is 404, audited as refused, never done', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    for (const verb of ['approve', 'reject'] as const) {
      const res = await app.request(`/api/v1/approvals/apr-nope/${verb}`, jsonInit('POST', AUTH.operator, { reason: 'looks fine' }));
      assert.equal(res.status, 404, verb);
      const err = ((await res.json()) as { error: { code: string; message: string } }).error;
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.message, /apr-nope/);
    }
    assert.deepEqual(outcomes(f), [
      ['approval.approve', 'requested', null], ['approval.approve', 'refused', 'NOT_FOUND'],
      ['approval.reject', 'requested', null], ['approval.reject', 'refused', 'NOT_FOUND'],
    ]);
  });

  it('approving an expired or invalidated approval is 409 naming its status; rejecting one is too', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    for (const [id, status] of [['apr-expired', 'expired'], ['apr-invalid', 'invalidated']] as const) {
      const res = await app.request(`/api/v1/approvals/${id}/approve`, jsonInit('POST', AUTH.operator, {}));
      assert.equal(res.status, 409);
      const err = ((await res.json()) as { error: { code: string; message: string; details: { id: string; status: string } } }).error;
      assert.equal(err.code, 'APPROVAL_NOT_PENDING');
      assert.deepEqual(err.details, { id, status });
      assert.match(err.message, new RegExp(`was ${status}`));
    }
    const rej = await app.request('/api/v1/approvals/apr-expired/reject', jsonInit('POST', AUTH.operator, { reason: 'too late anyway' }));
    assert.equal(rej.status, 409);
    assert.ok(f.rec.audits.every((a) => a.outcome !== 'done'), 'no done record for a refused request');
    assert.deepEqual(f.rec.audits.filter((a) => a.outcome === 'refused').map((a) => a.result?.code), ['APPROVAL_NOT_PENDING', 'APPROVAL_NOT_PENDING', 'APPROVAL_NOT_PENDING']);
  });

  it('an approval risk refuses on its re-check is 409 APPROVAL_FAILED naming why it failed, not the proposal\'s rationale', async () => {
    const f = fakeDeps();
    const res = await createApp(f.deps).request('/api/v1/approvals/apr-failed/approve', jsonInit('POST', AUTH.operator, {}));
    assert.equal(res.status, 409);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'APPROVAL_FAILED');
    assert.equal(err.message, 'approval apr-failed was approved but not executed: RISK_PRETRADE_DENIED: VEGA_LIMIT vega beyond its limit');
  });

  it('a pending approval is approved (200, done)', async () => {
    const f = fakeDeps();
    const res = await createApp(f.deps).request('/api/v1/approvals/apr-0001/approve', jsonInit('POST', AUTH.operator, {}));
    assert.equal(res.status, 200);
    assert.deepEqual(outcomes(f), [['approval.approve', 'requested', null], ['approval.approve', 'done', null]]);
  });
});

describe('audit outcomes', () => {
  it('an action whose actor is unavailable is 503 and audited as failed', async () => {
    const f = fakeDeps({ requestError: (_a, t) => (t === 'killswitch.reset' ? new ActorUnavailableError('killswitch', 'killswitch is restarting') : undefined) });
    const res = await createApp(f.deps).request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'all clear' }));
    assert.equal(res.status, 503);
    assert.deepEqual(outcomes(f), [['killswitch.reset', 'requested', null], ['killswitch.reset', 'failed', 'ACTOR_UNAVAILABLE']]);
    assert.equal(f.rec.audits[0]?.requestId, f.rec.audits[1]?.requestId);
  });

  it('a refused token swap is audited as refused without the token in any record', async () => {
    const f = fakeDeps();
    const token = 'upstox-rejected-access-token-0123456789';
    const app = createApp({ ...f.deps, tokenRefresh: async (t: string) => { throw Object.assign(new Error(`broker said no to ${t}`), { code: 'TOKEN_INVALID' }); } });
    const res = await app.request('/api/token/refresh', jsonInit('POST', AUTH.admin, { accessToken: token }));
    assert.equal(res.status, 422);
    assert.deepEqual(outcomes(f), [['token.refresh', 'requested', null], ['token.refresh', 'refused', 'TOKEN_INVALID']]);
    assert.ok(!JSON.stringify(f.rec.audits).includes(token));
    assert.ok(!(await res.text()).includes(token));
  });

  it('the emergency stop acts when the journal is down, and says audited: false', async () => {
    const f = fakeDeps({ auditError: new JournalError('DISK_FULL', 'no space left') });
    const res = await createApp(f.deps).request('/api/v1/admin/emergency_stop', { method: 'POST', headers: AUTH.operator });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { audited: boolean }).audited, false);
    assert.deepEqual(f.rec.loop, ['stop']);
  });
});
