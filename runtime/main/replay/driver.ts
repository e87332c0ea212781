/**
 * @module The cycle loop of a run over a recording: step the market clock to each planned instant, run the cycle, and
 * go on as soon as it is durable (the cycle's record is committed to the journal). A follow-up instant runs only when
 * the cycle before left work in flight (schedule.ts `needsFollowUp`). A backtest waits for nothing else;
 * `volguard run` with FEED=replay waits `pace` between steps (market gap ÷ FEED_REPLAY_SPEED of wall time). Both run the
 * very same cycles at the very same market instants.
 */
import type { SteppedClock } from '../../clock.ts';
import type { CycleRecord } from '../../../actors/journal/messages.ts';
import { needsFollowUp } from './schedule.ts';

export interface DriveOptions {
  readonly clock: SteppedClock;
  readonly cycle: { runOnce(): Promise<CycleRecord> };
  readonly instants: readonly number[];
  /** Per instant: a follow-up (run only while work is in flight); none when absent. */
  readonly followUp?: readonly boolean[];
  /** Index of the first instant to run (a resumed run: the one after the last committed). */
  readonly start?: number;
  /** A resumed run: the summary of the last committed cycle, which decides the first follow-up as it would have. */
  readonly previousSummary?: unknown;
  /** Waits between two steps (wall time); none in a backtest. */
  readonly pace?: (fromMs: number, toMs: number) => Promise<void>;
  readonly onCycle?: (step: number, record: CycleRecord) => void;
  /** Checked before each step: true ends the loop after the cycle in flight. */
  readonly stopped?: () => boolean;
}

/**
 * Runs the cycles; resolves with the index of the first instant not reached (instants.length when all were) and the
 * cycles run (follow-ups with nothing in flight are passed over).
 */
export async function driveCycles(o: DriveOptions): Promise<{ next: number; ran: number }> {
  const start = o.start ?? 0;
  let due = o.previousSummary === undefined || needsFollowUp(o.previousSummary);
  let last: number | null = null;
  let ran = 0;
  let i = start;
  for (; i < o.instants.length; i++) {
    if (o.stopped?.()) break;
    const t = o.instants[i]!;
    if (o.followUp?.[i] === true && !due) continue;
    if (last !== null) await o.pace?.(last, t);
    if (o.stopped?.()) break;
    // A resumed run's clock already stands at its last committed step; it never moves back.
    if (t > o.clock.now()) o.clock.advanceTo(t);
    const record = await o.cycle.runOnce();
    last = t;
    ran++;
    due = needsFollowUp(record.summary);
    o.onCycle?.(i, record);
  }
  return { next: i, ran };
}
