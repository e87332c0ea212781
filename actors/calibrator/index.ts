/**
 * @module The calibrator actor's spec: the only import point for others.
 * @example
 *   import { calibratorActorSpec } from './actors/calibrator/index.ts';
 *   children.push(calibratorActorSpec(cfg));
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { Config } from '../../runtime/config.ts';
import { calibratorSettings } from './settings.ts';

export function calibratorActorSpec(cfg: Config): ActorSpec {
  return {
    name: 'calibrator',
    entry: 'actors/calibrator/worker.ts',
    config: calibratorSettings(cfg),
    // Stateless between cycles: a restart loses nothing, so restart it whenever it dies.
    restart: 'permanent',
    shutdownMs: 3000,
    peers: ['journal'],
  };
}
