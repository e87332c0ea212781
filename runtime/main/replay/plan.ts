/**
 * @module A run over a recording, planned: the cycle instants (schedule.ts) and the data's frame spacing, read chunk by
 * chunk from the recording (only the instants and the final settlement prices are kept). Used by the backtest and by
 * `volguard run` with FEED=replay.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { istDate } from '../../../actors/domain/calendar.ts';
import type { RecordingIndex } from '../../../actors/venues/replay/format.ts';
import { readChunk, readIndex } from '../../../actors/venues/replay/source.ts';
import { finalSettlementsOf, type FinalSettlementPrice } from '../../../actors/venues/replay/settlements.ts';
import { cycleInstants, followUpsOf, frameSpacingMs, instantsOf } from './schedule.ts';

export interface ReplayPlan {
  readonly recording: string;
  readonly index: RecordingIndex;
  /** sha256 of the recording's index.json (it names every chunk and its counts): what a resumed run checks. */
  readonly indexSha256: string;
  /** Cycle instants, ascending. */
  readonly instants: readonly number[];
  /** Per instant: a follow-up, run only while work is in flight (schedule.ts). */
  readonly followUp: readonly boolean[];
  /** Frames the instants cover (ticks entries in [from, to]). */
  readonly frames: number;
  /** IST trading days covered. */
  readonly days: readonly string[];
  readonly spacingMs: number;
  /**
   * Final settlement prices of the expiries in the chunks read (actors/venues/replay/settlements.ts): what settles a
   * position held into expiry, each known from its entry's instant on.
   */
  readonly finalSettlements: readonly FinalSettlementPrice[];
}

export interface PlanOptions {
  readonly from: string;
  readonly to: string;
  readonly intervalMs: number;
  readonly cyclesPerFrame: number;
}

export function planReplay(recording: string, opts: PlanOptions): ReplayPlan {
  const index = readIndex(recording);
  const indexSha256 = createHash('sha256').update(readFileSync(path.join(recording, 'index.json'))).digest('hex');
  const frames: number[] = [];
  const settlements: number[] = [];
  const finalSettlements: FinalSettlementPrice[] = [];
  for (const chunk of index.chunks) {
    // Chunks wholly outside [from, to] are not read (a day is never split across the range's edge: IST dates).
    if (istDate(chunk.endTs) < opts.from || istDate(chunk.startTs) > opts.to) continue;
    const entries = readChunk(recording, chunk.file);
    const got = instantsOf(entries);
    finalSettlementsOf(entries, finalSettlements);
    frames.push(...got.frames);
    settlements.push(...got.settlements);
  }
  const kept = frames.filter((t) => istDate(t) >= opts.from && istDate(t) <= opts.to);
  const instants = cycleInstants(frames, settlements, opts);
  return {
    recording, index, indexSha256, instants, followUp: followUpsOf(instants, frames, settlements), frames: kept.length,
    days: [...new Set(kept.map((t) => istDate(t)))],
    spacingMs: frameSpacingMs(kept),
    finalSettlements,
  };
}
