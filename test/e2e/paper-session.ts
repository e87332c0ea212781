/**
 * @module A paper session's state as the gateway would show it, built with the gateway's own views
 * (gateway/views/*) from the executor's book, the risk report and the cycle's execution report: an open NIFTY
 * condor, a long put left orphaned by a failed compensation, a pending approval priced at its limits, and the
 * kill switch HALTED on the reconciliation mismatch the orphan caused.
 */
import type { Book } from '../../actors/domain/book.ts';
import type { Leg } from '../../actors/domain/leg.ts';
import type { Position } from '../../actors/domain/position.ts';
import type { Structure } from '../../actors/domain/structure.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { RiskReport } from '../../actors/risk/messages.ts';
import type { ApprovalView, DashboardData } from '../../gateway/deps-ext.ts';
import { bookView, type MarkOf } from '../../gateway/views/book.ts';
import { EventLog, eventsFromExecution } from '../../gateway/views/events.ts';
import { approvalMoney } from '../../gateway/views/payoff.ts';
import { riskView } from '../../gateway/views/risk.ts';
import { surfaceModels, tradeRisk } from '../../gateway/views/trade.ts';
import { strategySkipsView } from '../../gateway/views/strategy.ts';
import { sampleDashboard } from '../integration/gateway-fakes.ts';

/** 14:05:09 IST on Wed 7 Jan 2026 (08:35:09 UTC): the page must show the IST figure, never the UTC one. */
export const SESSION_NOW = Date.parse('2026-01-07T14:05:09+05:30');
export const HALTED_AT = Date.parse('2026-01-07T14:02:30+05:30');
const EXP = '2026-01-13';

const key = (strike: number, right: 'CE' | 'PE') => `NSE_FO|NIFTY26JAN${strike}${right}`;
const pos = (strike: number, right: 'CE' | 'PE', quantity: number, averagePrice: number, structureId: string | null): Position => ({
  instrumentKey: key(strike, right), quantity, averagePrice, realisedPnl: 0, structureId, underlying: 'NIFTY', expiry: EXP, strike, right,
});
const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL', limitPrice?: number): Leg => ({
  instrumentKey: key(strike, right), underlying: 'NIFTY', expiry: EXP, strike, right, side, quantity: 75, ...(limitPrice !== undefined ? { limitPrice } : {}),
});
const structure = (id: string, status: Structure['status'], legs: Leg[]): Structure => ({
  id, kind: 'iron_condor', underlying: 'NIFTY', expiry: EXP, bucket: 'weekly', status, legs, entryCredit: 110, maxLoss: 14250, openedAt: SESSION_NOW - 3_600_000,
});

export function sessionBook(shadow: boolean): Book {
  return {
    positions: [
      pos(23300, 'PE', 75, 40, 'S-SG-1'), pos(23600, 'PE', -75, 95, 'S-SG-1'), pos(24400, 'CE', -75, 90, 'S-SG-1'), pos(24700, 'CE', 75, 35, 'S-SG-1'),
      pos(23200, 'PE', 75, 30, 'S-SG-2'),
    ],
    structures: [
      structure('S-SG-1', 'open', [leg(23300, 'PE', 'BUY'), leg(23600, 'PE', 'SELL'), leg(24400, 'CE', 'SELL'), leg(24700, 'CE', 'BUY')]),
      structure('S-SG-2', 'failed', [leg(23200, 'PE', 'BUY'), leg(23500, 'PE', 'SELL'), leg(24500, 'CE', 'SELL'), leg(24800, 'CE', 'BUY')]),
    ],
    orders: [],
    realisedPnlDay: 0,
    realised: { gross: 0, charges: 0, settlement: 0, net: 0, trades: 0 },
    shadow,
  };
}

const MARKS = new Map<string, MarkOf>([
  [key(23300, 'PE'), { mark: 30, markSource: 'mid' }], [key(23600, 'PE'), { mark: 70, markSource: 'mid' }],
  [key(24400, 'CE'), { mark: 60, markSource: 'mid' }], [key(24700, 'CE'), { mark: 20, markSource: 'model' }],
  [key(23200, 'PE'), { mark: 25, markSource: 'mid' }],
]);

