/**
 * Issue 15's "done when" on the executor's side: the whole system, FEED=upstox SAFETY_MODE=live against the
 * real-scale fake on loopback (every listed contract, lot 65 / freeze 1,800 from its instrument master), FULL_AUTO
 * granted through governance, trades an iron condor ABOVE the freeze quantity: every slice tagged by VolGuard and
 * tracked to the end, no MARKET order in the fake's order log, margin asked of the broker before sending, no HALT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeUpstox } from '../../actors/venues/upstox/fake/server.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { niftyChainToTrade } from '../fixtures/chains.ts';

interface KsStatus { state: string; cause: { code: string; message: string } | null }

/** Re-checks after every completed cycle (event-driven, no fixed sleeps) until `pred` holds. */
async function until<T>(sys: TestSystem, probe: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await probe();
    if (pred(v)) return v;
    await sys.cycles(1);
  }
}

test('FULL_AUTO on the real-scale fake: a condor of 30 lots a leg (above the 1,800 freeze) goes out in VolGuard-tagged slices, each tracked to filled; no MARKET, margin checked first, no HALT', { timeout: 180_000 }, async () => {
  const TOKEN = 'tok-freeze-0123456789abcdef';
  const fake = await startFakeUpstox({ port: 0, token: TOKEN, liveIntervalMs: 100, market: new DeterministicMarket({ nowMs: Date.now(), calm: true }) });
  let sys: TestSystem | undefined;
  try {
    assert.ok(fake.state.market.instruments().filter((i) => i.kind !== 'INDEX').length > 2000, 'the real-scale master');
    await fetch(`${fake.url}/__fake/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ marketOpen: true }) });
    sys = await startTestSystem({
      FEED: 'upstox', SAFETY_MODE: 'live', UPSTOX_BASE_URL: fake.url, UPSTOX_ACCESS_TOKEN: TOKEN, UPSTOX_TIMEOUT_MS: '2000',
      SUPERVISOR_LOOP_INTERVAL: '1',
      FULL_AUTO_MIN_SHADOW_DAYS: '0', FULL_AUTO_MIN_SEMI_AUTO_DAYS: '0', MAX_VEGA: '1000000', RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000',
      // A book sized for 30-lot legs (risk's limits scale with it); the broker's own margin check still applies.
      BASE_CAPITAL: '100000000', RISK_SCENARIO_LOSS_LIMIT: '10000000',
    });
    const s = sys;
    s.cycle.stopTrading();
    await until(s, async () => s.cycle.state, (st) => st.killswitch?.state === 'NORMAL' && st.surface !== null && niftyChainToTrade(st.snapshot) !== undefined);

    const asked = await s.api<{ result: { pending: { id: string } } }>('POST', '/api/v1/phase', { phase: 'FULL_AUTO', approver: 'test-requester', reason: 'test: FULL_AUTO above the freeze quantity' });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const approved = await s.api('POST', '/api/v1/phase/approve', { id: asked.body.result.pending.id, approver: 'test-approver', reason: 'test: governance approval' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));

    const snapshot = s.cycle.state.snapshot!;
    // A NIFTY expiry more than two days out, whatever today's date (test/fixtures/chains.ts).
    const chain = niftyChainToTrade(snapshot)!;
    assert.deepEqual([chain.lotSize, chain.freezeQty], [65, 1800], 'lot and freeze from the broker\'s master');
    const spot = snapshot.spots.find((q) => q.underlying === 'NIFTY')!.spot;
    const strikes = [...chain.strikes];
    const atm = strikes.reduce((a, b) => (Math.abs(b - spot) < Math.abs(a - spot) ? b : a));
    const at = (strike: number, right: 'CE' | 'PE') => {
      const i = strikes.indexOf(strike);
      assert.ok(i >= 0, `strike ${strike} in the chain`);
      return right === 'CE' ? chain.callKeys[i]! : chain.putKeys[i]!;
    };
    const qty = 30 * chain.lotSize; // 1,950 ≥ 1,800: must go out as 27 lots (1,755) + 3 lots (195)
    const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => ({ instrumentKey: at(strike, right), underlying: 'NIFTY' as const, expiry: chain.expiry, strike, right, side, quantity: qty });
    const proposal = {
      id: 'ic-freeze-sys', action: 'open', kind: 'iron_condor', bucket: chain.kind === 'monthly' ? 'monthly' : 'weekly', underlying: 'NIFTY', expiry: chain.expiry,
      legs: [leg(atm + 100, 'CE', 'SELL'), leg(atm - 100, 'PE', 'SELL'), leg(atm + 300, 'CE', 'BUY'), leg(atm - 300, 'PE', 'BUY')],
      reason: 'integration: above the freeze quantity', rationale: { test: true }, riskIncreasing: true,
    };
    const marginBefore = fake.state.calls.get('POST /v2/charges/margin') ?? 0;
    const report = await s.system.request<{ phase: { effective: string; reasons: string[] }; denied: unknown[]; sagasStarted: string[] }>('executor', 'executor.execute', {
      cycleId: 'freeze-1', proposals: [proposal], snapshot: { ...snapshot, cycleId: 'freeze-1' }, surface: { ...s.cycle.state.surface!, cycleId: 'freeze-1' },
      killswitch: { state: 'NORMAL' }, phase: 'FULL_AUTO',
    }, 30_000);
    assert.equal(report.phase.effective, 'FULL_AUTO', report.phase.reasons.join('; '));
    assert.deepEqual(report.denied, []);
    assert.equal(report.sagasStarted.length, 1);
    assert.ok((fake.state.calls.get('POST /v2/charges/margin') ?? 0) > marginBefore, 'margin asked of the broker');

    interface BookView { structures: { kind: string; status: string }[]; positions: { instrumentKey: string; quantity: number }[]; orders: { clientOrderId: string; status: string; filledQuantity: number; quantity: number }[] }
    const book = await until(s, () => s.system.request<BookView>('executor', 'executor.book', {}), (b) => b.structures.some((x) => x.kind === 'iron_condor' && x.status === 'open'));
    assert.deepEqual(book.positions.map((p) => [p.instrumentKey, p.quantity]).sort(), proposal.legs.map((l) => [l.instrumentKey, l.side === 'BUY' ? qty : -qty]).sort());
    // Every slice tracked to the end.
    assert.equal(book.orders.length, 8);
    assert.ok(book.orders.every((o) => o.status === 'filled' && o.filledQuantity === o.quantity), JSON.stringify(book.orders));

    // The fake's order log: 8 orders, VolGuard's tags (one each, <saga>-<leg>E0-<slice>), below the freeze, no auto-slice, no MARKET.
    const log = fake.state.orderLog;
    assert.equal(log.length, 8, JSON.stringify(log));
    assert.ok(log.every((e) => e.order_type !== 'MARKET'), 'no MARKET order');
    assert.ok(log.every((e) => e.slice === false && e.quantity < 1800 && e.product === 'D'));
    assert.deepEqual(log.map((e) => e.tag).sort(), book.orders.map((o) => o.clientOrderId).sort());
    assert.ok(log.every((e) => /^VG[0-9a-z]+-[0-3]E0-[12]$/.test(e.tag ?? '')), log.map((e) => e.tag).join(','));
    assert.deepEqual(log.map((e) => e.transaction_type), ['BUY', 'BUY', 'BUY', 'BUY', 'SELL', 'SELL', 'SELL', 'SELL'], 'hedges before shorts');

    // No HALT: reconciliation agrees with the broker over further cycles.
    await s.cycles(3);
    const ks = await s.api<KsStatus>('GET', '/api/v1/killswitch');
    assert.equal(ks.body.state, 'NORMAL', JSON.stringify(ks.body));
  } finally {
    await sys?.stop();
    await fake.close();
  }
});
