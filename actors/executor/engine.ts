/**
 * @module The executor's engine: carries out the core's decisions against a Broker, journaling every event (awaited)
 * BEFORE acting on it — an order's intent is durable before the order is sent, so a crash at any point leaves a
 * record that reconciliation can match by tag. Ports (broker, journal, risk, kill switch, clock, sleep) are
 * injected, so integration tests run it in-process with the paper exchange. One call at a time (the actor mailbox
 * serialises them); flatten is re-entrant-safe (a second call joins the first).
 */
import { BrokerError, type Broker, type BrokerOrder, type MultiPlaceLine, type OrderRequest } from '../venues/broker.ts';
import type { Clock } from '../../runtime/clock.ts';
import { VolguardError } from '../../runtime/errors.ts';
import { istDate } from '../domain/calendar.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';
import { flattenOrderId, sagaId as sagaIdOf } from './ids.ts';
import { checkCoreConfig, type CoreConfig } from './core.ts';
import { aggressivePrice, type RulesLookup, type TouchLookup } from './pricing.ts';
import { MARKET_CLOSED_CARRY, nextSagaStep } from './saga.ts';
import { reconcileOrders, reconcilePositions } from './recon.ts';
import { adoptedExitProposal, closeExceedsHolding } from './exits.ts';
import { nakedLegEvents } from './naked.ts';
import { describeKey, QuoteIndex, touchFromSnapshot } from './quote-index.ts';
import { drift, marketRef, sweepApprovals } from './approvals.ts';
import { shadowFills } from './shadow.ts';
import {
  approvalProblem, failed, governanceCheck, governanceFor, requestChecks, venueOf,
  type GovernanceApproval, type GovernanceRules, type HistoryCounts, type PhaseHistory, type PhaseRequest, type Venue,
} from '../domain/phase-governance.ts';
import { orphanEvents, unmanagedDetail } from './orphans.ts';
import { stuckStructureEvents } from './structure-check.ts';
import { apply, initialState, isTerminal, isUnsettled, openPositions, positionsView, type ApprovalRec, type ExecEvent, type ExecState, type PlannedOrder } from './state.ts';
import type { Approval, ApprovePhaseRequest, DenyReason, ExecuteRequest, ExecutionReport, FlattenResult, KillSwitchView, OrderDenied, PhaseAnswer, PhaseView, ReconFinding, SagaProgress, SetPhaseRequest } from './messages.ts';
import type { Book } from '../domain/book.ts';
import type { OrderView } from '../domain/order.ts';
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import { permits, type Action, type TradingState } from '../domain/trading-state.ts';

export interface PreTradeDecision {
  readonly allowed: boolean;
  readonly reason?: string;
}

export interface EngineLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineMetrics {
  order(status: string): void;
  saga(outcome: string): void;
  positionsOpen(n: number): void;
}

export interface EnginePorts {
  readonly broker: Broker;
  readonly journal: { append(type: string, body: unknown, opts?: { cycleId?: string | undefined }): Promise<number>; kvPut(key: string, value: unknown): Promise<number> };
  /** `risk.preTrade`; a throw (risk unavailable) counts as a denial: fail closed. */
  preTrade(body: { proposal: Proposal; book: Book }): Promise<PreTradeDecision>;
  /**
   * A short leg unhedged past NAKED_LEG_TIMEOUT_MS: fire and forget (`ctx.send('killswitch', 'executor.nakedLegDetected',
   * {structureId, message})`) — never a request: the kill switch answers EMERGENCY with `executor.flatten`, which must
   * find the executor free, not blocked waiting on the kill switch. Returning `false` means it was dropped (target
   * restarting, buffer full): the event is then not journaled and the next check sends again.
   */
  emergency(body: { reason: 'NAKED_LEG'; structureId: string; message: string }): unknown;
  readonly clock: Clock;
  /** Waits between flatten attempts (tests pass one that advances a manual clock). */
  sleep(ms: number): Promise<void>;
  /** Called when quotes moved (paper: re-match working orders). */
  onMarket?(snapshot: MarketSnapshot): void;
  /** The broker takes multi-leg groups in one `placeMultiOrder` call (BUY lines first; per-line results, 207-style). */
  readonly multiOrder?: boolean;
  readonly rules?: RulesLookup;
  readonly log?: EngineLog;
  readonly metrics?: EngineMetrics;
}

export interface EngineConfig extends CoreConfig {
  /**
   * Market ms per wall ms of the clock the executor runs on (`SIM_SPEED` on the scaled sim clock, 1 live). Timers are
   * market time; this only turns a market-time wait into a wall-time sleep (the flatten's look-again) and sets how often
   * the worker's tick runs (`tickIntervalMs`).
   */
  readonly clockSpeed?: number;
  /**
   * Minimum time between full broker reconciliations (order book + positions reads) while nothing is in flight.
   * Upstox allows 2000 reads per 30 min: reconciling every 3 s cycle would spend 1200 of them. 0 = every cycle.
   * Market ms, like every executor timer (on live the market clock is the wall clock).
   */
  readonly reconIntervalMs?: number;
  /** The configured PHASE: which book `book()` shows before the first cycle (a journaled governance phase wins). */
  readonly phase?: Phase;
  readonly approvalTtlMs: number;
  /** SAFETY_MODE=live: the venue whose history and decisions count. */
  readonly live: boolean;
  /** The FULL_AUTO rule (FULL_AUTO_MIN_*, PAPER_WAIVE_PHASE_HISTORY): a request for FULL_AUTO is answered with its checks. */
  readonly fullAutoMinShadowDays: number;
  readonly fullAutoMinSemiAutoDays: number;
  readonly fullAutoMinQuality: number;
  readonly paperWaiveHistory: boolean;
  /** Market ms a FULL_AUTO request waits for its separate approval (PHASE_REQUEST_TTL); default one hour. */
  readonly phaseRequestTtlMs?: number;
  readonly flattenMaxAttempts: number;
  readonly flattenRetryMs: number;
}

