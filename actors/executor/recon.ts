/**
 * @module Reconciliation (pure): orders in doubt resolved by tag (present → tracked; absent past the grace → never
 * placed; a DAY order gone on a later day → expired), updates the stream missed, and positions against the broker's
 * (in flight, zombie → adopted, externally closed, drift → the kill switch HALTs).
 */
import { istDate } from '../domain/calendar.ts';
import type { BrokerOrder, BrokerPosition } from '../venues/broker.ts';
import { isOurs } from './ids.ts';
import type { ReconFinding } from './messages.ts';
import { msText, type CoreConfig } from './core.ts';
import { isTerminal, isUnsettled, type ExecEvent, type ExecState, type PositionRec } from './state.ts';

export interface ReconResult {
  readonly events: ExecEvent[];
  readonly findings: ReconFinding[];
  readonly mismatch?: string;
}

/** Orders: resolve UNKNOWN / unacknowledged intents by tag, and catch updates the stream missed. */
export function reconcileOrders(state: ExecState, book: readonly BrokerOrder[], now: number, cfg: CoreConfig): ReconResult {
  const events: ExecEvent[] = [];
  const findings: ReconFinding[] = [];
  // The broker's book by tag, built only when some order is unsettled (with nothing in flight there is nothing to match).
  let byTag: Map<string, BrokerOrder[]> | undefined;
  let mismatch: string | undefined;
  for (const id in state.orders) {
    const o = state.orders[id]!;
    if (!isUnsettled(o.status)) continue;
    if (byTag === undefined) {
      byTag = new Map();
      for (const b of book) {
        if (b.clientOrderId === null) continue;
        const same = byTag.get(b.clientOrderId);
        if (same === undefined) byTag.set(b.clientOrderId, [b]);
        else same.push(b);
      }
    }
    const found = byTag.get(o.clientOrderId) ?? [];
    const wasUnknown = o.status === 'unknown' || o.status === 'pending';
    if (found.length > 1 && slicesOf(o, found)) {
      // The broker split the order under our one tag (several ids): each is a part of it, tracked to the end.
      if (o.parts === undefined || found.some((b) => o.parts?.[b.brokerOrderId] === undefined)) {
        events.push({ type: 'executor.orderSent', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: o.brokerOrderId ?? found[0]!.brokerOrderId, brokerOrderIds: found.map((b) => b.brokerOrderId), ts: now });
      }
      for (const b of found) {
        const part = o.parts?.[b.brokerOrderId];
        if (part !== undefined && part.status === b.status && part.filledQuantity === b.filledQuantity) continue;
        events.push({
          type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: b.brokerOrderId, status: b.status,
          filledQuantity: b.filledQuantity, averagePrice: b.averagePrice, ...(b.statusMessage !== undefined ? { reason: b.statusMessage } : {}), ts: now,
        });
      }
      continue;
    }
    if (found.length > 1) {
      mismatch = `order ${o.clientOrderId} appears ${found.length} times at the broker`;
      findings.push({ class: 'drift', clientOrderId: o.clientOrderId, detail: mismatch });
      continue;
    }
    const b = found[0];
    if (b === undefined) {
      if (wasUnknown && now - o.updatedAt >= cfg.reconGraceMs) {
        const detail = `not in the broker's book ${msText(now - o.updatedAt)} after it was last seen: never placed`;
        events.push({ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: null, status: 'rejected', filledQuantity: o.filledQuantity, averagePrice: o.averagePrice, reason: 'NOT_AT_BROKER', ts: now });
        findings.push({ class: 'unknown_resolved', clientOrderId: o.clientOrderId, detail });
      } else if (wasUnknown) {
        findings.push({ class: 'in_flight', clientOrderId: o.clientOrderId, detail: 'UNKNOWN order not yet in the broker book (grace)' });
      } else if (istDate(o.updatedAt) < istDate(now)) {
        // A DAY order the broker knew, gone from its book on a later day: purged after its session (Upstox orders
        // live one trading day). Over, with what it filled; the saga re-places or compensates the rest.
        const detail = `not in the broker's book since ${istDate(o.updatedAt)}: a DAY order purged after its session (expired, ${o.filledQuantity}/${o.quantity} filled)`;
        events.push({ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: o.brokerOrderId, status: 'expired', filledQuantity: o.filledQuantity, averagePrice: o.averagePrice, reason: 'EXPIRED: purged after its session', ts: now });
        findings.push({ class: 'missed_update', clientOrderId: o.clientOrderId, detail });
      }
      continue;
    }
    if (wasUnknown || b.status !== o.status || b.filledQuantity !== o.filledQuantity) {
      events.push({
        type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: b.brokerOrderId, status: b.status,
        filledQuantity: b.filledQuantity, averagePrice: b.averagePrice, ...(b.statusMessage !== undefined ? { reason: b.statusMessage } : {}), ts: now,
      });
      findings.push({
        class: wasUnknown ? 'unknown_resolved' : 'missed_update', clientOrderId: o.clientOrderId,
        detail: `broker says ${b.status} ${b.filledQuantity}/${b.quantity} (local ${o.status} ${o.filledQuantity})`,
      });
    }
  }
  return mismatch === undefined ? { events, findings } : { events, findings, mismatch };
}

