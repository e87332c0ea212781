/**
 * Issue 18, "done when" (1): on the default configuration each configured bucket opens a structure in a paper
 * session, and no hard limit is reached by a 1 % move on that 1-lot book.
 *
 * The session: Wed 2026-12-02 (SIM_SEED 1, NIFTY ≈ 26 450; its weekly expires Tue 12-08 and the December monthly 12-29
 * is listed) in FULL_AUTO on paper. Everything the risk actor and the strategy decide is the default configuration:
 * limits derived from BASE_CAPITAL ₹10 lakh, the three buckets (weekly NIFTY condor, monthly NIFTY/BANKNIFTY condor,
 * intraday NIFTY strangle with wings), their budgets and sizing. Only the clock is compressed (120×, a 0.25 s loop),
 * with a fill timeout of 10 market minutes (ORDER_FILL_TIMEOUT_MS is market time: at the default 30 s an entry limit
 * gets one 30-market-second cycle before it is pulled).
 * Before issue 18 the same day traded the weekly bucket alone: the monthly and intraday entries were refused every
 * cycle (RISK_BUDGET: a 1-lot BANKNIFTY monthly condor risks ₹42–52k against a ₹30,000 budget; MAX_VEGA 1,000 against
 * ≈ ₹1,300 per vol point for the NIFTY monthly).
 *
 * The 1 % move: the book held at that moment is re-valued by the risk core with spot and every forward moved ±1 %
 * (sticky strike), quotes dropped so marks follow the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MarketSnapshot } from '../../actors/domain/market-snapshot.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import { assess, initialRiskState } from '../../actors/risk/core.ts';
import { riskSettings } from '../../actors/risk/settings.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';

const DAY = '2026-12-02';
const GIVE_UP = Date.parse(`${DAY}T14:30:00+05:30`);
const BUCKETS = ['weekly', 'monthly', 'intraday'] as const;

/**
 * Resolves with the structures once every bucket holds an open one at the same time; rejects at the end of the entry
 * window. `history` collects, in market time, each structure's status and leg count as they change and each breach as
 * it first appears: what a failure needs to be read (this session's path depends on the instants the cycles sample).
 */
function allBucketsOpen(s: TestSystem, history: string[]): Promise<Structure[]> {
  const seen = new Set<string>();
  const note = (ts: number, what: string): void => {
    if (seen.has(what)) return;
    seen.add(what);
    history.push(`${new Date(ts).toISOString().slice(11, 19)} ${what}`);
  };
  return new Promise((resolve, reject) => {
    const off = s.system.onEvent((type) => {
      if (type !== 'cycle.completed') return;
      const { book, snapshot } = s.cycle.state;
      const ts = snapshot?.ts ?? 0;
      for (const x of book?.structures ?? []) note(ts, `${x.bucket} ${x.underlying} ${x.id}: ${x.status}, ${x.legs.length} legs`);
      for (const b of s.cycle.state.risk?.breaches ?? []) note(ts, `breach ${b.level} ${b.limit} ${b.underlying ?? ''} ${b.expiry ?? ''}`);
      const open = (book?.structures ?? []).filter((x) => x.status === 'open');
      // The risk report of the same cycle values every leg they hold (two structures may share an instrument).
      const valued = new Set(s.cycle.state.risk?.legs.map((l) => l.instrumentKey));
      if (BUCKETS.every((b) => open.some((x) => x.bucket === b)) && open.every((x) => x.legs.every((l) => valued.has(l.instrumentKey)))) {
        off();
        resolve(open);
      } else if ((snapshot?.ts ?? 0) >= GIVE_UP) {
        off();
        reject(new Error(`the entry window closed with open: ${JSON.stringify(open.map((x) => [x.bucket, x.underlying]))} (journal in ${s.cfg.DATA_DIR})`));
      }
    });
  });
}

test('default configuration: every configured bucket opens one lot in a paper session; a 1 % move on that book reaches no hard limit', async (t) => {
  const s = await startTestSystem({
    PHASE: 'FULL_AUTO', SIM_SEED: '1', SIM_START: `${DAY}T09:15:00+05:30`, SIM_SPEED: '120', SUPERVISOR_LOOP_INTERVAL: '0.25',
    ORDER_FILL_TIMEOUT_MS: '600000', LOG_LEVEL: 'error',
  });
  t.after(() => s.stop());
  const history: string[] = [];
  const open = await allBucketsOpen(s, history);
  const { risk, book, snapshot, surface } = s.cycle.state;
  assert.ok(risk && book && snapshot && surface);
  for (const b of BUCKETS) {
    const st = open.find((x) => x.bucket === b)!;
    const lot = st.underlying === 'NIFTY' ? 65 : 30;
    assert.equal(st.legs.length, 4, `${b}: four legs; the session so far:\n${history.join('\n')}`);
    assert.ok(st.legs.every((l) => l.quantity === lot), `${b} ${st.underlying}: one lot each leg, was ${st.legs.map((l) => l.quantity)}`);
  }
  assert.deepEqual(risk.breaches, [], `the default book sits under every soft level; the session so far:\n${history.join('\n')}`);
  t.diagnostic(`held: ${open.map((x) => `${x.bucket} ${x.kind} ${x.underlying} ${x.expiry}`).join('; ')}`);
  t.diagnostic(`limits: ${risk.limits.filter((l) => l.utilisation > 0.2).map((l) => `${l.name} ${l.underlying ?? ''} ${l.expiry ?? ''} ${(l.utilisation * 100).toFixed(0)}%`).join(', ')}`);

  const settings = riskSettings(s.cfg);
  for (const m of [1.01, 0.99]) {
    const shocked = {
      ...snapshot, expiries: [], spots: snapshot.spots.map((x) => ({ ...x, spot: x.spot * m })),
    } as unknown as MarketSnapshot;
    const shockedSurface = { ...surface, expiries: surface.expiries.map((f) => ({ ...f, forward: f.forward * m })) };
    const { report } = assess(initialRiskState(settings), { cycleId: `shock${m}`, snapshot: shocked, surface: shockedSurface, book });
    const hard = report.breaches.filter((b) => b.level === 'hard');
    assert.deepEqual(hard.map((b) => b.evidence['label']), [], `spot ${m > 1 ? '+' : '−'}1 %: no hard limit`);
    const top = [...report.limits].sort((a, b) => b.utilisation - a.utilisation).slice(0, 3);
    t.diagnostic(`spot ${m > 1 ? '+' : '-'}1 %: highest ${top.map((l) => `${l.name} ${l.underlying ?? ''} ${l.expiry ?? ''} ${(l.utilisation * 100).toFixed(0)}%`).join(', ')}`);
  }
});
