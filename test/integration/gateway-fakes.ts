/**
 * @module A fake `GatewayDepsExt` for gateway tests: canned state, and a record of every action the gateway asked
 * for (requests with side effects, audits, faults, loop start/stop, token swaps), so tests can assert "no state change".
 */
import { ManualClock } from '../../runtime/clock.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import type { AuditEntry, LoopStatus } from '../../gateway/deps.ts';
import type { ActorInfo } from '../../runtime/status.ts';
import { VolguardError } from '../../runtime/errors.ts';
import type { ApprovalView, DashboardData, GatewayDepsExt, GatewayLog } from '../../gateway/deps-ext.ts';
import type { ReadinessFacts } from '../../gateway/readiness.ts';
import { assess, initialRiskState, riskView } from '../../actors/risk/core.ts';
import { condorBook, settings as riskFixtureSettings, snapshot as riskSnapshot, surface as riskSurface } from '../../actors/risk/fixture.ts';

/** What `risk.view` answers: the risk core's own view of its fixture condor (a real shape, not a hand-written one). */
export function sampleRiskView() {
  const { report } = assess(initialRiskState(riskFixtureSettings()), { cycleId: 'c1', snapshot: riskSnapshot(), surface: riskSurface(), book: condorBook() });
  return riskView(report);
}

export const TOKENS = {
  admin: 'adm-0123456789abcdef-ADMIN',
  operator: 'opr-0123456789abcdef-OPER',
  viewer: 'vwr-0123456789abcdef-VIEW',
} as const;

export const AUTH = {
  admin: { authorization: `Bearer ${TOKENS.admin}` },
  operator: { authorization: `Bearer ${TOKENS.operator}` },
  viewer: { authorization: `Bearer ${TOKENS.viewer}` },
} as const;

/** Approvals the fake's executor knows that are no longer pending (not in the queue view). */
export const SETTLED_APPROVALS: Readonly<Record<string, string>> = { 'apr-expired': 'expired', 'apr-invalid': 'invalidated' };

/**
 * The risk actor's `risk.pnl` view: Monday closed (−₹1,200 net after ₹340 of charges), Tuesday open (+₹850 so far).
 * Equity 10,00,000 → 9,98,800 → 9,99,650: the totals are the rows' sums. The shadow book's days beside them.
 */
export const SAMPLE_PNL = {
  days: [
    { date: '2026-12-07', gross: -900, charges: 340, settlement: 0, net: -1_200, realised: -1_240, unrealised: 40, trades: 8, maxDrawdown: 2_100, safetyEvents: 1, open: false },
    { date: '2026-12-08', gross: 0, charges: 0, settlement: 0, net: 850, realised: 0, unrealised: 850, trades: 0, maxDrawdown: 300, safetyEvents: 0, open: true },
  ],
  total: { gross: -900, charges: 340, settlement: 0, net: -350 },
  equity: { start: 1_000_000, dayStart: 998_800, now: 999_650 },
  // The shadow book SHADOW trading kept: Monday −₹375 after ₹45 of charges (its flatten's fills included), Tuesday ₹0.
  shadow: {
    days: [{ date: '2026-12-07', net: -375, charges: 45, open: false }, { date: '2026-12-08', net: 0, charges: 0, open: true }],
    total: { charges: 45, net: -375 },
    equity: { start: 1_000_000, dayStart: 999_625, now: 999_625 },
  },
} as const;

/** Message types that only read state; anything else the fake receives is an action. */
const READS = new Set(['killswitch.status', 'executor.approvals', 'executor.orders', 'executor.positions', 'executor.account', 'executor.phase', 'executor.venueKillSwitch', 'risk.pnl', 'risk.view']);

export interface Recorded {
  requests: { actor: string; type: string; body: unknown }[];
  audits: AuditEntry[];
  faults: { name: string; kind: string }[];
  loop: string[];
  tokenRefreshes: number;
  /** Every change the fake system underwent (an actor accepting a command, the loop, a fault, a token swap), in order. */
  effects: string[];
  logs: { level: string; obj: object; msg?: string | undefined }[];
}

function actor(name: string, path: string, status: ActorInfo['status'] = 'running', restarts = 0): ActorInfo {
  return { name, path, status, threadId: 3, incarnation: restarts + 1, restarts, restartsInWindow: restarts, lastExit: null, uptimeMs: 61_000, mailbox: 0, msgsIn: 1200, msgsOut: 1180, elu: 0.04, heapUsedBytes: 18_000_000 };
}

