/**
 * @module The executor's interpreter: it asks the pure decisions (one module per concern, see core.ts) what to do,
 * journals their events — awaited, BEFORE acting: an order's intent is durable before the order is sent, so a crash
 * at any point leaves a record reconciliation can match by tag — applies them to its state, and carries out their
 * commands against the broker (order-desk.ts). Ports are injected (ports.ts). One call at a time: the actor mailbox
 * serialises messages and ticks; flatten is re-entrant-safe (a second call joins the first).
 */
import { InvariantError, OlderInputError, VolguardError } from '../../runtime/errors.ts';
import { BrokerError } from '../venues/broker.ts';
import { describeOlder, isOlder } from '../domain/market-time.ts';
import { istDate } from '../domain/calendar.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Book } from '../domain/book.ts';
import type { OrderView } from '../domain/order.ts';
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';
import { checkCoreConfig } from './core.ts';
import { marketRef, sweepApprovals } from './approvals.ts';
import { adoptedExitProposal, operatorClose, orphanExitProposal } from './exits.ts';
import { holdingKey, planFlattenRound, type Holding } from './flatten.ts';
import { allowed, freshestKillSwitch, lowerPhase } from './gate.ts';
import { nakedLegEvents } from './naked.ts';
import { marginLegs, marginVerdict, type MarginVerdict } from './margin.ts';
import { OrderDesk } from './order-desk.ts';
import { orphanEvents, unmanagedDetail } from './orphans.ts';
import { SILENT, type EngineConfig, type EngineLog, type EnginePorts, type PreTradeDecision } from './ports.ts';
import { decideApprove, decideStart, routeProposal, seen } from './proposals.ts';
import {
  approvalProblem, failed, governanceCheck, governanceFor, requestChecks, venueOf,
  type GovernanceApproval, type GovernanceRules, type HistoryCounts, type PhaseHistory, type PhaseRequest, type Venue,
} from '../domain/phase-governance.ts';
import { describeKey, QuoteIndex, touchFromSnapshot } from './quote-index.ts';
import { reconcileOrders, reconcilePositions } from './recon.ts';
import type { RulesLookup, TouchLookup } from './pricing.ts';
import { MARKET_CLOSED_CARRY } from './saga.ts';
import { decideSagaStep, denial, riskDenied, type Command } from './saga-decide.ts';
import { apply, initialState, isBrokerFact, isTerminal, isUnsettled, openPositions, positionsView, workingProposals, type ExecEvent, type ExecState, type OperatorRequest } from './state.ts';
import { stuckStructureEvents } from './structure-check.ts';
import { shadowFlatten } from './shadow.ts';
import { parseChargesSchedule, type ChargesSchedule } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';
import { booksMoney, expiriesToSettle, moneyAfter, paperEquity, settlementDecision, withoutExpired } from './money.ts';
import type { SettlementPending } from '../domain/money.ts';
import { netByInstrument } from './broker-positions.ts';
import type { AccountView, Approval, ApprovePhaseRequest, CloseStructureAnswer, CloseStructureRequest, ExecuteRequest, ExecutionReport, FlattenResult, KillSwitchView, OrderDenied, PhaseAnswer, PhaseView, ReconFinding, ReleaseVenueKillSwitch, SagaProgress, SetPhaseRequest, VenueKillSwitchRec, VenueKillSwitchView } from './messages.ts';

export type { EngineConfig, EngineLog, EngineMetrics, EnginePorts, PreTradeDecision } from './ports.ts';

export const PHASE_KEY = 'executor.phase';
const DEFAULT_PHASE_REQUEST_TTL_MS = 3_600_000;
/**
 * Rounds one flatten may spend, beyond its attempts, waiting on orders in doubt (or pulling orders still working)
 * before it judges anyway. Each wait sleeps at least FLATTEN_RETRY_MS and an eighth of the grace still to run, so ~8
 * waits cover RECON_GRACE_MS.
 */
const FLATTEN_MAX_WAITS = 32;
/** Steps one saga may take in one pass (each places or cancels something; a saga never needs nearly as many). */
const SAGA_STEPS = 32;

type Recon = { findings: ReconFinding[]; mismatch?: string };

export class ExecutorEngine {
  readonly state: ExecState;
  readonly #p: EnginePorts;
  readonly #cfg: EngineConfig;
  readonly #desk: OrderDesk;
  /** The kill switch's state as last seen (undefined after a start until the first cycle or broadcast). */
  #ks: TradingState | undefined;
  /** The last view the kill switch pushed (`killswitch.changed`), to tell a stale cycle's reading from a fresh one. */
  #pushedKs: KillSwitchView | null = null;
  #snapshot: MarketSnapshot | undefined;
  /** Market time of the latest snapshot acted on (an earlier one is refused). */
  #lastMarketTs: number | null = null;
  #surface: SurfaceCalibrated | undefined;
  #touch: TouchLookup = () => undefined;
  /** Where each key sits in the snapshots' chains (rebuilt only when their keys change): touches and approval refs. */
  readonly #quotes = new QuoteIndex();
  /** The phase in force: the kill switch's effective phase, never above the configured one. */
  #phase: Phase;
  /** The phase in force at the last cycle (undefined before the first): the kill switch's, never above the configured. */
  #effective: Phase | undefined;
  /** The PHASE main asks for (the boot PHASE until the first cycle): configures the phase unless governance decided here. */
  #requested: Phase;
  #flattening: Promise<FlattenResult> | undefined;
  #cycleId: string | undefined;
  #lastRecon: { at: number; mismatch?: string } | null = null;
  readonly #schedule: ChargesSchedule;
  /** Charges of fills journaled before a crash, not yet booked, are made up once after recovery (the first cycle). */
  #chargesCaughtUp = false;
  /** Broker facts journaled and applied but not yet awaited (#stage); awaited before anything is acted on. */
  #staged: Array<{ readonly e: ExecEvent; readonly taken: Promise<number> }> = [];
  /** Positions past their expiry still waiting for settlement, as of the last cycle (the book lists them). */
  #settlementPending: readonly SettlementPending[] = [];
  /** The broker's net positions as last read for settlement (live): read at most every reconIntervalMs meanwhile. */
  #brokerHeldForSettlement: { at: number; held: ReadonlyMap<string, number> } | null = null;

