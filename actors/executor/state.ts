/**
 * @module The executor's state and the journaled events that build it. `apply(state, event)` is the only way state
 * changes — live and during recovery alike (STYLE §8: startup is recovery) — so replaying the journal gives back the
 * exact state, and replaying twice changes nothing (every event is idempotent by id).
 *
 * `apply` mutates the state object it is given (the engine owns it exclusively; copying the whole book per fill
 * would buy nothing). It never reads a clock or does I/O.
 */
import { ENDED_STATUSES, type OrderStatus, type OrderType, type Product } from '../domain/order.ts';
import type { Side } from '../domain/side.ts';
import type { OrderRole } from './ids.ts';
import type { Approval, ApprovalStatus, OrderDenied, ReconFinding, SagaOutcome, VenueKillSwitchRec } from './messages.ts';
import type { Leg } from '../domain/leg.ts';
import type { Phase } from '../domain/phase.ts';
import type { Position } from '../domain/position.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { WorkingProposal } from '../domain/book.ts';
import type { Right } from '../domain/right.ts';
import type { Structure } from '../domain/structure.ts';
import type { Underlying } from '../domain/underlying.ts';
import { worstExpiryLoss } from '../domain/margin.ts';
import type { ChargesBooked, SettlementBooked } from '../domain/money.ts';
import { addMoney, applyCharges, applySettlement, initialMoney, type MoneyState } from './money-ledger.ts';
import { recordVenue, type GovernanceApproval, type GovernanceRecord, type PhaseRequest, type Venue } from '../domain/phase-governance.ts';

/** An order as the saga plans it (deterministic from the proposal). */
export interface PlannedOrder {
  readonly clientOrderId: string;
  readonly sagaId: string;
  readonly leg: number;
  readonly role: OrderRole;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly orderType: OrderType;
  readonly price: number;
  readonly riskIncreasing: boolean;
  /**
   * The broker product it trades (`D` carry-forward, `I` intraday): VolGuard's entries use the configured one
   * (UPSTOX_PRODUCT); an exit, a compensation and a flatten order use the product of the position they close (an `I`
   * position "closed" with a `D` order opens an opposite `D` one). Absent: journaled before products were (`D`).
   */
  readonly product?: Product;
  /** MARKET only (the last resort, no quote): the worst fill as a % band around the last price (Upstox
   *  `market_protection`); exchanges refuse algo MARKET orders without it. */
  readonly marketProtection?: number;
}

/** A planned order plus what happened to it. */
export interface OrderRec extends PlannedOrder {
  readonly createdAt: number;
  status: OrderStatus;
  brokerOrderId: string | null;
  filledQuantity: number;
  averagePrice: number;
  updatedAt: number;
  reason?: string;
  /**
   * When the broker answered one order with several ids (it sliced it itself — VolGuard sends `slice: false` and
   * slices below the freeze quantity, so this is the backstop): each id's own progress. The order's status and fills
   * are their sum; nothing one id reports overwrites another's.
   */
  parts?: Record<string, OrderPart>;
}

export interface OrderPart {
  status: OrderStatus;
  filledQuantity: number;
  averagePrice: number;
}

export type SagaStatus = 'running' | 'compensating' | 'done';

export interface SagaRec {
  readonly id: string;
  readonly no: number;
  readonly proposal: Proposal;
  readonly structureId: string;
  readonly startedAt: number;
  readonly approvalId: string | null;
  /** An operator's close of one structure (POST /api/v1/structures/{id}/close): who asked and why. Like an approval,
   *  a human decided this exit (the gate asks `approvedExit`). */
  readonly requestedBy?: OperatorRequest;
  status: SagaStatus;
  outcome?: SagaOutcome;
  reason?: string;
}

/** Who asked for an action from the dashboard or the API, and why (journaled with the saga it started). */
export interface OperatorRequest {
  readonly who: string;
  readonly reason: string;
}

export interface PositionRec {
  instrumentKey: string;
  /** The broker product the position is held in (absent: journaled before products were, `D`). */
  product?: Product;
  quantity: number;
  averagePrice: number;
  realisedPnl: number;
  structureId: string | null;
  underlying: Underlying;
  expiry: string;
  strike: number;
  right: Right;
}

/** Market reference taken when an approval was created; approval is refused if the market moved past thresholds. */
export interface ApprovalRef {
  readonly spot: number;
  /** Per leg, vol points (NaN when unknown). */
  readonly ivs: readonly number[];
  /** Per leg, ₹ (NaN when unknown). */
  readonly mids: readonly number[];
}

