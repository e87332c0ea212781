/**
 * @module Source registry: FEED name → factory. `sim` and `replay` live here; the Upstox engineer adds `upstox`
 * (actors/venues/upstox/) with one more entry — the feed actor never names a venue anywhere else.
 */
import type { Logger } from 'pino';
import type { Clock, ClockSpec } from '../../runtime/clock.ts';
import { clockFromSpec } from '../../runtime/clock.ts';
import type { MarketDataSource } from '../venues/market-data.ts';
import type { MarketSettings } from '../domain/market-settings.ts';
import { SimSource } from '../venues/sim/source.ts';
import { ReplaySource } from '../venues/replay/source.ts';
import type { UpstoxConfig } from '../venues/upstox/config.ts';
import { createUpstoxMarketData, createUpstoxVenue } from '../venues/upstox/index.ts';

/** The feed's config slice (structured-clone safe; built by index.ts from the boot Config). */
export interface FeedActorConfig {
  readonly feed: string;
  readonly stallMs: number;
  readonly staleMs: number;
  readonly record: boolean;
  readonly recordingsDir: string;
  readonly replayPath?: string;
  readonly replaySpeed: number;
  readonly simSeed: number;
  readonly simSpeed: number;
  /** The one rate and variance clock: the quality check's carry forward and the simulator's prices. */
  readonly market: MarketSettings;
  /** The run's simulated clock (sim) — the same spec main gives every actor. */
  readonly clock?: ClockSpec;
  /**
   * Stepped clock only (a backtest, or `run` over a recording): the longest market-time gap the data has between two
   * frames of one session (or from a session's last frame to its close). Silence and staleness are then measured in
   * market time, and this is tolerated on top of FEED_STALL_MS / FEED_STALE_MS: an end-of-day frame at 15:15 is as
   * fresh as the data can make it until 15:30.
   */
  readonly dataSpacingMs?: number;
  readonly faults?: readonly { readonly kind: string; readonly seconds: number; readonly atSeconds: number }[];
  /** Chains per underlying in the snapshot, and the subscription window on a venue with caps. */
  readonly plan?: import('./subscriptions.ts').PlanSettings;
  /** Anything a network source needs (the Upstox factory reads its own keys). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface SourceHandle {
  readonly source: MarketDataSource;
  /** Market time for this source (sim: the run's simulated clock; replay: playback time). */
  readonly clock: Clock;
  /** Network sources with an access token (upstox): hot swap and expiry. The token never leaves through events. */
  readonly credentials?: SourceCredentials;
  /** A data-driven source on a stepped clock: plays everything up to the clock. The feed calls it before each snapshot. */
  readonly sync?: () => void;
  /**
   * Simulated sources: the market's whole state now, which the feed keeps in the journal so a restart resumes from it
   * (actors/venues/sim/resume.ts), and how this one started (from a checkpoint, or why one was refused).
   */
  readonly checkpoint?: () => unknown;
  readonly resumed?: { readonly at: number | null; readonly refused: string | null };
}

export interface SourceCredentials {
  /** Installs a new access token; the source re-authorizes its connections. */
  set(accessToken: string): void;
  /** Token lifecycle events ('expiring' | 'expired' | 'swapped'); returns the unsubscribe. */
  on(listener: (e: { readonly type: string }) => void): () => void;
  inspect(): { state: string; expiresAt: number; fingerprint: string | null };
}

export interface SourceContext {
  readonly config: FeedActorConfig;
  /** The actor's clock (ctx.clock). */
  readonly clock: Clock;
  /** Wall clock for pacing. */
  readonly wall: { monotonic(): number };
  /** The actor's logger (network sources log through it; secrets are redacted there). */
  readonly log?: Logger;
  /** The market checkpoint on record (simulated sources resume from it when it fits). */
  readonly resumeFrom?: unknown;
}

export type SourceFactory = (ctx: SourceContext) => SourceHandle;

export const SOURCES: Record<string, SourceFactory> = {
  sim: ({ config, clock, resumeFrom }) => {
    const c = config.clock ? clockFromSpec(config.clock) : clock;
    // The market is anchored where the data dir's timeline began, however late this process started on it.
    const startMs = config.clock?.kind === 'scaled' ? (config.clock.originMs ?? config.clock.simStartMs) : c.now();
    const source = new SimSource({ seed: config.simSeed, startMs, clock: c, speed: config.simSpeed, market: config.market, resumeFrom });
    return { source, clock: c, checkpoint: () => source.checkpoint(), resumed: { at: source.resumedAt, refused: source.resumeRefused } };
  },
  replay: ({ config, clock, wall }) => {
    if (!config.replayPath) throw new Error('expected FEED_REPLAY_PATH (a recording directory) with FEED=replay, was unset');
    // On a stepped clock playback follows the run's clock (main steps it), else it paces itself on wall time.
    const stepped = config.clock?.kind === 'stepped';
    const source = new ReplaySource({ dir: config.replayPath, speed: config.replaySpeed, wall, ...(stepped ? { clock } : {}) });
    return { source, clock: source.clock, ...(stepped ? { sync: () => source.poll() } : {}) };
  },
  upstox: ({ config, clock, log }) => {
    // index.ts puts the UPSTOX_* variables and DATA_DIR into `extra`.
    const cfg = (config.extra ?? {}) as unknown as UpstoxConfig;
    if (typeof cfg.DATA_DIR !== 'string') throw new Error('expected the upstox config (UPSTOX_*, DATA_DIR) in the feed config extra, was missing');
    const venue = createUpstoxVenue(cfg, log);
    return { source: createUpstoxMarketData(cfg, log, venue), clock, credentials: venue.tokens };
  },
};

export function createSource(ctx: SourceContext): SourceHandle {
  const factory = SOURCES[ctx.config.feed];
  if (!factory) throw new Error(`expected FEED one of ${Object.keys(SOURCES).join('|')}, was ${JSON.stringify(ctx.config.feed)}`);
  return factory(ctx);
}
