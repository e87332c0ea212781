/**
 * The whole system on the Upstox venue: FEED=upstox SAFETY_MODE=live against the fake on loopback. Cycles run on
 * upstox snapshots; the broker refusing the token halts the kill switch with TOKEN_EXPIRED; a hot swap
 * (POST /api/token/refresh) is validated against the broker, stored 0600, installed in feed and executor, and the
 * kill switch releases the TOKEN_EXPIRED hold so a reset is accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startFakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';

const OLD = 'tok-old-0123456789abcdef';
const NEW = 'tok-new-fedcba9876543210';

interface KsStatus { state: string; cause: { code: string; message: string } | null }

/** Re-checks after every completed cycle (event-driven, no fixed sleeps) until `pred` holds. */
async function until<T>(sys: TestSystem, probe: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await probe();
    if (pred(v)) return v;
    await sys.cycles(1);
  }
}

test('FEED=upstox SAFETY_MODE=live: cycles on upstox snapshots, token expiry halts, hot swap restores', { timeout: 120_000 }, async () => {
  const fake = await startFakeUpstox({ port: 0, token: OLD, liveIntervalMs: 100 });
  let sys: TestSystem | undefined;
  try {
    sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: OLD, UPSTOX_TIMEOUT_MS: '2000' });
    const s = sys;

    // Cycles run on the Upstox feed.
    await s.cycles(2);
    const snap = s.cycle.state.snapshot;
    assert.equal(snap?.source, 'upstox');
    assert.ok((snap?.spots.length ?? 0) > 0, 'expected spot prices from the upstox feed');

    // The broker stops accepting the token (only the new one is valid now); dropping the sockets makes both the
    // feed and the portfolio stream re-authorize, which is refused → TokenStore 'expired' → kill switch.
    fake.state.token = NEW;
    const res = await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedDrop: true }) });
    assert.equal(res.status, 200);
    const halted = await until(s, () => s.api<KsStatus>('GET', '/api/v1/killswitch'), (r) => r.body.state === 'HALTED');
    assert.equal(halted.body.cause?.code, 'TOKEN_EXPIRED');
    assert.ok(!JSON.stringify(halted.body).includes(OLD), 'the token never appears in the kill switch status');

    // A token the broker refuses is rejected (422 TOKEN_INVALID) and changes nothing.
    const bad = await s.api<{ error?: { code?: string } }>('POST', '/api/token/refresh', { accessToken: 'tok-bad-00000000000000', reason: 'test: refused token' });
    assert.equal(bad.status, 422);
    assert.ok(!JSON.stringify(bad.body).includes('tok-bad-00000000000000'));

    // Hot swap: 200, stored 0600, and the kill switch releases the TOKEN_EXPIRED hold.
    const ok = await s.api('POST', '/api/token/refresh', { accessToken: NEW, reason: 'test: daily token' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(!JSON.stringify(ok.body).includes(NEW));
    const file = path.join(s.cfg.DATA_DIR, 'upstox-token.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { access_token: string }).access_token, NEW);
    // HALTED is latched: a person resets it, which the kill switch refuses (409) until broker.tokenRefreshed arrives.
    await until(s, () => s.api('POST', '/api/v1/killswitch/reset', { reason: 'test: token refreshed' }), (r) => r.status === 200);
    const after = await s.api<KsStatus>('GET', '/api/v1/killswitch');
    assert.notEqual(after.body.state, 'HALTED');
    assert.notEqual(after.body.cause?.code, 'TOKEN_EXPIRED');
    // The feed re-authorized with the new token: cycles keep reading upstox snapshots.
    await s.cycles(2);
    assert.equal(s.cycle.state.snapshot?.source, 'upstox');
  } finally {
    await sys?.stop();
    await fake.close();
  }
});

/** An unsigned JWT whose `exp` has passed: the TokenStore expires it by the clock inside set(), before anyone listens. */
const YESTERDAYS = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'FAKE01', exp: Math.floor(Date.now() / 1000) - 3600 })).toString('base64url')}.c2lnbmF0dXJl`;

interface FeedInspect { state: { state: { instruments: number; lastStatus: { kind: string; reason?: string } | null } } }

for (const [what, startToken] of [['a token the broker refuses (401)', OLD], ['yesterday\'s token (expired by the clock)', YESTERDAYS]] as const) {
  test(`FEED=upstox SAFETY_MODE=live started with ${what}: comes up HALTED (TOKEN_EXPIRED), keeps monitoring, recovers on hot swap`, { timeout: 120_000 }, async () => {
    const fake = await startFakeUpstox({ port: 0, token: NEW, liveIntervalMs: 100 });
    let sys: TestSystem | undefined;
    const restarts: string[] = [];
    try {
      sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: startToken, UPSTOX_TIMEOUT_MS: '2000' });
      const s = sys;
      s.system.onEvent((type, body) => { if (type === 'sys.actorRestarted') restarts.push((body as { name: string }).name); });

      // The system came up; the kill switch holds TOKEN_EXPIRED and cycles keep running on the (token-less) upstox feed.
      const halted = await until(s, () => s.api<KsStatus>('GET', '/api/v1/killswitch'), (r) => r.body.state === 'HALTED');
      assert.equal(halted.body.cause?.code, 'TOKEN_EXPIRED');
      assert.ok(!JSON.stringify(halted.body).includes(startToken));
      await s.cycles(3);
      assert.equal(s.cycle.state.snapshot?.source, 'upstox', 'monitoring continues: cycles read the upstox feed');
      // The feed reports why it is down (the inspector), without the token, and never crash-looped.
      const feed = await s.api<FeedInspect>('GET', '/api/v1/actors/feed');
      assert.equal(feed.status, 200);
      assert.equal(feed.body.state.state.lastStatus?.kind, 'disconnected');
      assert.match(feed.body.state.state.lastStatus?.reason ?? '', /^TOKEN_EXPIRED: /);
      assert.ok(!JSON.stringify(feed.body).includes(startToken));
      assert.equal(s.system.host('feed')?.incarnation, 1, 'the feed did not crash-loop');
      assert.deepEqual(restarts, [], 'no actor restarted');

      // Hot swap: the feed authorizes with the new token, loads the chains and quotes; the hold is released.
      const ok = await s.api('POST', '/api/token/refresh', { accessToken: NEW, reason: 'test: daily token' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const quoted = await until(s, async () => s.cycle.state.snapshot, (snap) => (snap?.spots.length ?? 0) > 0 && (snap?.expiries.length ?? 0) > 0);
      assert.equal(quoted?.source, 'upstox');
      const after = await s.api<FeedInspect>('GET', '/api/v1/actors/feed');
      assert.ok(after.body.state.state.instruments > 3, 'option contracts loaded after the swap');
      await until(s, () => s.api('POST', '/api/v1/killswitch/reset', { reason: 'test: token refreshed' }), (r) => r.status === 200);
      assert.notEqual((await s.api<KsStatus>('GET', '/api/v1/killswitch')).body.state, 'HALTED');
      assert.equal(s.system.host('feed')?.incarnation, 1);
      assert.deepEqual(restarts, []);
    } finally {
      await sys?.stop();
      await fake.close();
    }
  });
}
