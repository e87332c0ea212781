/**
 * @module Rebuilds the re-proposal cooldowns from the strategy's own journal stream after a restart, so an entry or
 * exit awaiting approval is not proposed again just because the actor came back. Pure.
 */
import type { Proposal } from '../domain/proposal.ts';
import type { StrategyState } from './core.ts';
import { openKey } from './entries.ts';
import { exitKey } from './exits.ts';

/** Body of the `strategy.proposed` journal entry. */
export interface ProposedEntry {
  readonly proposal: Proposal;
  /** Market time of the cycle that proposed it (the cooldown clock). */
  readonly marketTs: number;
}

export const PROPOSED_EVENT = 'strategy.proposed';
export const SKIPPED_EVENT = 'strategy.skipped';

export function restoreCooldowns(state: StrategyState, events: readonly { readonly type: string; readonly body: unknown }[]): StrategyState {
  const recent: Record<string, number> = { ...state.recent };
  let lastTs = state.lastTs;
  for (const e of events) {
    if (e.type !== PROPOSED_EVENT) continue;
    const { proposal: p, marketTs } = e.body as ProposedEntry;
    if (typeof marketTs !== 'number' || typeof p !== 'object' || p === null) continue;
    const key = p.action === 'open' ? openKey(p.bucket, p.underlying) : exitKey(p.structureId ?? p.id);
    recent[key] = Math.max(recent[key] ?? -Infinity, marketTs);
    lastTs = lastTs === null ? marketTs : Math.max(lastTs, marketTs);
  }
  return { ...state, recent, lastTs };
}
