import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { BrokerError } from '../../actors/venues/broker.ts';
import { run as tokenCli } from '../../actors/venues/upstox/token-cli.ts';
import { rig, niftyKeys, TOKEN, type Rig } from './upstox-helpers.ts';
import { capture } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/free-port.ts';

let r: Rig;
before(async () => { r = await rig({ token: undefined }); });
after(async () => { await r.close(); });

test('volguard token: login URL → browser redirect to the local listener → token stored 0600 with its expiry, never printed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vg-token-'));
  try {
    const port = await freePort();
    const out = capture();
    const err = capture();
    const stdin = new PassThrough();
    const env = { UPSTOX_API_KEY: 'key-1', UPSTOX_API_SECRET: 'secret-value-123', UPSTOX_REDIRECT_URI: `http://127.0.0.1:${port}/callback`, UPSTOX_BASE_URL: r.fake.url, DATA_DIR: dir };
    const done = tokenCli([], { stdin, stdout: out.stream, stderr: err.stream, env, cwd: dir });
    const loginUrl = await new Promise<string>((resolve) => {
      const poll = () => { const m = /(http:\/\/\S+dialog\S+)/.exec(out.text()); if (m && /listening/.test(out.text())) resolve(m[1]!); else setImmediate(poll); };
      poll();
    });
    // The "browser": follow the dialog's 302 to our listener.
    const dialog = await fetch(loginUrl, { redirect: 'manual' });
    assert.equal(dialog.status, 302);
    const back = await fetch(dialog.headers.get('location')!);
    assert.equal(back.status, 200);
    assert.equal(await done, 0, err.text());
    stdin.end();
    const file = path.join(dir, 'upstox-token.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { access_token: string; expires_at: number };
    assert.ok(saved.access_token.length > 20);
    assert.ok(!out.text().includes(saved.access_token) && !err.text().includes(saved.access_token));
    assert.match(out.text(), /valid until \d{4}-\d{2}-\d{2} 03:30 IST/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('volguard token: a pasted URL works; a reused code fails without printing secrets', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vg-token-'));
  try {
    const env = { UPSTOX_API_KEY: 'key-1', UPSTOX_API_SECRET: 'secret-value-123', UPSTOX_REDIRECT_URI: 'https://example.invalid/cb', UPSTOX_BASE_URL: r.fake.url, DATA_DIR: dir };
    const dialog = await fetch(`${r.fake.url}/v2/login/authorization/dialog?response_type=code&client_id=key-1&redirect_uri=${encodeURIComponent(env.UPSTOX_REDIRECT_URI)}`, { redirect: 'manual' });
    const redirected = dialog.headers.get('location')!;
    const stdin = new PassThrough();
    stdin.end(`${redirected}\n`);
    const out = capture();
    assert.equal(await tokenCli([], { stdin, stdout: out.stream, stderr: capture().stream, env, cwd: dir }), 0);
    const code = new URL(redirected).searchParams.get('code')!;
    const err = capture();
    assert.equal(await tokenCli(['--code', code], { stdin: new PassThrough(), stdout: capture().stream, stderr: err.stream, env, cwd: dir }), 1);
    assert.match(err.text(), /UDAPI100016/);
    assert.ok(!err.text().includes('secret-value-123') && !err.text().includes(code));
    assert.equal(await tokenCli([], { stdin: new PassThrough(), stdout: capture().stream, stderr: err.stream, env: {}, cwd: dir }), 78);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the token never appears in any error message or log line, however the client fails', async () => {
  const secure = await rig();
  try {
    const k = niftyKeys(secure.fake);
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>) => { try { await f(); } catch (e) { errors.push(e); } };
    await secure.faults({ serverError: 10, paths: ['/v2/user/profile'] });
    await attempt(() => secure.rest.profile());
    await secure.faults({ serverError: 1, paths: ['/v3/order/place'] });
    await attempt(() => secure.broker.placeOrder({ clientOrderId: 'vg-sec-1', instrumentKey: k.call, side: 'BUY', quantity: 65, orderType: 'MARKET', product: 'D', validity: 'DAY' }));
    await secure.faults({ paths: [] });
    await attempt(() => secure.broker.getOrder('bad id!'));
    await attempt(() => secure.broker.placeOrder({ clientOrderId: 'vg-sec-2', instrumentKey: 'NSE_FO|0', side: 'BUY', quantity: 65, orderType: 'MARKET', product: 'D', validity: 'DAY' }));
    await secure.faults({ tokenExpired: true });
    await attempt(() => secure.rest.positions());
    await attempt(() => secure.rest.positions());
    await secure.faults({ tokenExpired: false });
    // A server that echoes the Authorization header back in its error message.
    const { UpstoxHttp } = await import('../../actors/venues/upstox/rest/http.ts');
    const { UpstoxRest } = await import('../../actors/venues/upstox/rest/client.ts');
    const echo = new UpstoxRest(new UpstoxHttp({
      hosts: { api: 'http://127.0.0.1:1', order: 'http://127.0.0.1:1', assets: 'http://127.0.0.1:1' }, token: () => TOKEN, timeoutMs: 1000, maxReadRetries: 0, log: secure.log,
      fetch: async (_url, init) => Response.json({ status: 'error', errors: [{ error_code: 'UDAPI100016', message: `bad header ${(init?.headers as Record<string, string>)['Authorization']} / ${TOKEN}` }] }, { status: 401 }),
    }));
    await attempt(() => echo.profile());
    const refused = new UpstoxRest(new UpstoxHttp({ hosts: { api: 'http://127.0.0.1:1', order: 'http://127.0.0.1:1', assets: 'http://127.0.0.1:1' }, token: () => TOKEN, timeoutMs: 1000, maxReadRetries: 0, log: secure.log }));
    await attempt(() => refused.profile());
    assert.equal(errors.length, 8);
    for (const e of errors) {
      assert.ok(e instanceof BrokerError, `expected BrokerError, was ${String(e)}`);
      assert.ok(!e.message.includes(TOKEN) && !String(e.stack).includes(TOKEN), `token leaked in: ${e.message}`);
      assert.ok(!JSON.stringify(e).includes(TOKEN));
    }
    assert.ok(secure.logLines.length > 0);
    for (const line of secure.logLines) assert.ok(!line.includes(TOKEN), `token leaked in log: ${line}`);
  } finally {
    await secure.close();
  }
});
