/**
 * @module Where the simulated clock starts, and the ClockSpec every actor builds its clock from.
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
}

/**
 * The simulated clock for a run: `SIM_SPEED` simulated seconds per wall second from the sim start. Main builds it once
 * and passes it to every actor (clockFromSpec), so all threads agree on the time; the SimMarket's step grid is anchored
 * at `simStartMs` (build it with `{ seed: SIM_SEED, startMs: spec.simStartMs }`).
 */
export function simClockSpec(cfg: SimClockConfig, nowMs: number): ClockSpec & { kind: 'scaled' } {
  return { kind: 'scaled', simStartMs: cfg.SIM_START ?? defaultSimStart(nowMs), wallStartMs: nowMs, speed: cfg.SIM_SPEED };
}
