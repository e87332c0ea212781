/**
 * @module Naked legs (pure): a short exceeding its same-right long (same underlying and expiry, whole book) for
 * NAKED_LEG_TIMEOUT_MS of market time asks the kill switch for EMERGENCY, once per episode; the timers are journaled.
 */
import { msText } from './core.ts';
import type { ExecEvent, ExecState } from './state.ts';

/** Underlying/expiry/right groups where VolGuard is short more units than it holds long of the same right and expiry. */
export function nakedLegs(state: ExecState): Array<{ key: string; structureId: string }> {
  // Positions are per instrument and carry the structure that last traded them: two structures sharing a strike (a
  // weekly and an intraday condor on the same expiry) leave one structure's wing attributed to the other, and a
  // per-structure sum saw a covered short as naked (→ EMERGENCY → flatten of a healthy book). What is hedged is a
  // book-level fact: shorts of an underlying/expiry/right against the longs of the same underlying/expiry/right. The
  // key is the group (stable while the episode lasts); the structure named is the one holding the largest short.
  const agg = new Map<string, { structureId: string; underlying: string; expiry: string; right: string; worst: number; q: number }>();
  for (const p of Object.values(state.positions)) {
    if (p.quantity === 0 || p.structureId === null || p.structureId === 'adopted') continue;
    const g = `${p.underlying}:${p.expiry}:${p.right}`;
    const a = agg.get(g) ?? { structureId: p.structureId, underlying: p.underlying, expiry: p.expiry, right: p.right, worst: 0, q: 0 };
    a.q += p.quantity;
    if (p.quantity < a.worst) { a.worst = p.quantity; a.structureId = p.structureId; }
    agg.set(g, a);
  }
  return [...agg.values()].filter((a) => a.q < 0).map((a) => ({ key: `${a.underlying}:${a.expiry}:${a.right}`, structureId: a.structureId }));
}

export function nakedShorts(state: ExecState): string[] {
  return nakedLegs(state).map((n) => n.key);
}

/**
 * The naked-leg timers as journaled events: a timer starts when a short is first seen unhedged, clears when it is
 * hedged or closed, and asks for EMERGENCY once (per episode) when it has run `timeoutMs`. The timers live in the
 * state (rebuilt from the journal), so a restart continues them — time spent down counts. `timeoutMs` is market time.
 */
export function nakedLegEvents(state: ExecState, now: number, timeoutMs: number): ExecEvent[] {
  const out: ExecEvent[] = [];
  const current = nakedLegs(state);
  const timers = state.naked ?? {};
  for (const key of Object.keys(timers)) {
    if (!current.some((c) => c.key === key)) out.push({ type: 'executor.nakedLegCleared', key, ts: now });
  }
  for (const { key, structureId } of current) {
    const t = timers[key];
    const since = t?.since ?? now;
    if (t === undefined) out.push({ type: 'executor.nakedLegStarted', key, structureId, since, ts: now });
    if (t?.emergency !== true && now - since >= timeoutMs) {
      out.push({ type: 'executor.nakedLegEmergency', key, structureId, detail: `short leg ${key} unhedged for ${msText(now - since)} (limit ${timeoutMs} ms)`, ts: now });
    }
  }
  return out;
}