export interface ApprovalRec extends Approval {
  readonly proposal: Proposal;
  readonly ref: ApprovalRef;
}

export interface ShadowBook {
  positions: Record<string, PositionRec>;
  realisedPnl: number;
  fills: number;
  /** The proposals filled here (id → when): each is filled once, and a duplicated event books nothing more. */
  filled: Record<string, number>;
}

export interface ExecState {
  sagaSeq: number;
  flattenSeq: number;
  orders: Record<string, OrderRec>;
  sagas: Record<string, SagaRec>;
  positions: Record<string, PositionRec>;
  structures: Record<string, Structure>;
  approvals: Record<string, ApprovalRec>;
  /** The latched phase decision, with the venue it was taken on (actors/domain/phase-governance.ts). */
  governance: GovernanceRecord | null;
  /** A FULL_AUTO request waiting for its separate approval (live). */
  phaseRequest: PhaseRequest | null;
  /** Trading days (IST dates) spent in each phase, per venue, for the FULL_AUTO history gate. */
  days: Record<Venue, { SHADOW: string[]; SEMI_AUTO: string[] }>;
  shadow: ShadowBook;
  /**
   * @deprecated Lifetime realised P&L of fills (never reset, despite the name): use `money.live` (gross, charges,
   * settlement, net). Kept until the risk actor's trading day (issue 14) no longer reads the book's `realisedPnlDay`.
   */
  realisedPnlDay: number;
  /** Lifetime realised money per book: fills' gross P&L, charges, expiry settlement (money.ts). */
  money: MoneyState;
  findings: ReconFinding[];
  denied: OrderDenied[];
  /** Naked-leg timers by `underlying:expiry:right` (book level: structures may share strikes) (journaled, so a restart continues them instead of resetting). */
  naked: Record<string, NakedLegRec>;
  /**
   * Positions found with nobody managing them (their structure failed or closed, e.g. a compensation refused five
   * times), adopted exit-only: by instrument, when and from which structure. Kept until the position is flat; while
   * any is left the report escalates them (the kill switch's UNMANAGED_POSITIONS).
   */
  orphans: Record<string, OrphanRec>;
  /** The broker's own kill switch as the executor last set it (live; absent from states built before it existed). */
  venueKillSwitch?: VenueKillSwitchRec;
}

export interface OrphanRec {
  readonly from: string;
  readonly since: number;
  readonly quantity: number;
}

export interface NakedLegRec {
  readonly structureId: string;
  /** When the short was first seen unhedged (epoch ms). */
  readonly since: number;
  /** EMERGENCY already requested for this episode. */
  emergency: boolean;
}

export function initialState(): ExecState {
  return {
    sagaSeq: 0, flattenSeq: 0, orders: {}, sagas: {}, positions: {}, structures: {}, approvals: {}, governance: null, phaseRequest: null,
    days: { paper: { SHADOW: [], SEMI_AUTO: [] }, live: { SHADOW: [], SEMI_AUTO: [] } }, shadow: { positions: {}, realisedPnl: 0, fills: 0, filled: {} }, realisedPnlDay: 0,
    money: initialMoney(), findings: [], denied: [], naked: {}, orphans: {},
  };
}

export interface FillLine {
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
}

