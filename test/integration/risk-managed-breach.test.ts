/**
 * Issue 18, "done when" (3): the market driven to the short strike — soft breach → reducing proposal → (approved in
 * SEMI_AUTO, executed in FULL_AUTO) → back within limits, all journaled.
 *
 * The market: SIM_SEED 19 on Wed 2026-11-25, where NIFTY slides ≈ 1.9 % from 10:25 to 15:25 (actors/venues/sim is a
 * pure function of seed and time, so this path is fixed). Two runs on one DATA_DIR:
 * 1. From 10:00 with default limits, the weekly bucket alone opens a 1-lot NIFTY iron condor with 25-delta shorts (a
 *    test configuration: 5 RV samples instead of 20 and no IV/RV filter — the entry is not what this test is about —,
 *    monthly and intraday off, one lot; at 120× an entry limit rests 10 market minutes — ORDER_FILL_TIMEOUT_MS is market
 *    time, and the default 30 s is one cycle here). The run stops once it is open.
 * 2. The simulated clock resumes when the fall has brought NIFTY within 0.6 % of the short put (found on the sim's own
 *    path), with a delta limit whose soft level the tested book is past and whose hard level it is not: MAX_NET_DELTA
 *    1.0 (hard ₹10,000 per 1 %) and RISK_SOFT_RATIO 0.3 (soft ₹3,000). A short put that close has |Δ| ≈ 0.4, so the
 *    condor's delta is ≈ (0.4 − wing) × 65 × 265 ≈ ₹5,000 per 1 %; closing the put side leaves the call side's
 *    ≈ −₹1,000, inside the soft level. Every other limit is loose (they would breach at a 0.3 soft ratio too), and the
 *    portfolio stops are off: the delta limit is what this test is about. At 20× (a restart's start-up delay costs
 *    market minutes; the run needs only a few cycles).
 * Expected: the first assessment breaches the soft delta limit (journaled `risk.breaches`), the kill switch degrades
 * (RISK_SOFT, journaled) but keeps FULL_AUTO — the book's own limit, not the system's health — the strategy proposes
 * closing the tested put side (`strategy.proposed`, risk-reducing), the executor runs it (SEMI_AUTO: once approved),
 * the structure keeps its call side, the next assessments are within every limit and the kill switch recovers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Proposal } from '../../actors/domain/proposal.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import type { KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import { SimMarket } from '../../actors/venues/sim/market.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';
import { journalDump, OPERATOR, whenMarket } from './safety-system.ts';

const DAY = '2026-11-25';
const SEED = '19';
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00+05:30`);

const STRATEGY = {
  SIM_SEED: SEED, STRATEGY_MONTHLY_KIND: 'off', STRATEGY_INTRADAY_KIND: 'off', STRATEGY_SHORT_DELTA: '0.25', STRATEGY_RV_MIN_SAMPLES: '5', STRATEGY_MIN_IV_RV_RATIO: '0', STRATEGY_MAX_LOTS: '1',
  VOLGUARD_OPERATOR_TOKEN: OPERATOR, LOG_LEVEL: 'error', JOURNAL_BACKUP_INTERVAL_S: '0',
};
const LOOSE_BUT_DELTA = {
  MAX_NET_DELTA: '1.0', RISK_SOFT_RATIO: '0.3',
  MAX_VEGA: '1e9', RISK_MAX_VEGA_EXPIRY: '1e9', RISK_MAX_GAMMA: '1e9', RISK_MAX_GAMMA_EXPIRY: '1e9', RISK_MAX_THETA: '1e9', RISK_STRESS_LOSS_PCT: '1',
  RISK_MAX_CAPITAL_AT_RISK_PCT: '1', RISK_MAX_MARGIN_PCT: '1', MAX_DAILY_LOSS: '1e9',
  RISK_ACCOUNT_MTM_STOP_PCT: '0', RISK_ACCOUNT_TRAIL_ARM_PCT: '0', RISK_BUCKET_MTM_STOP_PCT: '0', RISK_BUCKET_TRAIL_ARM_PCT: '0',
  KS_PHASE_HEALTHY_CYCLES: '1', APPROVAL_TTL: '3600',
};

/** Waits on the cycles for `pred`, bounded by market time (safety-system.ts whenMarket), with this test's state on failure. */
function when<T>(s: TestSystem, pred: () => T | undefined | false, until: number, what: string): Promise<T> {
  return whenMarket(s, pred, until, what, () => `structures ${JSON.stringify(s.cycle.state.book?.structures.map((x) => [x.id, x.status, x.legs.length]))}, breaches ${JSON.stringify(s.cycle.state.risk?.breaches.map((b) => [b.limit, b.level, Math.round(b.value)]))}`);
}

