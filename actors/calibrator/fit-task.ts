/**
 * @module piscina task: fits one expiry. Runs in a pool thread; input and output are structured-clone safe.
 */
import { fitExpiry, type ExpiryFitResult } from './core.ts';
import type { CalibratorSettings } from './config.ts';
import type { ExpiryInput } from './slice.ts';

export interface FitTask {
  readonly input: ExpiryInput;
  readonly settings: CalibratorSettings;
}

export default function fitTask(task: FitTask): ExpiryFitResult {
  return fitExpiry(task.input, task.settings);
}
