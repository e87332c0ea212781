/**
 * @module The risk actor's only import point: its spec and its message types.
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { RiskSection } from './config.ts';
import { riskSettings } from './settings.ts';

export { riskSection, type RiskSection } from './config.ts';

export * from './messages.ts';

/**
 * The risk actor: permanent, restarted on crash (its state is rebuilt from the next cycle's book; bucket fractions
 * come back from the journal). Peers: journal, killswitch.
 * @example children: [journalActorSpec(journalSection(cfg)), riskActorSpec(riskSection(cfg)), …]
 */
export function riskActorSpec(section: RiskSection): ActorSpec {
  return {
    name: 'risk',
    entry: 'actors/risk/worker.ts',
    config: riskSettings(section),
    restart: 'permanent',
    peers: ['journal', 'killswitch'],
    // init() recovers from the journal: a restart waits for it (and is not a failure when the journal goes down under it).
    dependsOn: ['journal'],
  };
}