  /** Rebuilds state from journaled events (the executor's own stream, in seq order): startup is recovery. */
  constructor(ports: EnginePorts, cfg: EngineConfig, journaled: readonly ExecEvent[] = []) {
    checkCoreConfig(cfg);
    this.#p = ports;
    this.#cfg = cfg;
    this.#schedule = ports.charges ?? parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
    this.state = initialState();
    for (const e of journaled) apply(this.state, e);
    // After a restart the book must be the real one (or the shadow one) before the first cycle asks for it.
    this.#requested = cfg.phase ?? 'SHADOW';
    this.#phase = lowerPhase(this.#configuredPhase(), 'SEMI_AUTO');
    this.#desk = new OrderDesk(ports.broker, ports.multiOrder === true, {
      state: this.state, emit: (e) => this.#emit(e), stage: (e) => this.#stage(e), settle: () => this.#settleStaged(), now: () => this.#p.clock.now(), log: this.#log,
    });
  }

  /**
   * Lot and freeze quantity of a contract: the venue's own lookup when it has one (paper), else the last snapshot's
   * chains — the broker's instrument master, as the feed read it (live).
   */
  readonly #rules: RulesLookup = (key) => {
    const own = this.#p.rules?.(key);
    if (own !== undefined) return own;
    const snap = this.#snapshot;
    const q = snap === undefined ? undefined : this.#quotes.find(snap, key);
    return q === undefined || !(q.lotSize > 0 && q.freezeQty > 0) ? undefined : { lotSize: q.lotSize, freezeQty: q.freezeQty };
  };

  get #log(): EngineLog {
    return this.#p.log ?? SILENT;
  }

  close(): void {
    this.#desk.close();
  }

  /**
   * Journals, then applies: the journal is the truth a restart rebuilds from. A decision (a saga's start or step, an
   * order's intent, an approval, a finding…) is applied only once it is durable, so nothing is acted on that a crash
   * could forget. The events of one call travel together — one journal request, one commit — and are applied in order
   * once all are durable; a run ends at an event that books money (a fill), whose charges are worked out from the
   * state it leaves and journaled next. When the journal refuses a run, what it did take is applied and the refusal is
   * thrown; if it took an event after one it refused, memory could not follow the journal in order: the executor
   * restarts (InvariantError) and rebuilds from what was taken. So it does when a staged fact was refused (#stage).
   */
  async #emit(events: readonly ExecEvent[]): Promise<void> {
    let start = 0;
    while (start < events.length) {
      let end = start;
      while (end < events.length - 1 && !booksMoney(events[end]!)) end++;
      const run = events.slice(start, end + 1);
      // Facts staged before this run travel in the same request (or an earlier one): their fate is known by now too.
      const [taken, stagedRefused] = await Promise.all([Promise.allSettled(run.map((e) => this.#append(e))), this.#stagedRefusal()]);
      const refused = taken.findIndex((t) => t.status === 'rejected');
      if (refused >= 0 && taken.slice(refused).some((t) => t.status === 'fulfilled')) {
        throw new InvariantError('the journal took an event after one it refused: the executor rebuilds from the journal', { cause: (taken[refused] as PromiseRejectedResult).reason });
      }
      for (const e of refused >= 0 ? run.slice(0, refused) : run) this.#applied(e);
      if (stagedRefused !== undefined) throw stagedRefused;
      if (refused >= 0) throw (taken[refused] as PromiseRejectedResult).reason;
      const money = moneyAfter(this.state, run[run.length - 1], this.#schedule);
      if (money.length > 0) await this.#emit(money);
      start = end + 1;
    }
    await this.#settleStaged();
  }

  /**
   * Stages what the broker just said (an order's answer, a pushed update — order-desk.ts) and the charges it books:
   * journaled (sent at the end of this turn, with whatever else is journaled in it) and applied at once, not awaited
   * here — `#settleStaged` (or the next `#emit`) awaits them, before anything is acted on. Should the journal refuse
   * one, memory holds what the journal lacks and reconciliation, which compares the broker with memory, would never
   * put it back: the executor restarts (InvariantError) and rebuilds from the journal, and its first reconciliation
   * learns the fact again from the broker by tag — as after a crash between the broker's answer and its record.
   * Decisions never take this path.
   */
  #stage(facts: readonly ExecEvent[]): void {
    for (const e of facts) {
      if (!isBrokerFact(e) && e.type !== 'money.charges') throw new InvariantError(`expected a broker fact or its charges to stage, was ${e.type}`);
      const taken = this.#append(e);
      // Awaited by #stagedRefusal; caught here so a refusal before then is never an unhandled rejection.
      taken.catch(() => {});
      this.#staged.push({ e, taken });
      this.#applied(e);
      const money = moneyAfter(this.state, e, this.#schedule);
      if (money.length > 0) this.#stage(money);
    }
  }

  /** Waits for every staged fact to be journaled; throws (InvariantError) if the journal refused any. */
  async #settleStaged(): Promise<void> {
    const refused = await this.#stagedRefusal();
    if (refused !== undefined) throw refused;
  }

  /** Waits for every staged fact to be journaled; the InvariantError naming those refused, if any (never rejects). */
  async #stagedRefusal(): Promise<InvariantError | undefined> {
    if (this.#staged.length === 0) return undefined;
    const staged = this.#staged;
    this.#staged = [];
    const taken = await Promise.allSettled(staged.map((s) => s.taken));
    const refused = staged.flatMap((s, i) => {
      const t = taken[i]!;
      return t.status === 'rejected' ? [{ e: s.e, reason: t.reason as unknown }] : [];
    });
    if (refused.length === 0) return undefined;
    const named = refused.map(({ e }) => `${e.type} ${'clientOrderId' in e ? e.clientOrderId : e.type === 'money.charges' ? e.orderId : ''}`.trim());
    const why = refused[0]!.reason instanceof Error ? refused[0]!.reason.message : String(refused[0]!.reason);
    return new InvariantError(
      `the journal refused ${refused.length} broker fact(s) already applied (${named.join(', ')}; ${why}): the executor rebuilds from the journal and reconciliation learns them again from the broker`,
      { cause: refused[0]!.reason },
    );
  }

  /** Always a promise: a port that throws at the call refuses that event alone, like any other refusal. */
  #append(e: ExecEvent): Promise<number> {
    try {
      return this.#p.journal.append(e.type, e, { cycleId: this.#cycleId });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** An event the journal took, into the state (and the metrics and log that follow it). */
  #applied(e: ExecEvent): void {
    apply(this.state, e);
    if (e.type === 'executor.orderUpdated') this.#p.metrics?.order(e.status);
    else if (e.type === 'executor.orderUnknown') this.#p.metrics?.order('unknown');
    else if (e.type === 'executor.sagaFinished') {
      this.#p.metrics?.saga(e.outcome);
      this.#log.info({ sagaId: e.sagaId, outcome: e.outcome, reason: e.reason }, 'saga finished');
    } else if (e.type === 'executor.orderDenied') this.#log.warn({ proposalId: e.denied.proposalId, reason: e.denied.reason, detail: e.denied.detail }, 'OrderDenied');
    else if (e.type === 'money.charges' || e.type === 'money.settlement') this.#p.metrics?.charges?.(e.shadow ? 'shadow' : 'live', e.charges.total);
  }

  // ---- kill switch ----

  /** `killswitch.changed`: obey at once. Losing `increase` cancels working risk-increasing entries (sagas compensate). */
  async killswitchChanged(view: KillSwitchView): Promise<void> {
    this.#pushedKs = view;
    this.#ks = view.state;
    this.#phase = lowerPhase(view.effectivePhase, this.#configuredPhase());
    if (allowed(this.#ks, 'increase')) return;
    const working = Object.values(this.state.orders).filter((o) => o.riskIncreasing && o.role === 'entry' && !isTerminal(o.status) && o.brokerOrderId !== null && o.status !== 'unknown');
    for (const o of working) await this.#desk.cancel(o.clientOrderId);
    await this.#desk.drain();
  }

  // ---- the cycle ----

  async execute(req: ExecuteRequest): Promise<ExecutionReport> {
    // Bad data, not a crash: an earlier market would re-price exits on stale quotes and move timeouts backwards.
    if (isOlder(this.#lastMarketTs, req.snapshot.ts)) {
      const older = { input: 'snapshot', ts: req.snapshot.ts, lastTs: this.#lastMarketTs };
      this.#p.metrics?.olderRefused?.(older.input);
      this.#log.warn({ cycleId: req.cycleId, ts: older.ts, lastTs: older.lastTs }, describeOlder(older));
      throw new OlderInputError('executor', older);
    }
    this.#lastMarketTs = req.snapshot.ts;
    this.#cycleId = req.cycleId;
    // The cycle's reading, unless the kill switch has since pushed a newer one (gate.ts freshestKillSwitch).
    const ks = freshestKillSwitch(req.killswitch, this.#pushedKs);
    this.#ks = ks.state;
    this.#snapshot = req.snapshot;
    this.#surface = req.surface;
    this.#touch = touchFromSnapshot(req.snapshot, this.#quotes);
    this.#p.onMarket?.(req.snapshot);
    await this.#desk.drain();
    const now = this.#p.clock.now();
    // The kill switch owns the phase in force (history, governance, data quality, state); never above the configured.
    this.#requested = req.phase;
    const configured = this.#configuredPhase();
    this.#phase = lowerPhase(ks.effectivePhase, configured);
    this.#effective = this.#phase;
    const phase = { configured, effective: this.#phase, reasons: [...(ks.phaseReasons ?? [])] };
    if (phase.effective !== 'FULL_AUTO') {
      const date = istDate(now);
      // Days count on the venue they were spent on: simulated days never make up a live history.
      if (!this.state.days[this.#venue][phase.effective].includes(date)) await this.#emit([{ type: 'executor.tradingDay', date, phase: phase.effective, venue: this.#venue }]);
    }

    if (!this.#chargesCaughtUp) {
      await this.#emit(moneyAfter(this.state, undefined, this.#schedule));
      this.#chargesCaughtUp = true;
    }
    // Expiry settles before reconciliation looks: both books' expired contracts leave them at the settlement price.
    const settlement = await this.#settle(now);
    const recon = await this.#reconcileDue(now);
    if (this.#flattening === undefined) {
      // Every opening/closing structure has a saga working for it, or is repaired to what the book says.
      const stuck = stuckStructureEvents(this.state, now);
      for (const f of stuck.findings) this.#log.warn({ finding: f }, f.detail);
      await this.#emit([...stuck.events, ...stuck.findings.map((finding) => ({ type: 'executor.reconFinding' as const, finding, ts: now }))]);
      recon.findings.push(...stuck.findings);
    }
    const swept = sweepApprovals(this.state, now, (a) => marketRef(a.proposal, req.snapshot, req.surface, this.#quotes), this.#cfg);
    await this.#emit(swept);
    const approvalsChanged = swept.flatMap((e) => (e.type === 'executor.approvalChanged' ? [{ id: e.id, status: e.status }] : []));

    const progressed: SagaProgress[] = [];
    for (const s of Object.values(this.state.sagas)) if (s.status !== 'done') progressed.push(await this.#advance(s.id));

    const started: string[] = [];
    const approvalsCreated: string[] = [];
    const shadow: string[] = [];
    const denied: OrderDenied[] = [];
    // Adopted positions (zombies, orphans) are managed exit-only: whenever the phase allows orders (FULL_AUTO: a saga
    // at once; SEMI_AUTO: an approval) and the kill switch permits it, never in SHADOW, never during a flatten.
    const proposals = [...req.proposals];
    if (phase.effective !== 'SHADOW' && this.#flattening === undefined && allowed(this.#ks, phase.effective === 'FULL_AUTO' ? 'reduce' : 'approvedExit')) {
      const exit = adoptedExitProposal(this.state, this.#cfg.maxCompensationAttempts, now);
      if (exit !== undefined && !seen(this.state, exit.id)) {
        this.#log.warn({ proposalId: exit.id, legs: exit.legs.length }, 'exiting adopted positions');
        proposals.unshift(exit);
      }
    }
    // Orphans (units a failed structure left) continue that saga's compensation: a saga whenever the kill switch
    // permits `reduce`, whatever the phase (but SHADOW, which never orders); while HALTED an approval, like any exit.
    if (phase.effective !== 'SHADOW' && this.#flattening === undefined) {
      const exit = orphanExitProposal(this.state, this.#cfg.maxCompensationAttempts, now);
      if (exit !== undefined && !seen(this.state, exit.id)) {
        if (allowed(this.#ks, 'reduce')) {
          this.#log.warn({ proposalId: exit.id, legs: exit.legs.length }, 'exiting orphaned positions');
          const r = await this.#startSaga(exit, null);
          if ('denied' in r) denied.push(r.denied);
          else {
            started.push(r.sagaId);
            progressed.push(await this.#advance(r.sagaId));
          }
        } else if (allowed(this.#ks, 'approvedExit')) {
          proposals.unshift(exit);
        }
      }
    }
    const ref = (p: Proposal) => marketRef(p, req.snapshot, req.surface, this.#quotes);
    for (const p of proposals) {
      const route = routeProposal(this.state, p, { phase: phase.effective, flattening: this.#flattening !== undefined, now, touch: this.#touch, approvalTtlMs: this.#cfg.approvalTtlMs, ref });
      switch (route.kind) {
        case 'ignored': break;
        case 'denied':
          await this.#emit(route.events);
          denied.push(...deniedOf(route.events));
          break;
        case 'shadow':
          await this.#emit(route.events);
          if (route.events.length > 0) shadow.push(p.id);
          break;
        case 'approval':
          await this.#emit(route.events);
          // A newer proposal replaces the older pending one for its bucket and underlying (proposals.ts).
          for (const ev of route.events) if (ev.type === 'executor.approvalChanged') approvalsChanged.push({ id: ev.id, status: ev.status });
          approvalsCreated.push(route.id);
          break;
        case 'saga': {
          const r = await this.#startSaga(p, null);
          if ('denied' in r) denied.push(r.denied);
          else {
            started.push(r.sagaId);
            progressed.push(await this.#advance(r.sagaId));
          }
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
      reconciliation: {
        ...recon,
        ...(unmanaged !== undefined ? { unmanaged } : {}),
        ...(settlement.pending.length > 0 ? { settlementPending: settlement.pending.length } : {}),
        ...(settlement.overdue !== undefined ? { settlementOverdue: settlement.overdue } : {}),
      },
    };
  }

  /**
   * Books the settlement of every position held past its expiry's close whose price is known (and, on a venue that
   * books settlement itself, which the broker no longer holds: it booked the expiry first); the rest waits, counted,
   * and is escalated once overdue. The prices are asked only while something waits (after an expiry, briefly); a
   * failed ask is "not known yet", never ₹0.
   */
  async #settle(now: number): Promise<{ pending: readonly SettlementPending[]; overdue?: string }> {
    const wanted = expiriesToSettle(this.state, now);
    if (wanted.length === 0) {
      this.#settlementPending = [];
      return { pending: [] };
    }
    const prices = new Map<string, number>();
    for (const { underlying, expiry } of wanted) {
      try {
        const px = await this.#p.settlementPrice?.(underlying, expiry);
        if (px !== undefined) prices.set(`${underlying}|${expiry}`, px);
      } catch (err) {
        this.#log.warn({ underlying, expiry, err: (err as Error).message }, 'settlement price not available (the positions wait)');
      }
    }
    let brokerHeld: ((key: string) => number | undefined) | undefined;
    if (this.#p.brokerBooksSettlement === true && prices.size > 0) {
      // The broker may book the expiry hours after the price is out (overnight): its book is read at the
      // reconciliation pace meanwhile, not every cycle (Upstox's read budget).
      const last = this.#brokerHeldForSettlement;
      if (last === null || now - last.at >= (this.#cfg.reconIntervalMs ?? 0)) {
        try {
          this.#brokerHeldForSettlement = { at: now, held: new Map(netByInstrument(await this.#p.broker.getPositions()).map((p) => [p.instrumentKey, p.quantity])) };
        } catch (err) {
          // Unknown is not flat: nothing is booked until the broker's book is read.
          this.#log.warn({ err: (err as Error).message }, 'broker positions not read: expired positions wait for the next cycle');
          this.#brokerHeldForSettlement = null;
        }
      }
      const held = this.#brokerHeldForSettlement?.held;
      brokerHeld = held === undefined ? () => Number.NaN : (key) => held.get(key);
    }
    const d = settlementDecision(this.state, now, this.#schedule, (u, e) => prices.get(`${u}|${e}`), {
      ...(brokerHeld !== undefined ? { brokerHeld } : {}),
      ...(this.#cfg.settlementOverdueMs !== undefined ? { overdueAfterMs: this.#cfg.settlementOverdueMs } : {}),
    });
    for (const e of d.book) if (e.type === 'money.settlement') this.#log.info({ instrumentKey: e.instrumentKey, expiry: e.expiry, settlementPrice: e.settlementPrice, pnl: e.pnl, charges: e.charges.total }, 'expiry settlement booked');
    await this.#emit(d.book);
    this.#settlementPending = d.pending;
    const late = d.pending.filter((p) => p.overdue);
    if (late.length === 0) return { pending: d.pending };
    const expiries = [...new Set(late.map((p) => `${p.underlying} ${p.expiry}`))].join(', ');
    const why = [...new Set(late.map((p) => (p.waitingFor === 'price' ? 'no final settlement price yet' : 'the broker still lists the contracts')))].join('; ');
    const overdue = `${late.length} position(s) of ${expiries} not settled ${Math.round((now - Math.min(...late.map((p) => p.since))) / 60_000)} min after the close (${why}): booked when it comes; check the broker's contract note`;
    this.#log.error({ pending: late }, overdue);
    return { pending: d.pending, overdue };
  }

  /** The facts the kill switch's FULL_AUTO admission reads (journaled here: the decision, this venue's trading days). */
  phaseHistory(): PhaseHistory {
    return { venue: this.#venue, governance: this.state.governance, days: historyOn(this.state, this.#venue) };
  }

  async #askRisk(p: Proposal): Promise<PreTradeDecision> {
    try {
      return await this.#p.preTrade({ proposal: p });
    } catch (err) {
      return { allowed: false, reason: `RISK_UNAVAILABLE: ${(err as Error).message}` };
    }
  }

  async #startSaga(p: Proposal, approvalId: string | null, requestedBy?: OperatorRequest): Promise<{ sagaId: string } | { denied: OrderDenied }> {
    const start = decideStart(this.state, p, approvalId, this.#ks, this.#p.clock.now(), requestedBy);
    if (start.kind === 'denied') {
      await this.#emit(start.events);
      return { denied: deniedOf(start.events)[0]! };
    }
    if (start.preTrade) {
      const d = await this.#askRisk(p);
      if (!d.allowed) {
        const unavailable = d.reason?.startsWith('RISK_UNAVAILABLE') === true;
        const e = denial(p, unavailable ? 'RISK_UNAVAILABLE' : 'RISK_PRETRADE_DENIED', d.reason ?? 'denied', this.#p.clock.now());
        await this.#emit([e]);
        return { denied: e.denied };
      }
    }
    if (p.riskIncreasing && this.#p.marginCheck === true) {
      const refused = await this.#checkMargin(p);
      if (refused !== undefined) {
        await this.#emit([refused]);
        return { denied: refused.denied };
      }
    }
    await this.#emit([start.event]);
    return { sagaId: start.sagaId };
  }

  /**
   * The broker's margin for the whole basket (hedge benefit included) against funds v3, before its first order: a
   * denial (INSUFFICIENT_MARGIN with both figures, or MARGIN_UNAVAILABLE when either read failed), else undefined.
   */
  async #checkMargin(p: Proposal): Promise<(ExecEvent & { type: 'executor.orderDenied' }) | undefined> {
    let verdict: MarginVerdict;
    try {
      const [estimate, funds] = await Promise.all([this.#p.broker.getMargin(marginLegs(p, this.#cfg.product ?? 'D', this.#touch)), this.#p.broker.getFunds()]);
      verdict = marginVerdict(estimate, funds);
    } catch (err) {
      return denial(p, 'MARGIN_UNAVAILABLE', `margin check failed, nothing sent: ${(err as Error).message}`, this.#p.clock.now());
    }
    this.#log.info({ proposalId: p.id, required: verdict.required, available: verdict.available }, 'margin checked before sending');
    if (verdict.ok) return undefined;
    const e = denial(p, 'INSUFFICIENT_MARGIN', verdict.detail, this.#p.clock.now());
    return { ...e, denied: { ...e.denied, margin: { required: verdict.required, available: verdict.available } } };
  }

  /** Drives one saga as far as it can go now: decide a step, journal its events, carry out its commands, repeat. */
  async #advance(sagaId: string): Promise<SagaProgress> {
    for (let guard = 0; guard < SAGA_STEPS; guard++) {
      await this.#desk.drain();
      const d = decideSagaStep(this.state, sagaId, { now: this.#p.clock.now(), cfg: this.#cfg, ks: this.#ks, touch: this.#touch, rules: this.#rules });
      await this.#emit(d.events);
      for (const c of d.commands) if (!(await this.#run(c))) break;
      if (d.progress !== undefined) return d.progress;
    }
    return { sagaId, stage: 'waiting: step budget used' };
  }

  /** Carries out one command; false when a risk re-check refused the group (the rest of the decision is void). */
  async #run(c: Command): Promise<boolean> {
    if (c.kind === 'cancel') {
      for (const id of c.orders) await this.#desk.cancel(id);
      return true;
    }
    if (c.preTrade !== undefined) {
      const d = await this.#askRisk(c.preTrade);
      if (!d.allowed) {
        await this.#emit(riskDenied(this.state, c.sagaId, 'RISK_PRETRADE_DENIED', d.reason ?? 'denied', this.#p.clock.now()).events);
        return false;
      }
    }
    await this.#desk.send(c.orders);
    return true;
  }

  // ---- reconciliation ----

  /**
   * Reconciles when due: always while any order is unsettled (in flight, UNKNOWN) — those are what reconciliation
   * resolves — otherwise at most every `reconIntervalMs`. An unexplained mismatch stays reported in between.
   */
  async #reconcileDue(now: number): Promise<Recon> {
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

  async reconcile(): Promise<Recon> {
    const now = this.#p.clock.now();
    const book = await this.#p.broker.getOrderBook();
    const orders = reconcileOrders(this.state, book, now, this.#cfg);
    await this.#emit(orders.events);
    await this.#emit(orders.findings.filter((f) => f.class !== 'in_flight').map((finding) => ({ type: 'executor.reconFinding' as const, finding, ts: now })));
    // One row per instrument (the broker lists one per product, closed ones too): the net position, signed.
    const positions = netByInstrument(await this.#p.broker.getPositions());
    const snap = this.#snapshot;
    const describe = (key: string) => (snap === undefined ? undefined : describeKey(snap, key));
    // Contracts past their expiry are settlement's (execute), on either side: never adopted, never "closed outside".
    // A venue that cannot tell the settlement price (live, for now) keeps the old path: the broker booking the
    // settlement shows as a close outside VolGuard (₹0 — known wrong, but never a position stuck in the book).
    const held = this.#p.settlementPrice === undefined ? { state: this.state, positions } : withoutExpired(this.state, positions, now, describe);
    const pos = reconcilePositions(held.state, held.positions, book, now, describe);
    await this.#emit(pos.events);
    const mismatch = [orders.mismatch, pos.mismatch].filter((m): m is string => m !== undefined).join('; ');
    const findings = [...orders.findings, ...pos.findings];
    return mismatch === '' ? { findings } : { findings, mismatch };
  }

  /** Naked-leg timers (journaled): EMERGENCY is requested first, then journaled (a crash in between re-requests). */
  async #checkNaked(now: number): Promise<void> {
    for (const e of nakedLegEvents(this.state, now, this.#cfg.nakedLegTimeoutMs)) {
      if (e.type === 'executor.nakedLegEmergency') {
        this.#log.error({ key: e.key, structureId: e.structureId }, e.detail);
        // Dropped (the kill switch restarting with a full buffer): not journaled, so the next check sends again.
        if (this.#p.emergency({ reason: 'NAKED_LEG', structureId: e.structureId, message: e.detail }) === false) continue;
      }
      await this.#emit([e]);
    }
  }

  /** The tick between cycles: drains updates, advances sagas, checks naked legs (the worker sends it to itself). */
  async tick(): Promise<void> {
    await this.#desk.drain();
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
    const current = this.#snapshot !== undefined && this.#surface !== undefined ? marketRef(a.proposal, this.#snapshot, this.#surface, this.#quotes) : undefined;
    const d = decideApprove(this.state, id, who, now, current, this.#cfg);
    await this.#emit(d.events);
    if (!d.start) return this.#view(id);
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

  /**
   * An operator's close of one open structure (the dashboard's typed confirmation, POST /api/v1/structures/{id}/close):
   * a reduce-only exit saga (exits.ts `operatorClose`), its legs marketable LIMITs from the touch re-priced like any
   * exit, journaled with who asked and why (`sagaStarted.requestedBy`). A human decided it, so the gate asks
   * `approvedExit`: permitted NORMAL, DEGRADED and HALTED, not during an EMERGENCY (the flatten owns the book). A
   * refusal is a coded error (NOT_FOUND → 404; INVALID_STATE, KILLSWITCH_NOT_NORMAL, CLOSE_EXCEEDS_POSITION → 409);
   * a gate refusal is journaled as a denial. Answers once the saga's first orders went out.
   */
  async closeStructure(req: CloseStructureRequest): Promise<CloseStructureAnswer> {
    const text = (x: unknown) => typeof x === 'string' && x.trim() !== '';
    if (!text(req?.id) || !text(req?.who) || !text(req?.reason)) throw new VolguardError('VALIDATION', 'expected {id, who, reason} non-empty strings, was another shape');
    if (this.#configuredPhase() === 'SHADOW') throw new VolguardError('INVALID_STATE', 'SHADOW sends no orders: the shadow book is paper only, nothing to close at the broker');
    if (this.#flattening !== undefined) throw new VolguardError('INVALID_STATE', 'a flatten is running: it closes every position');
    const requestedBy: OperatorRequest = { who: req.who, reason: req.reason };
    const now = this.#p.clock.now();
    const d = operatorClose(this.state, req.id, requestedBy, now);
    if (!d.ok) throw new VolguardError(d.code, d.message);
    this.#log.warn({ structureId: req.id, who: req.who, reason: req.reason, legs: d.proposal.legs.length }, 'operator close of a structure');
    const r = await this.#startSaga(d.proposal, null, requestedBy);
    if ('denied' in r) throw new VolguardError(r.denied.reason, `close of ${req.id} refused: ${r.denied.detail}`);
    const progress = await this.#advance(r.sagaId);
    return { structureId: req.id, proposalId: d.proposal.id, sagaId: r.sagaId, legs: d.proposal.legs, stage: progress.stage, ...(progress.outcome !== undefined ? { outcome: progress.outcome } : {}) };
  }

  #needApproval(id: string) {
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
    // SHADOW fills its own book at once, with no saga: nothing is working there.
    const working = shadow ? [] : workingProposals(this.state);
    return {
      positions: positionsView(shadow ? this.state.shadow.positions : this.state.positions),
      structures: Object.values(this.state.structures),
      orders: this.orders(),
      realisedPnlDay: shadow ? this.state.shadow.realisedPnl : this.state.realisedPnlDay,
      realised: shadow ? this.state.money.shadow : this.state.money.live,
      shadow,
      ...(this.#settlementPending.length > 0 ? { settlementPending: this.#settlementPending.filter((p) => p.shadow === shadow) } : {}),
      ...(working.length > 0 ? { working } : {}),
    };
  }

  /**
   * The account (messages.ts AccountView): paper from the book (capital + realised net + unrealised at the last
   * snapshot's mids) and the exchange's margin model; a live broker from its funds API (a refusal propagates).
   */
  async account(): Promise<AccountView> {
    const funds = await this.#p.broker.getFunds();
    const asOf = this.#p.clock.now();
    if (this.#p.broker.name !== 'paper') {
      return { source: 'upstox', equity: funds.availableMargin + funds.usedMargin, availableMargin: funds.availableMargin, usedMargin: funds.usedMargin, asOf };
    }
    const mid = (key: string): number | undefined => {
      const t = this.#touch(key);
      return t === undefined || !(t.bid > 0 && t.ask >= t.bid) ? undefined : (t.bid + t.ask) / 2;
    };
    const { equity } = paperEquity(this.#cfg.capital ?? 0, this.state.money.live, positionsView(this.state.positions), mid);
    return { source: 'paper', equity, availableMargin: Math.round((equity - funds.usedMargin) * 100) / 100, usedMargin: funds.usedMargin, asOf };
  }

  orders(): OrderView[] {
    return Object.values(this.state.orders).map((o) => ({
      clientOrderId: o.clientOrderId, sagaId: o.sagaId, instrumentKey: o.instrumentKey, side: o.side, quantity: o.quantity,
      product: o.product ?? 'D', status: o.status, brokerOrderId: o.brokerOrderId, filledQuantity: o.filledQuantity,
    }));
  }

  // ---- flatten ----

  /**
   * Cancel all, close all (BUY-to-close first), re-pricing each attempt; idempotent (a second call joins the first).
   * Orders in doubt on what is left are resolved first, never guessed at (flatten.ts); instruments not in doubt are
   * closed meanwhile. The flatten keeps working until the book is flat or the attempts run out, and `left` is what
   * the broker still holds then.
   */
  flatten(reason: string): Promise<FlattenResult> {
    this.#flattening ??= this.#runFlatten(reason).finally(() => {
      this.#flattening = undefined;
    });
    return this.#flattening;
  }

  /** What the broker holds, per instrument and product (each is closed in its own product). */
  async #held(): Promise<Holding[]> {
    return (await this.#p.broker.getPositions()).filter((p) => p.quantity !== 0).map((p) => ({ instrumentKey: p.instrumentKey, product: p.product, quantity: p.quantity }));
  }

  async #runFlatten(reason: string): Promise<FlattenResult> {
    const run = this.state.flattenSeq + 1;
    const sagaId = `VGF${run.toString(36)}`;
    await this.#emit([{ type: 'executor.flatten', run, stage: 'started', reason, ts: this.#p.clock.now() }]);
    await this.#p.broker.cancelAll();
    await this.#desk.drain();
    let n = 0;
    /** Orders placed per instrument: each gets FLATTEN_MAX_ATTEMPTS, re-priced more aggressively every time. */
    const tries = new Map<string, number>();
    let left: Holding[] = [];
    rounds: for (let round = 0; round < this.#cfg.flattenMaxAttempts + FLATTEN_MAX_WAITS; round++) {
      await this.reconcile();
      left = await this.#held();
      const plan = planFlattenRound(this.state, left, {
        run, next: n, tries, maxAttempts: this.#cfg.flattenMaxAttempts, now: this.#p.clock.now(), cfg: this.#cfg, touch: this.#touch,
        speed: this.#cfg.clockSpeed ?? 1, retryMs: this.#cfg.flattenRetryMs, rules: this.#rules,
      });
      switch (plan.kind) {
        case 'flat':
        case 'exhausted':
          break rounds;
        case 'pull':
          // Present and still working: pull it and look again — never place on top of it.
          for (const id of plan.orders) await this.#desk.cancel(id);
          if (plan.orders.some((id) => !isTerminal(this.state.orders[id]?.status ?? 'cancelled'))) await this.#p.sleep(Math.max(1, this.#cfg.flattenRetryMs));
          continue;
        case 'place': {
          n += plan.orders.length;
          // One attempt per position (instrument and product), however many slices it went out in.
          for (const k of new Set(plan.orders.map((o) => holdingKey(o)))) tries.set(k, (tries.get(k) ?? 0) + 1);
          await this.#desk.send(plan.orders);
          if ((await this.#held()).length === 0) {
            left = [];
            break rounds;
          }
          // Every order of the round filled (shorts bought back, longs still to sell): look again at once.
          if (plan.doubt.length === 0 && plan.orders.every((o) => this.state.orders[o.clientOrderId]?.status === 'filled')) continue;
          // Not all filled: pull the rest and try again more aggressively once quotes have moved.
          for (const o of Object.values(this.state.orders)) if (o.sagaId === sagaId && !isTerminal(o.status)) await this.#desk.cancel(o.clientOrderId);
          if (plan.doubt.length > 0) this.#log.warn({ orders: plan.doubt }, 'flatten: orders in doubt, resolving them by tag before placing more');
          await this.#p.sleep(plan.waitMs);
          continue;
        }
        case 'wait':
          this.#log.warn({ orders: plan.doubt, remainingMs: Math.round(plan.remainingMs) }, 'flatten: orders in doubt, resolving them by tag before placing more');
          await this.#p.sleep(plan.waitMs);
          continue;
      }
    }
    await this.reconcile();
    // The attempts ran out: what is really left (the last attempt's fills count).
    if (left.length > 0) left = await this.#held();
    const flat = left.length === 0;
    // The shadow book is flattened too (paper fills at the touch, never an order): its P&L realised and kept.
    const sh = shadowFlatten(this.state.shadow.positions, run, this.#touch, this.#p.clock.now());
    if (sh.event !== undefined) await this.#emit([sh.event]);
    if (sh.unpriced.length > 0) this.#log.warn({ unpriced: sh.unpriced }, 'flatten: shadow positions without a quote to close at are left open');
    const shadow = sh.event !== undefined || sh.unpriced.length > 0 ? { shadow: { closed: sh.event?.type === 'executor.shadowFill' ? sh.event.fills.length : 0, unpriced: sh.unpriced } } : {};
    await this.#emit([{ type: 'executor.flatten', run, stage: 'finished', reason, flat, left, ts: this.#p.clock.now() }]);
    if (!flat) this.#log.error({ left }, 'flatten gave up with positions left');
    const venue = flat && this.#p.venueKillSwitch === true ? await this.#engageVenueKillSwitch(run, reason) : undefined;
    return { flat, left, attempts: Math.max(0, ...tries.values()), ordersPlaced: n, ...shadow, ...(venue !== undefined ? { venueKillSwitch: venue } : {}) };
  }

  /**
   * The backstop for when VolGuard itself is dead: once an EMERGENCY flatten proved the book flat, the broker's own
   * kill switch blocks F&O for the account. The broker refuses it while anything is open (POSITIONS_OPEN: its books
   * may lag the fills), so it is asked again after FLATTEN_RETRY_MS, up to FLATTEN_MAX_ATTEMPTS times. Journaled either
   * way; a refusal never turns a flat book into a failed flatten.
   */
  async #engageVenueKillSwitch(run: number, reason: string): Promise<VenueKillSwitchRec> {
    const why = `EMERGENCY flatten run ${run} proved flat (${reason})`;
    let error = 'not attempted';
    for (let attempt = 1; attempt <= this.#cfg.flattenMaxAttempts; attempt++) {
      try {
        const segments = await this.#p.broker.setKillSwitch('NSE_FO', true);
        const engaged = segments.find((x) => x.segment === 'NSE_FO')?.engaged === true;
        if (engaged) {
          const record: VenueKillSwitchRec = { segment: 'NSE_FO', engaged: true, by: 'flatten', reason: why, ts: this.#p.clock.now() };
          await this.#emit([{ type: 'executor.venueKillSwitch', record }]);
          this.#log.warn({ segment: 'NSE_FO' }, 'broker kill switch engaged for F&O after the EMERGENCY flatten: only an admin releases it');
          return record;
        }
        error = 'the broker answered without the segment engaged';
      } catch (err) {
        error = (err as Error).message;
        if (!(err instanceof BrokerError && err.reason === 'POSITIONS_OPEN')) break;
      }
      await this.#p.sleep(Math.max(1, this.#cfg.flattenRetryMs));
    }
    const record: VenueKillSwitchRec = { segment: 'NSE_FO', engaged: false, by: 'flatten', reason: why, error, ts: this.#p.clock.now() };
    await this.#emit([{ type: 'executor.venueKillSwitch', record }]);
    this.#log.error({ segment: 'NSE_FO', err: error }, 'broker kill switch NOT engaged after the EMERGENCY flatten');
    return record;
  }

  /** The broker's kill switch per segment now, and how the executor last set it. */
  async venueKillSwitch(): Promise<VenueKillSwitchView> {
    const available = this.#p.venueKillSwitch === true;
    const last = this.state.venueKillSwitch ?? null;
    if (!available) return { available, segments: [], last };
    try {
      return { available, segments: [...await this.#p.broker.getKillSwitch()], last };
    } catch (err) {
      return { available, segments: [], last, error: (err as Error).message };
    }
  }

  /** An admin's release of the broker's F&O kill switch (the gateway checks the role); a refusal is journaled and thrown. */
  async releaseVenueKillSwitch(req: ReleaseVenueKillSwitch): Promise<VenueKillSwitchView> {
    if (typeof req?.who !== 'string' || req.who.trim() === '' || typeof req.reason !== 'string' || req.reason.trim() === '') {
      throw new VolguardError('VALIDATION', 'expected {who, reason} non-empty, was another shape');
    }
    if (this.#p.venueKillSwitch !== true) throw new VolguardError('INVALID_STATE', 'expected a venue with a kill switch (live), was paper');
    const base = { segment: 'NSE_FO' as const, by: 'admin' as const, who: req.who, reason: req.reason };
    try {
      const segments = await this.#p.broker.setKillSwitch('NSE_FO', false);
      await this.#emit([{ type: 'executor.venueKillSwitch', record: { ...base, engaged: segments.find((x) => x.segment === 'NSE_FO')?.engaged === true, ts: this.#p.clock.now() } }]);
    } catch (err) {
      const error = (err as Error).message;
      await this.#emit([{ type: 'executor.venueKillSwitch', record: { ...base, engaged: this.state.venueKillSwitch?.engaged ?? true, error, ts: this.#p.clock.now() } }]);
      throw new VolguardError('INVALID_STATE', `broker kill switch not released: ${error}`);
    }
    return this.venueKillSwitch();
  }
}

/** The governance rules in the executor's settings (FULL_AUTO_MIN_*, PAPER_WAIVE_PHASE_HISTORY). */
function governanceRules(cfg: EngineConfig): GovernanceRules {
  return { minShadowDays: cfg.fullAutoMinShadowDays, minSemiAutoDays: cfg.fullAutoMinSemiAutoDays, minQuality: cfg.fullAutoMinQuality, paperWaiveHistory: cfg.paperWaiveHistory };
}

/** Trading days journaled per phase on one venue. */
function historyOn(state: ExecState, venue: Venue): HistoryCounts {
  return { SHADOW: state.days[venue].SHADOW.length, SEMI_AUTO: state.days[venue].SEMI_AUTO.length };
}

function deniedOf(events: readonly ExecEvent[]): OrderDenied[] {
  return events.flatMap((e) => (e.type === 'executor.orderDenied' ? [e.denied] : []));
}
