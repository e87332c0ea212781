/**
 * @module The strategy actor's spec: the only import point for others.
 * @example
 *   import { strategyActorSpec } from './actors/strategy/index.ts';
 *   children.push(strategyActorSpec(cfg));
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { Config } from '../../runtime/config.ts';
import { strategyParams } from './params.ts';

export type { ProposeRequest, StrategyStatus, EntrySkipped, SkipReason } from './messages.ts';

export function strategyActorSpec(cfg: Config): ActorSpec {
  // Cross-variable rules fail at boot in main, before any worker starts, not in the worker's init.
  strategyParams(cfg);
  return {
    name: 'strategy',
    entry: 'actors/strategy/worker.ts',
    config: cfg,
    // Stateless apart from RV history and cooldowns (rebuilt from the journal): always restart.
    restart: 'permanent',
    shutdownMs: 2000,
    peers: ['journal'],
  };
}