const SILENT: EngineLog = { info() {}, warn() {}, error() {} };
/** Upstox (and the paper exchange) take at most 25 lines per multi order. */
const MULTI_MAX = 25;
export const PHASE_KEY = 'executor.phase';
const DEFAULT_PHASE_REQUEST_TTL_MS = 3_600_000;
/**
 * Rounds one flatten may spend, beyond its attempts, waiting on orders in doubt (or pulling orders still working)
 * before it judges anyway. Each wait sleeps at least FLATTEN_RETRY_MS and an eighth of the grace still to run, so ~8
 * waits cover RECON_GRACE_MS.
 */
const FLATTEN_MAX_WAITS = 32;

export class ExecutorEngine {
  readonly state: ExecState;
  readonly #p: EnginePorts;
  readonly #cfg: EngineConfig;
  readonly #updates: BrokerOrder[] = [];
  readonly #unsubscribe: () => void;
  /** The kill switch's state as last seen (undefined after a start until the first cycle or broadcast). */
  #ks: TradingState | undefined;
  #snapshot: MarketSnapshot | undefined;
  #surface: SurfaceCalibrated | undefined;
  #touch: TouchLookup = () => undefined;
  /** Where each key sits in the snapshots' chains (rebuilt only when their keys change): touches and approval refs. */
  readonly #quotes = new QuoteIndex();
  /** The phase in force: the kill switch's effective phase, never above the configured one. */
  #phase: Phase = 'SHADOW';
  /** The phase in force at the last cycle (undefined before the first): the kill switch's, never above the configured. */
  #effective: Phase | undefined;
  /** The PHASE main asks for (the boot PHASE until the first cycle): configures the phase unless governance decided here. */
  #requested: Phase;
  #flattening: Promise<FlattenResult> | undefined;
  #cycleId: string | undefined;

  /** Rebuilds state from journaled events (the executor's own stream, in seq order). */
  constructor(ports: EnginePorts, cfg: EngineConfig, journaled: readonly ExecEvent[] = []) {
    checkCoreConfig(cfg);
    this.#p = ports;
    this.#cfg = cfg;
    this.state = initialState();
    for (const e of journaled) apply(this.state, e);
    // After a restart the book must be the real one (or the shadow one) before the first cycle asks for it.
    this.#requested = cfg.phase ?? 'SHADOW';
    this.#phase = lowerPhase(this.#configuredPhase(), 'SEMI_AUTO');
    // Paper delivers updates synchronously inside placeOrder; queue them and journal them in order afterwards.
    this.#unsubscribe = ports.broker.onOrderUpdate((o) => this.#updates.push(o));
  }

