/**
 * @module Environment variables owned by the feed actor (merged into the one boot-time schema in runtime/main/config.ts).
 */
import { z } from 'zod';
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envBool, envNumber, envString, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';
import { simEnv } from '../venues/sim/config.ts';
import { upstoxEnv } from '../venues/upstox/config.ts';
import { FAULT_KINDS, type FaultKind } from '../venues/sim/faults.ts';

export interface ScheduledFault {
  readonly kind: FaultKind;
  readonly seconds: number;
  /** Wall seconds after the feed starts. */
  readonly atSeconds: number;
}

/** `kind:seconds@atSeconds[,…]`, e.g. `silence:10@60,crossed:30@120`. */
export function parseFaultSchedule(raw: string): ScheduledFault[] | string {
  const out: ScheduledFault[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^([a-z]+):(\d+(?:\.\d+)?)@(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) {
      return `expected kind:seconds@atSeconds with kind one of ${FAULT_KINDS.join('|')}, was ${JSON.stringify(part)}`;
    }
    out.push({ kind: m[1] as FaultKind, seconds: Number(m[2]), atSeconds: Number(m[3]) });
  }
  return out;
}

export const feedEnv = {
  /** Wall ms without any tick while the market is open before `feed.stalled` is raised. */
  FEED_STALL_MS: envNumber({ int: true, min: 100, max: 600_000 }).default(5_000),
  /** Wall ms a near-the-money instrument may go without an update before it counts as stale (scaled by SIM_SPEED). */
  FEED_STALE_MS: envNumber({ int: true, min: 1_000, max: 3_600_000 }).default(30_000),
  /** Record every tick the feed receives to DATA_DIR/recordings. */
  FEED_RECORD: envBool().default(false),
  /** Recording directory (containing index.json) played by FEED=replay. */
  FEED_REPLAY_PATH: envString().optional(),
  /** Replay speed: recorded seconds per wall second. */
  FEED_REPLAY_SPEED: envNumber({ min: 0.001, max: 1_000_000 }).default(1),
  /** Live expiries per underlying in each snapshot (and, on a venue with subscription caps, subscribed). */
  FEED_NIFTY_EXPIRIES: envNumber({ int: true, min: 1, max: 18 }).default(4),
  FEED_BANKNIFTY_EXPIRIES: envNumber({ int: true, min: 1, max: 6 }).default(2),
  /** Venue with subscription caps (Upstox): strikes either side of the money subscribed per chain. */
  FEED_WINDOW_STRIKES: envNumber({ int: true, min: 1, max: 500 }).default(30),
  /** …re-centred on the spot once it moves more than this many strike steps from the window's centre. */
  FEED_RECENTRE_STRIKES: envNumber({ int: true, min: 0, max: 100 }).default(5),
  /** …strikes either side of the money (nearest expiry) subscribed with market depth (Upstox `full`); 0 = none. */
  FEED_DEPTH_STRIKES: envNumber({ int: true, min: 0, max: 100 }).default(0),
  /** Faults injected on a schedule (drills): `kind:seconds@atSeconds,…`. */
  FEED_FAULTS: z.string().trim().transform((raw, ctx) => {
    const parsed = parseFaultSchedule(raw);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  }).optional(),
} satisfies EnvShape;

/**
 * Everything the feed's spec reads: its own variables, the sim venue's, FEED, DATA_DIR and the market conventions
 * (the quality check's carry forward, the simulator's prices) — and the Upstox venue's
 * (credentials included) only when FEED=upstox, the one case in which the feed runs that venue.
 */
export type FeedSection = EnvValues<typeof feedEnv> & EnvValues<typeof simEnv> & Pick<SystemValues, 'FEED' | 'DATA_DIR' | (typeof MARKET_KEYS)[number]> &
  Partial<EnvValues<typeof upstoxEnv>>;

/** Cuts the feed's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function feedSection(cfg: FeedSection): FeedSection {
  const upstox = cfg.FEED === 'upstox' ? keysOf(upstoxEnv) : [];
  return pickSection(cfg, [...keysOf(feedEnv), ...keysOf(simEnv), 'FEED', 'DATA_DIR', ...MARKET_KEYS, ...upstox]);
}
