/**
 * Issue 16 items 5 and 10 at the gateway: POST /api/v1/phase answers the executor's governance decision — 200 set
 * (waivers listed), 202 requested (FULL_AUTO on live, until POST /api/v1/phase/approve), 409 refused with the checks —
 * and the supervisor status reports the phase the executor holds now, not the boot PHASE.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { jsonInit } from './gateway-routes.ts';

const LIVE = { SAFETY_MODE: 'live', FEED: 'upstox' };

describe('phase governance over HTTP', () => {
  it('supervisor status reports the phase after a change, not the boot phase', async () => {
    const f = fakeDeps({ env: { PHASE: 'SHADOW' } });
    const app = createApp(f.deps);
    const status = async () => ((await (await app.request('/api/v1/supervisor/status', { headers: AUTH.viewer })).json()) as { phase: string }).phase;
    assert.equal(await status(), 'SHADOW');
    assert.equal((await app.request('/api/v1/phase', jsonInit('POST', AUTH.admin, { phase: 'SEMI_AUTO', approver: 'risk desk', reason: 'shadow week reviewed' }))).status, 200);
    assert.equal(await status(), 'SEMI_AUTO');
  });

  it('FULL_AUTO on live: the POST is only a request (202, pending id); the separate approval applies it (200)', async () => {
    const f = fakeDeps({ env: LIVE });
    const app = createApp(f.deps);
    const asked = await app.request('/api/v1/phase', jsonInit('POST', AUTH.admin, { phase: 'FULL_AUTO', approver: 'alice', reason: 'a month of SEMI_AUTO reviewed' }));
    assert.equal(asked.status, 202);
    const body = (await asked.json()) as { result: { applied: boolean; pending: { id: string } } };
    assert.equal(body.result.applied, false);
    const view = async () => (await (await app.request('/api/v1/phase', { headers: AUTH.viewer })).json()) as { configured: string; pending: { id: string } | null };
    assert.equal((await view()).configured, 'SEMI_AUTO', 'asking changes nothing');
    assert.equal((await view()).pending?.id, body.result.pending.id);
    const approved = await app.request('/api/v1/phase/approve', jsonInit('POST', AUTH.admin, { id: body.result.pending.id, approver: 'bob', reason: 'limits checked against the month' }));
    assert.equal(approved.status, 200, await approved.text());
    assert.equal((await view()).configured, 'FULL_AUTO');
    assert.deepEqual(f.rec.audits.map((a) => [a.action, a.outcome]), [['phase.set', 'requested'], ['phase.set', 'done'], ['phase.approve', 'requested'], ['phase.approve', 'done']]);
  });

  it('a refusal by the governance checks is 409 with the checks, audited refused; an unknown request is 404', async () => {
    const f = fakeDeps();
    const checks = [{ name: 'quality', ok: false, detail: 'expected data quality above 0.8, was 0.42' }, { name: 'history', ok: true, waived: true, detail: '0/7 SHADOW and 0/21 SEMI_AUTO trading days on paper: waived on paper (PAPER_WAIVE_PHASE_HISTORY)' }];
    const base = f.deps.request;
    const app = createApp({
      ...f.deps,
      request: (async (actor: string, type: string, body?: unknown, t?: number) =>
        type === 'executor.setPhase' ? { ok: false, code: 'GOVERNANCE', refused: `FULL_AUTO refused: quality: ${checks[0]!.detail}`, venue: 'paper', checks } : base(actor, type, body, t)) as typeof base,
    });
    const res = await app.request('/api/v1/phase', jsonInit('POST', AUTH.admin, { phase: 'FULL_AUTO', approver: 'alice', reason: 'feeling lucky' }));
    assert.equal(res.status, 409);
    const err = ((await res.json()) as { error: { code: string; message: string; details: { checks: unknown[] } } }).error;
    assert.equal(err.code, 'GOVERNANCE');
    assert.match(err.message, /was 0\.42/);
    assert.deepEqual(err.details.checks, checks);
    assert.deepEqual(f.rec.audits.map((a) => [a.outcome, a.result?.code ?? null]), [['requested', null], ['refused', 'GOVERNANCE']]);

    const g = fakeDeps();
    const nope = await createApp(g.deps).request('/api/v1/phase/approve', jsonInit('POST', AUTH.admin, { id: 'PR-nope', approver: 'bob', reason: 'fine by me' }));
    assert.equal(nope.status, 404);
    assert.ok(g.rec.audits.every((a) => a.outcome !== 'done'));
  });
});