/** Run 1: the weekly condor, opened on default limits. Returns the structure and the market time the run stopped. */
async function openCondor(dataDir: string): Promise<{ condor: Structure; stoppedAt: number }> {
  const s = await startTestSystem({ ...STRATEGY, DATA_DIR: dataDir, PHASE: 'FULL_AUTO', SIM_START: `${DAY}T10:00:00+05:30`, SIM_SPEED: '120', SUPERVISOR_LOOP_INTERVAL: '0.25', ORDER_FILL_TIMEOUT_MS: '600000' });
  try {
    const condor = await when(s, () => s.cycle.state.book?.structures.find((x) => x.status === 'open' && x.legs.length === 4), at('13:00'), 'a weekly condor open');
    return { condor, stoppedAt: s.cycle.state.snapshot!.ts };
  } finally {
    await s.stop();
  }
}

/** The first minute after `from` when NIFTY is within 0.6 % above the short put (on the sim's own path), as ISO. */
function nearTheShort(condor: Structure, from: number): { start: string; spot: number } {
  const k = condor.legs.find((l) => l.right === 'PE' && l.side === 'SELL')!.strike;
  const m = new SimMarket({ seed: Number(SEED), startMs: at('09:15') });
  for (let t = from + 60_000; t <= at('14:30'); t += 60_000) {
    m.advanceTo(t);
    const spot = m.spot('NIFTY');
    if (spot <= k * 1.006 && spot > k * 1.002) return { start: new Date(t).toISOString(), spot };
  }
  throw new Error(`expected NIFTY within 0.6 % above the short put ${k} after ${new Date(from).toISOString()}, was never (seed ${SEED})`);
}

