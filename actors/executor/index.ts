/**
 * @module The executor actor's spec: the only import point for others.
 * @example
 *   import { executorActorSpec } from './actors/executor/index.ts';
 *   children.push(executorActorSpec(cfg));
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { Config } from '../../runtime/config.ts';

export function executorActorSpec(cfg: Config): ActorSpec {
  return {
    name: 'executor',
    entry: 'actors/executor/worker.ts',
    config: cfg,
    restart: 'permanent',
    // Flatten may need several re-priced attempts before it can stop cleanly.
    shutdownMs: 15_000,
    peers: ['journal', 'risk', 'killswitch'],
    backoff: { minMs: 200, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 60_000 },
  };
}
