/**
 * @module The executor actor's spec and config section: the only import point for others.
 * @example
 *   import { executorActorSpec } from './actors/executor/index.ts';
 *   children.push(executorActorSpec(executorSection(cfg), clockSpec));   // the same ClockSpec the system runs on
 */
import type { ActorSpec } from '../../runtime/spec.ts';
import type { ClockSpec } from '../../runtime/clock.ts';
import { executorSection, type ExecutorSection } from './config.ts';

export { executorSection, type ExecutorSection } from './config.ts';

/**
 * `clock`: the ClockSpec the system passes to every actor. On a simulated clock the timeline's origin (`originMs`, else
 * `simStartMs`) is pinned into the config as `SIM_START`, so the paper exchange's own SimMarket copy is anchored exactly where the feed's is
 * (SimMarket is pure in (SIM_SEED, start, t)); the actor's `ctx.clock` is that same clock. The worker gets only the
 * executor's section (cut again here, whatever the caller passed): Upstox credentials only when SAFETY_MODE=live.
 */
export function executorActorSpec(section: ExecutorSection, clock?: ClockSpec): ActorSpec {
  const own = executorSection(section);
  const config: ExecutorSection = clock?.kind === 'scaled' ? { ...own, SIM_START: clock.originMs ?? clock.simStartMs } : own;
  return {
    name: 'executor',
    entry: 'actors/executor/worker.ts',
    config,
    restart: 'permanent',
    // Flatten may need several re-priced attempts before it can stop cleanly.
    shutdownMs: 15_000,
    peers: ['journal', 'risk', 'killswitch'],
    // init() recovers from the journal: a restart waits for it (and is not a failure when the journal goes down under it).
    dependsOn: ['journal'],
    backoff: { minMs: 200, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 60_000 },
  };
}
