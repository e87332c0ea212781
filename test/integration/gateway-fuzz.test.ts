/**
 * Every POST route gets hostile bodies: malformed, mistyped, oversized, deeply nested, wrong media type, extra keys,
 * and seeded random JSON. Each must be a 4xx with the `{error}` shape, and the system must see no action at all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { INTERFACE_ROUTES } from './gateway-routes.ts';
import { mulberry32 as rng } from '../fixtures/mulberry32.ts';

const POSTS = INTERFACE_ROUTES.filter((r) => r.method === 'POST');

/** Random JSON that can never be a valid body: objects always carry at least one unknown `k…` key. */
function randomJson(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [Number.MAX_VALUE, -0, 1e308, -1, 0.5, 2 ** 53 + 1][Math.floor(r() * 6)];
    case 3: return ['', 'x', '💥', 'NaN', 'Infinity', '\u0000', 'a'.repeat(600), '<script>'][Math.floor(r() * 8)];
    case 4: return 'crash';
    case 5: return Math.floor(r() * 1e6);
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = { [`k${Math.floor(r() * 1000)}`]: randomJson(r, depth + 1) };
      for (const key of ['reason', 'kind', 'phase', 'seconds', 'weekly', 'accessToken', 'approver']) if (r() < 0.3) o[key] = randomJson(r, depth + 1);
      return o;
    }
  }
}

function nested(depth: number): string {
  return '{"reason":'.repeat(depth) + '"x"' + '}'.repeat(depth);
}

/** Type-wrong versions of each route's valid body: every field replaced by each wrong kind in turn. */
function mistyped(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null) return [];
  const out: unknown[] = [];
  for (const k of Object.keys(body)) {
    for (const bad of [null, 12345, true, [], {}, 'x', -1, 'a'.repeat(5000)]) {
      const v = (body as Record<string, unknown>)[k];
      if (typeof v === typeof bad && !Array.isArray(bad) && bad !== null && typeof bad !== 'string') continue;
      out.push({ ...body, [k]: bad });
    }
  }
  out.push({ ...body, extra: 1 });
  return out;
}

describe('fuzzed bodies on every POST', () => {
  for (const route of POSTS) {
    it(`${route.path}: 4xx with a reason, never 5xx, no action`, async () => {
      const f = fakeDeps();
      const app = createApp(f.deps);
      const cases: { label: string; body: string; type?: string }[] = [
        { label: 'malformed', body: '{"reason": "x",' },
        { label: 'not JSON at all', body: 'reason=drill' },
        { label: 'top-level array', body: '[1,2,3]' },
        { label: 'top-level string', body: '"crash"' },
        { label: 'top-level null', body: 'null' },
        { label: 'too deep', body: nested(40) },
        { label: 'very deep', body: '['.repeat(100_00) + ']'.repeat(100_00) },
        { label: 'oversized', body: JSON.stringify({ reason: 'x'.repeat(f.deps.config.VOLGUARD_BODY_LIMIT + 1) }) },
        { label: 'wrong media type', body: JSON.stringify(route.body), type: 'text/plain' },
        { label: 'form encoded', body: 'reason=drill', type: 'application/x-www-form-urlencoded' },
        { label: 'proto pollution', body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' },
        ...mistyped(route.body).map((b, i) => ({ label: `mistyped #${i}`, body: JSON.stringify(b) })),
      ];
      const r = rng(route.path.length * 7919);
      for (let i = 0; i < 40; i++) cases.push({ label: `random #${i}`, body: JSON.stringify(randomJson(r)) });
      for (const c of cases) {
        const res = await app.request(route.path, { method: 'POST', headers: { ...AUTH.admin, 'content-type': c.type ?? 'application/json' }, body: c.body });
        assert.ok(res.status >= 400 && res.status < 500, `${route.path} ${c.label}: ${res.status}`);
        const err = ((await res.json()) as { error?: { code?: unknown; message?: unknown } }).error;
        assert.equal(typeof err?.code, 'string', `${c.label}: error code`);
        assert.ok(typeof err?.message === 'string' && err.message.length > 0, `${c.label}: error message`);
        assert.ok(f.untouched(), `${route.path} ${c.label}: the system saw an action`);
      }
    });
  }

  it('names the problem: 400 malformed / too deep, 413 oversized, 415 media type, 422 field', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const post = (body: string, type = 'application/json') => app.request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': type }, body });
    const code = async (p: Promise<Response> | Response) => {
      const res = await p;
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    };
    assert.deepEqual(await code(post('{')), [400, 'MALFORMED_JSON']);
    assert.deepEqual(await code(post(nested(20))), [400, 'TOO_DEEP']);
    assert.deepEqual(await code(post(JSON.stringify({ reason: 'x'.repeat(20_000) }))), [413, 'PAYLOAD_TOO_LARGE']);
    assert.deepEqual(await code(post('{"reason":"ok then"}', 'text/plain')), [415, 'UNSUPPORTED_MEDIA_TYPE']);
    assert.deepEqual(await code(post('{"reason":7}')), [422, 'VALIDATION']);
    assert.deepEqual(await code(post('')), [422, 'VALIDATION']);
    assert.ok(f.untouched());
  });
});
