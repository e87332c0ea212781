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
import type { ChargesSchedule } from '../../actors/domain/charges.ts';
import type { Config } from './config.ts';
import type { SupervisorSpec } from '../spec.ts';
import type { ClockSpec } from '../clock.ts';
import { journalActorSpec, journalSection } from '../../actors/journal/index.ts';
import { killswitchActorSpec, killswitchSection } from '../../actors/killswitch/index.ts';
import { feedActorSpec, feedSection } from '../../actors/feed/index.ts';
import { calibratorActorSpec, calibratorSection } from '../../actors/calibrator/index.ts';
import { riskActorSpec, riskSection } from '../../actors/risk/index.ts';
import { strategyActorSpec, strategySection } from '../../actors/strategy/index.ts';
import { executorActorSpec, executorSection } from '../../actors/executor/index.ts';

/**
 * `clock` is the one ClockSpec every actor runs on (the sim venue and the paper exchange anchor on it). Each actor's
 * spec gets only its own config section, cut here: no actor sees another's variables, and the Upstox credentials
 * reach only the actor that runs that venue (the feed on FEED=upstox, the executor on SAFETY_MODE=live).
 */
/** What a run adds to the tree: the boot-checked charges schedule; over a recording (runtime/main/replay/), the data's frame spacing. */
export interface TreeOptions {
  /** The charges schedule validated at boot (the strategy sizes and exits net of it). */
  readonly charges?: ChargesSchedule;
  /** Stepped clock: the longest market-time gap between the recording's frames (feed: actors/feed/sources.ts). */
  readonly dataSpacingMs?: number;
  /**
   * false: the journal commits without fsync (a backtest: it survives a kill -9 and resumes, and can always be run again
   * from its recording, so a disk sync per cycle commit buys it nothing). `run` always syncs.
   */
  readonly journalFsync?: boolean;
}

export function systemTree(cfg: Config, clock: ClockSpec, opts: TreeOptions = {}): SupervisorSpec {
  const intensity = cfg.VOLGUARD_RESTART_INTENSITY;
  const periodMs = cfg.VOLGUARD_RESTART_PERIOD_MS;
  return {
    kind: 'supervisor',
    name: 'root',
    strategy: 'one_for_one',
    intensity,
    periodMs,
    children: [
      journalActorSpec(journalSection(cfg), opts.journalFsync === false ? { fsync: false } : {}),
      killswitchActorSpec(killswitchSection(cfg)),
      {
        kind: 'supervisor', name: 'market', strategy: 'rest_for_one', intensity, periodMs,
        children: [
          feedActorSpec(feedSection(cfg), { clock, ...(opts.dataSpacingMs !== undefined ? { dataSpacingMs: opts.dataSpacingMs } : {}) }),
          calibratorActorSpec(calibratorSection(cfg)),
        ],
      },
      {
        kind: 'supervisor', name: 'trading', strategy: 'one_for_one', intensity, periodMs,
        children: [riskActorSpec(riskSection(cfg)), strategyActorSpec(strategySection(cfg), opts.charges), executorActorSpec(executorSection(cfg), clock)],
      },
    ],
  };
}
