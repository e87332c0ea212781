/**
 * @module Maps the calibrator's config section onto the calibrator's own settings (structured-clone safe, passed as spec.config).
 */
import type { CalibratorSection, CalibratorSettings } from './config.ts';
import { marketSettingsFromEnv } from '../domain/market-settings.ts';

export function calibratorSettings(cfg: CalibratorSection): CalibratorSettings {
  return {
    threads: cfg.CALIBRATOR_THREADS,
    mode: cfg.CALIBRATOR_MODE,
    market: marketSettingsFromEnv(cfg),
    beta: cfg.CALIBRATOR_BETA,
    nuCap: cfg.CALIBRATOR_NU_CAP,
    fitBand: cfg.CALIBRATOR_FIT_BAND,
    maxRmseVolPts: cfg.CALIBRATOR_MAX_RMSE_VOL_PTS,
    maxSpreadFraction: cfg.CALIBRATOR_MAX_SPREAD_FRACTION,
    minPremiumTicks: cfg.CALIBRATOR_MIN_PREMIUM_TICKS,
    obloj: cfg.CALIBRATOR_OBLOJ,
  };
}
