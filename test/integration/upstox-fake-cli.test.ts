import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { run } from '../../actors/venues/upstox/fake/cli.ts';
import { capture } from '../fixtures/cli.ts';

test('fake-upstox CLI serves with --token and rejects other tokens; bad arguments exit 2', async () => {
  const out = capture();
  const stop = new AbortController();
  const done = run(['--port', '0', '--token', 'only-this-token', '--interval-ms', '0'], { stdin: new PassThrough(), stdout: out.stream, stderr: capture().stream, env: {}, cwd: '.' }, stop.signal);
  const url = await new Promise<string>((resolve) => { const poll = () => { const m = /listening on (\S+)/.exec(out.text()); if (m) resolve(m[1]!); else setImmediate(poll); }; poll(); });
  assert.equal((await fetch(`${url}/v2/user/profile`, { headers: { Authorization: 'Bearer only-this-token' } })).status, 200);
  assert.equal((await fetch(`${url}/v2/user/profile`, { headers: { Authorization: 'Bearer other' } })).status, 401);
  stop.abort();
  assert.equal(await done, 0);
  const err = capture();
  assert.equal(await run(['--port', 'x'], { stdin: new PassThrough(), stdout: capture().stream, stderr: err.stream, env: {}, cwd: '.' }), 2);
  assert.match(err.text(), /expected --port 0-65535/);
});
