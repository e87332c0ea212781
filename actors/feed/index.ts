/**
 * @module The feed actor's only import point: its spec, its config section and message types.
 */
import path from 'node:path';
import type { ClockSpec } from '../../runtime/clock.ts';
import type { ActorSpec } from '../../runtime/spec.ts';
import { simClockSpec } from '../venues/sim/start.ts';
import type { FeedSection } from './config.ts';
import type { FeedActorConfig } from './sources.ts';
import { marketSettingsFromEnv } from '../domain/market-settings.ts';

export * from './messages.ts';
export { feedSection, type FeedSection } from './config.ts';
export type { FeedActorConfig } from './sources.ts';
export { SOURCES } from './sources.ts';
export { simClockSpec, defaultSimStart } from '../venues/sim/start.ts';

/** The Upstox source's config slice: every UPSTOX_* variable plus DATA_DIR (the token file lives there). */
function upstoxExtra(cfg: FeedSection): Record<string, unknown> {
  const out: Record<string, unknown> = { DATA_DIR: cfg.DATA_DIR };
  for (const [k, v] of Object.entries(cfg)) if (k.startsWith('UPSTOX_') && v !== undefined) out[k] = v;
  return out;
}

/**
 * The feed: permanent (the cycle cannot run without it), restarted with backoff because its sources talk to the
 * outside world. Peers: journal (records its events), killswitch (feed.stalled / feed.recovered at once).
 * Pass the run's clock spec so the simulated market runs on the same clock as every other actor; without it the
 * spec builds one (`simClockSpec(cfg, Date.now())`).
 * @example const clock = simClockSpec(cfg, Date.now()); children: [feedActorSpec(feedSection(cfg), { clock }), …]
 */
export function feedActorSpec(cfg: FeedSection, opts: { clock?: ClockSpec; dataSpacingMs?: number } = {}): ActorSpec {
  const clock = opts.clock ?? (cfg.FEED === 'sim' ? simClockSpec(cfg, Date.now()) : undefined);
  const config: FeedActorConfig = {
    feed: cfg.FEED,
    stallMs: cfg.FEED_STALL_MS,
    staleMs: cfg.FEED_STALE_MS,
    record: cfg.FEED_RECORD,
    recordingsDir: path.join(cfg.DATA_DIR, 'recordings'),
    ...(cfg.FEED_REPLAY_PATH !== undefined ? { replayPath: cfg.FEED_REPLAY_PATH } : {}),
    replaySpeed: cfg.FEED_REPLAY_SPEED,
    simSeed: cfg.SIM_SEED,
    simSpeed: cfg.SIM_SPEED,
    market: marketSettingsFromEnv(cfg),
    ...(clock !== undefined ? { clock } : {}),
    ...(opts.dataSpacingMs !== undefined ? { dataSpacingMs: opts.dataSpacingMs } : {}),
    ...(cfg.FEED_FAULTS !== undefined ? { faults: cfg.FEED_FAULTS } : {}),
    plan: {
      expiries: { NIFTY: cfg.FEED_NIFTY_EXPIRIES, BANKNIFTY: cfg.FEED_BANKNIFTY_EXPIRIES },
      strikes: cfg.FEED_WINDOW_STRIKES, recentreStrikes: cfg.FEED_RECENTRE_STRIKES, depthStrikes: cfg.FEED_DEPTH_STRIKES,
    },
    ...(cfg.FEED === 'upstox' ? { extra: upstoxExtra(cfg) } : {}),
  };
  return {
    name: 'feed',
    entry: 'actors/feed/worker.ts',
    config,
    restart: 'permanent',
    peers: ['journal', 'killswitch'],
    backoff: { minMs: 200, maxMs: 10_000, randomFactor: 0.2, resetAfterMs: 60_000 },
  };
}
