/**
 * Issue 16 items 4 and 10: what the control plane takes as input. Bodyless POSTs over a real socket (what `curl -X
 * POST` sends), charsets, strings that are not text, numbers that are not amounts. Each refusal is a 4xx naming the
 * problem, and the system sees no action.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createApp } from '../../gateway/app.ts';
import { startGateway } from '../../gateway/server.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';

/** One raw HTTP request on loopback: exactly the headers given, and the body bytes only when given. */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bodyless POST over a real socket (curl -X POST -H "Authorization: Bearer …")', () => {
  const f = fakeDeps();
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    gw = await startGateway(f.deps, { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw.close();
  });

  for (const path of ['/api/v1/admin/emergency_stop', '/api/emergency/flatten', '/api/stop', '/api/start']) {
    it(`${path} accepts no body at all, and an empty body whatever its label`, async () => {
      const none = await raw(gw.port, 'POST', path, AUTH.operator);
      assert.equal(none.status, 200, none.body);
      // `curl -d ''` labels an empty body as a form.
      const labelled = await raw(gw.port, 'POST', path, { ...AUTH.operator, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' });
      assert.equal(labelled.status, 200, labelled.body);
    });
  }

  it('still refuses a required body that is missing (422 naming the field) and a non-empty non-JSON body (415)', async () => {
    const reset = await raw(gw.port, 'POST', '/api/v1/killswitch/reset', AUTH.admin);
    assert.equal(reset.status, 422, reset.body);
    assert.match(reset.body, /reason/);
    const form = await raw(gw.port, 'POST', '/api/stop', { ...AUTH.operator, 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('reason=lunch'));
    assert.equal(form.status, 415, form.body);
  });
});

describe('charsets and encodings', () => {
  it('refuses a body labelled charset=utf-16 (415) instead of decoding it as UTF-8, and acts on nothing', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const utf16 = Buffer.from(JSON.stringify({ reason: 'cause cleared' }), 'utf16le');
    const res = await app.request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json; charset=utf-16' }, body: utf16 });
    assert.equal(res.status, 415);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'UNSUPPORTED_CHARSET');
    assert.match(err.message, /expected charset=utf-8, was "utf-16"/);
    // The same text labelled UTF-16 but sent as ASCII bytes: still refused by its label.
    const ascii = await app.request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json;charset="UTF-16LE"' }, body: '{"reason":"cause cleared"}' });
    assert.equal(ascii.status, 415);
    assert.ok(f.untouched());
  });

  it('accepts charset=utf-8 (any case, quoted) and refuses bytes that are not UTF-8 (400)', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const ok = await app.request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json; charset="UTF-8"' }, body: '{"reason":"cause cleared"}' });
    assert.equal(ok.status, 200, await ok.text());
    const g = fakeDeps();
    const bad = Buffer.concat([Buffer.from('{"reason":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await createApp(g.deps).request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json' }, body: bad });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'MALFORMED_UTF8');
    assert.ok(g.untouched());
  });
});

describe('amounts and text', () => {
  const post = (app: ReturnType<typeof createApp>, path: string, body: string, auth: Record<string, string> = AUTH.admin) =>
    app.request(path, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
  const problem = async (res: Response) => {
    const b = (await res.json()) as { error: { code: string; message: string; details?: { issues?: { path: string; message: string }[] } } };
    return `${b.error.message} ${JSON.stringify(b.error.details ?? {})}`;
  };

  it('POST /api/capital/adjust takes rupees and hands risk fractions of BASE_CAPITAL', async () => {
    const f = fakeDeps({ env: { BASE_CAPITAL: '800000' } });
    const res = await post(createApp(f.deps), '/api/capital/adjust', JSON.stringify({ weekly: 400_000, monthly: 240_000, intraday: 80_000.5, reason: 'quarterly rebalance' }));
    assert.equal(res.status, 200, await res.text());
    const sent = f.rec.requests.find((r) => r.type === 'risk.adjustCapital')?.body as Record<string, unknown>;
    // 400 000 / 800 000 = 0.5; 240 000 / 800 000 = 0.3; 80 000.50 / 800 000 = 0.1000006 25.
    assert.equal(sent['weekly'], 0.5);
    assert.equal(sent['monthly'], 0.3);
    assert.ok(Math.abs((sent['intraday'] as number) - 0.100000625) < 1e-15);
  });

  it('refuses fractions, sums beyond BASE_CAPITAL, subnormals and sub-paise amounts with 422, touching nothing', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const cases: [string, RegExp][] = [
      [JSON.stringify({ weekly: 0.5, monthly: 0.3, intraday: 0.2, reason: 'fractions by mistake' }), /takes ₹, not fractions \(0\.5 of BASE_CAPITAL is ₹5,00,000\)/],
      [JSON.stringify({ weekly: 600_000, monthly: 300_000, intraday: 200_000, reason: 'too much' }), /summing to at most BASE_CAPITAL ₹10,00,000/],
      [JSON.stringify({ weekly: 1_000_001, monthly: 0, intraday: 0, reason: 'one bucket too big' }), /at most BASE_CAPITAL/],
      ['{"weekly":5e-324,"monthly":0,"intraday":0,"reason":"denormal"}', /subnormal/],
      [JSON.stringify({ weekly: 100.001, monthly: 0, intraday: 0, reason: 'sub-paise' }), /whole paise/],
      [JSON.stringify({ weekly: -5, monthly: 0, intraday: 0, reason: 'negative' }), /weekly/],
    ];
    for (const [body, why] of cases) {
      const res = await post(app, '/api/capital/adjust', body);
      assert.equal(res.status, 422, body);
      assert.match(await problem(res), why, body);
    }
    assert.equal((await post(app, '/api/v1/chaos/feed', '{"kind":"stale","seconds":5e-324}')).status, 422);
    assert.ok(f.untouched());
  });

  it('refuses NULs, other control characters and lone surrogates in reasons and names (422), touching nothing', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    for (const bad of ['ok\\u0000then', 'line\\nbreak', 'esc\\u001b[31m', 'half \\ud800 pair', 'other half \\udc00', '\\u007fdel']) {
      assert.equal((await post(app, '/api/v1/killswitch/reset', `{"reason":"${bad}"}`)).status, 422, bad);
      assert.equal((await post(app, '/api/v1/approvals/apr-0001/reject', `{"reason":"${bad}"}`, AUTH.operator)).status, 422, bad);
      assert.equal((await post(app, '/api/v1/admin/emergency_stop', `{"reason":"${bad}"}`, AUTH.operator)).status, 422, bad);
      assert.equal((await post(app, '/api/v1/phase', `{"phase":"SEMI_AUTO","approver":"${bad}","reason":"ok reason"}`)).status, 422, bad);
    }
    assert.ok(f.untouched());
    // A whole surrogate pair is a character like any other.
    assert.equal((await post(app, '/api/v1/killswitch/reset', '{"reason":"all clear \\ud83d\\udc4d"}')).status, 200);
  });
});
