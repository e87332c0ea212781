/**
 * @module The supervision tree `volguard run` starts (one entry file chooses the actors):
 *
 *   root (one_for_one)
 *   ├── journal            first up, last down: everyone journals
 *   ├── killswitch         directly under root: safety never depends on the trading subtree's restarts
 *   ├── market (rest_for_one)
 *   │   ├── feed
 *   │   └── calibrator     restarted after the feed (it consumes the feed's snapshots)
 *   └── trading (one_for_one)
 *       ├── risk
 *       ├── strategy
 *       └── executor
 */
import type { Config } from '../config.ts';
import type { SupervisorSpec } from '../spec.ts';
import type { ClockSpec } from '../clock.ts';
import { journalActorSpec } from '../../actors/journal/index.ts';
import { killswitchActorSpec } from '../../actors/killswitch/index.ts';
import { feedActorSpec } from '../../actors/feed/index.ts';
import { calibratorActorSpec } from '../../actors/calibrator/index.ts';
import { riskActorSpec } from '../../actors/risk/index.ts';
import { strategyActorSpec } from '../../actors/strategy/index.ts';
import { executorActorSpec } from '../../actors/executor/index.ts';

/** `clock` is the one ClockSpec every actor runs on (the sim venue and the paper exchange anchor on it). */
export function systemTree(cfg: Config, clock: ClockSpec): SupervisorSpec {
  const intensity = cfg.VOLGUARD_RESTART_INTENSITY;
  const periodMs = cfg.VOLGUARD_RESTART_PERIOD_MS;
  return {
    kind: 'supervisor',
    name: 'root',
    strategy: 'one_for_one',
    intensity,
    periodMs,
    children: [
      journalActorSpec(cfg),
      killswitchActorSpec(cfg),
      { kind: 'supervisor', name: 'market', strategy: 'rest_for_one', intensity, periodMs, children: [feedActorSpec(cfg, { clock }), calibratorActorSpec(cfg)] },
      { kind: 'supervisor', name: 'trading', strategy: 'one_for_one', intensity, periodMs, children: [riskActorSpec(cfg), strategyActorSpec(cfg), executorActorSpec(cfg, clock)] },
    ],
  };
}