/** Journaled facts. Bodies carry `clientOrderId`/`sagaId` at top level so the journal's order index sees them. */
export type ExecEvent =
  | { readonly type: 'executor.sagaStarted'; readonly sagaId: string; readonly no: number; readonly proposal: Proposal; readonly structureId: string; readonly approvalId: string | null; readonly requestedBy?: OperatorRequest; readonly ts: number }
  | { readonly type: 'executor.orderIntent'; readonly clientOrderId: string; readonly sagaId: string; readonly leg: number; readonly role: OrderRole; readonly instrumentKey: string; readonly side: Side; readonly quantity: number; readonly orderType: OrderType; readonly price: number; readonly riskIncreasing: boolean; readonly product?: Product; readonly marketProtection?: number; readonly ts: number }
  /** `brokerOrderIds`: every id the broker answered with, when more than one (tracked as parts of the order). */
  | { readonly type: 'executor.orderSent'; readonly clientOrderId: string; readonly sagaId: string; readonly brokerOrderId: string; readonly brokerOrderIds?: readonly string[]; readonly ts: number }
  | { readonly type: 'executor.orderUnknown'; readonly clientOrderId: string; readonly sagaId: string; readonly error: string; readonly ts: number }
  | { readonly type: 'executor.orderUpdated'; readonly clientOrderId: string; readonly sagaId: string; readonly brokerOrderId: string | null; readonly status: OrderStatus; readonly filledQuantity: number; readonly averagePrice: number; readonly reason?: string; readonly ts: number }
  | { readonly type: 'executor.orderDenied'; readonly denied: OrderDenied; readonly ts: number }
  | { readonly type: 'executor.sagaCompensating'; readonly sagaId: string; readonly reason: string; readonly ts: number }
  | { readonly type: 'executor.sagaFinished'; readonly sagaId: string; readonly outcome: SagaOutcome; readonly reason: string; readonly ts: number }
  | { readonly type: 'executor.approvalCreated'; readonly approval: ApprovalRec }
  | { readonly type: 'executor.approvalChanged'; readonly id: string; readonly status: ApprovalStatus; readonly who?: string; readonly reason: string; readonly ts: number }
  | { readonly type: 'executor.reconFinding'; readonly finding: ReconFinding; readonly ts: number }
  | { readonly type: 'executor.positionAdopted'; readonly position: PositionRec; readonly ts: number }
  /** A structure left `opening`/`closing` with no saga working for it, set to what the book says (structure-check.ts). */
  | { readonly type: 'executor.structureRepaired'; readonly structureId: string; readonly from: string; readonly to: 'open' | 'failed' | 'closed'; readonly reason: string; readonly ts: number }
  /** A position whose structure no longer manages it (failed/closed), adopted exit-only. */
  | { readonly type: 'executor.positionOrphaned'; readonly instrumentKey: string; readonly quantity: number; readonly from: string; readonly detail: string; readonly ts: number }
  | { readonly type: 'executor.positionExternallyClosed'; readonly instrumentKey: string; readonly quantity: number; readonly ts: number }
  | { readonly type: 'executor.shadowFill'; readonly proposalId: string; readonly structureId: string; readonly fills: readonly FillLine[]; readonly legs: Proposal['legs']; readonly ts: number }
  | { readonly type: 'executor.phaseSet'; readonly phase: Phase; readonly approver: string; readonly reason: string; readonly ts: number; readonly venue?: Venue; readonly approval?: GovernanceApproval }
  | { readonly type: 'executor.phaseRequested'; readonly request: PhaseRequest }
  /** `venue` absent: journaled before venues were recorded (counts as paper). */
  | { readonly type: 'executor.tradingDay'; readonly date: string; readonly phase: 'SHADOW' | 'SEMI_AUTO'; readonly venue?: Venue }
  | { readonly type: 'executor.nakedLegStarted'; readonly key: string; readonly structureId: string; readonly since: number; readonly ts: number }
  | { readonly type: 'executor.nakedLegCleared'; readonly key: string; readonly ts: number }
  | { readonly type: 'executor.nakedLegEmergency'; readonly key: string; readonly structureId: string; readonly detail: string; readonly ts: number }
  /** A booking of an order's charges (money.ts); the body is the domain's ChargesBooked. */
  | ({ readonly type: 'money.charges' } & ChargesBooked)
  /** A position settled at expiry (money.ts); the body is the domain's SettlementBooked. */
  | ({ readonly type: 'money.settlement' } & SettlementBooked)
  /** The broker's own kill switch engaged (after an EMERGENCY flatten proven flat) or released (an admin), or refused. */
  | { readonly type: 'executor.venueKillSwitch'; readonly record: VenueKillSwitchRec }
  | { readonly type: 'executor.flatten'; readonly run: number; readonly stage: 'started' | 'finished'; readonly reason: string; readonly flat?: boolean; readonly left?: readonly { instrumentKey: string; quantity: number }[]; readonly ts: number };

const TERMINAL: ReadonlySet<OrderStatus> = new Set(ENDED_STATUSES);
export const isTerminal = (s: OrderStatus): boolean => TERMINAL.has(s);
/** What the broker itself said of an order: its answer to a placement, or an update it pushed (order-desk.ts). */
export const isBrokerFact = (e: ExecEvent): boolean => e.type === 'executor.orderSent' || e.type === 'executor.orderUpdated' || e.type === 'executor.orderUnknown';
/** Working at the broker, or possibly so (an UNKNOWN or an unacknowledged intent may exist there). */
export const isUnsettled = (s: OrderStatus): boolean => !TERMINAL.has(s);