  get #log(): EngineLog {
    return this.#p.log ?? SILENT;
  }

  close(): void {
    this.#unsubscribe();
  }

  async #emit(events: readonly ExecEvent[]): Promise<void> {
    for (const e of events) {
      await this.#p.journal.append(e.type, e, { cycleId: this.#cycleId });
      apply(this.state, e);
      if (e.type === 'executor.orderUpdated') this.#p.metrics?.order(e.status);
      if (e.type === 'executor.orderUnknown') this.#p.metrics?.order('unknown');
      if (e.type === 'executor.sagaFinished') this.#p.metrics?.saga(e.outcome);
    }
  }

  /** Journals the order updates the broker pushed since the last drain (ours only; others are left to recon). */
  async #drain(): Promise<void> {
    while (this.#updates.length > 0) {
      const u = this.#updates.shift();
      if (u === undefined || u.clientOrderId === null) continue;
      const o = this.state.orders[u.clientOrderId];
      if (o === undefined) continue;
      if (u.filledQuantity === o.filledQuantity && u.status === o.status) continue;
      if (u.filledQuantity < o.filledQuantity) continue;
      await this.#emit([{
        type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: u.brokerOrderId,
        status: u.status, filledQuantity: u.filledQuantity, averagePrice: u.averagePrice,
        ...(u.statusMessage !== undefined ? { reason: u.statusMessage } : {}), ts: this.#p.clock.now(),
      }]);
    }
  }

  // ---- kill switch ----

  /**
   * The kill switch's gate: `permits(state, action)` on the state last seen — nothing else. Before any state was seen
   * (after a start, until the first cycle or broadcast) only cancels and the flatten are allowed: fail closed.
   */
  #allowed(action: Action): boolean {
    return this.#ks === undefined ? action === 'cancel' || action === 'flatten' : permits(this.#ks, action);
  }

  /** `killswitch.changed`: obey at once. Losing `increase` cancels working risk-increasing entries (sagas compensate). */
  async killswitchChanged(view: KillSwitchView): Promise<void> {
    this.#ks = view.state;
    this.#phase = lowerPhase(view.effectivePhase, this.#configuredPhase());
    if (this.#allowed('increase')) return;
    const working = Object.values(this.state.orders).filter((o) => o.riskIncreasing && o.role === 'entry' && !isTerminal(o.status) && o.brokerOrderId !== null && o.status !== 'unknown');
    for (const o of working) await this.#cancel(o.clientOrderId);
    await this.#drain();
  }

  // ---- the cycle ----

  async execute(req: ExecuteRequest): Promise<ExecutionReport> {
    this.#cycleId = req.cycleId;
    this.#ks = req.killswitch.state;
    this.#snapshot = req.snapshot;
    this.#surface = req.surface;
    this.#touch = touchFromSnapshot(req.snapshot, this.#quotes);
    this.#p.onMarket?.(req.snapshot);
    await this.#drain();
    const now = this.#p.clock.now();
    // The kill switch owns the phase in force (history, governance, data quality, state); never above the configured.
    this.#requested = req.phase;
    const configured = this.#configuredPhase();
    this.#phase = lowerPhase(req.killswitch.effectivePhase, configured);
    this.#effective = this.#phase;
    const phase = { configured, effective: this.#phase, reasons: [...(req.killswitch.phaseReasons ?? [])] };
    if (phase.effective !== 'FULL_AUTO') {
      const date = istDate(now);
      // Days count on the venue they were spent on: simulated days never make up a live history.
      if (!this.state.days[this.#venue][phase.effective].includes(date)) await this.#emit([{ type: 'executor.tradingDay', date, phase: phase.effective, venue: this.#venue }]);
    }

    const recon = await this.#reconcileDue(now);
    if (this.#flattening === undefined) {
      // Every opening/closing structure has a saga working for it, or is repaired to what the book says.
      const stuck = stuckStructureEvents(this.state, now);
      for (const f of stuck.findings) this.#log.warn({ finding: f }, f.detail);
      await this.#emit(stuck.events);
      await this.#emit(stuck.findings.map((finding) => ({ type: 'executor.reconFinding' as const, finding, ts: now })));
      recon.findings.push(...stuck.findings);
    }
    const approvalsChanged: { id: string; status: Approval['status'] }[] = [];
    const swept = sweepApprovals(this.state, now, (a) => marketRef(a.proposal, req.snapshot, req.surface, this.#quotes), this.#cfg);
    await this.#emit(swept);
    for (const e of swept) if (e.type === 'executor.approvalChanged') approvalsChanged.push({ id: e.id, status: e.status });

    const progressed: SagaProgress[] = [];
    for (const s of Object.values(this.state.sagas)) {
      if (s.status === 'done') continue;
      progressed.push(await this.#advance(s.id));
    }

    const started: string[] = [];
    const approvalsCreated: string[] = [];
    const shadow: string[] = [];
    const denied: OrderDenied[] = [];
    // Adopted (zombie) positions are managed exit-only: whenever the phase allows orders (FULL_AUTO: a saga at once;
    // SEMI_AUTO: an approval), never in SHADOW, never while a flatten runs (it closes them anyway).
    const proposals = [...req.proposals];
    if (phase.effective !== 'SHADOW' && this.#flattening === undefined && this.#allowed(phase.effective === 'FULL_AUTO' ? 'reduce' : 'approvedExit')) {
      const exit = adoptedExitProposal(this.state, this.#cfg.maxCompensationAttempts);
      if (exit !== undefined && !this.#seen(exit.id)) {
        this.#log.warn({ proposalId: exit.id, legs: exit.legs.length }, 'exiting adopted (zombie) positions');
        proposals.unshift(exit);
      }
    }
    for (const p of proposals) {
      if (this.#seen(p.id)) continue;
      if (this.#flattening !== undefined) {
        denied.push(await this.#deny(p, 'FLATTEN_IN_PROGRESS', 'flatten is running'));
        continue;
      }
      if (phase.effective === 'SHADOW') {
        const fills = shadowFills(p, this.#touch);
        if (fills !== undefined) {
          await this.#emit([{ type: 'executor.shadowFill', proposalId: p.id, structureId: p.structureId ?? `shadow-${p.id}`, fills, legs: p.legs, ts: now }]);
          shadow.push(p.id);
        }
      } else if (phase.effective === 'SEMI_AUTO') {
        const approval: ApprovalRec = {
          id: `A-${p.id}`.slice(0, 40), status: 'pending', createdAt: now, expiresAt: now + this.#cfg.approvalTtlMs, legs: p.legs,
          reason: p.reason, proposalId: p.id, underlying: p.underlying, proposal: p, ref: marketRef(p, req.snapshot, req.surface, this.#quotes),
        };
        await this.#emit([{ type: 'executor.approvalCreated', approval }]);
        approvalsCreated.push(approval.id);
      } else {
        const r = await this.#startSaga(p, null);
        if ('denied' in r) denied.push(r.denied);
        else {
          started.push(r.sagaId);
          progressed.push(await this.#advance(r.sagaId));
        }
      }
    }

    // Positions nobody manages any more (a structure that failed or closed while the broker still holds some of it):
    // adopted exit-only (the next cycle exits them) and escalated in this report until flat.
    const orphans = orphanEvents(this.state, this.#p.clock.now());
    for (const e of orphans) if (e.type === 'executor.positionOrphaned') this.#log.error({ instrumentKey: e.instrumentKey, quantity: e.quantity, from: e.from }, e.detail);
    await this.#emit(orphans);

    await this.#checkNaked(now);
    this.#p.metrics?.positionsOpen(openPositions(this.state.positions));
    const carried = progressed.filter((p) => p.stage.startsWith(`waiting: ${MARKET_CLOSED_CARRY}`)).map((p) => `saga ${p.sagaId}: ${p.stage.slice('waiting: '.length)}`);
    const unmanaged = unmanagedDetail(this.state, carried);
    return {
      cycleId: req.cycleId,
      phase: { ...phase, history: this.phaseHistory() },
      sagasStarted: started,
      sagasProgressed: progressed,
      approvalsCreated,
      approvalsChanged,
      denied,
      shadowFills: shadow,
      reconciliation: unmanaged === undefined ? recon : { ...recon, unmanaged },
    };
  }

  #seen(proposalId: string): boolean {
    return Object.values(this.state.sagas).some((s) => s.proposal.id === proposalId)
      || Object.values(this.state.approvals).some((a) => a.proposalId === proposalId)
      || this.state.denied.some((d) => d.proposalId === proposalId);
  }

  async #deny(p: Proposal, reason: DenyReason, detail: string, sagaId?: string): Promise<OrderDenied> {
    const denied: OrderDenied = { proposalId: p.id, reason, detail, ...(sagaId !== undefined ? { sagaId } : {}) };
    this.#log.warn({ proposalId: p.id, reason, detail }, 'OrderDenied');
    await this.#emit([{ type: 'executor.orderDenied', denied, ts: this.#p.clock.now() }]);
    return denied;
  }

  async #askRisk(p: Proposal): Promise<PreTradeDecision> {
    try {
      return await this.#p.preTrade({ proposal: p, book: this.book() });
    } catch (err) {
      return { allowed: false, reason: `RISK_UNAVAILABLE: ${(err as Error).message}` };
    }
  }

  /** The facts the kill switch's FULL_AUTO admission reads (journaled here: the decision, this venue's trading days). */
  phaseHistory(): PhaseHistory {
    return { venue: this.#venue, governance: this.state.governance, days: historyOn(this.state, this.#venue) };
  }

  /** `kill switch HALTED does not permit reduce` (or: not yet seen). */
  #refusal(action: Action): string {
    return this.#ks === undefined ? `kill switch not yet seen: ${action} is not permitted` : `kill switch ${this.#ks} does not permit ${action}`;
  }

  async #startSaga(p: Proposal, approvalId: string | null): Promise<{ sagaId: string } | { denied: OrderDenied }> {
    const action = sagaAction(p, approvalId);
    if (!this.#allowed(action)) return { denied: await this.#deny(p, 'KILLSWITCH_NOT_NORMAL', this.#refusal(action)) };
    const excess = closeExceedsHolding(this.state, p);
    if (excess !== null) return { denied: await this.#deny(p, 'CLOSE_EXCEEDS_POSITION', excess) };
    if (p.riskIncreasing) {
      const d = await this.#askRisk(p);
      if (!d.allowed) {
        const unavailable = d.reason?.startsWith('RISK_UNAVAILABLE') === true;
        return { denied: await this.#deny(p, unavailable ? 'RISK_UNAVAILABLE' : 'RISK_PRETRADE_DENIED', d.reason ?? 'denied') };
      }
    }
    const no = this.state.sagaSeq + 1;
    const id = sagaIdOf(no);
    const structureId = p.action === 'open' ? `S-${id}` : p.structureId ?? `S-${id}`;
    await this.#emit([{ type: 'executor.sagaStarted', sagaId: id, no, proposal: p, structureId, approvalId, ts: this.#p.clock.now() }]);
    return { sagaId: id };
  }

  /** Drives one saga as far as it can go now. */
  async #advance(sagaId: string): Promise<SagaProgress> {
    for (let guard = 0; guard < 32; guard++) {
      await this.#drain();
      const saga = this.state.sagas[sagaId];
      if (saga === undefined) return { sagaId, stage: 'missing' };
      if (saga.status === 'done') return { sagaId, stage: 'done', ...(saga.outcome !== undefined ? { outcome: saga.outcome } : {}) };
      const now = this.#p.clock.now();
      const step = nextSagaStep(this.state, sagaId, now, this.#cfg, this.#touch, this.#p.rules ?? (() => undefined));
      switch (step.kind) {
        case 'wait':
          return { sagaId, stage: `waiting: ${step.why}` };
        case 'finish': {
          await this.#emit([{ type: 'executor.sagaFinished', sagaId, outcome: step.outcome, reason: step.reason, ts: now }]);
          if (saga.approvalId !== null) {
            await this.#emit([{ type: 'executor.approvalChanged', id: saga.approvalId, status: step.outcome === 'completed' ? 'executed' : 'failed', reason: step.reason, ts: now }]);
          }
          this.#log.info({ sagaId, outcome: step.outcome, reason: step.reason }, 'saga finished');
          return { sagaId, stage: 'done', outcome: step.outcome };
        }
        case 'cancel':
          if (saga.status === 'running' && step.why.startsWith('unfilled')) {
            await this.#emit([{ type: 'executor.sagaCompensating', sagaId, reason: step.why, ts: now }]);
          }
          for (const id of step.orders) await this.#cancel(id);
          break;
        case 'place': {
          const action: Action = step.riskIncreasing ? 'increase' : step.orders.some((o) => o.role === 'compensate') ? 'compensate' : sagaAction(saga.proposal, saga.approvalId);
          if (action === 'compensate' && !this.#allowed(action)) {
            // EMERGENCY: the flatten owns the book; the compensation resumes after it (capped to what is still held).
            return { sagaId, stage: `waiting: ${this.#refusal(action)}` };
          }
          if ((action === 'reduce' || action === 'approvedExit') && !this.#allowed(action)) {
            // An exit the state no longer permits stops here (once, journaled); it keeps what it closed, and a later
            // proposal — an approval while HALTED — exits the rest.
            const why = this.#refusal(action);
            await this.#deny(saga.proposal, 'KILLSWITCH_NOT_NORMAL', why, sagaId);
            await this.#emit([{ type: 'executor.sagaFinished', sagaId, outcome: 'failed', reason: `exit stopped: ${why}`, ts: now }]);
            if (saga.approvalId !== null) await this.#emit([{ type: 'executor.approvalChanged', id: saga.approvalId, status: 'failed', reason: why, ts: now }]);
            return { sagaId, stage: 'done', outcome: 'failed' };
          }
          if (step.riskIncreasing) {
            // Re-check before every risk-increasing group: the kill switch or risk may have moved since the saga began.
            const reason = !this.#allowed('increase') ? this.#refusal('increase') : undefined;
            const d = reason === undefined ? await this.#askRisk(saga.proposal) : { allowed: false, reason };
            if (!d.allowed) {
              const sent = Object.values(this.state.orders).some((o) => o.sagaId === sagaId);
              await this.#deny(saga.proposal, reason !== undefined ? 'KILLSWITCH_NOT_NORMAL' : 'RISK_PRETRADE_DENIED', d.reason ?? 'denied', sagaId);
              if (!sent) {
                await this.#emit([{ type: 'executor.sagaFinished', sagaId, outcome: 'denied', reason: d.reason ?? 'denied', ts: now }]);
                return { sagaId, stage: 'done', outcome: 'denied' };
              }
              await this.#emit([{ type: 'executor.sagaCompensating', sagaId, reason: d.reason ?? 'denied', ts: now }]);
              break;
            }
          }
          await this.#send(step.orders);
          break;
        }
      }
    }
    return { sagaId, stage: 'waiting: step budget used' };
  }

  /** Intent journaled (awaited), then sent; the answer decides sent / rejected / UNKNOWN. Never resent. */
  async #send(orders: readonly PlannedOrder[]): Promise<void> {
    if (this.#p.multiOrder === true && orders.length > 1) {
      await this.#sendMulti(orders);
      return;
    }
    for (const o of orders) {
      await this.#emit([{ type: 'executor.orderIntent', ...o, ts: this.#p.clock.now() }]);
      const req: OrderRequest = {
        clientOrderId: o.clientOrderId, instrumentKey: o.instrumentKey, side: o.side, quantity: o.quantity, orderType: o.orderType,
        ...(o.orderType === 'LIMIT' ? { price: o.price } : {}), product: 'D', validity: 'DAY',
      };
      let line: MultiPlaceLine;
      try {
        const r = await this.#p.broker.placeOrder(req);
        line = { ok: true, clientOrderId: o.clientOrderId, brokerOrderIds: r.brokerOrderIds };
      } catch (err) {
        line = { ok: false, clientOrderId: o.clientOrderId, error: err instanceof BrokerError ? err : new BrokerError('AMBIGUOUS', String(err), { cause: err }) };
      }
      await this.#recordLine(o, line, this.#p.clock.now());
      await this.#drain();
      // On any failure stop sending the rest of the group: the saga decides (compensate, or wait for recon).
      const st = this.state.orders[o.clientOrderId]?.status;
      if (st === 'rejected' || st === 'unknown' || st === 'cancelled' || st === 'expired') return;
    }
  }

  /** Journals one placement answer: placed → sent; a definitive refusal → rejected; anything else → UNKNOWN. */
  async #recordLine(o: PlannedOrder, line: MultiPlaceLine, now: number): Promise<void> {
    if (line.ok) {
      await this.#emit([{ type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: line.brokerOrderIds[0] ?? '', ts: now }]);
    } else if (isDefinitive(line.error)) {
      // The kind leads the reason so the saga can tell a closed market (carried to the open) from a refusal.
      const reason = line.error.kind === 'MARKET_CLOSED' ? `MARKET_CLOSED: ${line.error.message}` : line.error.message;
      await this.#emit([{ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: null, status: 'rejected', filledQuantity: 0, averagePrice: 0, reason, ts: now }]);
    } else {
      this.#log.error({ clientOrderId: o.clientOrderId, err: line.error.message }, 'order fate unknown: UNKNOWN until reconciliation');
      await this.#emit([{ type: 'executor.orderUnknown', clientOrderId: o.clientOrderId, sagaId: o.sagaId, error: line.error.message, ts: now }]);
    }
  }

  /**
   * A group in `placeMultiOrder` calls of ≤ 25 lines, BUY lines first. Every intent is journaled before the call; the
   * answer is taken line by line (HTTP 207 partial success): placed → sent, a definitive refusal → rejected, anything
   * else → UNKNOWN. A call that throws as a whole is definitive for every line only when the broker refused the batch
   * (nothing placed); otherwise every line is UNKNOWN and reconciliation finds them by tag.
   */
  async #sendMulti(orders: readonly PlannedOrder[]): Promise<void> {
    const sorted = [...orders.filter((o) => o.side === 'BUY'), ...orders.filter((o) => o.side === 'SELL')];
    for (let i = 0; i < sorted.length; i += MULTI_MAX) {
      const chunk = sorted.slice(i, i + MULTI_MAX);
      for (const o of chunk) await this.#emit([{ type: 'executor.orderIntent', ...o, ts: this.#p.clock.now() }]);
      const reqs: OrderRequest[] = chunk.map((o) => ({
        clientOrderId: o.clientOrderId, correlationId: o.clientOrderId, instrumentKey: o.instrumentKey, side: o.side, quantity: o.quantity,
        orderType: o.orderType, ...(o.orderType === 'LIMIT' ? { price: o.price } : {}), product: 'D', validity: 'DAY',
      }));
      let lines: readonly MultiPlaceLine[];
      try {
        const answer = await this.#p.broker.placeMultiOrder(reqs);
        // A line the answer does not mention may exist: UNKNOWN, never a rejection.
        lines = chunk.map((o) => answer.find((l) => l.clientOrderId === o.clientOrderId)
          ?? { ok: false, clientOrderId: o.clientOrderId, error: new BrokerError('AMBIGUOUS', 'multi-order: line missing from the answer') });
      } catch (err) {
        const e = err instanceof BrokerError ? err : new BrokerError('AMBIGUOUS', String(err), { cause: err });
        lines = chunk.map((o) => ({ ok: false, clientOrderId: o.clientOrderId, error: e }));
      }
      const now = this.#p.clock.now();
      for (const [j, line] of lines.entries()) await this.#recordLine(chunk[j]!, line, now);
      await this.#drain();
      // A failed line stops the next chunk (the saga decides: compensate, or wait for reconciliation).
      if (chunk.some((o) => ['rejected', 'unknown', 'cancelled', 'expired'].includes(this.state.orders[o.clientOrderId]?.status ?? ''))) return;
    }
  }

  async #cancel(clientOrderId: string): Promise<void> {
    const o = this.state.orders[clientOrderId];
    if (o === undefined || o.brokerOrderId === null || isTerminal(o.status)) return;
    try {
      await this.#p.broker.cancelOrder(o.brokerOrderId);
    } catch (err) {
      // Already filled/cancelled at the broker: the update stream or reconciliation brings the truth.
      this.#log.warn({ clientOrderId, err: (err as Error).message }, 'cancel refused');
    }
    await this.#drain();
  }

  // ---- reconciliation ----

  #lastRecon: { at: number; mismatch?: string } | null = null;

  /**
   * Reconciles when due: always while any order is unsettled (in flight, UNKNOWN) — those are what reconciliation
   * resolves — otherwise at most every `reconIntervalMs`. An unexplained mismatch stays reported in between.
   */
  async #reconcileDue(now: number): Promise<{ findings: ReconFinding[]; mismatch?: string }> {
    const interval = this.#cfg.reconIntervalMs ?? 0;
    let inFlight = false;
    for (const id in this.state.orders) if (isUnsettled(this.state.orders[id]!.status)) { inFlight = true; break; }
    const last = this.#lastRecon;
    if (interval > 0 && !inFlight && last !== null && now - last.at < interval) {
      return last.mismatch === undefined ? { findings: [] } : { findings: [], mismatch: last.mismatch };
    }
    const r = await this.reconcile();
    this.#lastRecon = r.mismatch === undefined ? { at: now } : { at: now, mismatch: r.mismatch };
    return r;
  }

  async reconcile(): Promise<{ findings: ReconFinding[]; mismatch?: string }> {
    const now = this.#p.clock.now();
    const book = await this.#p.broker.getOrderBook();
    const orders = reconcileOrders(this.state, book, now, this.#cfg);
    await this.#emit(orders.events);
    for (const f of orders.findings) if (f.class !== 'in_flight') await this.#emit([{ type: 'executor.reconFinding', finding: f, ts: now }]);
    const positions = await this.#p.broker.getPositions();
    const snap = this.#snapshot;
    const pos = reconcilePositions(this.state, positions, book, now, (key) => (snap === undefined ? undefined : describeKey(snap, key)));
    await this.#emit(pos.events);
    const mismatch = [orders.mismatch, pos.mismatch].filter((m): m is string => m !== undefined).join('; ');
    const findings = [...orders.findings, ...pos.findings];
    return mismatch === '' ? { findings } : { findings, mismatch };
  }

  /** Naked-leg timers (journaled): EMERGENCY is requested first, then journaled (a crash in between re-requests). */
  async #checkNaked(now: number): Promise<void> {
    const events = nakedLegEvents(this.state, now, this.#cfg.nakedLegTimeoutMs);
    for (const e of events) {
      if (e.type === 'executor.nakedLegEmergency') {
        this.#log.error({ key: e.key, structureId: e.structureId }, e.detail);
        // Dropped (the kill switch restarting with a full buffer): not journaled, so the next check sends again.
        if (this.#p.emergency({ reason: 'NAKED_LEG', structureId: e.structureId, message: e.detail }) === false) continue;
      }
      await this.#emit([e]);
    }
  }

  /** Timer tick between cycles: drains updates, advances sagas, checks naked legs (the worker calls it). */
  async tick(): Promise<void> {
    await this.#drain();
    for (const s of Object.values(this.state.sagas)) if (s.status !== 'done') await this.#advance(s.id);
    await this.#checkNaked(this.#p.clock.now());
  }

  // ---- approvals ----

  approvals(): Approval[] {
    return Object.values(this.state.approvals).map(({ proposal: _p, ref: _r, ...a }) => a);
  }

  async approve(id: string, who: string): Promise<Approval> {
    const a = this.#needApproval(id);
    const now = this.#p.clock.now();
    if (now >= a.expiresAt) {
      await this.#emit([{ type: 'executor.approvalChanged', id, status: 'expired', reason: 'TTL passed before approval', ts: now }]);
    } else if (this.#snapshot !== undefined && this.#surface !== undefined) {
      const why = drift(a.ref, marketRef(a.proposal, this.#snapshot, this.#surface, this.#quotes), this.#cfg);
      if (why !== undefined) await this.#emit([{ type: 'executor.approvalChanged', id, status: 'invalidated', reason: why, ts: now }]);
    }
    if (this.state.approvals[id]?.status !== 'pending') return this.#view(id);
    await this.#emit([{ type: 'executor.approvalChanged', id, status: 'approved', who, reason: 'approved', ts: now }]);
    const r = await this.#startSaga(a.proposal, id);
    if ('denied' in r) {
      await this.#emit([{ type: 'executor.approvalChanged', id, status: 'failed', who, reason: `${r.denied.reason}: ${r.denied.detail}`, ts: now }]);
    } else {
      await this.#advance(r.sagaId);
    }
    return this.#view(id);
  }

  async reject(id: string, who: string, reason: string): Promise<Approval> {
    const a = this.#needApproval(id);
    if (a.status === 'pending') {
      await this.#emit([{ type: 'executor.approvalChanged', id, status: 'rejected', who, reason, ts: this.#p.clock.now() }]);
    }
    return this.#view(id);
  }

  #needApproval(id: string): ApprovalRec {
    const a = this.state.approvals[id];
    // A coded refusal crosses the thread boundary with its code: the gateway answers 404, not 500.
    if (a === undefined) throw new VolguardError('NOT_FOUND', `expected a known approval id, was ${JSON.stringify(id)}`);
    return a;
  }

  #view(id: string): Approval {
    const { proposal: _p, ref: _r, ...a } = this.#needApproval(id);
    return a;
  }

  // ---- governance (the rules: actors/domain/phase-governance.ts; the kill switch applies them to the phase in force) ----

  get #venue(): Venue {
    return venueOf(this.#cfg.live);
  }

  /**
   * Asks for a phase. SHADOW and SEMI_AUTO are latched at once. FULL_AUTO must pass the data-quality and history checks
   * (409-worthy refusal otherwise, with the checks); on paper it is then latched (the waivers listed), on live it is
   * journaled as a request that a separate `approvePhase`, with its own reason, carries out.
   */
  async setPhase(req: SetPhaseRequest): Promise<PhaseAnswer> {
    if (!['SHADOW', 'SEMI_AUTO', 'FULL_AUTO'].includes(req.phase)) throw new VolguardError('VALIDATION', `expected phase SHADOW|SEMI_AUTO|FULL_AUTO, was ${JSON.stringify(req.phase)}`);
    if (req.approver.trim() === '' || req.reason.trim() === '') throw new VolguardError('VALIDATION', 'expected a non-empty approver and reason, was empty');
    const venue = this.#venue;
    if (req.phase !== 'FULL_AUTO') {
      await this.#latch(req, venue);
      return { ok: true, applied: true, phase: req.phase, venue, checks: [] };
    }
    const checks = requestChecks(this.#snapshot?.quality.score, historyOn(this.state, venue), venue, governanceRules(this.#cfg));
    if (checks.some((c) => !c.ok)) return { ok: false, code: 'GOVERNANCE', refused: `FULL_AUTO refused: ${failed(checks)}`, venue, checks };
    if (venue === 'paper') {
      await this.#latch(req, venue);
      return { ok: true, applied: true, phase: 'FULL_AUTO', venue, checks: [...checks, governanceCheck(this.state.governance, venue)] };
    }
    const now = this.#p.clock.now();
    const request: PhaseRequest = { id: `PR-${now.toString(36)}`, phase: req.phase, approver: req.approver, reason: req.reason, venue, ts: now, expiresAt: now + (this.#cfg.phaseRequestTtlMs ?? DEFAULT_PHASE_REQUEST_TTL_MS) };
    await this.#emit([{ type: 'executor.phaseRequested', request }]);
    return { ok: true, applied: false, phase: this.#configuredPhase(), venue, pending: request, checks: [...checks, governanceCheck(this.state.governance, venue)] };
  }

  /** The second step of FULL_AUTO on live: approves the pending request (its own reason; checks run again). */
  async approvePhase(req: ApprovePhaseRequest): Promise<PhaseAnswer> {
    const venue = this.#venue;
    const now = this.#p.clock.now();
    const problem = approvalProblem(this.state.phaseRequest, req.id, req, now, venue);
    if (problem !== undefined) return { ok: false, code: problem.code, refused: problem.message, venue, checks: [] };
    const pending = this.state.phaseRequest as PhaseRequest;
    const checks = requestChecks(this.#snapshot?.quality.score, historyOn(this.state, venue), venue, governanceRules(this.#cfg));
    if (checks.some((c) => !c.ok)) return { ok: false, code: 'GOVERNANCE', refused: `FULL_AUTO refused: ${failed(checks)}`, venue, checks };
    await this.#latch(pending, venue, { requestId: pending.id, approver: req.approver, reason: req.reason, ts: now });
    return { ok: true, applied: true, phase: pending.phase, venue, checks: [...checks, governanceCheck(this.state.governance, venue)] };
  }

  /** The phase decision as held here (the gateway's GET /api/v1/phase and the supervisor status). */
  phaseView(): PhaseView {
    const venue = this.#venue;
    const history = historyOn(this.state, venue);
    const rules = governanceRules(this.#cfg);
    return {
      configured: this.#configuredPhase(),
      effective: this.#effective ?? null,
      venue,
      governance: this.state.governance,
      pending: this.state.phaseRequest,
      history,
      fullAuto: [...requestChecks(this.#snapshot?.quality.score, history, venue, rules), governanceCheck(this.state.governance, venue)],
    };
  }

  #configuredPhase(): Phase {
    return governanceFor(this.state.governance, this.#venue)?.phase ?? this.#requested;
  }

  async #latch(d: { readonly phase: Phase; readonly approver: string; readonly reason: string }, venue: Venue, approval?: GovernanceApproval): Promise<void> {
    const e: ExecEvent = { type: 'executor.phaseSet', phase: d.phase, approver: d.approver, reason: d.reason, ts: this.#p.clock.now(), venue, ...(approval !== undefined ? { approval } : {}) };
    await this.#emit([e]);
    await this.#p.journal.kvPut(PHASE_KEY, this.state.governance);
  }

  // ---- views ----

  book(): Book {
    // The shadow book only when configured SHADOW: a kill switch demotion to SHADOW (data quality) leaves real
    // positions that risk must still value.
    const shadow = this.#configuredPhase() === 'SHADOW';
    return {
      positions: positionsView(shadow ? this.state.shadow.positions : this.state.positions),
      structures: Object.values(this.state.structures),
      orders: this.orders(),
      realisedPnlDay: shadow ? this.state.shadow.realisedPnl : this.state.realisedPnlDay,
      shadow,
    };
  }

  orders(): OrderView[] {
    return Object.values(this.state.orders).map((o) => ({
      clientOrderId: o.clientOrderId, sagaId: o.sagaId, instrumentKey: o.instrumentKey, side: o.side, quantity: o.quantity,
      status: o.status, brokerOrderId: o.brokerOrderId, filledQuantity: o.filledQuantity,
    }));
  }

  // ---- flatten ----

  /**
   * Cancel all, close all (BUY-to-close first), re-pricing each attempt; idempotent (a second call joins the first).
   * Orders in doubt on what is left — UNKNOWN, or an intent journaled before a crash and never answered, this
   * flatten's, an earlier (interrupted) flatten's or a saga's — are resolved first, never guessed at: reconciliation
   * finds them by tag (present → tracked, cancelled if still working) or proves them absent after RECON_GRACE_MS, and
   * what they would have closed is then placed again under a new deterministic id. Instruments not in doubt are closed
   * meanwhile. Every instrument gets FLATTEN_MAX_ATTEMPTS orders of its own (waiting does not use one up): the flatten
   * keeps working until the book is flat or the attempts run out, and `left` is what the broker still holds then.
   */
  flatten(reason: string): Promise<FlattenResult> {
    this.#flattening ??= this.#runFlatten(reason).finally(() => {
      this.#flattening = undefined;
    });
    return this.#flattening;
  }

  async #runFlatten(reason: string): Promise<FlattenResult> {
    const run = this.state.flattenSeq + 1;
    const sagaId = `VGF${run.toString(36)}`;
    await this.#emit([{ type: 'executor.flatten', run, stage: 'started', reason, ts: this.#p.clock.now() }]);
    await this.#p.broker.cancelAll();
    await this.#drain();
    let n = 0;
    /** Orders placed per instrument: each gets FLATTEN_MAX_ATTEMPTS, re-priced more aggressively every time. */
    const tries = new Map<string, number>();
    let left: { instrumentKey: string; quantity: number }[] = [];
    for (let round = 0; round < this.#cfg.flattenMaxAttempts + FLATTEN_MAX_WAITS; round++) {
      await this.reconcile();
      left = (await this.#p.broker.getPositions()).filter((p) => p.quantity !== 0).map((p) => ({ instrumentKey: p.instrumentKey, quantity: p.quantity }));
      if (left.length === 0) break;
      const keys = new Set(left.map((p) => p.instrumentKey));
      const open = Object.values(this.state.orders).filter((o) => keys.has(o.instrumentKey) && !isTerminal(o.status));
      // Present and still working (found by tag after the cancel-all, or a cancel the broker has not confirmed yet):
      // pull it and look again — never place on top of it.
      const working = open.filter((o) => o.status !== 'unknown' && o.status !== 'pending' && o.brokerOrderId !== null);
      if (working.length > 0) {
        for (const o of working) await this.#cancel(o.clientOrderId);
        if (working.some((o) => !isTerminal(this.state.orders[o.clientOrderId]?.status ?? 'cancelled'))) await this.#p.sleep(Math.max(1, this.#cfg.flattenRetryMs));
        continue;
      }
      // In doubt: wait for reconciliation to prove each present or absent (RECON_GRACE_MS after it was last seen).
      const doubt = open.filter((o) => o.status === 'unknown' || o.status === 'pending');
      const blocked = new Set(doubt.map((o) => o.instrumentKey));
      const todo = left.filter((p) => !blocked.has(p.instrumentKey) && (tries.get(p.instrumentKey) ?? 0) < this.#cfg.flattenMaxAttempts);
      if (todo.length > 0) {
        todo.sort((a, b) => a.quantity - b.quantity); // shorts (BUY to close) first
        const planned: PlannedOrder[] = todo.map((p) => {
          const tried = tries.get(p.instrumentKey) ?? 0;
          tries.set(p.instrumentKey, tried + 1);
          const side = p.quantity < 0 ? 'BUY' as const : 'SELL' as const;
          return {
            clientOrderId: flattenOrderId(run, n++), sagaId, leg: 0, role: 'flatten' as const, instrumentKey: p.instrumentKey, side,
            quantity: Math.abs(p.quantity), ...aggressivePrice(side, this.#touch(p.instrumentKey), this.#cfg.protectionTicks * (tried + 1)),
            riskIncreasing: false,
          };
        });
        await this.#send(planned);
        const after = (await this.#p.broker.getPositions()).filter((p) => p.quantity !== 0);
        if (after.length === 0) {
          left = [];
          break;
        }
        // Not all filled: pull the rest and try again more aggressively once quotes have moved.
        for (const o of Object.values(this.state.orders)) if (o.sagaId === sagaId && !isTerminal(o.status)) await this.#cancel(o.clientOrderId);
      } else if (doubt.length === 0) {
        break; // every instrument left has had all its attempts
      }
      if (doubt.length > 0) {
        const now = this.#p.clock.now();
        // The grace is market time; the wait between looks is wall time (the market time still to run ÷ the speed).
        const remaining = Math.max(...doubt.map((o) => this.#cfg.reconGraceMs - (now - o.updatedAt)));
        this.#log.warn({ orders: doubt.map((o) => o.clientOrderId), remainingMs: Math.max(0, Math.round(remaining)) }, 'flatten: orders in doubt, resolving them by tag before placing more');
        await this.#p.sleep(Math.max(1, this.#cfg.flattenRetryMs, Math.ceil(remaining / (this.#cfg.clockSpeed ?? 1) / 8)));
      } else {
        await this.#p.sleep(this.#cfg.flattenRetryMs);
      }
    }
    await this.reconcile();
    if (left.length > 0) {
      // The attempts ran out: what is really left (the last attempt's fills count).
      left = (await this.#p.broker.getPositions()).filter((p) => p.quantity !== 0).map((p) => ({ instrumentKey: p.instrumentKey, quantity: p.quantity }));
    }
    const flat = left.length === 0;
    await this.#emit([{ type: 'executor.flatten', run, stage: 'finished', reason, flat, left, ts: this.#p.clock.now() }]);
    if (!flat) this.#log.error({ left }, 'flatten gave up with positions left');
    return { flat, left, attempts: Math.max(0, ...tries.values()), ordersPlaced: n };
  }
}

const PHASE_RANK: Readonly<Record<Phase, number>> = { SHADOW: 0, SEMI_AUTO: 1, FULL_AUTO: 2 };

/** The governance rules in the executor's settings (FULL_AUTO_MIN_*, PAPER_WAIVE_PHASE_HISTORY). */
function governanceRules(cfg: EngineConfig): GovernanceRules {
  return { minShadowDays: cfg.fullAutoMinShadowDays, minSemiAutoDays: cfg.fullAutoMinSemiAutoDays, minQuality: cfg.fullAutoMinQuality, paperWaiveHistory: cfg.paperWaiveHistory };
}

/** Trading days journaled per phase on one venue. */
function historyOn(state: ExecState, venue: Venue): HistoryCounts {
  return { SHADOW: state.days[venue].SHADOW.length, SEMI_AUTO: state.days[venue].SEMI_AUTO.length };
}

/** The less autonomous of two phases. */
function lowerPhase(a: Phase, b: Phase): Phase {
  return PHASE_RANK[a] <= PHASE_RANK[b] ? a : b;
}

/** What a saga's own orders ask of the kill switch: an entry adds risk; an exit reduces it (approved, or not). */
function sagaAction(p: Proposal, approvalId: string | null): Action {
  return p.riskIncreasing ? 'increase' : approvalId !== null ? 'approvedExit' : 'reduce';
}

/** A definitive refusal (the order does not exist at the broker); anything else leaves the order UNKNOWN. */
function isDefinitive(err: BrokerError): boolean {
  return err.kind === 'REJECTED' || err.kind === 'VALIDATION' || err.kind === 'MARKET_CLOSED' || err.kind === 'RATE_LIMIT' || err.kind === 'AUTH' || err.kind === 'FORBIDDEN';
}
