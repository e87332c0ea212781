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
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { niftyChainToTrade } from '../fixtures/chains.ts';
import { unpacked } from '../../runtime/envelope.ts';

const OLD = 'tok-old-0123456789abcdef';
/** Tests about tokens and sagas need no wide chains: a 10-strike window keeps their cycles as light as the old fake's
 *  (the real-scale test below runs the defaults). */
const NARROW = { FEED_WINDOW_STRIKES: '10' } as const;
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
    sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: OLD, UPSTOX_TIMEOUT_MS: '2000', ...NARROW });
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
      sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: startToken, UPSTOX_TIMEOUT_MS: '2000', ...NARROW });
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
      const quoted = await until(s, async () => s.cycle.state.snapshot, (snap) => (snap?.spots.length ?? 0) > 0 && (snap ? unpacked(snap.expiries).length : 0) > 0);
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

test('FEED=upstox SAFETY_MODE=live FULL_AUTO with a journaled governance approval: a condor saga through the fake (multi-order, fills on the portfolio stream)', { timeout: 120_000 }, async () => {
  const TOKEN = 'tok-saga-0123456789abcdef';
  // A calm market: quotes stream (fresh) but never move, so the executor's marketable limits fill at once — the saga
  // is deterministic (a moving fake can leave a limit resting and the saga compensating).
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 100, market: new DeterministicMarket({ nowMs: Date.now(), calm: true }) });
  let sys: TestSystem | undefined;
  try {
    // NSE F&O open (market_info), whatever the wall time.
    const res = await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ marketOpen: true }) });
    assert.equal(res.status, 200);
    sys = await startTestSystem({
      FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, UPSTOX_TIMEOUT_MS: '2000', ...NARROW,
      // 1 s cycles: the executor reconciles with two REST reads per cycle, and Upstox allows 500 reads/min (the client
      // queues beyond that, stalling the executor) — the fixture's 0.2 s loop would reach it within a minute.
      SUPERVISOR_LOOP_INTERVAL: '1',
      // Limits are other tests' business: this one is about the broker path. The per-expiry ones too: on 7 Dec 2026
      // the nearest NIFTY weekly expired the next day and this condor's gamma (6,056 ₹/1%²) passed the 6,000 default.
      FULL_AUTO_MIN_SHADOW_DAYS: '0', FULL_AUTO_MIN_SEMI_AUTO_DAYS: '0', MAX_VEGA: '1000000', RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000',
      RISK_MAX_GAMMA_EXPIRY: '1000000', RISK_MAX_VEGA_EXPIRY: '1000000',
    });
    const s = sys;
    // Only our proposal: the strategy is not asked (its defaults are tuned elsewhere); cycles keep reconciling.
    s.cycle.stopTrading();

    // Wait for a full NIFTY chain with two-sided quotes and a NORMAL kill switch.
    await until(s, async () => s.cycle.state, (st) =>
      st.killswitch?.state === 'NORMAL' && st.surface !== null && niftyChainToTrade(st.snapshot) !== undefined);

    // Governance on live: FULL_AUTO asked for (checked against the data quality the executor has seen), then approved
    // in a separate step with its own reason; both journaled.
    const asked = await s.api<{ result: { pending: { id: string } } }>('POST', '/api/v1/phase', { phase: 'FULL_AUTO', approver: 'test-requester', reason: 'test: FULL_AUTO for the saga' });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const approved = await s.api('POST', '/api/v1/phase/approve', { id: asked.body.result.pending.id, approver: 'test-approver', reason: 'test: governance approval for the saga' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const snapshot = s.cycle.state.snapshot!;
    const surface = s.cycle.state.surface!;
    // A NIFTY expiry more than two days out, whatever today's date (test/fixtures/chains.ts).
    const chain = niftyChainToTrade(snapshot)!;
    const spot = snapshot.spots.find((q) => q.underlying === 'NIFTY')!.spot;
    const strikes = [...chain.strikes];
    // The strike nearest the spot, kept 6 strikes inside the subscribed window: the window is centred with hysteresis
    // (FEED_RECENTRE_STRIKES), so a spot that has drifted can sit near one edge and atm ± 300 would fall outside it.
    const nearest = strikes.reduce((a, b) => (Math.abs(b - spot) < Math.abs(a - spot) ? b : a));
    const atm = strikes[Math.min(Math.max(strikes.indexOf(nearest), 6), strikes.length - 7)]!;
    assert.ok(strikes.includes(atm + 300) && strikes.includes(atm - 300), `the chain ${strikes[0]}…${strikes.at(-1)} spans atm ${atm} ± 300 in steps of 50`);
    const at = (strike: number, right: 'CE' | 'PE') => {
      const i = strikes.indexOf(strike);
      assert.ok(i >= 0, `strike ${strike} in the chain`);
      return right === 'CE' ? chain.callKeys[i]! : chain.putKeys[i]!;
    };
    const lot = chain.lotSize;
    assert.equal(lot, 65, 'the fake quotes our NIFTY lot size');
    const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => ({ instrumentKey: at(strike, right), underlying: 'NIFTY' as const, expiry: chain.expiry, strike, right, side, quantity: lot });
    const proposal = {
      id: 'ic-upstox-1', action: 'open', kind: 'iron_condor', bucket: chain.kind === 'monthly' ? 'monthly' : 'weekly', underlying: 'NIFTY', expiry: chain.expiry,
      // SELL legs listed first on purpose: the executor still sends the BUY lines first.
      legs: [leg(atm + 100, 'CE', 'SELL'), leg(atm - 100, 'PE', 'SELL'), leg(atm + 300, 'CE', 'BUY'), leg(atm - 300, 'PE', 'BUY')],
      reason: 'integration: upstox saga', rationale: { test: true }, riskIncreasing: true,
    };
    const report = await s.system.request<{ phase: { effective: string; reasons: string[] }; denied: unknown[]; sagasStarted: string[] }>('executor', 'executor.execute', {
      cycleId: 'upstox-saga-1', proposals: [proposal], snapshot: { ...snapshot, cycleId: 'upstox-saga-1' }, surface: { ...surface, cycleId: 'upstox-saga-1' },
      killswitch: { state: 'NORMAL' }, phase: 'FULL_AUTO',
    }, 20_000);
    assert.equal(report.phase.effective, 'FULL_AUTO', report.phase.reasons.join('; '));
    assert.deepEqual(report.denied, []);
    assert.equal(report.sagasStarted.length, 1);

    // The executor's book shows the structure open once the fills are in.
    interface BookView { structures: { kind: string; status: string; legs: unknown[] }[]; positions: { instrumentKey: string; quantity: number }[]; orders: { clientOrderId: string; status: string; filledQuantity: number }[] }
    const book = await until(s, () => s.system.request<BookView>('executor', 'executor.book', {}), (b) => b.structures.some((x) => x.kind === 'iron_condor' && x.status === 'open'));
    assert.equal(book.structures.find((x) => x.kind === 'iron_condor')?.legs.length, 4);
    assert.deepEqual(
      book.positions.map((p) => [p.instrumentKey, p.quantity]).sort(),
      proposal.legs.map((l) => [l.instrumentKey, l.side === 'BUY' ? lot : -lot]).sort(),
    );
    assert.deepEqual(book.orders.map((o) => [o.status, o.filledQuantity]), Array(4).fill(['filled', lot]));

    // At the fake: four orders, tagged with our client order ids, BUY lines first, no duplicate tags, via multi-order.
    const atFake = [...await fake.state.broker.getOrderBook()].sort((a, b) => a.brokerOrderId.localeCompare(b.brokerOrderId));
    const tags = atFake.map((o) => o.clientOrderId);
    assert.equal(new Set(tags).size, tags.length, `no duplicate tags at the fake: ${tags.join(',')}`);
    assert.deepEqual([...tags].sort(), book.orders.map((o) => o.clientOrderId).sort());
    assert.deepEqual(atFake.map((o) => o.side), ['BUY', 'BUY', 'SELL', 'SELL'], 'BUY lines first');
    assert.ok(atFake.every((o) => o.status === 'filled' && o.filledQuantity === lot));
    assert.ok((fake.state.calls.get('POST /v2/order/multi/place') ?? 0) >= 1, 'placed with multi-order');
    assert.equal(fake.state.calls.get('POST /v3/order/place') ?? 0, 0, 'a multi-leg group is not sent line by line');

    // The fills came over the portfolio stream: journaled as order updates, never discovered late by reconciliation.
    assert.equal(fake.sockets().portfolio, 1);
    const { events } = await s.system.request<{ events: { type: string; body: { type: string; clientOrderId?: string; status?: string; finding?: { class: string } } }[] }>('journal', 'journal.recover', { actor: 'executor' });
    const bodies = events.map((e) => e.body);
    for (const tag of tags) assert.ok(bodies.some((b) => b.type === 'executor.orderUpdated' && b.clientOrderId === tag && b.status === 'filled'), `fill of ${tag} journaled`);
    assert.deepEqual(bodies.filter((b) => b.type === 'executor.reconFinding' && b.finding?.class === 'missed_update'), []);
    assert.equal(bodies.filter((b) => b.type === 'executor.phaseRequested').length, 1);
    assert.equal(bodies.filter((b) => b.type === 'executor.phaseSet').length, 1);

    // Re-proposing the same id sends nothing more.
    const again = await s.system.request<{ sagasStarted: string[] }>('executor', 'executor.execute', {
      cycleId: 'upstox-saga-2', proposals: [proposal], snapshot: { ...s.cycle.state.snapshot!, cycleId: 'upstox-saga-2' }, surface: { ...s.cycle.state.surface!, cycleId: 'upstox-saga-2' },
      killswitch: { state: 'NORMAL' }, phase: 'FULL_AUTO',
    }, 20_000);
    assert.deepEqual(again.sagasStarted, []);
    assert.equal((await fake.state.broker.getOrderBook()).length, 4);
  } finally {
    await sys?.stop();
    await fake.close();
  }
});