/** Applies a signed fill to a position map entry; returns realised P&L of the fill. */
export function applyFill(book: Record<string, PositionRec>, template: Omit<PositionRec, 'quantity' | 'averagePrice' | 'realisedPnl'>, signed: number, price: number): number {
  const p = book[template.instrumentKey] ?? { ...template, quantity: 0, averagePrice: 0, realisedPnl: 0 };
  let realised = 0;
  // A position opened from flat is held in the product of the order that opened it.
  if (p.quantity === 0 && template.product !== undefined) p.product = template.product;
  if (p.quantity === 0 || Math.sign(p.quantity) === Math.sign(signed)) {
    const q = p.quantity + signed;
    p.averagePrice = (Math.abs(p.quantity) * p.averagePrice + Math.abs(signed) * price) / Math.abs(q);
    p.quantity = q;
  } else {
    const closing = Math.min(Math.abs(signed), Math.abs(p.quantity));
    realised = closing * (p.quantity > 0 ? price - p.averagePrice : p.averagePrice - price);
    const q = p.quantity + signed;
    p.averagePrice = q === 0 ? 0 : Math.sign(q) !== Math.sign(p.quantity) ? price : p.averagePrice;
    p.quantity = q;
  }
  p.realisedPnl += realised;
  if (template.structureId !== null) p.structureId = template.structureId;
  book[template.instrumentKey] = p;
  return realised;
}

function legTemplate(state: ExecState, o: OrderRec): Omit<PositionRec, 'quantity' | 'averagePrice' | 'realisedPnl'> {
  const saga = state.sagas[o.sagaId];
  const leg = saga?.proposal.legs[o.leg];
  const known = state.positions[o.instrumentKey];
  const product = o.product ?? 'D';
  if (leg !== undefined && leg.instrumentKey === o.instrumentKey) {
    return { instrumentKey: o.instrumentKey, product, structureId: saga?.structureId ?? null, underlying: leg.underlying, expiry: leg.expiry, strike: leg.strike, right: leg.right };
  }
  if (known !== undefined) return { ...known, product };
  // A flatten order on a position we hold is always found above; this is only reached for malformed replays.
  return { instrumentKey: o.instrumentKey, product, structureId: null, underlying: 'NIFTY', expiry: '', strike: 0, right: 'CE' };
}

/** The order several broker ids make up: fills summed (average weighted), over only when every part is. */
export function aggregateParts(quantity: number, parts: readonly OrderPart[]): { status: OrderStatus; filledQuantity: number; averagePrice: number } {
  let filled = 0;
  let value = 0;
  for (const p of parts) {
    filled += p.filledQuantity;
    value += p.filledQuantity * p.averagePrice;
  }
  const averagePrice = filled === 0 ? 0 : value / filled;
  if (!parts.every((p) => isTerminal(p.status))) return { status: filled > 0 ? 'partially_filled' : 'open', filledQuantity: filled, averagePrice };
  const status: OrderStatus = filled >= quantity ? 'filled'
    : parts.some((p) => p.status === 'cancelled') ? 'cancelled' : parts.some((p) => p.status === 'expired') ? 'expired' : parts.some((p) => p.status === 'filled') ? 'cancelled' : 'rejected';
  return { status, filledQuantity: filled, averagePrice };
}

/**
 * A structure's legs after a completed roll: a proposal leg opposite to a structure leg on the same instrument closes
 * it (by its quantity), any other opens a new leg. Legs closed to zero are dropped.
 */
export function rollLegs(legs: readonly Leg[], trades: readonly Leg[]): Leg[] {
  const out = legs.map((l) => ({ ...l }));
  for (const t of trades) {
    const i = out.findIndex((l) => l.instrumentKey === t.instrumentKey);
    const held = out[i];
    if (held === undefined) { const { limitPrice: _p, ...leg } = t; out.push(leg); continue; }
    const signed = (held.side === 'BUY' ? held.quantity : -held.quantity) + (t.side === 'BUY' ? t.quantity : -t.quantity);
    if (signed === 0) out.splice(i, 1);
    else out[i] = { ...held, side: signed > 0 ? 'BUY' : 'SELL', quantity: Math.abs(signed) };
  }
  return out;
}

