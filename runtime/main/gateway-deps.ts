/**
 * @module The real GatewayDeps: what the control plane reads and commands, all by message with timeouts, never
 * blocking the cycle. The dashboard view is assembled from the last cycle's state held by the orchestrator.
 */
import type { Config } from './config.ts';
import type { Clock } from '../clock.ts';
import type { ActorSystem } from '../system.ts';
import { VolguardError } from '../errors.ts';
import type { AuditEntry, GatewayDeps, Tokens } from '../../gateway/deps.ts';
import type { FaultKind } from '../status.ts';
import type { DashboardData, GatewayDepsExt, GatewayLog, SmileView, StructureView } from '../../gateway/deps-ext.ts';
import { journalClient } from '../../actors/journal/client.ts';
import { bookView, type MarkOf } from '../../gateway/views/book.ts';
import { EventLog, eventsFromExecution } from '../../gateway/views/events.ts';
import { approvalMoney } from '../../gateway/views/payoff.ts';
import { riskView } from '../../gateway/views/risk.ts';
import { surfaceModels, tradeRisk } from '../../gateway/views/trade.ts';
import { strategySkipsView } from '../../gateway/views/strategy.ts';
import { liveness } from '../../gateway/readiness.ts';
import type { StrategyStatus } from '../../actors/strategy/messages.ts';
import { istDate } from '../../actors/domain/calendar.ts';
import type { Underlying } from '../../actors/domain/underlying.ts';
import type { CycleOrchestrator } from './cycle.ts';
import type { MainMetrics } from './metrics.ts';

export interface DepsOptions {
  readonly config: Config;
  readonly clock: Clock;
  readonly tokens: Tokens;
  readonly system: ActorSystem;
  readonly cycle: CycleOrchestrator;
  readonly metrics: MainMetrics;
  readonly log: GatewayLog;
  /** Upstox token hot swap, when the venue is live. */
  readonly tokenRefresh?: (accessToken: string) => Promise<{ expiresAt: number | null }>;
}

