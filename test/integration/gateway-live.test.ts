/**
 * The dashboard WebSocket on a real server: token in the first message, refusals with close codes, and live events
 * pushed to authenticated clients only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startGateway } from '../../gateway/server.ts';
import { TOKENS, fakeDeps } from './gateway-fakes.ts';

type Msg = { type: string; [k: string]: unknown };

/** Opens a socket and queues its messages so a test can await the next one of a given type. */
async function open(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  const inbox: Msg[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    inbox.push(JSON.parse(d.toString()) as Msg);
    for (const w of waiters.splice(0)) w();
  });
  const closed = once(ws, 'close') as Promise<[number, Buffer]>;
  await once(ws, 'open');
  return {
    ws,
    closed: closed.then(([code]) => code),
    async next(type: string): Promise<Msg> {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe('dashboard WebSocket', () => {
  const fake = fakeDeps({ env: { VOLGUARD_DASHBOARD_REFRESH_MS: '600000', VOLGUARD_AUTH_MAX_FAILURES: '2' } });
  let gw: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    gw = await startGateway(fake.deps, { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gw.close();
  });

  it('greets a viewer with its role and a full dashboard, then pushes events', async () => {
    const c = await open(gw.port);
    c.ws.send(JSON.stringify({ type: 'auth', token: TOKENS.viewer }));
    assert.equal((await c.next('hello'))['role'], 'viewer');
    const d = (await c.next('dashboard'))['data'] as { underlyings: { spot: number }[]; actors: unknown[] };
    assert.equal(d.underlyings[0]?.spot, 24012.35);
    assert.equal(d.actors.length, 7);
    fake.emit('feed.stalled', { seconds: 12, ticks: new Float64Array([1, 2]) });
    const e = await c.next('event');
    assert.deepEqual(e, { type: 'event', event: 'feed.stalled', body: { seconds: 12, ticks: [1, 2] } });
    c.ws.send(JSON.stringify({ type: 'refresh' }));
    await c.next('dashboard');
    c.ws.send('{"type":"sudo"}');
    assert.equal((await c.next('error'))['code'], 'BAD_MESSAGE');
    c.ws.close();
    await c.closed;
  });

  it('closes 4400 when the first message is not an auth message, 4401 on a wrong token, 4429 after repeats (a right token still gets in)', async () => {
    const a = await open(gw.port);
    a.ws.send('hello?');
    assert.equal(await a.closed, 4400);
    const b = await open(gw.port);
    b.ws.send(JSON.stringify({ type: 'refresh' }));
    assert.equal(await b.closed, 4400);
    for (let i = 0; i < 2; i++) {
      const w = await open(gw.port);
      w.ws.send(JSON.stringify({ type: 'auth', token: 'wrong-token-0123456789' }));
      assert.equal(await w.closed, 4401);
    }
    const limited = await open(gw.port);
    limited.ws.send(JSON.stringify({ type: 'auth', token: 'wrong-token-0123456789' }));
    assert.equal(await limited.closed, 4429);
    assert.equal(gw.liveClients(), 0);
    const right = await open(gw.port);
    right.ws.send(JSON.stringify({ type: 'auth', token: TOKENS.admin }));
    assert.equal((await right.next('hello'))['role'], 'admin');
    right.ws.close();
    await right.closed;
  });

  it('refuses upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/elsewhere`);
    const [err] = (await once(ws, 'error')) as [Error];
    assert.match(err.message, /404/);
  });
});