export function apply(state: ExecState, e: ExecEvent): ExecState {
  switch (e.type) {
    case 'executor.sagaStarted': {
      if (state.sagas[e.sagaId] !== undefined) return state;
      state.sagaSeq = Math.max(state.sagaSeq, e.no);
      state.sagas[e.sagaId] = { id: e.sagaId, no: e.no, proposal: e.proposal, structureId: e.structureId, startedAt: e.ts, approvalId: e.approvalId, ...(e.requestedBy !== undefined ? { requestedBy: e.requestedBy } : {}), status: 'running' };
      const p = e.proposal;
      const existing = state.structures[e.structureId];
      if (p.action === 'open' && existing === undefined) {
        state.structures[e.structureId] = {
          id: e.structureId, kind: p.kind, underlying: p.underlying, expiry: p.expiry, bucket: p.bucket, status: 'opening',
          legs: p.legs, entryCredit: 0, maxLoss: structureMaxLoss(p.legs, 0), openedAt: e.ts,
        };
      } else if (existing !== undefined) {
        state.structures[e.structureId] = { ...existing, status: 'closing' };
      }
      return state;
    }
    case 'executor.orderIntent': {
      if (state.orders[e.clientOrderId] !== undefined) return state;
      const { type: _t, ts, ...rest } = e;
      state.orders[e.clientOrderId] = { ...rest, createdAt: ts, updatedAt: ts, status: 'pending', brokerOrderId: null, filledQuantity: 0, averagePrice: 0 };
      return state;
    }
    case 'executor.orderSent': {
      const o = state.orders[e.clientOrderId];
      // Already applied (a duplicate, replayed or appended twice): a late copy must not move the order's clock back.
      if (e.brokerOrderIds !== undefined && e.brokerOrderIds.length > 1 && o !== undefined) {
        o.parts ??= {};
        for (const id of e.brokerOrderIds) o.parts[id] ??= { status: 'sent', filledQuantity: 0, averagePrice: 0 };
      }
      if (o === undefined || o.brokerOrderId === e.brokerOrderId) return state;
      o.brokerOrderId = e.brokerOrderId;
      if (o.status === 'pending' || o.status === 'unknown') o.status = 'sent';
      o.updatedAt = e.ts;
      return state;
    }
    case 'executor.orderUnknown': {
      const o = state.orders[e.clientOrderId];
      if (o !== undefined && !isTerminal(o.status)) {
        o.status = 'unknown';
        o.reason = e.error;
        o.updatedAt = e.ts;
      }
      return state;
    }
    case 'executor.orderUpdated': {
      const o = state.orders[e.clientOrderId];
      if (o === undefined) return state;
      const part = e.brokerOrderId === null ? undefined : o.parts?.[e.brokerOrderId];
      if (part !== undefined && o.parts !== undefined) {
        // One of several ids: its own cumulative fill only grows; the order is the sum of its parts.
        if (e.filledQuantity < part.filledQuantity || (e.filledQuantity === part.filledQuantity && (e.status === part.status || isTerminal(part.status)))) return state;
        part.status = e.status;
        part.filledQuantity = e.filledQuantity;
        part.averagePrice = e.averagePrice;
      }
      const u = part !== undefined && o.parts !== undefined ? { ...e, ...aggregateParts(o.quantity, Object.values(o.parts)), brokerOrderId: o.brokerOrderId } : e;
      // Cumulative fills only grow; an older update arriving late changes nothing (idempotent replay).
      const delta = u.filledQuantity - o.filledQuantity;
      if (delta < 0 || (delta === 0 && isTerminal(o.status))) return state;
      if (delta > 0) {
        const deltaPrice = (u.averagePrice * u.filledQuantity - o.averagePrice * o.filledQuantity) / delta;
        const template = legTemplate(state, o);
        const holder = state.positions[o.instrumentKey]?.structureId ?? template.structureId;
        const realised = applyFill(state.positions, template, o.side === 'BUY' ? delta : -delta, deltaPrice);
        state.realisedPnlDay += realised;
        state.money.live = addMoney(state.money.live, { gross: realised });
        const s = state.sagas[o.sagaId];
        // A flatten's fills, and an exit's, close structure legs: the structures say so (legs left, closing → closed).
        if (o.role === 'flatten') closeLegs(state, o.instrumentKey, o.side, delta, holder, u.ts);
        else if (s !== undefined && s.proposal.action === 'close') closeLegs(state, o.instrumentKey, o.side, delta, s.structureId, u.ts);
        const st = s === undefined ? undefined : state.structures[s.structureId];
        // An open's entry fills build the credit; every fill of a roll (adjust) moves it: buying back the old untested
        // short costs, selling the new one earns, and a compensation that reverses part of the roll counts too.
        const credits = s !== undefined && (s.proposal.action === 'adjust' || (o.role === 'entry' && s.proposal.action === 'open'));
        if (s !== undefined && st !== undefined && credits) {
          // entryCredit is per unit set (₹ per unit of the structure's quantity), as strategy and risk read it.
          const units = unitQuantity(st.legs);
          const credit = ((o.side === 'SELL' ? 1 : -1) * delta * deltaPrice) / units;
          const entryCredit = st.entryCredit + credit;
          state.structures[st.id] = { ...st, entryCredit, maxLoss: structureMaxLoss(st.legs, entryCredit) };
        }
      }
      o.filledQuantity = u.filledQuantity;
      o.averagePrice = u.averagePrice;
      o.status = u.status;
      if (u.brokerOrderId !== null) o.brokerOrderId = u.brokerOrderId;
      if (u.reason !== undefined) o.reason = u.reason;
      o.updatedAt = u.ts;
      return state;
    }
    case 'executor.orderDenied':
      state.denied = [...state.denied.slice(-49), e.denied];
      return state;
    case 'executor.sagaCompensating': {
      const s = state.sagas[e.sagaId];
      if (s !== undefined && s.status === 'running') {
        s.status = 'compensating';
        s.reason = e.reason;
      }
      return state;
    }
    case 'executor.sagaFinished': {
      const s = state.sagas[e.sagaId];
      if (s === undefined || s.status === 'done') return state;
      s.status = 'done';
      s.outcome = e.outcome;
      s.reason = e.reason;
      const st = state.structures[s.structureId];
      if (st !== undefined && s.proposal.action === 'adjust') {
        // A roll keeps the structure open: completed, its legs are the rolled ones; otherwise the old ones (what a
        // partial roll left is in the positions, and the exit caps every leg at what the position holds).
        const legs = e.outcome === 'completed' ? rollLegs(st.legs, s.proposal.legs) : st.legs;
        state.structures[st.id] = { ...st, status: 'open', legs, maxLoss: structureMaxLoss(legs, st.entryCredit) };
      } else if (st !== undefined) {
        // An exit that ended incomplete leaves the structure open with what it still holds (closed if nothing).
        const status = s.proposal.action === 'open'
          ? e.outcome === 'completed' ? 'open' : 'failed'
          : e.outcome === 'completed' || st.legs.length === 0 ? 'closed' : 'open';
        state.structures[st.id] = { ...st, status, ...(status === 'closed' || status === 'failed' ? { closedAt: e.ts } : {}) };
      }
      return state;
    }
    case 'executor.approvalCreated':
      if (state.approvals[e.approval.id] === undefined) state.approvals[e.approval.id] = e.approval;
      return state;
    case 'executor.approvalChanged': {
      const a = state.approvals[e.id];
      if (a !== undefined) {
        state.approvals[e.id] = { ...a, status: e.status, statusReason: e.reason, ...(e.who !== undefined ? { decidedBy: e.who } : {}) };
      }
      return state;
    }
    case 'executor.reconFinding':
      state.findings = [...state.findings.slice(-99), e.finding];
      return state;
    case 'executor.structureRepaired': {
      const st = state.structures[e.structureId];
      if (st === undefined || (st.status !== 'opening' && st.status !== 'closing')) return state;
      state.structures[st.id] = { ...st, status: e.to, ...(e.to === 'open' ? {} : { closedAt: e.ts }), ...(e.to === 'closed' ? { legs: [], maxLoss: 0 } : {}) };
      return state;
    }
    case 'executor.positionOrphaned': {
      const p = state.positions[e.instrumentKey];
      if (p === undefined || p.quantity === 0) return state;
      p.structureId = 'adopted';
      state.orphans ??= {};
      state.orphans[e.instrumentKey] ??= { from: e.from, since: e.ts, quantity: e.quantity };
      adoptedStructure(state, p, e.ts);
      return state;
    }
    case 'executor.positionAdopted': {
      state.positions[e.position.instrumentKey] = { ...e.position };
      adoptedStructure(state, e.position, e.ts);
      return state;
    }
    case 'executor.positionExternallyClosed': {
      const p = state.positions[e.instrumentKey];
      if (p !== undefined) p.quantity = 0;
      // The structures that held it lose those legs (an exit built from them would otherwise re-open it), but stay
      // as they were otherwise: an open condor missing a leg is still open and managed (exits, naked-leg checks).
      if (e.quantity !== 0) closeLegs(state, e.instrumentKey, e.quantity > 0 ? 'SELL' : 'BUY', Math.abs(e.quantity), p?.structureId ?? null, e.ts, false);
      return state;
    }
    case 'executor.shadowFill': {
      if (state.shadow.filled[e.proposalId] !== undefined) return state;
      state.shadow.filled[e.proposalId] = e.ts;
      for (const f of e.fills) {
        const leg = e.legs.find((l) => l.instrumentKey === f.instrumentKey);
        const template = { instrumentKey: f.instrumentKey, structureId: e.structureId, underlying: leg?.underlying ?? 'NIFTY' as const, expiry: leg?.expiry ?? '', strike: leg?.strike ?? 0, right: leg?.right ?? 'CE' as const };
        const realised = applyFill(state.shadow.positions, template, f.side === 'BUY' ? f.quantity : -f.quantity, f.price);
        state.shadow.realisedPnl += realised;
        state.money.shadow = addMoney(state.money.shadow, { gross: realised });
      }
      state.shadow.fills++;
      return state;
    }
    case 'money.charges':
      applyCharges(state.money, e);
      if (!e.shadow) chargeStructure(state, e.structureId, e.charges.total);
      return state;
    case 'money.settlement': {
      const book = e.shadow ? state.shadow.positions : state.positions;
      const p = book[e.instrumentKey];
      // Once per position: a settlement of what is no longer held (a replay, a duplicate) changes nothing.
      if (p === undefined || p.quantity === 0 || p.quantity !== e.quantity) return state;
      p.quantity = 0;
      p.averagePrice = 0;
      p.realisedPnl += e.pnl;
      applySettlement(state.money, e);
      if (!e.shadow) chargeStructure(state, p.structureId, e.charges.total);
      if (!e.shadow) closeLegs(state, e.instrumentKey, e.quantity > 0 ? 'SELL' : 'BUY', Math.abs(e.quantity), p.structureId, e.at, false, 'settled');
      return state;
    }
    case 'executor.phaseSet':
      state.governance = { phase: e.phase, approver: e.approver, reason: e.reason, ts: e.ts, ...(e.venue !== undefined ? { venue: e.venue } : {}), ...(e.approval !== undefined ? { approval: e.approval } : {}) };
      // Any decision settles a pending request (an approval carries it out; another decision supersedes it).
      state.phaseRequest = null;
      return state;
    case 'executor.phaseRequested':
      state.phaseRequest = e.request;
      return state;
    case 'executor.tradingDay': {
      const days = state.days[recordVenue(e)];
      if (!days[e.phase].includes(e.date)) days[e.phase] = [...days[e.phase], e.date];
      return state;
    }
    case 'executor.venueKillSwitch':
      state.venueKillSwitch = e.record;
      return state;
    case 'executor.flatten':
      state.flattenSeq = Math.max(state.flattenSeq, e.run);
      if (e.stage === 'finished' && e.flat === true) {
        // The whole book is flat: no structure holds anything any more.
        for (const st of Object.values(state.structures)) {
          if (st.status === 'open' || st.status === 'closing') state.structures[st.id] = { ...st, status: 'closed', legs: [], maxLoss: 0, closedAt: st.closedAt ?? e.ts };
        }
      }
      return state;
    case 'executor.nakedLegStarted':
      state.naked ??= {};
      if (state.naked[e.key] === undefined) state.naked[e.key] = { structureId: e.structureId, since: e.since, emergency: false };
      return state;
    case 'executor.nakedLegCleared':
      if (state.naked !== undefined) delete state.naked[e.key];
      return state;
    case 'executor.nakedLegEmergency': {
      state.naked ??= {};
      const n = state.naked[e.key];
      if (n !== undefined) n.emergency = true;
      else state.naked[e.key] = { structureId: e.structureId, since: e.ts, emergency: true };
      return state;
    }
  }
}