const PNL_POINTS = 720;

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function createGatewayDeps(o: DepsOptions): GatewayDepsExt {
  const { system, cycle } = o;
  const journal = journalClient({ request: (to, type, body, opts) => system.request(to, type, body, opts?.timeoutMs) }, { actor: 'main' });
  const pnlTs: number[] = [];
  const pnlValues: number[] = [];
  const recordPnl = () => {
    const r = cycle.state.risk;
    if (!r) return;
    pnlTs.push(cycle.state.snapshot?.ts ?? o.clock.now());
    pnlValues.push(r.pnl.day);
    if (pnlTs.length > PNL_POINTS) {
      pnlTs.shift();
      pnlValues.shift();
    }
  };

  // Operator events, stamped with the market clock: each cycle's execution report plus main's live events.
  const events = new EventLog(200);
  events.push({ ts: o.clock.now(), kind: 'restart', title: 'VolGuard started', detail: `venue ${o.config.SAFETY_MODE}, feed ${o.config.FEED}, phase ${o.config.PHASE}`, ref: 'main' });
  system.onEvent((type, body) => {
    const now = o.clock.now();
    if (type === 'cycle.completed') {
      const r = cycle.state.execution;
      if (r !== null && r.cycleId === (body as { cycleId?: unknown } | null)?.cycleId) events.push(...eventsFromExecution(r, now));
    }
    events.live(type, body, now);
  });

  const deps: GatewayDeps = {
    config: o.config,
    clock: o.clock,
    tokens: o.tokens,
    actors: () => system.actors(),
    supervisors: () => system.supervisors(),
    inspect: (name, timeoutMs) => system.inspect(name, timeoutMs),
    request: async (actor, type, body, timeoutMs) => {
      const reply = await system.request(actor, type, body, timeoutMs ?? 5000);
      // An operator's decision happens outside the cycle (no execution report carries it): it is an event here.
      if (type === 'executor.approve' || type === 'executor.reject') {
        const a = reply as { id?: unknown; status?: unknown; statusReason?: unknown } | null;
        const b = body as { id?: unknown; who?: unknown } | null;
        events.push({ ts: o.clock.now(), kind: 'approval', title: `approval ${String(a?.status ?? 'unknown')}`, detail: `${String(b?.who ?? '—')}${typeof a?.statusReason === 'string' && a.statusReason !== a.status ? `: ${a.statusReason}` : ''}`, ref: String(a?.id ?? b?.id ?? '—') });
      }
      // An operator's close of one structure starts its exit saga outside the cycle too.
      if (type === 'executor.closeStructure') {
        const a = reply as { structureId?: unknown; sagaId?: unknown; legs?: unknown[] } | null;
        const b = body as { who?: unknown; reason?: unknown } | null;
        events.push({ ts: o.clock.now(), kind: 'order', title: `close of ${String(a?.structureId ?? '—')} sent`, detail: `${String(b?.who ?? '—')}: ${String(b?.reason ?? '')} (${Array.isArray(a?.legs) ? a.legs.length : 0} legs, reduce-only)`, ref: String(a?.sagaId ?? '—') });
      }
      return reply as never;
    },
    fault: (name: string, kind: FaultKind) => system.fault(name, kind),
    // Wall time: the orchestrator runs on the real clock whatever the market's (a replay stamps its cycles with the
    // recording's instants, which says nothing about whether the loop still turns).
    health: () => liveness({
      actors: system.actors(),
      lastCompletedAt: cycle.state.lastCompletedAt,
      quietUntil: cycle.state.quietUntil,
      lastError: cycle.state.lastError,
      now: Date.now(),
      freshMs: Math.max(5000, o.config.SUPERVISOR_LOOP_INTERVAL * 1000 * 3),
    }),
    loop: {
      status: () => cycle.status(),
      start: () => cycle.startTrading(),
      stop: () => cycle.stopTrading(),
    },
    metrics: async () => {
      o.metrics.observeTree(system.actors());
      return o.metrics.exposition(await system.actorMetrics());
    },
    audit: async (entry: AuditEntry) => {
      await journal.audit(entry as never);
    },
    onEvent: (listener) => system.onEvent((type, body) => listener(type, body)),
  };

  const dashboard = async (): Promise<DashboardData> => {
    const st = cycle.state;
    recordPnl();
    const snap = st.snapshot;
    const risk = st.risk;
    const ks = st.killswitch;
    const approvals = await system
      .request<{ approvals: DashboardData['approvals'] }>('executor', 'executor.approvals', null, 1000)
      .then((r) => r.approvals ?? [])
      .catch(() => []);
    // The strategy's risk-rule skips (event calendar, re-entry cool-down, entries per day, MTM stop) at its last cycle.
    const strategy = await system
      .request<StrategyStatus>('strategy', 'strategy.status', {}, 1000)
      .then((r) => strategySkipsView(r))
      .catch(() => null);
    const smiles: SmileView[] = (st.surface?.expiries ?? []).map((e) => ({
      underlying: e.underlying,
      expiry: e.expiry,
      strikes: Array.from(e.strikes),
      marketIv: Array.from(e.marketIv, finiteOrNull),
      fitIv: Array.from(e.vols, finiteOrNull),
      forward: e.forward,
      fallback: e.fallback,
      ...(e.fallbackReason !== undefined ? { fallbackReason: e.fallbackReason } : {}),
      ...(Number.isFinite(e.rmseVolPts) ? { rmseVolPts: e.rmseVolPts } : {}),
    }));
    const marks = new Map<string, MarkOf>((risk?.legs ?? []).map((l) => [l.instrumentKey, { mark: l.mark, markSource: l.markSource }]));
    const now = snap?.ts ?? o.clock.now();
    // Our surface as Black-76 models per expiry: the approval cards' greeks and the payoff curves "today".
    const spots = new Map<string, number>((snap?.spots ?? []).map((s) => [s.underlying, s.spot]));
    const modelOf = surfaceModels(st.surface?.expiries ?? [], spots, o.config.RISK_FREE_RATE);
    const today = istDate(now);
    const structures: StructureView[] = (st.book?.structures ?? [])
      .filter((s) => s.status !== 'closed')
      .map((s) => {
        const sr = risk?.structures.find((x) => (x as { id?: string }).id === s.id) as { unrealised?: number } | undefined;
        return {
          id: s.id,
          kind: s.kind,
          underlying: s.underlying,
          expiry: s.expiry,
          status: s.status,
          legs: s.legs.map((l) => ({ instrumentKey: l.instrumentKey, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: l.quantity, ...(l.limitPrice !== undefined ? { limitPrice: l.limitPrice } : {}) })),
          ...(sr?.unrealised !== undefined ? { pnl: sr.unrealised } : {}),
        };
      });
    const limit = (name: string) => risk?.limits.find((l) => (l as { name?: string }).name === name) as { limit?: number } | undefined;
    return {
      ts: now,
      clock: o.config.FEED === 'sim' ? { simulated: true, speed: o.config.SIM_SPEED } : { simulated: false },
      book: st.book === null ? null : bookView(st.book, marks, now, { modelOf, spots }),
      risk: risk === null ? null : riskView(risk, o.config.BASE_CAPITAL),
      strategy,
      events: events.latest(100),
      underlyings: (snap?.spots ?? []).map((s) => ({ name: s.underlying, spot: s.spot, vix: snap?.vix ?? null })),
      pnl: { day: risk?.pnl.day ?? 0, realised: risk?.pnl.realised ?? 0, unrealised: risk?.pnl.unrealised ?? 0 },
      pnlCurve: { ts: [...pnlTs], pnl: [...pnlValues] },
      greeks: {
        delta: risk?.total.deltaRatio ?? 0,
        // In the units of its limit: ₹ per 1 %² move (the raw ∂²V/∂F² read 0.09 against a ₹10,000 limit).
        gamma: risk?.total.gamma1pct ?? 0,
        vega: risk?.total.vega ?? 0,
        theta: risk?.total.theta ?? 0,
        limits: {
          delta: o.config.MAX_NET_DELTA,
          ...(limit('vega')?.limit !== undefined ? { vega: limit('vega')?.limit as number } : {}),
          ...(limit('gamma')?.limit !== undefined ? { gamma: limit('gamma')?.limit as number } : {}),
          ...(limit('theta')?.limit !== undefined ? { theta: limit('theta')?.limit as number } : {}),
        },
      },
      killswitch: {
        state: ks?.state ?? 'NORMAL',
        cause: ks?.cause?.message ?? null,
        history: (ks?.history ?? []).map((t) => ({ ts: t.at, from: t.from, to: t.to, cause: t.cause.message })),
      },
      // The kill switch's is the phase in force now (the next cycle acts on it); the executor's reasons say why it
      // differs at the last cycle, the kill switch's state and cause why now.
      phase: {
        configured: cycle.phase,
        effective: ks?.effectivePhase ?? st.execution?.phase.effective ?? cycle.phase,
        reasons: [...(st.execution?.phase.reasons ?? []), ...(ks !== null && ks.state !== 'NORMAL' ? [`kill switch ${ks.state}${ks.cause ? `: ${ks.cause.code}: ${ks.cause.message}` : ''}`] : [])],
      },
      dataQuality: { score: snap?.quality.score ?? 0, components: { ...(snap?.quality.components ?? {}) } },
      lastCycle: cycle.status().lastCycle,
      structures,
      approvalsPending: (approvals ?? []).filter((a) => a.status === 'pending').length,
      approvals: (approvals ?? []).map((a) => ({
        ...a, ...approvalMoney(a.legs),
        ...(a.underlying !== undefined ? tradeRisk(a.legs, a.underlying as Underlying, modelOf, spots.get(a.underlying), today) : {}),
      })),
      smiles,
    };
  };

  return {
    ...deps,
    dashboard,
    readiness: () => {
      const ks = cycle.state.killswitch;
      const quality = cycle.state.snapshot?.quality.score;
      return {
        killswitch: ks ? { state: ks.state, cause: ks.cause === null ? null : `${ks.cause.code}: ${ks.cause.message}` } : null,
        dataQuality: quality === undefined || !Number.isFinite(quality) ? null : quality,
        phase: { configured: cycle.phase, effective: ks?.effectivePhase ?? cycle.phase },
      };
    },
    tokenRefresh: async (accessToken: string) => {
      if (!o.tokenRefresh) throw new VolguardError('TOKEN_NOT_APPLICABLE', `expected SAFETY_MODE=live with the upstox venue, was SAFETY_MODE=${o.config.SAFETY_MODE}`);
      return o.tokenRefresh(accessToken);
    },
    log: o.log,
  };
}