interface FeedSubscriptions { state: { state: { instruments: number; subscriptions: { counts: { ltp: number; quote: number; depth: number }; strikes: number; trimmed: string | null } | null } } }

test('FEED=upstox SAFETY_MODE=live PHASE=SHADOW on the real-scale fake (≈2,300 contracts, expiries to 2031): starts healthy within the feed caps', { timeout: 120_000 }, async () => {
  const TOKEN = 'tok-scale-0123456789abcdef';
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 100, market: new DeterministicMarket({ nowMs: Date.now(), calm: true }) });
  let sys: TestSystem | undefined;
  const restarts: string[] = [];
  try {
    const listed = fake.state.market.instruments().filter((i) => i.kind !== 'INDEX');
    assert.ok(listed.length > 2000 && listed.some((i) => i.expiry?.startsWith('2031-')), `${listed.length} contracts listed`);
    await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ marketOpen: true }) });
    sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', PHASE: 'SHADOW', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, UPSTOX_TIMEOUT_MS: '2000', SUPERVISOR_LOOP_INTERVAL: '1' });
    const s = sys;
    s.system.onEvent((type, body) => { if (type === 'sys.actorRestarted') restarts.push((body as { name: string }).name); });
    // Healthy: NORMAL, and every snapshot chain quoted two-sided at the money.
    const snap = await until(s, async () => s.cycle.state, (st) => st.killswitch?.state === 'NORMAL' && st.snapshot !== null
      && unpacked(st.snapshot.expiries).length === 6 && unpacked(st.snapshot.expiries).every((e) => e.callBid.some((b) => b > 0) && e.putBid.some((b) => b > 0)));
    const chains = unpacked(snap.snapshot!.expiries);
    assert.deepEqual(chains.map((c) => c.underlying), ['NIFTY', 'NIFTY', 'NIFTY', 'NIFTY', 'BANKNIFTY', 'BANKNIFTY']);
    // Each chain carries the subscribed window (30 strikes either side of the money), not every listed strike.
    assert.deepEqual(chains.map((c) => c.strikes.length), [61, 61, 61, 61, 61, 61]);
    // The broker's IV and greeks reach the snapshot.
    assert.ok(chains[0]!.callBrokerIv !== undefined && chains[0]!.callBrokerGreeks !== undefined);
    assert.ok([...chains[0]!.callBrokerGreeks!.delta].some((d) => d > 0 && d < 1));
    // Within the caps: the feed's plan, what the fake holds for the one socket, and no request refused.
    const feed = await s.api<FeedSubscriptions>('GET', '/api/v1/actors/feed');
    const plan = feed.body.state.state.subscriptions!;
    assert.deepEqual([plan.counts.ltp, plan.counts.quote, plan.counts.depth, plan.trimmed], [3, 732, 0, null]);
    assert.ok(feed.body.state.state.instruments > 2000, 'every listed contract is known to the feed');
    assert.deepEqual(fake.subscriptions(), [{ ltpc: 3, option_greeks: 732, full: 0 }]);
    assert.equal(fake.state.capRefusals.count, 0);
    assert.deepEqual(restarts, []);
    const ks = await s.api<KsStatus>('GET', '/api/v1/killswitch');
    assert.equal(ks.body.state, 'NORMAL');
  } finally {
    await sys?.stop();
    await fake.close();
  }
});