/** The `adopted` structure: every position VolGuard manages exit-only (zombies found at the broker, orphans). */
function adoptedStructure(state: ExecState, first: Pick<PositionRec, 'underlying' | 'expiry'>, ts: number): void {
  const adopted = state.structures['adopted'];
  const legs = Object.values(state.positions).filter((p) => p.structureId === 'adopted' && p.quantity !== 0).map((p) => ({
    instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right,
    side: p.quantity > 0 ? 'BUY' as const : 'SELL' as const, quantity: Math.abs(p.quantity),
  }));
  state.structures['adopted'] = {
    id: 'adopted', kind: 'adopted', underlying: first.underlying, expiry: first.expiry, bucket: 'intraday',
    status: 'open', legs, entryCredit: 0, maxLoss: Number.POSITIVE_INFINITY, openedAt: adopted?.openedAt ?? ts,
  };
}

/** A structure's charges grow by `inr` (a booking on one of its orders, or its settlement). */
function chargeStructure(state: ExecState, structureId: string | null, inr: number): void {
  const st = structureId === null ? undefined : state.structures[structureId];
  if (st === undefined || inr === 0) return;
  state.structures[st.id] = { ...st, charges: Math.round(((st.charges ?? 0) + inr) * 100) / 100 };
}

/**
 * A closing fill of `quantity` units (`side` is the order's) on `instrumentKey`: the structure legs it closes shrink
 * (the structure named first — the saga's, or the one the position was attributed to — then any other live structure
 * holding that instrument the opposite way). A leg closed to zero is dropped; a structure left with no legs is
 * `closed`, one with legs left is `closing` (an exit in progress stays `closing`; a flatten's partial close too) —
 * unless `exiting` is false (legs closed outside VolGuard, or settled at expiry): then it keeps its status. `reason`
 * is recorded on a structure this closes (`settled`: its last legs settled at expiry).
 */
