import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { fakeDeps } from './gateway-fakes.ts';
import { INTERFACE_ROUTES, openapiDoc, templateMatches } from './gateway-routes.ts';

/** Served outside the API document on purpose: the document itself, its UI, the page and its assets. */
const NOT_API = new Set(['/openapi.json', '/docs', '/', '/dashboard/app.js', '/dashboard/style.css', '/vendor/uplot.js', '/vendor/uplot.css', '/vendor/preact.mjs', '/vendor/swagger-ui-dist/swagger-ui-bundle.js', '/vendor/swagger-ui-dist/swagger-ui.css']);

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every INTERFACE.md route with its role', async () => {
    const doc = await openapiDoc(createApp(fakeDeps().deps));
    assert.equal((doc as unknown as { openapi: string }).openapi, '3.1.0');
    for (const r of INTERFACE_ROUTES) {
      if (NOT_API.has(r.path)) continue;
      const entry = Object.entries(doc.paths).find(([t]) => templateMatches(t, r.path));
      assert.ok(entry, `${r.path} missing from /openapi.json`);
      const op = entry[1][r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.path} missing`);
      assert.equal(op['x-role'], r.role, `${r.path} role`);
      if (r.method === 'POST') assert.ok(op.requestBody, `${r.path} has a request body schema`);
    }
  });

  it('covers every route the app actually serves, and nothing it does not', async () => {
    const app = createApp(fakeDeps().deps);
    const doc = await openapiDoc(app);
    const served = new Set(app.routes.filter((r) => (r.method === 'GET' || r.method === 'POST') && !r.path.includes('*')).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    for (const s of served) if (!NOT_API.has(s.split(' ')[1]!)) assert.ok(documented.has(s), `${s} is served but not documented`);
    for (const d of documented) assert.ok(served.has(d), `${d} is documented but not served`);
  });

  it('leaves the chaos routes out (and 404s them) unless VOLGUARD_CHAOS is set', async () => {
    const f = fakeDeps({ env: { VOLGUARD_CHAOS: '0' } });
    const app = createApp(f.deps);
    const doc = await openapiDoc(app);
    assert.equal(doc.paths['/api/v1/chaos/feed'], undefined);
    assert.equal(doc.paths['/api/v1/actors/{name}/fault'], undefined);
    const res = await app.request('/api/v1/actors/feed/fault', { method: 'POST', headers: { authorization: `Bearer ${f.deps.tokens.admin}`, 'content-type': 'application/json' }, body: '{"kind":"crash"}' });
    assert.equal(res.status, 404);
    assert.deepEqual(f.rec.faults, []);
  });

  it('serves Swagger UI at /docs from this server only: no CDN, every asset it names is served', async () => {
    const app = createApp(fakeDeps().deps);
    const res = await app.request('/docs');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /SwaggerUIBundle/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing loads from another host');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(assets.sort(), ['/vendor/swagger-ui-dist/swagger-ui-bundle.js', '/vendor/swagger-ui-dist/swagger-ui.css']);
    for (const a of assets) {
      const r = await app.request(a);
      assert.equal(r.status, 200, a);
      assert.match(r.headers.get('content-type') ?? '', a.endsWith('.js') ? /javascript/ : /text\/css/);
      assert.ok((await r.text()).length > 10_000, `${a} is the real file`);
    }
  });
});

describe('OpenAPI document lint (Redocly, recommended rules, offline)', () => {
  /**
   * The probes answer 200 or 503 and nothing else (no auth, no input), so Redocly's "at least one 4XX response" does
   * not apply to them; every other rule and operation is held to the recommended set.
   */
  const EXEMPT = new Set(['operation-4xx-response #/paths/~1health/get/responses', 'operation-4xx-response #/paths/~1health~1ready/get/responses']);

  it('passes with no error and no warning (servers, an operationId on every operation, …), chaos routes included', async () => {
    const { createConfig, lintFromString } = await import('@redocly/openapi-core');
    const config = await createConfig({ extends: ['recommended'] });
    for (const chaos of ['1', '0']) {
      const source = await (await createApp(fakeDeps({ env: { VOLGUARD_CHAOS: chaos } }).deps).request('/openapi.json')).text();
      const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
      const left = problems
        .map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ''}`.trim() + `: ${p.message}`)
        .filter((line) => !EXEMPT.has(line.split(': ')[0]!));
      assert.deepEqual(left, [], `VOLGUARD_CHAOS=${chaos}`);
    }
  });

  it('gives every operation a unique operationId (generated clients get named methods)', async () => {
    const doc = await openapiDoc(createApp(fakeDeps().deps));
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => (op as { operationId?: string }).operationId));
    assert.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)), JSON.stringify(ids));
    assert.equal(new Set(ids).size, ids.length);
  });
});