export function sampleApprovals(now: number): ApprovalView[] {
  return [
    {
      id: 'apr-0001',
      status: 'pending',
      createdAt: now - 20_000,
      expiresAt: now + 100_000,
      reason: 'IV rank 72, 18 DTE weekly condor',
      underlying: 'NIFTY',
      kind: 'iron_condor',
      legs: [
        { instrumentKey: 'NSE_FO|NIFTY26JAN23000PE', expiry: '2026-01-27', strike: 23000, right: 'PE', side: 'BUY', quantity: 75 },
        { instrumentKey: 'NSE_FO|NIFTY26JAN23500PE', expiry: '2026-01-27', strike: 23500, right: 'PE', side: 'SELL', quantity: 75 },
        { instrumentKey: 'NSE_FO|NIFTY26JAN24500CE', expiry: '2026-01-27', strike: 24500, right: 'CE', side: 'SELL', quantity: 75 },
        { instrumentKey: 'NSE_FO|NIFTY26JAN25000CE', expiry: '2026-01-27', strike: 25000, right: 'CE', side: 'BUY', quantity: 75 },
      ],
    },
  ];
}

function smile(underlying: string, expiry: string, forward: number, step: number, atmVol: number) {
  const strikes: number[] = [];
  const marketIv: (number | null)[] = [];
  const fitIv: (number | null)[] = [];
  for (let i = -10; i <= 10; i++) {
    const k = Math.round(forward / step) * step + i * step;
    const x = Math.log(k / forward);
    const fit = atmVol - 0.35 * atmVol * x + 2.2 * x * x;
    strikes.push(k);
    fitIv.push(fit);
    // Deterministic "noise" so the market points sit around the curve.
    marketIv.push(i === 7 ? null : fit + 0.002 * Math.sin(i * 1.7));
  }
  return { underlying, expiry, strikes, marketIv, fitIv, forward };
}

export function sampleDashboard(now: number, spot = 24012.35): DashboardData {
  return {
    ts: now,
    underlyings: [
      { name: 'NIFTY', spot, vix: 13.42 },
      { name: 'BANKNIFTY', spot: 51234.9, vix: 13.42 },
    ],
    pnl: { day: 4210.5, realised: 1500, unrealised: 2710.5 },
    pnlCurve: { ts: [now - 240_000, now - 180_000, now - 120_000, now - 60_000], pnl: [0, 1200, 2600, 3900] },
    greeks: { delta: 0.12, gamma: -0.0021, vega: -420, theta: 1830, limits: { delta: 0.4, vega: 1000 } },
    killswitch: { state: 'NORMAL', cause: null, history: [{ ts: now - 3_600_000, from: 'DEGRADED', to: 'NORMAL', cause: '5 healthy cycles' }] },
    phase: { configured: 'SEMI_AUTO', effective: 'SEMI_AUTO' },
    dataQuality: { score: 0.93, components: { staleness: 0.98, crossed: 1, missingStrikes: 0.9, spread: 0.85, forwardConsistency: 0.97, silence: 1 } },
    lastCycle: { id: 'c-000042', ts: now - 1000, durationMs: 7.4, stages: { read_market: 1.1, assess_risk: 3.9, check_safety: 0.3, execute: 1.2, journal: 0.9 } },
    structures: [
      {
        id: 'ic-20260106-1',
        kind: 'iron_condor',
        underlying: 'NIFTY',
        expiry: '2026-01-13',
        status: 'open',
        pnl: 2710.5,
        legs: [
          { instrumentKey: 'NSE_FO|NIFTY26JAN13_23300PE', expiry: '2026-01-13', strike: 23300, right: 'PE', side: 'BUY', quantity: 75 },
          { instrumentKey: 'NSE_FO|NIFTY26JAN13_23600PE', expiry: '2026-01-13', strike: 23600, right: 'PE', side: 'SELL', quantity: 75 },
          { instrumentKey: 'NSE_FO|NIFTY26JAN13_24400CE', expiry: '2026-01-13', strike: 24400, right: 'CE', side: 'SELL', quantity: 75 },
          { instrumentKey: 'NSE_FO|NIFTY26JAN13_24700CE', expiry: '2026-01-13', strike: 24700, right: 'CE', side: 'BUY', quantity: 75 },
        ],
      },
    ],
    approvalsPending: 1,
    approvals: sampleApprovals(now),
    smiles: [smile('NIFTY', '2026-01-13', 24030, 100, 0.125), smile('NIFTY', '2026-01-27', 24060, 100, 0.132), smile('BANKNIFTY', '2026-01-27', 51300, 200, 0.145)],
  };
}

export interface FakeOptions {
  env?: Record<string, string>;
  tokens?: { admin: string; operator?: string; viewer?: string };
  /** Makes `request` reject (for error-mapping tests). */
  requestError?: (actor: string, type: string) => Error | undefined;
  auditError?: Error;
  healthy?: boolean;
  /** What readiness sees (default: NORMAL, quality 0.93, SEMI_AUTO). */
  readiness?: Partial<ReadinessFacts>;
}

