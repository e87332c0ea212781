/**
 * Issue 19 "actions (close structure, flatten) behind a typed confirmation": POST /api/v1/structures/{id}/close over
 * the executor on the paper exchange (executor-harness.ts: a real PaperBroker and ExecutorEngine; the gateway's
 * `executor.closeStructure` request goes to that engine). The close is reduce-only, marketable LIMIT exits, journaled
 * with who and why; a human decided it, so the kill switch's `approvedExit` gates it (HALTED permits it, EMERGENCY
 * does not). Bad bodies and ids are 422 and reach nothing; unknown structures 404; not open 409.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import type { GatewayDepsExt } from '../../gateway/deps-ext.ts';
import { VolguardError } from '../../runtime/errors.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { jsonInit } from './gateway-routes.ts';
import { Harness, condor } from './executor-harness.ts';

/** The gateway over the fakes, with `executor.closeStructure` answered by the harness's engine (paper). */
function appOver(h: Harness) {
  const f = fakeDeps({ env: { PHASE: 'FULL_AUTO' } });
  const request = f.deps.request;
  const deps: GatewayDepsExt = {
    ...f.deps,
    request: async <T,>(actor: string, type: string, body?: unknown, timeoutMs?: number): Promise<T> => {
      if (type === 'executor.closeStructure') {
        f.rec.requests.push({ actor, type, body });
        return (await h.engine.closeStructure(body as never)) as T;
      }
      return request<T>(actor, type, body, timeoutMs);
    },
  };
  return { app: createApp(deps), rec: f.rec };
}

async function openCondor(): Promise<{ h: Harness; sid: string }> {
  const h = new Harness();
  await h.execute([condor('p1')]);
  const st = h.engine.book().structures[0]!;
  assert.equal(st.status, 'open');
  return { h, sid: st.id };
}

const held = async (h: Harness) => (await h.broker.getPositions()).filter((p) => p.quantity !== 0);

