/**
 * @module Boot-time loading of the charges schedule: `DATA_DIR/charges.csv` when the operator put one there (it
 * replaces the shipped schedule whole), else the shipped one (actors/domain/data/charges-schedule.ts). A schedule
 * with a gap, an overlap, a negative rate or any malformed row is refused before any actor starts, as a ConfigError
 * naming the file and the line at fault; so is one with no rate in force on the boot date.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { ChargesScheduleError, parseChargesSchedule, ratesOn, type ChargesSchedule } from '../../actors/domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../../actors/domain/data/charges-schedule.ts';

export const CHARGES_FILE_NAME = 'charges.csv';

/** Where the schedule comes from for a data dir: the operator's file, or null for the shipped one. */
export function chargesOverridePath(dataDir: string): string | null {
  const file = path.resolve(dataDir, CHARGES_FILE_NAME);
  return existsSync(file) ? file : null;
}

/**
 * The schedule in force for this data dir, checked to cover IST `date` (the boot day).
 * @throws ConfigError `charges schedule: <file>:<line>: <reason>`.
 */
export function loadChargesSchedule(dataDir: string, date: string): ChargesSchedule {
  const file = chargesOverridePath(dataDir);
  try {
    const schedule = file === null ? parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE) : parseChargesSchedule(readFileSync(file, 'utf8'), file);
    ratesOn(schedule, date);
    return schedule;
  } catch (err) {
    if (err instanceof ChargesScheduleError || err instanceof RangeError) {
      throw new ConfigError([{ variable: 'charges schedule', message: err.message }]);
    }
    throw new ConfigError([{ variable: 'charges schedule', message: `${file ?? SHIPPED_CHARGES_FILE}: ${(err as Error).message}` }]);
  }
}