test('FEED=upstox SAFETY_MODE=live from an address Upstox has not registered: HALTED with STATIC_IP (not TOKEN_EXPIRED) and the operator message; registering it and a new token release the hold', { timeout: 120_000 }, async () => {
  const OLD_TOKEN = 'tok-ip-old-0123456789abcdef';
  const fake = await startFakeUpstox({ port: 0, token: OLD_TOKEN, liveIntervalMs: 100 });
  let sys: TestSystem | undefined;
  try {
    fake.state.staticIps = { primary: '203.0.113.10', secondary: null, updatedAt: null };
    sys = await startTestSystem({ FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: OLD_TOKEN, UPSTOX_TIMEOUT_MS: '2000', SUPERVISOR_LOOP_INTERVAL: '0.5', ...NARROW });
    const s = sys;
    const halted = await until(s, () => s.api<KsStatus & { holding: string[]; cause: { evidence: Record<string, unknown> } }>('GET', '/api/v1/killswitch'), (r) => r.body.state === 'HALTED');
    assert.equal(halted.body.cause?.code, 'STATIC_IP');
    assert.match(halted.body.cause?.message ?? '', /registered static IPs \(203\.0\.113\.10\), was 127\.0\.0\.1/);
    assert.match(String(halted.body.cause?.evidence['action']), /register this machine's public IP.*The access token is fine/);
    assert.deepEqual(halted.body.holding, ['STATIC_IP']);
    assert.equal((await s.api('POST', '/api/v1/killswitch/reset', { reason: 'test: too early' })).status, 409, 'refused while the IP is not registered');
    // The operator registers this machine (Upstox invalidates the token) and installs a new one: the executor re-runs
    // the pre-flight after the swap, it matches, the hold is released and a reset is accepted.
    const NEW_TOKEN = 'tok-ip-new-0123456789abcdef';
    fake.state.staticIps = { primary: '127.0.0.1', secondary: null, updatedAt: null };
    fake.state.token = NEW_TOKEN;
    const swapped = await s.api('POST', '/api/token/refresh', { accessToken: NEW_TOKEN, reason: 'test: token after registering the IP' });
    assert.equal(swapped.status, 200, JSON.stringify(swapped.body));
    await until(s, () => s.api('POST', '/api/v1/killswitch/reset', { reason: 'test: IP registered' }), (r) => r.status === 200);
    const after = await s.api<KsStatus>('GET', '/api/v1/killswitch');
    assert.notEqual(after.body.state, 'HALTED');
  } finally {
    await sys?.stop();
    await fake.close();
  }
});
