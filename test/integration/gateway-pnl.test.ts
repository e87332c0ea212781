/**
 * `GET /api/v1/pnl` (INTERFACE.md, issue 14): the risk actor's view of the journaled days passes through to a viewer;
 * risk not answering is a 503 naming it, never a 500. (The view itself — days from money.dayClosed plus the open day —
 * is proven on the real actor in risk-day.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { ActorUnavailableError } from '../../runtime/errors.ts';
import { AUTH, SAMPLE_PNL, fakeDeps } from './gateway-fakes.ts';

test('GET /api/v1/pnl: days, totals and equity from the risk actor', async () => {
  const f = fakeDeps();
  const res = await createApp(f.deps).request('/api/v1/pnl', { headers: AUTH.viewer });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), SAMPLE_PNL);
});

test('GET /api/v1/pnl: risk unavailable → 503 ACTOR_UNAVAILABLE', async () => {
  const f = fakeDeps({ requestError: (a, t) => (a === 'risk' && t === 'risk.pnl' ? new ActorUnavailableError('risk', 'risk is restarting') : undefined) });
  const res = await createApp(f.deps).request('/api/v1/pnl', { headers: AUTH.viewer });
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ACTOR_UNAVAILABLE');
});
