/**
 * `GET /api/v1/risk` (INTERFACE.md): the risk actor's view in rupees, the stress grid, limits and breaches; viewer
 * role; 503 before the first assessment; in the OpenAPI document.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import type { RiskApiView } from '../../actors/risk/messages.ts';
import { AUTH, fakeDeps, sampleRiskView } from './gateway-fakes.ts';
import { openapiDoc } from './gateway-routes.ts';

describe('GET /api/v1/risk', () => {
  it('serves greeks per underlying and per expiry, the totals, the stress grid with its worst cell, limits and breaches', async () => {
    const f = fakeDeps();
    const res = await createApp(f.deps).request('/api/v1/risk', { headers: AUTH.viewer });
    assert.equal(res.status, 200);
    const body = (await res.json()) as RiskApiView;
    const expected = JSON.parse(JSON.stringify(sampleRiskView())) as RiskApiView;
    assert.deepEqual(body, expected, 'the gateway passes the risk actor\'s view through');
    // The fixture condor: short vol and gamma, long theta, one NIFTY expiry.
    const n = body.byUnderlying.NIFTY!;
    assert.ok(n.vega < 0 && n.gamma1pct < 0 && n.theta > 0);
    assert.deepEqual(body.byExpiry.map((e) => [e.underlying, e.expiry]), [['NIFTY', '2026-01-13']]);
    assert.equal(body.total.vega, n.vega);
    assert.equal(body.stress.grid.length, 17 * 5);
    assert.ok(body.stress.grid.every((c) => typeof c.spotPct === 'number' && typeof c.volPts === 'number' && typeof c.pnl === 'number'));
    assert.equal(body.stress.loss, -body.stress.worst.pnl);
    assert.ok(body.limits.some((l) => l.name === 'vega' && l.scope === 'expiry' && l.expiry === '2026-01-13'));
    assert.ok(Array.isArray(body.breaches));
    assert.equal(typeof body.stops.accountBlocked, 'boolean');
    assert.ok(f.untouched(), 'a read changes nothing');
  });

  it('needs a token (any role), and answers 503 NOT_READY before the first assessment', async () => {
    const f = fakeDeps();
    assert.equal((await createApp(f.deps).request('/api/v1/risk')).status, 401);
    const none = fakeDeps();
    const deps = { ...none.deps, request: async <T,>(actor: string, type: string, b?: unknown): Promise<T> => (type === 'risk.view' ? (null as T) : none.deps.request<T>(actor, type, b)) };
    const res = await createApp(deps).request('/api/v1/risk', { headers: AUTH.viewer });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_READY');
  });

  it('is in the OpenAPI document for the viewer role', async () => {
    const doc = await openapiDoc(createApp(fakeDeps().deps));
    assert.equal(doc.paths['/api/v1/risk']?.['get']?.['x-role'], 'viewer');
  });
});
