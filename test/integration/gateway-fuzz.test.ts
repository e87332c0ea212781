/**
 * Every POST route under hostile input (issue 16, "done when"): a fixed corpus of classic attacks, then a seeded
 * property-based fuzz (fast-check) of bodies, media types, roles and path ids. Whatever comes in:
 * - never a 5xx, and every refusal is `{error: {code, message}}`;
 * - a refused request (4xx) changes nothing in the system and leaves no audit record saying `done`;
 * - an accepted one (2xx) is audited twice, `requested` then `done`, under the requestId the answer names.
 *
 * Bounded and seeded: FUZZ_SEED and FUZZ_RUNS override the defaults; a failure prints the seed and the shrunk case
 * (fast-check's report) to replay it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createApp } from '../../gateway/app.ts';
import { AUTH, fakeDeps } from './gateway-fakes.ts';
import { INTERFACE_ROUTES } from './gateway-routes.ts';

const POSTS = INTERFACE_ROUTES.filter((r) => r.method === 'POST');
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_260_116);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 60);

type Auth = 'viewer' | 'operator' | 'admin' | 'none' | 'wrong';
const HEADERS: Readonly<Record<Auth, Record<string, string>>> = { ...AUTH, none: {}, wrong: { authorization: 'Bearer not-the-token-0123456789' } };

interface Attempt {
  readonly path: string;
  readonly auth: Auth;
  readonly type: string | undefined;
  readonly body: string | Uint8Array | undefined;
}

/** Sends one attempt to a fresh system and checks the invariants; returns the status for the caller's tallies. */
async function check(a: Attempt): Promise<number> {
  const f = fakeDeps();
  const app = createApp(f.deps);
  const headers: Record<string, string> = { ...HEADERS[a.auth], ...(a.type !== undefined ? { 'content-type': a.type } : {}) };
  const res = await app.request(a.path, { method: 'POST', headers, ...(a.body !== undefined ? { body: a.body } : {}) });
  const text = await res.text();
  const label = `${a.auth} POST ${a.path} [${a.type ?? 'no type'}] ${typeof a.body === 'string' ? JSON.stringify(a.body.slice(0, 200)) : String(a.body)}`;
  assert.ok(res.status < 500, `${label} → ${res.status} ${text}`);
  if (res.status >= 400) {
    const err = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    assert.equal(typeof err?.code, 'string', `${label}: error code`);
    assert.ok(typeof err?.message === 'string' && err.message.length > 0, `${label}: error message`);
    assert.deepEqual(f.rec.effects, [], `${label} → ${res.status}: the system changed`);
    assert.ok(f.rec.audits.every((x) => x.outcome !== 'done'), `${label} → ${res.status}: audited as done`);
    assert.ok(f.rec.audits.every((x) => x.outcome !== undefined), `${label}: an audit record without its outcome`);
  } else {
    assert.deepEqual(f.rec.audits.map((x) => x.outcome), ['requested', 'done'], `${label}: audit pair`);
    const requestId = (JSON.parse(text) as { requestId?: string }).requestId;
    assert.ok(requestId !== undefined && f.rec.audits.every((x) => x.requestId === requestId), `${label}: requestId`);
  }
  return res.status;
}

// ---- arbitraries ----

/** Text as an attacker writes it: any code point, plus NULs, controls and lone surrogates. */
const nastyText = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', '\n', '\u001b', '\u007f', '\ud800', '\udfff', '\u202e', '"', '\\') },
  ),
  maxLength: 40,
});

const nastyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(5e-324, -5e-324, -0, 1e308, -1e308, 2 ** 53 + 1, 0.5, 0.999999, 1, 600_000, 1_000_000, 1e12, 3600, 0.001, 100.001),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyText },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 'SEMI_AUTO', 'FULL_AUTO', 'crash', 'stale', 'apr-0001', 'PR-0001', 'x'.repeat(600)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** The route's valid body, with keys dropped, values replaced by nasty ones, and keys added (known or not). */
function mutatedBody(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const key = fc.oneof(fc.constantFrom(...keys, 'extra', '__proto__', 'constructor', 'kind', 'seconds', 'weekly', 'phase', 'id'), nastyText);
  return fc
    .tuple(fc.subarray(keys), fc.dictionary(key, nastyValue, { maxKeys: 3 }), fc.boolean())
    .map(([kept, changes, keepValid]) => {
      const out: Record<string, unknown> = {};
      for (const k of kept) out[k] = valid[k];
      for (const [k, v] of Object.entries(changes)) if (!keepValid || !(k in valid)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

function bodyFor(valid: unknown): fc.Arbitrary<string | Uint8Array | undefined> {
  const asObject = typeof valid === 'object' && valid !== null ? (valid as Record<string, unknown>) : {};
  return fc.oneof(
    { weight: 6, arbitrary: mutatedBody(asObject).map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.constant(JSON.stringify(valid ?? {})) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 12 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'null', '[]', '{}', '{"reason":', '{"reason":"\\ud800x"}', '{"a":'.repeat(50)) },
  );
}

const mediaType = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<string | undefined>('application/json', 'application/json; charset=utf-8', 'application/problem+json') },
  { weight: 3, arbitrary: fc.constantFrom<string | undefined>('application/json; charset=UTF-16', 'application/json;charset="latin1"', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined) },
);

function authFor(role: string): fc.Arbitrary<Auth> {
  return fc.oneof({ weight: 5, arbitrary: fc.constant(role === 'none' ? 'admin' : (role as Auth)) }, { weight: 2, arbitrary: fc.constantFrom<Auth>('viewer', 'operator', 'admin', 'none', 'wrong') });
}

/** Path ids: the known ones, unknown ones, and malformed or encoded junk. */
const pathId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('apr-0001', 'strategy') },
  { weight: 3, arbitrary: fc.constantFrom('apr-expired', 'apr-invalid', 'apr-nope', 'executor', 'journal', 'nobody') },
  { weight: 1, arbitrary: fc.constantFrom('%00', '..%2F..%2Fetc', '%F0%9F%92%A5', 'a'.repeat(300), '%ZZ', '-', '.') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }).map(encodeURIComponent) },
);

