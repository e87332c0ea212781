/**
 * @module The events an operator acts on (pure): orders, fills, denials with their reason, kill-switch transitions,
 * approvals, alerts and restarts, drawn from each cycle's execution report and from main's live events. A healthy
 * `cycle.completed` is not one of them (it is the loop's heartbeat); a failed one is an alert.
 */
import type { ExecutionReport } from '../../actors/executor/messages.ts';

export type EventKind = 'order' | 'fill' | 'denial' | 'killswitch' | 'approval' | 'alert' | 'restart';
export const EVENT_KINDS: readonly EventKind[] = ['order', 'fill', 'denial', 'killswitch', 'approval', 'alert', 'restart'];

export interface EventView {
  /** Market-clock epoch ms (the page shows it in IST). */
  readonly ts: number;
  readonly kind: EventKind;
  readonly title: string;
  readonly detail: string;
  /** What the journal files it under: the cycle id, saga, approval or proposal id. */
  readonly ref: string;
}

const str = (x: unknown, fallback = '—'): string => (typeof x === 'string' && x !== '' ? x : typeof x === 'number' ? String(x) : fallback);
const obj = (x: unknown): Record<string, unknown> => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {});

/** Events one cycle's execution report carries (SHADOW fills are labelled as such). */
export function eventsFromExecution(r: ExecutionReport, ts: number): EventView[] {
  const out: EventView[] = [];
  const ev = (kind: EventKind, title: string, detail: string, ref: string) => out.push({ ts, kind, title, detail, ref });
  for (const id of r.sagasStarted) ev('order', 'orders sent', `saga ${id} started`, id);
  for (const p of r.sagasProgressed) {
    if (p.outcome === 'completed') ev('fill', 'filled', `saga ${p.sagaId} completed: every leg filled`, p.sagaId);
    else if (p.outcome === 'compensated') ev('alert', 'compensated', `saga ${p.sagaId} unwound its filled legs (${p.stage})`, p.sagaId);
    else if (p.outcome === 'failed') ev('alert', 'saga failed', `saga ${p.sagaId} failed at ${p.stage}: check the book for orphan legs`, p.sagaId);
    else if (p.outcome === 'denied') ev('denial', 'denied', `saga ${p.sagaId} denied at ${p.stage}`, p.sagaId);
    // A saga still working is reported every cycle: not an event until it ends.
  }
  for (const d of r.denied) ev('denial', `denied: ${d.reason}`, d.detail, d.sagaId ?? d.proposalId);
  for (const id of r.approvalsCreated) ev('approval', 'approval waiting', `${id} needs an operator`, id);
  for (const a of r.approvalsChanged) ev('approval', `approval ${a.status}`, a.id, a.id);
  for (const id of r.shadowFills) ev('fill', 'SHADOW fill', `proposal ${id} filled on paper in the shadow book (no order sent)`, id);
  if (r.reconciliation.mismatch !== undefined) ev('alert', 'reconciliation mismatch', r.reconciliation.mismatch, r.cycleId);
  for (const f of r.reconciliation.findings) ev('alert', `reconciliation: ${f.class}`, f.detail, f.instrumentKey ?? f.clientOrderId ?? r.cycleId);
  return out;
}

/**
 * One live event from main (runtime/main/protocol.ts, runtime/system.ts) as an operator event, or null for noise.
 * `lastTransitionAt` dedupes kill-switch notices that carry no new transition (a phase change re-sends the status).
 */
export function eventFromLive(type: string, body: unknown, ts: number, lastTransitionAt: number | null): EventView | null {
  const b = obj(body);
  switch (type) {
    case 'killswitch.changed': {
      const h = Array.isArray(b['history']) ? obj(b['history'][b['history'].length - 1]) : {};
      if (typeof h['at'] !== 'number' || h['at'] === lastTransitionAt) return null;
      const cause = obj(h['cause']);
      return { ts, kind: 'killswitch', title: `${str(h['from'])} → ${str(h['to'])}`, detail: `${str(cause['code'], '')}${cause['code'] ? ': ' : ''}${str(cause['message'])}`, ref: str(h['cycleId'], 'killswitch') };
    }
    case 'killswitch.alertRaised':
      return { ts, kind: 'alert', title: 'kill-switch alert', detail: str(b['reason']), ref: 'killswitch' };
    case 'sys.actorRestarted':
      return { ts, kind: 'restart', title: `${str(b['name'])} restarted`, detail: `${str(b['reason'])}${typeof b['error'] === 'string' ? `: ${b['error']}` : ''}`, ref: str(b['name']) };
    case 'sys.actorExited':
      return b['reason'] === 'normal' || b['reason'] === 'shutdown' ? null : { ts, kind: 'restart', title: `${str(b['name'])} exited`, detail: str(b['reason']), ref: str(b['name']) };
    case 'sys.supervisorGaveUp':
      return { ts, kind: 'alert', title: `supervisor ${str(b['name'])} gave up`, detail: str(b['reason']), ref: str(b['name']) };
    case 'feed.stalled':
      return { ts, kind: 'alert', title: 'feed stalled', detail: str(b['reason']), ref: 'feed' };
    case 'feed.recovered':
      return { ts, kind: 'alert', title: 'feed recovered', detail: str(b['reason'], 'ticks flowing again'), ref: 'feed' };
    case 'journal.faulted':
      return { ts, kind: 'alert', title: 'journal fault', detail: `${str(b['kind'])}: ${str(b['message'])}`, ref: 'journal' };
    case 'cycle.completed':
      return typeof b['error'] === 'string' && b['error'] !== '' ? { ts, kind: 'alert', title: 'cycle failed', detail: b['error'], ref: str(b['cycleId']) } : null;
    default:
      return null;
  }
}

/** A bounded newest-last log of operator events. */
export class EventLog {
  readonly #max: number;
  readonly #items: EventView[] = [];
  #lastTransitionAt: number | null = null;
  constructor(max = 200) {
    this.#max = max;
  }
  push(...events: readonly EventView[]): void {
    this.#items.push(...events);
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max);
  }
  live(type: string, body: unknown, ts: number): void {
    const e = eventFromLive(type, body, ts, this.#lastTransitionAt);
    if (e === null) return;
    if (e.kind === 'killswitch') {
      const h = (body as { history?: readonly { at?: number }[] }).history;
      this.#lastTransitionAt = h?.[h.length - 1]?.at ?? null;
    }
    this.push(e);
  }
  /** Newest first, at most `n`. */
  latest(n: number): EventView[] {
    return this.#items.slice(-n).reverse();
  }
}
