/**
 * @module The strategy actor's spec: the only import point for others.
 * @example
 *   import { strategyActorSpec } from './actors/strategy/index.ts';
 *   children.push(strategyActorSpec(strategySection(cfg)));
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { StrategySection } from './config.ts';
import { strategyParams } from './params.ts';
import type { ChargesSchedule } from '../domain/charges.ts';
import { loadEventCalendar } from './events.ts';

export { strategySection, type StrategySection } from './config.ts';

export type { ProposeRequest, StrategyStatus, EntrySkipped, SkipReason } from './messages.ts';

/**
 * The worker gets its StrategyParams, built here: the cross-variable rules and the operator's event calendar
 * (DATA_DIR/event-calendar.csv, every bad line named) fail at boot in main, before any worker starts, and nothing but
 * the strategy's own parameters (the calendar in force among them) reaches its thread.
 */
export function strategyActorSpec(section: StrategySection, charges?: ChargesSchedule): ActorSpec {
  return {
    name: 'strategy',
    entry: 'actors/strategy/worker.ts',
    // The charges schedule (exits net of the charges to close), checked at boot: data, so it travels with the params.
    config: {
      ...strategyParams(section, loadEventCalendar(section.DATA_DIR).events),
      ...(charges !== undefined ? { charges } : {}),
    },
    // Stateless apart from RV history and cooldowns (rebuilt from the journal): always restart.
    restart: 'permanent',
    shutdownMs: 2000,
    peers: ['journal'],
    // init() recovers from the journal: a restart waits for it (and is not a failure when the journal goes down under it).
    dependsOn: ['journal'],
  };
}
