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
            assert.deepEqual(f.rec.audits.map((a) => a.outcome), ['requested', 'done'], 'every control action is audited, then its outcome');
            assert.equal(f.rec.audits[0]?.role, role);
            assert.equal(f.rec.audits[0]?.requestId, f.rec.audits[1]?.requestId);
          }
        }
      }
    });
  }

  it('slows down wrong tokens per address with 429 until the window passes, and logs the failures', async () => {
    const f = fakeDeps({ env: { VOLGUARD_AUTH_MAX_FAILURES: '3', VOLGUARD_AUTH_WINDOW_MS: '60000' } });
    const app = createApp(f.deps);
    const from = (addr: string) => ({ incoming: { socket: { remoteAddress: addr } } });
    const wrong = { authorization: 'Bearer wrong-token-xxxxxxxx' };
    for (let i = 0; i < 3; i++) assert.equal((await app.request('/api/v1/actors', { headers: wrong }, from('10.0.0.9'))).status, 401);
    const limited = await app.request('/api/v1/actors', { headers: wrong }, from('10.0.0.9'));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await app.request('/api/v1/actors', { headers: {} }, from('10.0.0.9'))).status, 429, 'no token at all is slowed down too');
    // Another address is unaffected.
    assert.equal((await app.request('/api/v1/actors', { headers: wrong }, from('10.0.0.10'))).status, 401);
    const warned = f.rec.logs.filter((l) => l.level === 'warn' && JSON.stringify(l.obj).includes('10.0.0.9'));
    assert.ok(warned.length >= 1 && warned.length <= 2, `failures are logged, without a line per attempt: ${JSON.stringify(warned)}`);
    assert.ok(!JSON.stringify(f.rec.logs).includes('wrong-token-xxxxxxxx'), 'a presented token is never logged');
    f.clock.advance(60_000);
    assert.equal((await app.request('/api/v1/actors', { headers: wrong }, from('10.0.0.9'))).status, 401);
  });

  it('never refuses a right token, however many wrong ones came from the same address (issue 16 item 2)', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const local = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
    // Any local process can send wrong tokens; the default limit is 10 per 60 s.
    for (let i = 0; i < 25; i++) await app.request('/api/v1/actors', { headers: { authorization: `Bearer attacker-guess-${i}-xxxxxxxx` } }, local);
    assert.equal((await app.request('/api/v1/actors', { headers: { authorization: 'Bearer attacker-guess-xxxxxxxx' } }, local)).status, 429);
    const stop = await app.request('/api/v1/admin/emergency_stop', { method: 'POST', headers: AUTH.operator }, local);
    assert.equal(stop.status, 200, await stop.text());
    assert.deepEqual(f.rec.loop, ['stop']);
    assert.equal((await app.request('/api/v1/actors', { headers: AUTH.viewer }, local)).status, 200);
  });

  it('resolves each token to its role and nothing else', () => {
    assert.equal(roleOf(TOKENS, TOKENS.admin), 'admin');
    assert.equal(roleOf(TOKENS, TOKENS.operator), 'operator');
    assert.equal(roleOf(TOKENS, TOKENS.viewer), 'viewer');
    assert.equal(roleOf(TOKENS, TOKENS.admin.slice(0, -1)), null);
    assert.equal(roleOf(TOKENS, ''), null);
    assert.equal(roleOf({ admin: TOKENS.admin }, ''), null, 'an unset role token never matches an empty one');
  });

  it('records who, role and reason in the audit log before acting, and the outcome after', async () => {
    const f = fakeDeps();
    const order: string[] = [];
    const audit = f.deps.audit;
    const request = f.deps.request;
    const deps = { ...f.deps, audit: async (e: Parameters<typeof audit>[0]) => (order.push(`audit:${e.outcome}`), audit(e)), request: async <T,>(a: string, t: string, b?: unknown) => (order.push(t), request<T>(a, t, b)) };
    const res = await createApp(deps).request('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: 'cause cleared' }));
    assert.equal(res.status, 200);
    assert.deepEqual(order, ['audit:requested', 'killswitch.reset', 'audit:done']);
    const requestId = f.rec.audits[0]?.requestId;
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(((await res.json()) as { requestId: string }).requestId, requestId, 'the answer names the audit records');
    assert.deepEqual(f.rec.audits, [
      { who: 'admin@unknown', role: 'admin', action: 'killswitch.reset', reason: 'cause cleared', requestId, outcome: 'requested' },
      { who: 'admin@unknown', role: 'admin', action: 'killswitch.reset', reason: 'cause cleared', requestId, outcome: 'done' },
    ]);
  });
});
