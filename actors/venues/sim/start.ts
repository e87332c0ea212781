/**
 * @module Where the simulated clock starts, and the ClockSpec every actor builds its clock from.
 *
 * A data dir has one simulated timeline: it begins at SIM_START (or in session at once) the first time, and every
 * later run resumes it where the journal had got to — simulated time never runs backwards across a restart
 * (DESIGN.md §8). The timeline (seed, origin) is latched in the journal (`SIM_TIMELINE_KEY`); the market's step grid
 * stays anchored at the origin, so the same seed gives the same prices whether or not the process restarted.
 */
import type { ClockSpec } from '../../../runtime/clock.ts';
import { isMarketOpen, nextSessionOpen } from '../../domain/calendar.ts';

/**
 * In session at once: `nowMs` itself when the NSE market is open (today 09:15 IST + the elapsed time), otherwise the
 * next trading day's 09:15 IST — so the default run trades whenever it is started.
 */
export function defaultSimStart(nowMs: number): number {
  return isMarketOpen(nowMs) ? nowMs : nextSessionOpen(nowMs);
}

export interface SimClockConfig {
  readonly SIM_SPEED: number;
  readonly SIM_START?: number | undefined;
  readonly SIM_SEED?: number | undefined;
}

/** The journal key (kv) of a data dir's simulated timeline. */
export const SIM_TIMELINE_KEY = 'sim.timeline';

/** A data dir's simulated timeline: the seed and the origin its market was started with. */
export interface SimTimeline {
  readonly seed: number;
  readonly originMs: number;
}

/** What the journal says about the simulated market, read before any actor starts (actors/journal/peek.ts). */
export interface SimOnRecord {
  /** The latched timeline, if any (a data dir from before timelines has none). */
  readonly timeline: unknown;
  /** The latest market time on record (journal entries and the market checkpoint); null on a fresh data dir. */
  readonly lastMs: number | null;
}

export interface SimClockPlan {
  readonly spec: ClockSpec & { kind: 'scaled'; originMs: number };
  /** The timeline to latch (unchanged when it was already on record). */
  readonly timeline: SimTimeline;
  readonly fresh: boolean;
  /** What the log should say about the start, one sentence each (SIM_START ignored, the seed changed, …). */
  readonly notes: readonly string[];
}

/** A timeline on record, or null when the value is not one (a damaged latch reads as none, and is said). */
export function timelineOf(v: unknown): SimTimeline | null {
  if (typeof v !== 'object' || v === null) return null;
  const { seed, originMs } = v as Record<string, unknown>;
  return Number.isInteger(seed) && (seed as number) >= 0 && typeof originMs === 'number' && Number.isFinite(originMs) ? { seed: seed as number, originMs } : null;
}

/**
 * The run's simulated clock. Fresh data dir (nothing on record): from SIM_START, or in session at once. Otherwise the
 * timeline resumes at the latest market time on record (never before it, never before the origin), SIM_START is
 * ignored (said in `notes`), and the market stays anchored at the recorded origin. `SIM_SPEED` simulated seconds per
 * wall second from there; main builds it once and passes it to every actor (clockFromSpec).
 */
export function planSimClock(cfg: SimClockConfig, nowMs: number, onRecord: SimOnRecord | null = null): SimClockPlan {
  const seed = cfg.SIM_SEED ?? 1;
  const recorded = timelineOf(onRecord?.timeline);
  const lastMs = onRecord?.lastMs ?? null;
  const notes: string[] = [];
  if (recorded === null && lastMs === null) {
    const originMs = cfg.SIM_START ?? defaultSimStart(nowMs);
    notes.push(`a fresh data dir: the simulated market starts at ${iso(originMs)} (${cfg.SIM_START !== undefined ? 'SIM_START' : 'in session at once'})`);
    return { spec: scaled(originMs, originMs, nowMs, cfg.SIM_SPEED), timeline: { seed, originMs }, fresh: true, notes };
  }
  if (onRecord?.timeline !== null && onRecord?.timeline !== undefined && recorded === null) notes.push(`the journal's ${SIM_TIMELINE_KEY} is not a timeline (${JSON.stringify(onRecord.timeline)}): treated as none`);
  // No timeline but a journal: a data dir from before timelines. Its market restarts anchored where it had got to.
  const originMs = recorded?.originMs ?? (lastMs as number);
  const startMs = Math.max(originMs, lastMs ?? originMs);
  notes.push(`resuming the simulated market at ${iso(startMs)}, where DATA_DIR's journal had got to (timeline from ${iso(originMs)}${recorded === null ? ', first recorded now' : ''})`);
  if (cfg.SIM_START !== undefined && cfg.SIM_START !== startMs) notes.push(`SIM_START (${iso(cfg.SIM_START)}) ignored: it applies only to a fresh data dir`);
  if (recorded !== null && recorded.seed !== seed) notes.push(`SIM_SEED ${seed} differs from the seed this data dir's market began with (${recorded.seed}): the market goes on from here on seed ${seed}'s path`);
  return { spec: scaled(startMs, originMs, nowMs, cfg.SIM_SPEED), timeline: { seed, originMs }, fresh: false, notes };
}

/**
 * The simulated clock with no journal to resume from (tests, tools): `SIM_SPEED` simulated seconds per wall second
 * from SIM_START or in session at once.
 */
export function simClockSpec(cfg: SimClockConfig, nowMs: number): ClockSpec & { kind: 'scaled' } {
  return planSimClock(cfg, nowMs).spec;
}

function scaled(simStartMs: number, originMs: number, wallStartMs: number, speed: number): ClockSpec & { kind: 'scaled'; originMs: number } {
  return { kind: 'scaled', simStartMs, wallStartMs, speed, originMs };
}

const iso = (ms: number): string => new Date(ms).toISOString();