async function managedBreach(phase: 'FULL_AUTO' | 'SEMI_AUTO'): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), `vg-breach-${phase}-`));
  const dataDir = path.join(root, 'data');
  let passed = false;
  try {
    const { condor, stoppedAt } = await openCondor(dataDir);
    const { start, spot } = nearTheShort(condor, stoppedAt);
    const s = await startTestSystem({ ...STRATEGY, ...LOOSE_BUT_DELTA, DATA_DIR: dataDir, PHASE: phase, SIM_START: start, SIM_SPEED: '20', SUPERVISOR_LOOP_INTERVAL: '0.25' });
    let reduce: Proposal | undefined;
    try {
      const end = Date.parse(start) + 3 * 3600_000;
      // Soft breach of the delta limit, and the kill switch degraded for it — keeping FULL_AUTO when configured.
      const breach = await when(s, () => s.cycle.state.risk?.breaches.find((b) => b.limit === 'delta'), end, 'a delta breach');
      assert.equal(breach.level, 'soft', `spot ${spot.toFixed(0)} near the short put: ${breach.value} between soft ${breach.threshold} and the hard limit`);
      assert.ok((breach.signed ?? 0) > 0, 'long delta: the put side is tested');
      const degraded = await when(s, () => (s.cycle.state.killswitch?.state === 'DEGRADED' ? s.cycle.state.killswitch : undefined), end, 'DEGRADED');
      assert.equal(degraded.cause?.code, 'RISK_SOFT');
      assert.equal(degraded.effectivePhase, phase, 'the book\'s own limit does not cap the phase');
      assert.equal(degraded.permits.increase, false);
      // The reducing proposal: close the tested put side of our condor.
      reduce = await when(s, () => s.cycle.state.proposals.find((p) => p.rationale['exit'] === 'risk_reduce'), end, 'a reducing proposal');
      assert.equal(reduce.structureId, condor.id);
      assert.equal(reduce.riskIncreasing, false);
      assert.deepEqual(reduce.legs.map((l) => `${l.side} ${l.right}`), ['BUY PE', 'SELL PE']);
      assert.match(reduce.reason, /^reduce soft delta/);
      if (phase === 'SEMI_AUTO') {
        const approvalId = await when(s, () => s.cycle.state.execution?.approvalsCreated.find((id) => id.includes(reduce!.id)), end, 'its approval');
        const ok = await s.api<{ ok: boolean }>('POST', `/api/v1/approvals/${approvalId}/approve`, { reason: 'reduce the tested side' }, OPERATOR);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
      }
      // Executed: the put side is gone, the call side stays, and the book is back within every limit.
      const after = await when(s, () => {
        const st = s.cycle.state.book?.structures.find((x) => x.id === condor.id);
        return st && st.status === 'open' && st.legs.length === 2 && s.cycle.state.risk?.breaches.length === 0 ? st : undefined;
      }, end, 'the put side closed and the book within limits');
      assert.deepEqual(after.legs.map((l) => l.right), ['CE', 'CE']);
      const normal = await when(s, () => (s.cycle.state.killswitch?.state === 'NORMAL' ? s.cycle.state.killswitch : undefined), end, 'NORMAL again');
      assert.equal(normal.cause?.code, 'RECOVERED');
    } finally {
      await s.stop();
    }

    // All journaled: the breach with its numbers, the transitions, the proposal, the saga (and the approval).
    const breaches = await journalDump(dataDir, 'risk.breaches');
    assert.ok(breaches.some((r) => (r.body.breaches as { limit: string; level: string }[]).some((b) => b.limit === 'delta' && b.level === 'soft')));
    const transitions = (await journalDump(dataDir, 'killswitch.transition')).map((r) => r.body as { from: string; to: string; cause: { code: string } });
    assert.ok(transitions.some((x) => x.to === 'DEGRADED' && x.cause.code === 'RISK_SOFT'), JSON.stringify(transitions));
    assert.ok(transitions.some((x) => x.from === 'DEGRADED' && x.to === 'NORMAL' && x.cause.code === 'RECOVERED'));
    assert.ok(!transitions.some((x) => x.to === 'HALTED'), 'never halted');
    const proposed = (await journalDump(dataDir, 'strategy.proposed')).map((r) => (r.body as { proposal: Proposal }).proposal);
    assert.ok(proposed.some((p) => p.id === reduce!.id && p.rationale['breachLimit'] === 'delta'));
    const started = (await journalDump(dataDir, 'executor.sagaStarted')).find((r) => (r.body as { proposal: Proposal }).proposal.id === reduce!.id);
    assert.ok(started, 'the reducing saga started');
    assert.equal((started.body as { approvalId: string | null }).approvalId !== null, phase === 'SEMI_AUTO');
    const sagaId = (started.body as { sagaId: string }).sagaId;
    const finished = (await journalDump(dataDir, 'executor.sagaFinished')).find((r) => (r.body as { sagaId: string }).sagaId === sagaId);
    assert.equal((finished?.body as { outcome: string } | undefined)?.outcome, 'completed');
    if (phase === 'SEMI_AUTO') {
      const changes = (await journalDump(dataDir, 'executor.approvalChanged')).map((r) => (r.body as { status: string }).status);
      assert.ok(changes.includes('approved') && changes.includes('executed'), JSON.stringify(changes));
    }
    passed = true;
  } finally {
    // A failed run keeps its journal for `volguard journal dump` (the path is in the error).
    if (passed) rmSync(root, { recursive: true, force: true });
  }
}

describe('a managed breach on paper: the market at the short strike', () => {
  it('FULL_AUTO: soft delta breach → the tested side closed at once → back within limits, all journaled', () => managedBreach('FULL_AUTO'));
  it('SEMI_AUTO: soft delta breach → the reducing proposal waits for approval → approved, executed → back within limits', () => managedBreach('SEMI_AUTO'));
});