function closeLegs(state: ExecState, instrumentKey: string, side: Side, quantity: number, first: string | null, ts: number, exiting = true, reason?: 'settled'): void {
  let rest = quantity;
  const live = Object.values(state.structures).filter((st) => st.status === 'open' || st.status === 'closing' || st.status === 'opening');
  live.sort((a, b) => (a.id === first ? -1 : b.id === first ? 1 : 0));
  for (const st of live) {
    if (rest <= 0) break;
    const i = st.legs.findIndex((l) => l.instrumentKey === instrumentKey && l.side !== side);
    const leg = st.legs[i];
    if (leg === undefined) continue;
    const closed = Math.min(rest, leg.quantity);
    rest -= closed;
    const legs = leg.quantity === closed ? st.legs.filter((_, j) => j !== i) : st.legs.map((l, j) => (j === i ? { ...l, quantity: l.quantity - closed } : l));
    if (legs.length === 0) state.structures[st.id] = { ...st, status: 'closed', legs, maxLoss: 0, closedAt: ts, ...(reason !== undefined ? { closeReason: reason } : {}) };
    else state.structures[st.id] = { ...st, status: st.status === 'opening' || !exiting ? st.status : 'closing', legs, maxLoss: structureMaxLoss(legs, st.entryCredit) };
  }
}

