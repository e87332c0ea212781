/**
 * @module IST wall-clock helpers for entry windows and expiry-day rules. Pure: the time always comes in as epoch ms
 * (the snapshot's market time). India has no daylight saving, so IST is a fixed UTC+05:30 offset.
 */
import { IST_OFFSET_MS } from '../domain/calendar.ts';

const MS_PER_DAY = 86_400_000;

export interface IstTime {
  /** Calendar date in IST, `YYYY-MM-DD` (the format of ExpiryChain.expiry). */
  readonly date: string;
  /** Minutes after IST midnight, fractional. */
  readonly minutes: number;
}

export function istTime(epochMs: number): IstTime {
  if (!Number.isFinite(epochMs)) throw new RangeError(`expected a finite epoch ms, was ${epochMs}`);
  const shifted = epochMs + IST_OFFSET_MS;
  const dayStart = Math.floor(shifted / MS_PER_DAY) * MS_PER_DAY;
  return { date: new Date(dayStart).toISOString().slice(0, 10), minutes: (shifted - dayStart) / 60_000 };
}

/** `HH:MM` for messages and rationale. */
export function formatMinutes(minutes: number): string {
  const m = Math.floor(minutes);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Epoch ms of `minutes` after IST midnight on the IST date `date` (tests and fixtures build times with this). */
export function istEpoch(date: string, minutes: number): number {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(midnightUtc)) throw new RangeError(`expected a YYYY-MM-DD date, was ${JSON.stringify(date)}`);
  return midnightUtc - IST_OFFSET_MS + minutes * 60_000;
}