const g = (delta: number, gamma: number, vega: number, theta: number) => ({ delta, gamma, vega, theta });
const RISK = {
  cycleId: 'c-000420', ts: SESSION_NOW,
  total: { ...g(-30, -0.09, -4200, 1441), deltaNotional: -720_000, deltaRatio: -0.72, delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700 },
  byUnderlying: [{ underlying: 'NIFTY', spot: 24000, beta: 1, ...g(-30, -0.09, -4200, 1441), deltaNotional: -720_000, deltaRatio: -0.72, delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700, byExpiry: [{ expiry: EXP, ...g(-30, -0.09, -4200, 1441), delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700 }] }],
  structures: [], legs: [], pnl: { day: 1875, realised: 0, unrealised: 1875, marks: { mid: 4, model: 1, ltp: 0, entry: 0 } },
  limits: [
    { name: 'delta', scope: 'total', value: 7200, limit: 10000, soft: 8000, utilisation: 0.72, unit: '₹ per 1 % move' },
    { name: 'vega', scope: 'total', value: 4200, limit: 10000, soft: 8000, utilisation: 0.42 },
    { name: 'gamma', scope: 'total', value: 2700, limit: 4500, soft: 3600, utilisation: 0.6 },
    { name: 'theta', scope: 'total', value: 1441, limit: 10000, soft: 8000, utilisation: 0.1441 },
    { name: 'dailyLoss', scope: 'total', value: 0, limit: 20000, soft: 16000, utilisation: 0 },
    { name: 'stress', scope: 'total', value: 46200, limit: 60000, soft: 48000, utilisation: 0.77 },
  ],
  breaches: [],
  // The grid from the book's ₹ greeks to second order: P&L(s %, v pt) = −7,200·s − 2,700·s² − 4,200·v, e.g.
  // spot +2 % IV +5 = −14,400 − 10,800 − 21,000 = −46,200 (the worst: 77 % of the ₹60,000 stress limit);
  // spot −2 % IV −5 = +14,400 − 10,800 + 21,000 = +24,600. The gap is beyond the grid and milder.
  stress: {
    grid: ([[-2, -5, 24600], [0, -5, 21000], [2, -5, -4200], [-2, 0, 3600], [0, 0, 0], [2, 0, -25200], [-2, 5, -17400], [0, 5, -21000], [2, 5, -46200]] as const)
      .map(([spotPct, volPts, pnl]) => ({ spotPct, volPts, pnl, stickyStrike: pnl, stickyMoneyness: pnl })),
    gaps: [{ kind: 'gap', name: 'gap −3 % IV +4', spotPct: -3, volPts: 4, pnl: -12000 }], pins: [],
    worst: { kind: 'grid', name: 'spot +2 % IV +5 pt', spotPct: 2, volPts: 5, pnl: -46200 }, loss: 46200,
  },
  // The account is inside its stop (−₹15,000) with the trail armed at a ₹12,000 peak (floor 12,000 × 0.5); the intraday
  // bucket's own stop fired at 14:01:30 IST.
  stops: {
    date: '2026-01-07',
    account: { scope: 'account', pnl: 1875, gross: 1875, charges: 0, peak: 12000, stopAt: -15000, trailArmAt: 10000, trailFloor: 6000, triggered: null },
    buckets: [{ scope: 'intraday', pnl: -3100, gross: -3100, charges: 0, peak: 0, stopAt: -3000, trailArmAt: 2000, trailFloor: null, triggered: { kind: 'stop', at: HALTED_AT - 60_000, pnl: -3100, level: -3000 } }],
    accountBlocked: false, blockedBuckets: ['intraday'],
  },
  buckets: [], capitalAtRisk: { total: 16500, limit: 100000, utilisation: 0.165 }, margin: { required: 0, hedgeBenefit: 0, limit: 0 },
  fallbackLegs: 0, unvalued: [],
} as unknown as RiskReport;

const REPORT: ExecutionReport = {
  cycleId: 'c-000417', phase: { configured: 'FULL_AUTO', effective: 'SEMI_AUTO', reasons: ['data quality 0.78 is not above KS_FULL_AUTO_QUALITY 0.9'], history: { venue: 'paper', governance: null, days: { SHADOW: 5, SEMI_AUTO: 20 } } },
  sagasStarted: ['SG-2'], sagasProgressed: [{ sagaId: 'SG-2', stage: 'done', outcome: 'failed' }], approvalsCreated: ['apr-0001'], approvalsChanged: [],
  denied: [{ proposalId: 'P-77', reason: 'RISK_PRETRADE_DENIED', detail: 'VEGA_LIMIT: vega would reach ₹-11,200 per vol pt' }], shadowFills: [],
  reconciliation: { findings: [], mismatch: 'broker holds +75 NIFTY 23200 PE that no open structure explains' },
};

/**
 * Our surface for the session: NIFTY 2026-01-13 flat at 15 % on a forward equal to the 24,000 spot, 6 days out, no
 * rate (the curves' and greeks' arithmetic is pinned in gateway/views/trade.test.ts; here the page shows them).
 */
