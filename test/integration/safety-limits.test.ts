/**
 * Issue 6, "done when" (1), risk limits: with the simulated market and the whole system running, a position opened on
 * the paper account outside VolGuard is adopted by reconciliation, valued by the risk actor on our surface, and a
 * breach of each limit moves the kill switch — hard delta / vega / gamma / theta / scenario loss and the daily loss to
 * HALTED, the soft levels to DEGRADED — with a journal record carrying the cause and its evidence.
 *
 * Limits are set from what the risk actor measured on the same position in a first run with loose limits (the
 * market is the same in every run: same seed, same pinned simulated start): hard = half the measured value, soft =
 * a limit of twice the value with RISK_SOFT_RATIO 0.25 (soft threshold at half the value). The market drifts little
 * over a run, far less than those factors of two.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitName, RiskReport } from '../../actors/risk/messages.ts';
import type { KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import {
  journalDump, LOOSE, nextChange, placeOutsidePosition, riskWhen, startSafetySystem, tempDataDir, transitions, type OutsidePosition,
} from './safety-system.ts';

const ENV_OF: Readonly<Partial<Record<LimitName, string>>> = {
  delta: 'MAX_NET_DELTA', vega: 'MAX_VEGA', gamma: 'RISK_MAX_GAMMA', theta: 'RISK_MAX_THETA',
  stress: 'RISK_SCENARIO_LOSS_LIMIT', dailyLoss: 'MAX_DAILY_LOSS',
};
/** MAX_NET_DELTA is notional / capital; the limit it sets is in ₹ per 1 % move (× BASE_CAPITAL / 100). */
const CAPITAL = Number(LOOSE['BASE_CAPITAL']);
const envValue = (limit: LimitName, rupees: number): string => String(limit === 'delta' ? (rupees * 100) / CAPITAL : rupees);

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

async function freshAccount(tag: string): Promise<{ dir: string; position: OutsidePosition }> {
  const { dir, cleanup } = tempDataDir(tag);
  cleanups.push(cleanup);
  return { dir, position: await placeOutsidePosition(dir) };
}

/** The adopted leg is in the book and valued. */
const adoptedAndValued = (key: string) => (r: RiskReport) => r.legs.some((l) => l.instrumentKey === key && Number.isFinite(l.vol)) && r.unvalued.length === 0;

const measured = new Map<LimitName, number>();

describe('risk limit breaches on an adopted position (whole system, simulated market)', () => {
  before(async () => {
    // Loose limits: the position is adopted and valued, nothing is breached, the kill switch stays NORMAL.
    const { dir, position } = await freshAccount('limits-baseline');
    const s = await startSafetySystem(dir);
    try {
      const report = await riskWhen(s, adoptedAndValued(position.instrumentKey));
      assert.deepEqual(report.breaches, [], 'loose limits: nothing breached');
      for (const l of report.limits) measured.set(l.name, l.value);
      const st = await s.api<KillSwitchStatus>('GET', '/api/v1/killswitch');
      assert.equal(st.body.state, 'NORMAL', JSON.stringify(st.body.cause));
      const book = await s.system.request<{ positions: Array<{ instrumentKey: string; structureId: string | null; quantity: number }> }>('executor', 'executor.positions', {});
      assert.deepEqual(book.positions.map((p) => [p.instrumentKey, p.structureId, Math.abs(p.quantity)]), [[position.instrumentKey, 'adopted', position.quantity]]);
    } finally {
      await s.stop();
    }
    for (const name of Object.keys(ENV_OF) as LimitName[]) assert.ok((measured.get(name) ?? 0) > 0, `expected a measurable ${name}, was ${measured.get(name)}`);
  });

  const cases: Array<{ limit: LimitName; level: 'hard' | 'soft' }> = [
    { limit: 'delta', level: 'hard' }, { limit: 'delta', level: 'soft' },
    { limit: 'vega', level: 'hard' }, { limit: 'vega', level: 'soft' },
    { limit: 'gamma', level: 'hard' }, { limit: 'gamma', level: 'soft' },
    { limit: 'theta', level: 'hard' }, { limit: 'theta', level: 'soft' },
    { limit: 'stress', level: 'hard' },
    { limit: 'dailyLoss', level: 'hard' },
  ];

  for (const c of cases) {
    const expected = c.level === 'hard' ? 'HALTED' : 'DEGRADED';
    const code = c.limit === 'dailyLoss' ? 'DAILY_LOSS' : c.level === 'hard' ? 'RISK_HARD' : 'RISK_SOFT';
    it(`${c.level} ${c.limit} breach → ${expected} (${code}), journaled with cause and evidence`, async () => {
      const value = measured.get(c.limit)!;
      const env: Record<string, string> = c.level === 'hard'
        ? { [ENV_OF[c.limit]!]: envValue(c.limit, value / 2) }
        : { [ENV_OF[c.limit]!]: envValue(c.limit, value * 2), RISK_SOFT_RATIO: '0.25' };
      const { dir, position } = await freshAccount(`limits-${c.limit}-${c.level}`);
      const s = await startSafetySystem(dir, env);
      try {
        const moved = nextChange(s, (st) => st.state !== 'NORMAL');
        const st = await moved;
        assert.equal(st.state, expected, JSON.stringify(st.cause));
        assert.equal(st.cause?.code, code);
        assert.equal(st.cause?.evidence['limit'], c.limit);
        assert.equal(st.cause?.evidence['level'], c.level);
        const v = st.cause?.evidence['value'] as number;
        const threshold = st.cause?.evidence['threshold'] as number;
        assert.ok(v > threshold, `evidence: value ${v} above threshold ${threshold}`);
        if (c.level === 'hard') {
          assert.ok(st.holding.includes(code), `a hard breach holds (refuses a reset): ${st.holding}`);
          assert.equal(st.permits.increase, false);
          assert.equal(st.permits.approvedExit, true);
        } else {
          assert.deepEqual(st.holding, []);
          assert.equal(st.permits.increase, false);
          assert.equal(st.permits.reduce, true);
        }
        assert.ok(s.cycle.state.risk?.legs.some((l) => l.instrumentKey === position.instrumentKey), 'the breach comes from the adopted position');

        // The journal: the transition with its cause and evidence, stamped with the cycle that saw it, and the risk
        // actor's breach record for that cycle.
        const rows = await transitions(dir);
        const t = rows.find((r) => r.body.to === expected);
        assert.ok(t, `a killswitch.transition to ${expected} in ${JSON.stringify(rows.map((r) => r.body))}`);
        assert.equal(t.actor, 'killswitch');
        assert.equal(t.body.from, 'NORMAL');
        assert.equal(t.body.cause.code, code);
        assert.deepEqual(t.body.cause.evidence, st.cause?.evidence);
        assert.ok(typeof t.body.cycleId === 'string' && t.cycleId === t.body.cycleId, 'journaled with the cycle that saw it');
        const breaches = await journalDump(dir, 'risk.breaches');
        const b = breaches.find((r) => r.cycleId === t.cycleId);
        assert.ok(b, 'risk.breaches journaled for the same cycle');
        const br = (b.body.breaches as Array<{ limit: string; level: string; value: number; evidence: { limit: number } }>).find((x) => x.limit === c.limit);
        assert.equal(br?.level, c.level);
        assert.ok(Math.abs((br?.evidence.limit ?? NaN) - (c.level === 'hard' ? value / 2 : value * 2)) < 1e-6 * value, `evidence.limit ${br?.evidence.limit}`);
      } finally {
        await s.stop();
      }
    });
  }
});
