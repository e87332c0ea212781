/**
 * Issue 18, "done when" (3), second half: an account MTM stop flattens and blocks entries for the rest of the day, on
 * paper, end to end, journaled with its numbers.
 *
 * SIM_SEED 19 on Wed 2026-11-25 (NIFTY slides ≈ 1.9 % from 10:25), FULL_AUTO, the weekly bucket alone (25-delta
 * condor, 5 RV samples, no IV/RV filter and entry limits a half-spread through the touch: a test configuration that
 * enters soon after 10:00) and an account MTM stop of 0.2 % of ₹10 lakh = ₹2,000, so the condor's losses on the slide
 * fire it. (At 0.1 % the slippage of one entry that failed and was unwound — ₹1,600 once under load — fired it before
 * any condor was held.) Every other limit is the default. At 120× (a 0.25 s loop, 30 market seconds a cycle) an entry
 * limit rests 10 market minutes (ORDER_FILL_TIMEOUT_MS is market time; the default 30 s pulls it after one cycle).
 * Expected: `risk.stopTriggered` (account, stop, the P&L and the level) → the strategy closes every structure
 * (`mtm_stop`), the executor runs the closes → the book is flat → for the rest of the session every bucket is skipped
 * with MTM_STOP and the risk actor refuses new risk (MTM_STOP), well past the re-entry cool-down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Proposal } from '../../actors/domain/proposal.ts';
import type { PreTradeDecision, RiskApiView } from '../../actors/risk/messages.ts';
import type { StrategyStatus } from '../../actors/strategy/messages.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { journalDump, whenMarket } from './safety-system.ts';

const DAY = '2026-11-25';
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00+05:30`);

/** Waits on the cycles for `pred`, bounded by market time (safety-system.ts whenMarket), with this test's state on failure. */
function when<T>(s: TestSystem, pred: () => T | undefined | false, until: number, what: string): Promise<T> {
  return whenMarket(s, pred, until, what, () => `day P&L ${s.cycle.state.risk?.pnl.day}, structures ${JSON.stringify(s.cycle.state.book?.structures.map((x) => [x.id, x.status]))}`);
}

test('an account MTM stop flattens the book and blocks entries for the rest of the day, journaled with its numbers', async (t) => {
  const s = await startTestSystem({
    PHASE: 'FULL_AUTO', SIM_SEED: '19', SIM_START: `${DAY}T10:00:00+05:30`, SIM_SPEED: '120', SUPERVISOR_LOOP_INTERVAL: '0.25',
    ORDER_FILL_TIMEOUT_MS: '600000', LOG_LEVEL: 'error', JOURNAL_BACKUP_INTERVAL_S: '0',
    STRATEGY_MONTHLY_KIND: 'off', STRATEGY_INTRADAY_KIND: 'off', STRATEGY_SHORT_DELTA: '0.25', STRATEGY_RV_MIN_SAMPLES: '5', STRATEGY_MIN_IV_RV_RATIO: '0',
    STRATEGY_ENTRY_CROSS: '2', RISK_ACCOUNT_MTM_STOP_PCT: '0.002',
  });
  t.after(() => s.stop());
  const dataDir = s.cfg.DATA_DIR;
  await when(s, () => s.cycle.state.book?.structures.some((x) => x.status === 'open'), at('13:00'), 'a condor open');
  const fired = await when(s, () => (s.cycle.state.risk?.stops.accountBlocked ? s.cycle.state.risk.stops.account : undefined), at('15:00'), 'the account stop');
  assert.ok(s.cycle.state.book?.positions.some((p) => p.quantity !== 0), 'a condor was held when the stop fired');
  assert.equal(fired.triggered?.kind, 'stop');
  assert.equal(fired.stopAt, -2_000);
  assert.ok((fired.triggered?.pnl ?? 0) <= -2_000, `fired at ₹${fired.triggered?.pnl}`);
  const firedAt = fired.triggered!.at;

  // Flattened: every structure closed by the strategy's `mtm_stop` exits, nothing left in the book.
  await when(s, () => {
    const b = s.cycle.state.book;
    return b !== null && b.positions.every((p) => p.quantity === 0) && b.structures.every((x) => x.status === 'closed' || x.status === 'failed');
  }, firedAt + 3600_000, 'the book flat');

  // Blocked for the rest of the day: an hour of market time later (past the 30-minute re-entry cool-down), every bucket
  // is still skipped for the stop and risk refuses new risk.
  await when(s, () => (s.cycle.state.snapshot?.ts ?? 0) >= firedAt + 3600_000, at('15:25'), 'an hour later');
  const status = await s.system.request<StrategyStatus>('strategy', 'strategy.status', {});
  const live = status.lastSkipped.filter((k) => k.reason !== 'OUTSIDE_WINDOW');
  assert.ok(live.length > 0 && live.every((k) => k.reason === 'MTM_STOP'), JSON.stringify(status.lastSkipped));
  const book = s.cycle.state.book!;
  assert.ok(book.structures.every((x) => x.status !== 'open' && x.status !== 'opening'), 'no new structure');
  const legs = [{ instrumentKey: 'NSE_FO|any', underlying: 'NIFTY', expiry: '2026-12-01', strike: 26_000, right: 'PE', side: 'SELL', quantity: 65 }];
  const decision = await s.system.request<PreTradeDecision>('risk', 'risk.preTrade', { legs, bucket: 'weekly' });
  assert.equal(decision.allow, false);
  assert.ok(decision.reasons.includes('MTM_STOP'), decision.details.join('; '));
  const view = await s.api<RiskApiView>('GET', '/api/v1/risk');
  assert.equal(view.status, 200);
  assert.equal(view.body.stops.accountBlocked, true);
  assert.equal(view.body.stops.account.triggered?.at, firedAt);

  // Journaled with its numbers, and the closes with their reason.
  const triggered = await journalDump(dataDir, 'risk.stopTriggered');
  assert.equal(triggered.length, 1, 'fired once');
  assert.deepEqual([triggered[0]!.body.scope, triggered[0]!.body.triggered.kind, triggered[0]!.body.stopAt, triggered[0]!.body.date], ['account', 'stop', -2_000, DAY]);
  assert.ok(triggered[0]!.body.pnl <= -2_000 && triggered[0]!.body.charges === 0);
  const closes = (await journalDump(dataDir, 'strategy.proposed')).map((r) => (r.body as { proposal: Proposal }).proposal).filter((p) => p.rationale['exit'] === 'mtm_stop');
  assert.ok(closes.length >= 1 && closes.every((p) => p.action === 'close' && !p.riskIncreasing && /account MTM stop/.test(p.reason)));
  const opensAfter = (await journalDump(dataDir, 'strategy.proposed')).map((r) => r.body as { proposal: Proposal; marketTs: number })
    .filter((r) => r.proposal.action === 'open' && r.marketTs > firedAt);
  assert.deepEqual(opensAfter, [], 'no entry proposed after the stop');
});
