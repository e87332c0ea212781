/**
 * @module The strategy's entries its risk rules skipped at the last cycle (pure): the event calendar, the re-entry
 * cool-down, the day's entry cap and a fired MTM stop (issue 18 "every trigger … shown on the dashboard"), each with
 * its reason as the strategy journaled it. Other skips (no surface, outside the window, …) are counted by reason only:
 * they are the market's state, not a rule acting.
 */
import type { EntrySkipped, SkipReason, StrategyStatus } from '../../actors/strategy/messages.ts';

export const RISK_RULE_SKIPS: readonly SkipReason[] = ['EVENT_CALENDAR', 'REENTRY_COOLDOWN', 'MAX_ENTRIES_DAY', 'MTM_STOP'];

export interface StrategySkipsView {
  readonly cycleId: string | null;
  /** Market time of the strategy's last cycle. */
  readonly ts: number | null;
  readonly ruleSkips: readonly EntrySkipped[];
  /** The other skips of that cycle, per reason. */
  readonly otherSkips: Readonly<Record<string, number>>;
}

export function strategySkipsView(status: Pick<StrategyStatus, 'lastCycleId' | 'lastTs' | 'lastSkipped'> | null | undefined): StrategySkipsView | null {
  if (status === null || status === undefined || !Array.isArray(status.lastSkipped)) return null;
  const ruleSkips: EntrySkipped[] = [];
  const otherSkips: Record<string, number> = {};
  for (const s of status.lastSkipped) {
    if (RISK_RULE_SKIPS.includes(s.reason)) ruleSkips.push({ bucket: s.bucket, underlying: s.underlying, reason: s.reason, detail: s.detail });
    else otherSkips[s.reason] = (otherSkips[s.reason] ?? 0) + 1;
  }
  return { cycleId: status.lastCycleId, ts: status.lastTs, ruleSkips, otherSkips };
}
