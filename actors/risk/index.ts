/**
 * @module The risk actor's only import point: its spec and its message types.
 */
import type { Config } from '../../runtime/config.ts';
import type { ActorSpec } from '../../runtime/spec.ts';
import { riskSettings } from './settings.ts';

export * from './messages.ts';

/**
 * The risk actor: permanent, restarted on crash (its state is rebuilt from the next cycle's book; bucket fractions
 * come back from the journal). Peers: journal, killswitch.
 * @example children: [journalActorSpec(cfg), riskActorSpec(cfg), killswitchActorSpec(cfg), …]
 */
export function riskActorSpec(cfg: Config): ActorSpec {
  return {
    name: 'risk',
    entry: 'actors/risk/worker.ts',
    config: riskSettings(cfg),
    restart: 'permanent',
    peers: ['journal', 'killswitch'],
  };
}