/** Several broker orders under one tag are the slices of that order when they trade its instrument and side and add
 *  up to its quantity (the broker split it); anything else is drift. */
function slicesOf(o: { readonly instrumentKey: string; readonly side: string; readonly quantity: number }, found: readonly BrokerOrder[]): boolean {
  return found.every((b) => b.instrumentKey === o.instrumentKey && b.side === o.side) && found.reduce((a, b) => a + b.quantity, 0) === o.quantity;
}

/** Positions: local (from our fills) against the broker's net positions. Run after `reconcileOrders` was applied. */
export function reconcilePositions(state: ExecState, positions: readonly BrokerPosition[], book: readonly BrokerOrder[], now: number, describe: (key: string) => Omit<PositionRec, 'quantity' | 'averagePrice' | 'realisedPnl' | 'structureId'> | undefined): ReconResult {
  const events: ExecEvent[] = [];
  const findings: ReconFinding[] = [];
  const mismatches: string[] = [];
  const broker = new Map(positions.map((p) => [p.instrumentKey, p]));
  const keys = new Set([...broker.keys(), ...Object.keys(state.positions)]);
  for (const key of keys) {
    const local = state.positions[key]?.quantity ?? 0;
    const bp = broker.get(key);
    const remote = bp?.quantity ?? 0;
    if (local === remote) continue;
    const ours = Object.values(state.orders).some((o) => o.instrumentKey === key && isUnsettled(o.status));
    const foreignWorking = book.some((b) => b.instrumentKey === key && !isOurs(b.clientOrderId) && !isTerminal(b.status));
    if (ours) {
      findings.push({ class: 'in_flight', instrumentKey: key, localQuantity: local, brokerQuantity: remote, detail: 'orders in flight explain the difference (grace)' });
    } else if (local === 0 && bp !== undefined) {
      const d = describe(key);
      const position: PositionRec = {
        instrumentKey: key, product: bp.product, quantity: remote, averagePrice: bp.averagePrice, realisedPnl: 0, structureId: 'adopted',
        underlying: d?.underlying ?? 'NIFTY', expiry: d?.expiry ?? '', strike: d?.strike ?? 0, right: d?.right ?? 'CE',
      };
      events.push({ type: 'executor.positionAdopted', position, ts: now });
      findings.push({ class: 'zombie', instrumentKey: key, localQuantity: 0, brokerQuantity: remote, detail: `position unknown to VolGuard adopted exit-only${foreignWorking ? ' (an outside order is still working)' : ''}` });
    } else if (remote === 0) {
      events.push({ type: 'executor.positionExternallyClosed', instrumentKey: key, quantity: local, ts: now });
      findings.push({ class: 'externally_closed', instrumentKey: key, localQuantity: local, brokerQuantity: 0, detail: 'closed outside VolGuard' });
    } else {
      const detail = `quantity drift on ${key}: local ${local}, broker ${remote}, nothing in flight explains it`;
      mismatches.push(detail);
      findings.push({ class: 'drift', instrumentKey: key, localQuantity: local, brokerQuantity: remote, detail });
    }
  }
  for (const f of findings) events.push({ type: 'executor.reconFinding', finding: f, ts: now });
  return mismatches.length === 0 ? { events, findings } : { events, findings, mismatch: mismatches.join('; ') };
}
