/**
 * @module The kill switch actor's only import point: its spec, `permits`, `effectivePhase` and its message types.
 */
import type { Config } from '../../runtime/config.ts';
import type { ActorSpec } from '../../runtime/spec.ts';
import { killswitchSettings } from './settings.ts';
import type { KillSwitchActorConfig } from './worker.ts';

export { effectivePhase, permits, permitsOf } from './core.ts';
export * from './messages.ts';

/**
 * The kill switch: permanent; its latch lives in the journal, so a restart comes back in the same state.
 * Peers: journal (latch + history), executor (flatten), risk (killswitch.changed).
 * @example children: [journalActorSpec(cfg), riskActorSpec(cfg), killswitchActorSpec(cfg), …]
 */
export function killswitchActorSpec(cfg: Config): ActorSpec {
  const config: KillSwitchActorConfig = { settings: killswitchSettings(cfg), phase: cfg.PHASE };
  return {
    name: 'killswitch',
    entry: 'actors/killswitch/worker.ts',
    config,
    restart: 'permanent',
    peers: ['journal', 'executor', 'risk'],
    // A flatten in flight must be allowed to answer before the worker goes.
    shutdownMs: 10_000,
  };
}