export function fakeDeps(opts: FakeOptions = {}) {
  const clock = new ManualClock();
  const config = parseConfig({ VOLGUARD_CHAOS: '1', PHASE: 'SEMI_AUTO', ...opts.env });
  const rec: Recorded = { requests: [], audits: [], faults: [], loop: [], tokenRefreshes: 0, effects: [], logs: [] };
  const listeners = new Set<(type: string, body: unknown) => void>();
  let loop: LoopStatus['loop'] = 'running';
  let approvals = sampleApprovals(clock.now());
  let configured: string = config.PHASE;
  // One FULL_AUTO request waiting for its separate approval, so POST /api/v1/phase/approve has something to approve.
  let pending: { id: string; phase: string; approver: string; reason: string; venue: string; ts: number; expiresAt: number } | null = { id: 'PR-0001', phase: 'FULL_AUTO', approver: 'alice', reason: 'a month of SEMI_AUTO reviewed', venue: config.SAFETY_MODE, ts: clock.now(), expiresAt: clock.now() + 3_600_000 };
  const phaseView = () => ({ configured, effective: configured, venue: config.SAFETY_MODE, governance: null, pending, history: { SHADOW: 0, SEMI_AUTO: 0 }, fullAuto: [] });
  let dashboard = sampleDashboard(clock.now());
  const log: GatewayLog = {
    info: (obj, msg) => void rec.logs.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void rec.logs.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void rec.logs.push({ level: 'error', obj, msg }),
  };
  const actors = [actor('journal', 'root/journal'), actor('feed', 'root/market/feed'), actor('calibrator', 'root/market/calibrator'), actor('risk', 'root/trading/risk'), actor('killswitch', 'root/trading/killswitch'), actor('strategy', 'root/trading/strategy', 'running', 1), actor('executor', 'root/trading/executor')];
  const deps: GatewayDepsExt = {
    config,
    clock,
    tokens: opts.tokens ?? TOKENS,
    log,
    actors: () => actors,
    supervisors: () => [
      { name: 'root', path: 'root', strategy: 'one_for_one', intensity: 10, periodMs: 60_000, restartsInWindow: 1, status: 'running', children: ['journal', 'market', 'trading'] },
      { name: 'market', path: 'root/market', strategy: 'rest_for_one', intensity: 5, periodMs: 30_000, restartsInWindow: 0, status: 'running', children: ['feed', 'calibrator'] },
      { name: 'trading', path: 'root/trading', strategy: 'rest_for_one', intensity: 5, periodMs: 30_000, restartsInWindow: 1, status: 'running', children: ['risk', 'killswitch', 'strategy', 'executor'] },
    ],
    inspect: async (name) => ({ name, positions: 2 }),
    request: async <T,>(actorName: string, type: string, body?: unknown): Promise<T> => {
      const err = opts.requestError?.(actorName, type);
      if (err !== undefined) throw err;
      if (!READS.has(type)) rec.requests.push({ actor: actorName, type, body });
      switch (type) {
        case 'killswitch.status':
          return { state: 'NORMAL', since: clock.now() - 3_600_000, cause: null, history: [] } as T;
        case 'executor.approvals':
          return { approvals } as T;
        case 'risk.pnl':
          return SAMPLE_PNL as T;
        case 'executor.orders':
          return { orders: [{ clientOrderId: 'vg-1', sagaId: 's-1', instrumentKey: 'NSE_FO|X', side: 'SELL', quantity: 75, status: 'filled', brokerOrderId: 'B1', filledQuantity: 75 }] } as T;
        case 'executor.positions':
          return { positions: [{ instrumentKey: 'NSE_FO|X', quantity: -75, averagePrice: 101.5, structureId: 'ic-1' }], structures: [] } as T;
        case 'executor.account':
          return { source: 'paper', equity: 1_000_000, availableMargin: 850_000, usedMargin: 150_000, asOf: clock.now() } as T;
        case 'risk.view':
          return sampleRiskView() as T;
        case 'executor.approve':
        case 'executor.reject': {
          // As the executor answers: unknown id → NOT_FOUND; a settled approval → itself, unchanged.
          const id = (body as { id: string }).id;
          const settled = SETTLED_APPROVALS[id];
          if (settled !== undefined) return { id, status: settled } as T;
          // As the executor answers an approval risk refused on its re-check: `reason` is the proposal's rationale,
          // `statusReason` why it failed.
          if (id === 'apr-failed') return { id, status: 'failed', reason: 'iron_condor entry: IV/RV 2.28, 1 lot(s)', statusReason: 'RISK_PRETRADE_DENIED: VEGA_LIMIT vega beyond its limit' } as T;
          if (!approvals.some((a) => a.id === id)) throw new VolguardError('NOT_FOUND', `expected a known approval id, was ${JSON.stringify(id)}`);
          approvals = approvals.filter((a) => a.id !== id);
          dashboard = { ...dashboard, approvals, approvalsPending: approvals.length };
          rec.effects.push(`${type} ${id}`);
          return { id, status: type === 'executor.approve' ? 'approved' : 'rejected' } as T;
        }
        case 'executor.phase':
          return phaseView() as T;
        case 'executor.venueKillSwitch':
          return { available: true, segments: [{ segment: 'NSE_FO', active: true, engaged: true }], last: { segment: 'NSE_FO', engaged: true, by: 'flatten', reason: 'EMERGENCY flatten run 1 proved flat', ts: clock.now() } } as T;
        case 'executor.setPhase': {
          // As the executor answers (actors/domain/phase-governance.ts), with the checks always passing: FULL_AUTO on live
          // is only requested; anything else is set.
          const b = body as { phase: string; approver: string; reason: string };
          const venue = config.SAFETY_MODE;
          if (b.phase === 'FULL_AUTO' && venue === 'live') {
            pending = { id: `PR-${clock.now().toString(36)}`, ...b, venue, ts: clock.now(), expiresAt: clock.now() + 3_600_000 };
            rec.effects.push(`${type} requested ${b.phase}`);
            return { ok: true, applied: false, phase: configured, venue, pending, checks: [] } as T;
          }
          configured = b.phase;
          rec.effects.push(`${type} ${b.phase}`);
          return { ok: true, applied: true, phase: b.phase, venue, checks: b.phase === 'FULL_AUTO' ? [{ name: 'history', ok: true, waived: true, detail: 'waived on paper' }] : [] } as T;
        }
        case 'executor.approvePhase': {
          const b = body as { id: string; approver: string; reason: string };
          if (pending === null || pending.id !== b.id) return { ok: false, code: 'NOT_FOUND', refused: `expected a pending phase request ${JSON.stringify(b.id)}, was none`, venue: config.SAFETY_MODE, checks: [] } as T;
          configured = pending.phase;
          pending = null;
          rec.effects.push(`${type} ${b.id}`);
          return { ok: true, applied: true, phase: configured, venue: config.SAFETY_MODE, checks: [] } as T;
        }
        default:
          rec.effects.push(type);
          return { accepted: true } as T;
      }
    },
    fault: (name, kind) => void (rec.faults.push({ name, kind }), rec.effects.push(`fault ${name} ${kind}`)),
    health: () => (opts.healthy === false ? { ok: false, reasons: ['feed: last snapshot 12 s old'] } : { ok: true, reasons: [] }),
    loop: {
      status: () => ({ loop, cycles: 42, lastCycle: { id: 'c-000042', ts: clock.now() - 1000, durationMs: 7.4, stages: { read_market: 1.1 }, overrun: false }, uptimeMs: 123_000 }),
      start: () => void (rec.loop.push('start'), rec.effects.push('loop.start'), (loop = 'running')),
      stop: () => void (rec.loop.push('stop'), rec.effects.push('loop.stop'), (loop = 'stopped')),
    },
    metrics: async () => '# HELP volguard_actor_up 1 when the actor runs\n# TYPE volguard_actor_up gauge\nvolguard_actor_up{actor="feed"} 1\n',
    audit: async (entry) => {
      if (opts.auditError !== undefined) throw opts.auditError;
      rec.audits.push(entry);
    },
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    dashboard: async () => dashboard,
    readiness: () => ({ killswitch: { state: 'NORMAL', cause: null }, dataQuality: 0.93, phase: { configured: 'SEMI_AUTO', effective: 'SEMI_AUTO' }, ...opts.readiness }),
    tokenRefresh: async () => {
      rec.tokenRefreshes += 1;
      rec.effects.push('token.refresh');
      return { expiresAt: clock.now() + 86_400_000 };
    },
  };
  return {
    deps,
    rec,
    clock,
    emit: (type: string, body: unknown) => {
      for (const l of listeners) l(type, body);
    },
    listenerCount: () => listeners.size,
    setDashboard: (d: DashboardData) => void (dashboard = d),
    /** True when the fake saw nothing but reads. */
    untouched: () => rec.requests.length === 0 && rec.audits.length === 0 && rec.faults.length === 0 && rec.loop.length === 0 && rec.tokenRefreshes === 0,
  };
}
