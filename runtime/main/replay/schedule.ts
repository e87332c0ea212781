/**
 * @module The market instants a run over a recording cycles at — the backtest and `volguard run` with FEED=replay use
 * this one schedule, so both take the same decisions at the same market times (their equivalence holds by
 * construction). Pure: recording entries in, instants out.
 *
 * - A **frame** is an instant the recording has ticks at (one a day at 15:15 for end-of-day data, one a minute for
 *   minute candles). Each frame gets a cycle at its instant and then one every `intervalMs` (SUPERVISOR_LOOP_INTERVAL)
 *   — up to `cyclesPerFrame` in all, never at or past the next frame nor past the session's close: an order placed at
 *   a frame fills, is chased or compensated against that frame's quotes in the cycles that follow, as it would be live
 *   in the seconds before the next quotes arrive.
 * - A **settlement** entry (15:30 on each day of imported end-of-day data) gets a cycle at its instant.
 * - Only instants whose IST date lies in [from, to] are kept.
 * - A frame's later cycles are **follow-ups**: they run only while the cycle before left work in flight
 *   (`needsFollowUp`: a saga still working, the kill switch in EMERGENCY, a failed cycle). With nothing in flight they
 *   would see the frame's quotes again and decide nothing new, so a quiet run goes frame to frame — a month of
 *   1-minute data is ~7,500 cycles, not three times that (the backtest bench, DESIGN §7).
 */
import { istDate, sessionCloseMs } from '../../../actors/domain/calendar.ts';
import type { Entry } from '../../../actors/venues/replay/format.ts';

/** Cycles per frame by default: the frame's own and two more, SUPERVISOR_LOOP_INTERVAL apart. */
export const DEFAULT_CYCLES_PER_FRAME = 3;

export interface ScheduleOptions {
  /** IST dates, inclusive. */
  readonly from: string;
  readonly to: string;
  /** Market ms between the cycles of one frame (SUPERVISOR_LOOP_INTERVAL × 1000). */
  readonly intervalMs: number;
  /** Cycles per frame, the frame's own included (≥ 1). */
  readonly cyclesPerFrame: number;
}

/** The longest market-time gap between two frames of one session, or from a session's last frame to its close. */
export function frameSpacingMs(frames: readonly number[]): number {
  let widest = 0;
  for (let i = 0; i < frames.length; i++) {
    const t = frames[i]!;
    const next = frames[i + 1];
    const close = sessionCloseMs(istDate(t));
    const end = next !== undefined && istDate(next) === istDate(t) ? Math.min(next, close) : close;
    if (end > t) widest = Math.max(widest, end - t);
  }
  return widest;
}

/** Frame instants (ticks) and settlement instants of a run of entries, each ascending and distinct. */
export function instantsOf(entries: readonly Entry[]): { frames: number[]; settlements: number[] } {
  const frames: number[] = [];
  const settlements: number[] = [];
  for (const e of entries) {
    const list = e[1] === 0 ? frames : e[1] === 3 ? settlements : null;
    if (list !== null && list[list.length - 1] !== e[0]) list.push(e[0]);
  }
  return { frames, settlements };
}

/** Cycle instants for frames and settlements (ascending, distinct), within [from, to]. */
export function cycleInstants(frames: readonly number[], settlements: readonly number[], opts: ScheduleOptions): number[] {
  if (!(opts.intervalMs > 0)) throw new RangeError(`expected a positive cycle interval, was ${opts.intervalMs}`);
  if (!(Number.isInteger(opts.cyclesPerFrame) && opts.cyclesPerFrame >= 1)) throw new RangeError(`expected cycles per frame ≥ 1, was ${opts.cyclesPerFrame}`);
  const inRange = (t: number) => {
    const d = istDate(t);
    return d >= opts.from && d <= opts.to;
  };
  const out = new Set<number>();
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (!inRange(f)) continue;
    const next = frames[i + 1];
    const close = sessionCloseMs(istDate(f));
    const limit = next !== undefined && istDate(next) === istDate(f) ? Math.min(next, close + 1) : close + 1;
    for (let k = 0; k < opts.cyclesPerFrame; k++) {
      const t = f + k * opts.intervalMs;
      if (k > 0 && t >= limit) break;
      out.add(t);
    }
  }
  for (const s of settlements) if (inRange(s)) out.add(s);
  return [...out].sort((a, b) => a - b);
}

/** For each instant: true when it is a follow-up (neither a frame's first cycle nor a settlement). */
export function followUpsOf(instants: readonly number[], frames: readonly number[], settlements: readonly number[]): boolean[] {
  const anchors = new Set([...frames, ...settlements]);
  return instants.map((t) => !anchors.has(t));
}

/**
 * Whether a cycle (its record's summary, runtime/main/cycle.ts) left work for the next follow-up: a saga still working
 * (orders to fill, chase or compensate), the kill switch in EMERGENCY (a flatten), or a failed or unknown cycle.
 */
export function needsFollowUp(summary: unknown): boolean {
  if (typeof summary !== 'object' || summary === null) return true;
  const s = summary as { working?: unknown; killswitch?: unknown; error?: unknown };
  return s.working !== 0 || s.error !== null || s.killswitch === 'EMERGENCY';
}