function pathFor(path: string): fc.Arbitrary<string> {
  if (path.startsWith('/api/v1/approvals/')) return pathId.map((id) => path.replace('apr-0001', id));
  if (path.startsWith('/api/v1/actors/')) return pathId.map((id) => path.replace('strategy', id));
  return fc.constant(path);
}

// ---- tests ----

function nested(depth: number): string {
  return '{"reason":'.repeat(depth) + '"x"' + '}'.repeat(depth);
}

describe('fuzzed bodies on every POST', () => {
  for (const route of POSTS) {
    it(`${route.path}: a fixed corpus of hostile bodies, each refused with a reason and no effect`, async () => {
      const limit = fakeDeps().deps.config.VOLGUARD_BODY_LIMIT;
      const corpus: [string, string | undefined][] = [
        ['{"reason": "x",', 'application/json'],
        ['reason=drill', 'application/json'],
        ['[1,2,3]', 'application/json'],
        ['"crash"', 'application/json'],
        ['null', 'application/json'],
        [nested(40), 'application/json'],
        ['['.repeat(10_000) + ']'.repeat(10_000), 'application/json'],
        [JSON.stringify({ reason: 'x'.repeat(limit + 1) }), 'application/json'],
        [JSON.stringify(route.body), 'text/plain'],
        [JSON.stringify(route.body), 'application/json; charset=utf-16'],
        ['reason=drill', 'application/x-www-form-urlencoded'],
        ['{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', 'application/json'],
        [JSON.stringify({ ...(route.body as object), extra: 1 }), 'application/json'],
      ];
      for (const [body, type] of corpus) {
        const status = await check({ path: route.path, auth: route.role === 'none' ? 'admin' : (route.role as Auth), type, body });
        assert.ok(status >= 400, `${route.path} ${body.slice(0, 60)}: ${status}`);
      }
    });

    it(`${route.path}: property — never 5xx; refused changes nothing and is never audited done; accepted is audited requested+done (seed ${SEED}, ${RUNS} runs)`, async (t) => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(pathFor(route.path), authFor(route.role), mediaType, bodyFor(route.body), async (path, auth, type, body) => {
          const status = await check({ path, auth, type, body });
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}`);
      // The fuzz reached past the gates: some attempts were refused by validation, and the route's own path ran too.
      assert.ok([...statuses.keys()].some((s) => s === 422 || s === 400 || s === 415), `validation exercised: ${JSON.stringify([...statuses])}`);
    });
  }

  it('names the problem: 400 malformed / too deep / not UTF-8, 413 oversized, 415 media type or charset, 422 field', async () => {
    const f = fakeDeps();
    const app = createApp(f.deps);
    const post = (body: string | Uint8Array, type = 'application/json') => app.request('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': type }, body });
    const code = async (p: Promise<Response> | Response) => {
      const res = await p;
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    };
    assert.deepEqual(await code(post('{')), [400, 'MALFORMED_JSON']);
    assert.deepEqual(await code(post(nested(20))), [400, 'TOO_DEEP']);
    assert.deepEqual(await code(post(new Uint8Array([0x7b, 0xff, 0x7d]))), [400, 'MALFORMED_UTF8']);
    assert.deepEqual(await code(post(JSON.stringify({ reason: 'x'.repeat(20_000) }))), [413, 'PAYLOAD_TOO_LARGE']);
    assert.deepEqual(await code(post('{"reason":"ok then"}', 'text/plain')), [415, 'UNSUPPORTED_MEDIA_TYPE']);
    assert.deepEqual(await code(post('{"reason":"ok then"}', 'application/json; charset=utf-16')), [415, 'UNSUPPORTED_CHARSET']);
    assert.deepEqual(await code(post('{"reason":7}')), [422, 'VALIDATION']);
    assert.deepEqual(await code(post('')), [422, 'VALIDATION']);
    assert.ok(f.untouched());
  });
});
