/**
 * @module Positions nobody manages (issue 16 item 3). A structure that ended `failed` (a compensation refused every
 * time) or `closed` while the broker still holds some of its units leaves positions no saga, exit or naked-leg check
 * looks after. They are found here, adopted exit-only (like zombies: `adoptedExitProposal` exits them whenever the
 * phase allows orders, retrying until flat) and escalated: while any is left, or a compensation waits for the next
 * open, the report names them and the kill switch holds UNMANAGED_POSITIONS (DEGRADED, with an alert).
 *
 * Conservative on purpose — adopting a position that a live structure still holds would exit a healthy trade: an
 * instrument is an orphan only when its whole position is attributed to a structure that is not live (failed,
 * closed or unknown), no live structure holds a leg of it, and no order or running saga is working on it. Anything
 * else unexplained is reconciliation's (drift) or stays escalated without adoption.
 */
import { isUnsettled, type ExecEvent, type ExecState } from './state.ts';

const LIVE = new Set(['opening', 'open', 'closing']);

/** `executor.positionOrphaned` for every position nobody manages (pure; `now` stamps the events). */
export function orphanEvents(state: ExecState, now: number): ExecEvent[] {
  const out: ExecEvent[] = [];
  const working = new Set<string>();
  for (const id in state.orders) {
    const o = state.orders[id]!;
    if (isUnsettled(o.status)) working.add(o.instrumentKey);
  }
  for (const id in state.sagas) {
    const s = state.sagas[id]!;
    if (s.status !== 'done') for (const l of s.proposal.legs) working.add(l.instrumentKey);
  }
  const held = new Set<string>();
  for (const st of Object.values(state.structures)) {
    if (LIVE.has(st.status)) for (const l of st.legs) held.add(l.instrumentKey);
  }
  for (const p of Object.values(state.positions)) {
    if (p.quantity === 0 || p.structureId === 'adopted' || working.has(p.instrumentKey) || held.has(p.instrumentKey)) continue;
    const from = p.structureId ?? 'none';
    const st = p.structureId === null ? undefined : state.structures[p.structureId];
    if (st !== undefined && LIVE.has(st.status)) continue;
    out.push({
      type: 'executor.positionOrphaned', instrumentKey: p.instrumentKey, quantity: p.quantity, from,
      detail: `${p.instrumentKey} ${p.quantity} left by structure ${from} (${st?.status ?? 'unknown'}): adopted exit-only`, ts: now,
    });
  }
  return out;
}

/** What the report escalates: adopted orphans still held, and compensations carried to the next open. */
export function unmanagedDetail(state: ExecState, carried: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const [key, o] of Object.entries(state.orphans ?? {})) {
    const q = state.positions[key]?.quantity ?? 0;
    if (q !== 0) parts.push(`${key} ${q} (left by ${o.from}, adopted exit-only)`);
  }
  parts.push(...carried);
  return parts.length === 0 ? undefined : `positions to manage: ${parts.join('; ')}`;
}
