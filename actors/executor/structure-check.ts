/**
 * @module A structure is `opening` or `closing` only while a saga works for it (issue 14, order state): the strategy
 * waits on an `opening` entry before it proposes another, and a `closing` one is not exited again — so one left so
 * with nothing working (an order that ended without the saga hearing of it, an exit's fill that closed another
 * structure's leg, a flatten that ended with legs left) would block trading or leave legs unmanaged for good.
 * Reconciliation proves each such structure has a saga running, or repairs it (journaled): `opening` → `open` when
 * the book holds any of its legs, else `failed`; `closing` → `open` with the legs it still holds, `closed` with none.
 */
import type { ReconFinding } from './messages.ts';
import type { ExecEvent, ExecState } from './state.ts';

export function stuckStructureEvents(state: ExecState, now: number): { events: ExecEvent[]; findings: ReconFinding[] } {
  const events: ExecEvent[] = [];
  const findings: ReconFinding[] = [];
  const working = new Set<string>();
  for (const id in state.sagas) {
    const s = state.sagas[id]!;
    if (s.status !== 'done') working.add(s.structureId);
  }
  for (const st of Object.values(state.structures)) {
    if ((st.status !== 'opening' && st.status !== 'closing') || working.has(st.id)) continue;
    let to: 'open' | 'failed' | 'closed';
    if (st.status === 'opening') {
      const holds = st.legs.some((l) => {
        const q = state.positions[l.instrumentKey]?.quantity ?? 0;
        return l.side === 'BUY' ? q > 0 : q < 0;
      });
      to = holds ? 'open' : 'failed';
    } else {
      to = st.legs.length > 0 ? 'open' : 'closed';
    }
    const reason = `${st.status} with no saga working for it: repaired to ${to}`;
    events.push({ type: 'executor.structureRepaired', structureId: st.id, from: st.status, to, reason, ts: now });
    findings.push({ class: 'stuck_structure', detail: `structure ${st.id} ${reason}` });
  }
  return { events, findings };
}