/** The units one "set" of a structure has: its short legs' quantity (a condor's legs all share it). */
export function unitQuantity(legs: readonly Leg[]): number {
  const shorts = legs.filter((l) => l.side === 'SELL').map((l) => l.quantity);
  const q = Math.max(0, ...(shorts.length > 0 ? shorts : legs.map((l) => l.quantity)));
  return q > 0 ? q : 1;
}

/**
 * Maximum loss (₹) of a structure at expiry: (width − credit) × quantity for a defined-risk structure — the worst
 * intrinsic payoff of its legs (width × quantity for an iron condor) less the credit received; Infinity when the
 * payoff is unbounded (a naked short call). Never negative.
 */
export function structureMaxLoss(legs: readonly Leg[], entryCredit: number): number {
  if (legs.length === 0) return Number.POSITIVE_INFINITY;
  // Per (underlying, expiry) group, summed: groups never offset each other (no calendar credit, errs high).
  const groups = new Map<string, Leg[]>();
  for (const l of legs) groups.set(`${l.underlying}|${l.expiry}`, [...(groups.get(`${l.underlying}|${l.expiry}`) ?? []), l]);
  let worst = 0;
  for (const g of groups.values()) {
    worst += worstExpiryLoss(g.map((l) => ({ underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: l.quantity })));
  }
  if (!Number.isFinite(worst)) return Number.POSITIVE_INFINITY;
  return Math.max(0, worst - entryCredit * unitQuantity(legs));
}

/**
 * The proposals sagas are still working, each with its legs' filled units (entry orders, every slice and re-priced
 * attempt, summed per leg): the book's `working` (domain/book.ts). A saga compensating is unwinding what it filled
 * and will send none of the rest: not listed.
 */
export function workingProposals(state: ExecState): WorkingProposal[] {
  const out: WorkingProposal[] = [];
  const filled = new Map<string, number[]>();
  for (const id in state.sagas) {
    const s = state.sagas[id]!;
    if (s.status !== 'running') continue;
    const legs = s.proposal.legs.map(() => 0);
    filled.set(s.id, legs);
    out.push({ proposalId: s.proposal.id, structureId: s.structureId, bucket: s.proposal.bucket, riskIncreasing: s.proposal.riskIncreasing, legs: s.proposal.legs, filled: legs });
  }
  if (out.length === 0) return out;
  for (const id in state.orders) {
    const o = state.orders[id]!;
    const legs = o.role === 'entry' ? filled.get(o.sagaId) : undefined;
    if (legs !== undefined && o.leg < legs.length) legs[o.leg]! += o.filledQuantity;
  }
  return out;
}

/** How many instruments `book` holds (what `positionsView(book).length` is, without copying the positions). */
export function openPositions(book: Record<string, PositionRec>): number {
  let n = 0;
  for (const k in book) if (book[k]!.quantity !== 0) n++;
  return n;
}

export function positionsView(book: Record<string, PositionRec>): Position[] {
  return Object.values(book).filter((p) => p.quantity !== 0).map((p) => ({ ...p }));
}