describe('POST /api/v1/structures/{id}/close', () => {
  it('closes an open condor on paper: shorts bought back first, flat, structure closed, audited and journaled with who and why', async () => {
    const { h, sid } = await openCondor();
    assert.equal((await held(h)).length, 4);
    const { app, rec } = appOver(h);
    const res = await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', AUTH.operator, { confirm: sid, reason: 'short put tested, taking it off' }));
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { ok: boolean; action: string; result: { structureId: string; sagaId: string; legs: { side: string; quantity: number }[] } };
    assert.equal(body.action, 'structure.close');
    assert.equal(body.result.structureId, sid);
    // The condor holds 75 units per leg: two BUY-backs, then two SELLs of the wings, never more than held.
    assert.deepEqual(body.result.legs.map((l) => [l.side, l.quantity]), [['BUY', 75], ['BUY', 75], ['SELL', 75], ['SELL', 75]]);
    await h.execute([]);
    assert.deepEqual(await held(h), [], 'flat at the paper broker');
    assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closed');
    // Every order of the close was a LIMIT (marketable from the touch), BUYs before SELLs.
    const orders = Object.values(h.engine.state.orders).filter((o) => o.sagaId === body.result.sagaId);
    assert.ok(orders.length >= 4);
    assert.ok(orders.every((o) => o.orderType === 'LIMIT'), 'no MARKET order');
    const firstSell = orders.findIndex((o) => o.side === 'SELL');
    assert.ok(orders.slice(0, firstSell).every((o) => o.side === 'BUY') && firstSell >= 2);
    // Journaled: the saga carries who asked and why; the gateway's audit pairs requested/done under one id.
    const started = h.journal.find((e) => e.type === 'executor.sagaStarted' && e.sagaId === body.result.sagaId);
    assert.ok(started !== undefined && started.type === 'executor.sagaStarted');
    assert.equal(started.requestedBy?.reason, 'short put tested, taking it off');
    assert.match(started.requestedBy?.who ?? '', /^operator@/);
    assert.deepEqual(rec.audits.map((a) => [a.action, a.outcome, a.reason]), [['structure.close', 'requested', 'short put tested, taking it off'], ['structure.close', 'done', 'short put tested, taking it off']]);
    // Closed now: a second close is a conflict naming the status, and sends nothing.
    const sent = h.broker.tags().length;
    const again = await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', AUTH.operator, { confirm: sid, reason: 'again' }));
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { error: { message: string } }).error.message, /open to close it, was closed/);
    assert.equal(h.broker.tags().length, sent);
    await h.done();
  });

  it('bad bodies and ids are 422 (a confirmation that does not repeat the id, no reason, unknown fields, odd ids) and reach nothing', async () => {
    const { h, sid } = await openCondor();
    const { app, rec } = appOver(h);
    const sent = h.broker.tags().length;
    const cases: [string, unknown][] = [
      [`/api/v1/structures/${sid}/close`, { confirm: 'S-VG2', reason: 'wrong row' }],
      [`/api/v1/structures/${sid}/close`, { confirm: sid.toLowerCase(), reason: 'case matters' }],
      [`/api/v1/structures/${sid}/close`, { confirm: 'CLOSE', reason: 'the word is not the id' }],
      [`/api/v1/structures/${sid}/close`, { confirm: sid }],
      [`/api/v1/structures/${sid}/close`, { confirm: sid, reason: 'x' }],
      [`/api/v1/structures/${sid}/close`, { confirm: sid, reason: 'line\nbreak' }],
      [`/api/v1/structures/${sid}/close`, { confirm: sid, reason: 'extra field', quantity: 75 }],
      [`/api/v1/structures/${sid}/close`, {}],
      ['/api/v1/structures/S%20VG1/close', { confirm: 'S VG1', reason: 'space in the id' }],
      [`/api/v1/structures/${'x'.repeat(129)}/close`, { confirm: 'x'.repeat(129), reason: 'too long' }],
    ];
    for (const [path, body] of cases) {
      const res = await app.request(path, jsonInit('POST', AUTH.operator, body));
      assert.equal(res.status, 422, `${path} ${JSON.stringify(body)}: ${await res.text()}`);
    }
    const notJson = await app.request(`/api/v1/structures/${sid}/close`, { method: 'POST', headers: { ...AUTH.operator, 'content-type': 'application/json' }, body: '{"confirm":' });
    assert.equal(notJson.status, 400);
    // A viewer may not close; nobody without a token may.
    assert.equal((await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', AUTH.viewer, { confirm: sid, reason: 'viewer tries' }))).status, 403);
    assert.equal((await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', {}, { confirm: sid, reason: 'anonymous' }))).status, 401);
    assert.deepEqual(rec.requests, [], 'no actor was asked');
    assert.deepEqual(rec.audits, [], 'nothing audited');
    assert.equal(h.broker.tags().length, sent, 'nothing sent');
    assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'open');
    await h.done();
  });

  it('an unknown structure is 404 (audited refused), nothing sent', async () => {
    const { h } = await openCondor();
    const { app, rec } = appOver(h);
    const sent = h.broker.tags().length;
    const res = await app.request('/api/v1/structures/S-NOPE/close', jsonInit('POST', AUTH.operator, { confirm: 'S-NOPE', reason: 'no such structure' }));
    assert.equal(res.status, 404, await res.clone().text());
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    assert.deepEqual(rec.audits.map((a) => a.outcome), ['requested', 'refused']);
    assert.equal(h.broker.tags().length, sent);
    await h.done();
  });

  it('HALTED permits it (a human decided this exit); EMERGENCY does not (409, journaled as a denial, nothing sent)', async () => {
    const { h, sid } = await openCondor();
    const { app } = appOver(h);
    await h.engine.killswitchChanged({ state: 'EMERGENCY', effectivePhase: 'SEMI_AUTO' });
    const sent = h.broker.tags().length;
    const refused = await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', AUTH.operator, { confirm: sid, reason: 'during the emergency' }));
    assert.equal(refused.status, 409, await refused.clone().text());
    const err = ((await refused.json()) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'KILLSWITCH_NOT_NORMAL');
    assert.match(err.message, /EMERGENCY does not permit approvedExit/);
    assert.equal(h.broker.tags().length, sent);
    assert.ok(h.journal.some((e) => e.type === 'executor.orderDenied' && e.denied.reason === 'KILLSWITCH_NOT_NORMAL' && e.denied.proposalId.startsWith(`close-${sid}-`)));
    assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'open');

    await h.engine.killswitchChanged({ state: 'HALTED', effectivePhase: 'SEMI_AUTO' });
    const ok = await app.request(`/api/v1/structures/${sid}/close`, jsonInit('POST', AUTH.operator, { confirm: sid, reason: 'halted: take the condor off' }));
    assert.equal(ok.status, 200, await ok.clone().text());
    await h.execute([], 'FULL_AUTO', 'HALTED');
    assert.deepEqual(await held(h), []);
    assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closed');
    await h.done();
  });

  it('an exit already working for the structure, or a SHADOW configuration, is a conflict (the engine, directly)', async () => {
    const { h, sid } = await openCondor();
    // The shorts' offers moved up at the exchange since the last snapshot the engine priced from: the BUY-backs rest,
    // so the first close is still working when the second comes.
    for (const k of ['NSE_FO|9002', 'NSE_FO|9003']) h.setQuote(k, 70, 70.5);
    const first = await h.engine.closeStructure({ id: sid, who: 'operator@test', reason: 'first' });
    assert.equal(first.stage, 'waiting: BUY legs working');
    assert.equal(h.engine.book().structures.find((s) => s.id === sid)?.status, 'closing');
    const sent = h.broker.tags().length;
    await assert.rejects(h.engine.closeStructure({ id: sid, who: 'operator@test', reason: 'second' }), (e: unknown) => e instanceof VolguardError && e.code === 'INVALID_STATE' && /was closing/.test(e.message));
    assert.equal(h.broker.tags().length, sent, 'the second close sent nothing');
    await h.done();

    const s = new Harness();
    await s.execute([condor('p1')], 'SHADOW');
    await assert.rejects(s.engine.closeStructure({ id: 'S-VG1', who: 'operator@test', reason: 'shadow' }), (e: unknown) => e instanceof VolguardError && e.code === 'INVALID_STATE' && /SHADOW sends no orders/.test(e.message));
    await s.done();
  });
});
