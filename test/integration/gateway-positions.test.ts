/**
 * Issue 14: `/api/v1/positions` states its sign convention (negative = short) in the API document and keeps it: a
 * short the executor holds is served with its negative quantity and its average price, as the executor reports them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { openapiDoc } from './gateway-routes.ts';

test('GET /api/v1/positions: quantity is signed (negative = short), documented and kept', async () => {
  const app = createApp(fakeDeps().deps);
  const doc = await openapiDoc(app) as unknown as { components: { schemas: Record<string, any> } };
  const item = doc.components.schemas['Positions'].properties.positions.items;
  assert.match(item.properties.quantity.description, /negative = short/);
  assert.match(item.properties.averagePrice.description, /never a mark/);
  const res = await app.request('/api/v1/positions', { headers: AUTH.viewer });
  assert.equal(res.status, 200);
  const body = await res.json() as { positions: Array<{ quantity: number; averagePrice: number }> };
  // The fake executor holds −75 at 101.5.
  assert.deepEqual(body.positions.map((p) => [p.quantity, p.averagePrice]), [[-75, 101.5]]);
});

test('GET /api/v1/account: the executor\'s account, viewer role; documented', async () => {
  const app = createApp(fakeDeps().deps);
  const res = await app.request('/api/v1/account', { headers: AUTH.viewer });
  assert.equal(res.status, 200);
  const body = await res.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['asOf', 'availableMargin', 'equity', 'source', 'usedMargin']);
  assert.equal(body['source'], 'paper');
  assert.equal((await app.request('/api/v1/account')).status, 401);
  const doc = await openapiDoc(app) as unknown as { paths: Record<string, any> };
  assert.equal(doc.paths['/api/v1/account'].get['x-role'], 'viewer');
});