export const SPOTS = new Map([['NIFTY', 24000]]);
export const MODEL_OF = surfaceModels([{ underlying: 'NIFTY', expiry: EXP, t: 6 / 365, forward: 24000, strikes: [23000, 24000, 25000], vols: [0.15, 0.15, 0.15] }], SPOTS, 0);

export function sessionApproval(now: number): ApprovalView {
  const legs = [leg(23300, 'PE', 'BUY', 40), leg(23600, 'PE', 'SELL', 95), leg(24400, 'CE', 'SELL', 90), leg(24700, 'CE', 'BUY', 35)];
  return {
    id: 'apr-0001', status: 'pending', createdAt: now - 20_000, expiresAt: now + 100_000, reason: 'IV rank 72, 6 DTE weekly condor', underlying: 'NIFTY', kind: 'iron_condor',
    legs: legs.map(({ underlying: _u, ...l }) => l), ...approvalMoney(legs),
    // the model margin, by hand: the worst loss at expiry 300 × 75 = 22,500 plus 3 % of 24,000 × 75 = 54,000 → ₹76,500
    ...tradeRisk(legs, 'NIFTY', MODEL_OF, 24000, '2026-01-07'),
  };
}

/** The dashboard of the session; `shadow` swaps in the same positions as a SHADOW book. */
export function paperSession(opts: { shadow?: boolean } = {}): DashboardData {
  const shadow = opts.shadow === true;
  const events = new EventLog();
  events.push({ ts: SESSION_NOW - 7_200_000, kind: 'restart', title: 'VolGuard started', detail: 'venue paper, feed sim, phase FULL_AUTO', ref: 'main' });
  events.live('sys.actorRestarted', { name: 'risk', supervisor: 'trading', reason: 'crash', error: 'injected fault' }, SESSION_NOW - 600_000);
  events.push(...eventsFromExecution(REPORT, HALTED_AT - 1000));
  events.live('cycle.completed', { cycleId: 'c-000418', durationMs: 20.223433999999543, error: null }, HALTED_AT - 500);
  events.live('killswitch.changed', { state: 'HALTED', history: [{ from: 'NORMAL', to: 'HALTED', at: HALTED_AT, cycleId: 'c-000418', cause: { code: 'RECON_MISMATCH', message: 'broker and book disagree on NIFTY 23200 PE', evidence: {} } }] }, HALTED_AT);
  const base = sampleDashboard(SESSION_NOW, 24000);
  const approval = sessionApproval(SESSION_NOW);
  return {
    ...base,
    clock: { simulated: true, speed: 1 },
    pnl: { day: 1875, realised: 0, unrealised: 1875 },
    killswitch: { state: 'HALTED', cause: 'RECON_MISMATCH: broker and book disagree on NIFTY 23200 PE', history: [{ ts: HALTED_AT, from: 'NORMAL', to: 'HALTED', cause: 'broker and book disagree on NIFTY 23200 PE' }] },
    phase: shadow ? { configured: 'SHADOW', effective: 'SHADOW', reasons: [] } : { configured: 'FULL_AUTO', effective: 'SEMI_AUTO', reasons: REPORT.phase.reasons },
    book: bookView(sessionBook(shadow), MARKS, SESSION_NOW, { modelOf: MODEL_OF, spots: SPOTS }),
    risk: riskView(RISK, 1_000_000),
    // The strategy's last cycle: the intraday bucket blocked by its fired MTM stop, a NIFTY weekly entry by the event
    // calendar, and two skips that are the market's state (outside the entry window).
    strategy: strategySkipsView({
      lastCycleId: 'c-000420', lastTs: SESSION_NOW - 9_000,
      lastSkipped: [
        { bucket: 'intraday', underlying: null, reason: 'MTM_STOP', detail: 'intraday bucket MTM stop fired today (stop at −₹3,100, level −₹3,000)' },
        { bucket: 'weekly', underlying: 'NIFTY', reason: 'EVENT_CALENDAR', detail: 'skip_entries for RBI policy 2026-02-06 (provisional)' },
        { bucket: 'monthly', underlying: 'NIFTY', reason: 'OUTSIDE_WINDOW', detail: 'after the entry window' },
        { bucket: 'monthly', underlying: 'BANKNIFTY', reason: 'OUTSIDE_WINDOW', detail: 'after the entry window' },
      ],
    }),
    events: events.latest(100),
    approvals: shadow ? [] : [approval],
    approvalsPending: shadow ? 0 : 1,
    smiles: base.smiles.map((s, i) => (i === 0 ? { ...s, rmseVolPts: 0.42 } : i === 1 ? { ...s, fallback: true, fallbackReason: 'rmse 3.1 vol pts above 2' } : s)),
  };
}
