/**
 * @module The kill switch actor's only import point: its spec, `permits`, `effectivePhase` and its message types.
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { KillSwitchSection } from './config.ts';
import { killswitchSettings } from './settings.ts';
import type { KillSwitchActorConfig } from './worker.ts';

export { effectivePhase, permits, permitsOf } from './core.ts';
export { killswitchSection, type KillSwitchSection } from './config.ts';
export * from './messages.ts';

/**
 * The kill switch: permanent; its latch lives in the journal, so a restart comes back in the same state.
 * Peers: journal (latch + history), executor (flatten), risk (killswitch.changed).
 * @example children: [journalActorSpec(journalSection(cfg)), killswitchActorSpec(killswitchSection(cfg)), …]
 */
export function killswitchActorSpec(section: KillSwitchSection): ActorSpec {
  const config: KillSwitchActorConfig = { settings: killswitchSettings(section), phase: section.PHASE };
  return {
    name: 'killswitch',
    entry: 'actors/killswitch/worker.ts',
    config,
    restart: 'permanent',
    peers: ['journal', 'executor', 'risk'],
    // init() recovers from the journal: a restart waits for it (and is not a failure when the journal goes down under it).
    dependsOn: ['journal'],
    // A flatten in flight must be allowed to answer before the worker goes.
    shutdownMs: 10_000,
  };
}
