import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { ActorUnavailableError, JournalError, RequestTimeoutError, VolguardError } from '../../runtime/errors.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { jsonInit } from './gateway-routes.ts';

async function body(res: Response) {
  return (await res.json()) as { error: { code: string; message: string; details?: unknown } };
}

describe('gateway error mapping', () => {
  it('maps an unavailable or silent actor to 503 with its code', async () => {
    for (const [err, code] of [[new ActorUnavailableError('killswitch', 'killswitch is restarting'), 'ACTOR_UNAVAILABLE'], [new RequestTimeoutError('killswitch', 'killswitch.status', 2000), 'REQUEST_TIMEOUT']] as const) {
      const f = fakeDeps({ requestError: () => err });
      const res = await createApp(f.deps).request('/api/v1/killswitch', { headers: AUTH.viewer });
      assert.equal(res.status, 503);
      assert.equal((await body(res)).error.code, code);
    }
  });

  it("keeps an actor's refusal code: NOT_FOUND → 404, INVALID_STATE → 409", async () => {
    const f = fakeDeps({ requestError: (_a, t) => (t === 'executor.approve' ? new VolguardError('NOT_FOUND', 'expected a pending approval apr-9, was none') : t === 'killswitch.reset' ? new VolguardError('INVALID_STATE', 'expected HALTED, was NORMAL') : undefined) });
    const app = createApp(f.deps);
    const a = await app.request('/api/v1/approvals/apr-9/approve', jsonInit('POST', AUTH.operator, {}));
    assert.equal(a.status, 404);
    assert.match((await body(a)).error.message, /apr-9/);
    const r = await app.request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'all clear' }));
    assert.equal(r.status, 409);
  });

  it('answers an unexpected failure with 500 and no internals, and logs the detail', async () => {
    const f = fakeDeps({ requestError: () => new TypeError('cannot read properties of undefined (reading secretSauce) at /srv/volguard/x.ts:12') });
    const res = await createApp(f.deps).request('/api/v1/orders', { headers: AUTH.viewer });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.doesNotMatch(text, /secretSauce|\/srv\/|TypeError/);
    assert.equal(JSON.parse(text).error.code, 'INTERNAL');
    assert.ok(f.rec.logs.some((l) => l.level === 'error' && JSON.stringify(l.obj).includes('secretSauce')));
  });

  it('refuses a control action the journal cannot record (503), without acting', async () => {
    const f = fakeDeps({ auditError: new JournalError('DISK_FULL', 'no space left') });
    const res = await createApp(f.deps).request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'all clear' }));
    assert.equal(res.status, 503);
    assert.equal((await body(res)).error.code, 'JOURNAL_DISK_FULL');
    assert.deepEqual(f.rec.requests, []);
  });

  it('still performs an emergency stop when the journal fails, and says it was not audited', async () => {
    const f = fakeDeps({ auditError: new JournalError('DISK_FULL', 'no space left') });
    const res = await createApp(f.deps).request('/api/v1/admin/emergency_stop', jsonInit('POST', AUTH.operator, {}));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { audited: boolean }).audited, false);
    assert.deepEqual(f.rec.loop, ['stop']);
    assert.deepEqual(f.rec.requests[0], { actor: 'killswitch', type: 'killswitch.emergency', body: { reason: 'emergency stop via API', who: 'operator@unknown', stopLoop: true } });
  });

  it('flattens through the kill switch without stopping the loop', async () => {
    const f = fakeDeps();
    const res = await createApp(f.deps).request('/api/emergency/flatten', jsonInit('POST', AUTH.operator, { reason: 'vol spike' }));
    assert.equal(res.status, 200);
    assert.deepEqual(f.rec.loop, []);
    assert.deepEqual(f.rec.requests, [{ actor: 'killswitch', type: 'killswitch.emergency', body: { reason: 'vol spike', who: 'operator@unknown', stopLoop: false } }]);
  });

  it('reports health 503 with reasons', async () => {
    const res = await createApp(fakeDeps({ healthy: false }).deps).request('/health');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { ok: false, reasons: ['feed: last snapshot 12 s old'] });
  });

  it('404s an unknown actor in the inspector and for faults, 422 for a malformed name', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    assert.equal((await app.request('/api/v1/actors/nobody', { headers: AUTH.viewer })).status, 404);
    assert.equal((await app.request('/api/v1/actors/nobody/fault', jsonInit('POST', AUTH.admin, { kind: 'crash' }))).status, 404);
    assert.equal((await app.request('/api/v1/actors/..%2F..%2Fetc/fault', jsonInit('POST', AUTH.admin, { kind: 'crash' }))).status, 422);
    assert.deepEqual(f.rec.faults, []);
    assert.equal((await app.request('/api/v1/nothing-here', { headers: AUTH.viewer })).status, 404);
  });

  it('injects a fault into a running actor and audits it', async () => {
    const f = fakeDeps();
    const res = await createApp(f.deps).request('/api/v1/actors/strategy/fault', jsonInit('POST', AUTH.admin, { kind: 'hang' }));
    assert.equal(res.status, 200);
    assert.deepEqual(f.rec.faults, [{ name: 'strategy', kind: 'hang' }]);
    assert.equal(f.rec.audits[0]?.action, 'chaos.fault');
  });

  it('answers 409 naming the causes when the kill switch refuses a reset', async () => {
    const f = fakeDeps();
    const base = f.deps.request;
    const app = createApp({
      ...f.deps,
      request: (async (actor: string, type: string, body?: unknown, t?: number) =>
        type === 'killswitch.reset'
          ? { ok: false, refused: 'reset refused: RISK_HARD still holds', holding: [{ code: 'RISK_HARD', message: 'delta over its hard limit', evidence: {} }] }
          : base(actor, type, body, t)) as typeof base,
    });
    const res = await app.request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'try anyway' }));
    assert.equal(res.status, 409);
    const body = (await res.json()) as { error: { code: string; message: string; details: { holding: { code: string }[] } } };
    assert.equal(body.error.code, 'RESET_REFUSED');
    assert.match(body.error.message, /RISK_HARD/);
    assert.deepEqual(body.error.details.holding.map((h) => h.code), ['RISK_HARD']);
    assert.deepEqual(f.rec.audits.map((a) => [a.action, a.outcome, a.result?.code]), [['killswitch.reset', 'requested', undefined], ['killswitch.reset', 'refused', 'RESET_REFUSED']], 'the attempt is audited, and so is its refusal');
  });

  it('passes every feed fault kind to the feed, seconds optional, and refuses unknown kinds', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    for (const body of [{ kind: 'burst' }, { kind: 'locked', seconds: 5 }, { kind: 'missing', seconds: 1 }]) {
      assert.equal((await app.request('/api/v1/chaos/feed', jsonInit('POST', AUTH.admin, body))).status, 200);
    }
    assert.equal((await app.request('/api/v1/chaos/feed', jsonInit('POST', AUTH.admin, { kind: 'meteor' }))).status, 422);
    assert.deepEqual(
      f.rec.requests.filter((r) => r.type === 'feed.injectFault').map((r) => r.body),
      [{ kind: 'burst' }, { kind: 'locked', seconds: 5 }, { kind: 'missing', seconds: 1 }],
    );
  });
});
