import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { roleOf } from '../../gateway/auth.ts';
import { AUTH, TOKENS, fakeDeps } from './gateway-fakes.ts';
import { INTERFACE_ROUTES, jsonInit } from './gateway-routes.ts';

const RANK = { none: -1, viewer: 0, operator: 1, admin: 2 } as const;
const ROLES = ['viewer', 'operator', 'admin'] as const;

describe('gateway auth matrix', () => {
  for (const r of INTERFACE_ROUTES) {
    it(`${r.method} ${r.path}: ${r.role === 'none' ? 'open' : `401 without/with a wrong token, 403 below ${r.role}, 2xx at it`}`, async () => {
      if (r.role === 'none') {
        const f = fakeDeps();
        const res = await createApp(f.deps).request(r.path, jsonInit(r.method, {}, r.body));
        assert.equal(res.status, 200, `${r.path} without a token`);
        return;
      }
      for (const headers of [{}, { authorization: 'Bearer not-a-real-token-at-all' }, { authorization: `Basic ${TOKENS.admin}` }, { authorization: `Bearer ${TOKENS.admin}x` }, { authorization: `Bearer  ${TOKENS.admin}` }]) {
        const f = fakeDeps();
        const res = await createApp(f.deps).request(r.path, jsonInit(r.method, headers, r.body));
        assert.equal(res.status, 401, `${JSON.stringify(headers)} → ${res.status}`);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
        assert.ok(f.untouched(), 'no action without authentication');
      }
      for (const role of ROLES) {
        const f = fakeDeps();
        const res = await createApp(f.deps).request(r.path, jsonInit(r.method, AUTH[role], r.body));
        if (RANK[role] < RANK[r.role]) {
          assert.equal(res.status, 403, `${role} on ${r.path}`);
          assert.ok(f.untouched(), 'no action below the role');
        } else {
          assert.equal(res.status, 200, `${role} on ${r.path}: ${await res.text()}`);
          if (r.method === 'POST') {
            assert.equal(f.rec.audits.length, 1, 'every control action is audited');
            assert.equal(f.rec.audits[0]?.role, role);
          }
        }
      }
    });
  }

  it('rate-limits repeated failures per address with 429, even for a right token, until the window passes', async () => {
    const f = fakeDeps({ env: { VOLGUARD_AUTH_MAX_FAILURES: '3', VOLGUARD_AUTH_WINDOW_MS: '60000' } });
    const app = createApp(f.deps);
    const from = (addr: string) => ({ incoming: { socket: { remoteAddress: addr } } });
    for (let i = 0; i < 3; i++) assert.equal((await app.request('/api/v1/actors', { headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } }, from('10.0.0.9'))).status, 401);
    const limited = await app.request('/api/v1/actors', { headers: AUTH.viewer }, from('10.0.0.9'));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // Another address is unaffected.
    assert.equal((await app.request('/api/v1/actors', { headers: AUTH.viewer }, from('10.0.0.10'))).status, 200);
    f.clock.advance(60_000);
    assert.equal((await app.request('/api/v1/actors', { headers: AUTH.viewer }, from('10.0.0.9'))).status, 200);
  });

  it('resolves each token to its role and nothing else', () => {
    assert.equal(roleOf(TOKENS, TOKENS.admin), 'admin');
    assert.equal(roleOf(TOKENS, TOKENS.operator), 'operator');
    assert.equal(roleOf(TOKENS, TOKENS.viewer), 'viewer');
    assert.equal(roleOf(TOKENS, TOKENS.admin.slice(0, -1)), null);
    assert.equal(roleOf(TOKENS, ''), null);
    assert.equal(roleOf({ admin: TOKENS.admin }, ''), null, 'an unset role token never matches an empty one');
  });

  it('records who, role and reason in the audit log before acting', async () => {
    const f = fakeDeps();
    const order: string[] = [];
    const audit = f.deps.audit;
    const request = f.deps.request;
    const deps = { ...f.deps, audit: async (e: Parameters<typeof audit>[0]) => (order.push('audit'), audit(e)), request: async <T,>(a: string, t: string, b?: unknown) => (order.push(t), request<T>(a, t, b)) };
    const res = await createApp(deps).request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'cause cleared' }));
    assert.equal(res.status, 200);
    assert.deepEqual(order, ['audit', 'killswitch.reset']);
    assert.deepEqual(f.rec.audits[0], { who: 'admin@unknown', role: 'admin', action: 'killswitch.reset', reason: 'cause cleared' });
  });
});
