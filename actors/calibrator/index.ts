/**
 * @module The calibrator actor's spec: the only import point for others.
 * @example
 *   import { calibratorActorSpec } from './actors/calibrator/index.ts';
 *   children.push(calibratorActorSpec(calibratorSection(cfg)));
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { CalibratorSection } from './config.ts';
import { calibratorSettings } from './settings.ts';

export { calibratorSection, type CalibratorSection } from './config.ts';

export function calibratorActorSpec(section: CalibratorSection): ActorSpec {
  return {
    name: 'calibrator',
    entry: 'actors/calibrator/worker.ts',
    config: calibratorSettings(section),
    // Stateless between cycles: a restart loses nothing, so restart it whenever it dies.
    restart: 'permanent',
    shutdownMs: 3000,
    peers: ['journal'],
  };
}
