/**
 * @module Environment variables owned by the simulated market and paper exchange.
 */
import { z } from 'zod';
import type { EnvShape } from '../../../runtime/config-kit.ts';
import { envNumber } from '../../../runtime/config-kit.ts';

export const simEnv = {
  SIM_SEED: envNumber({ int: true, min: 0 }).default(1),
  SIM_SPEED: envNumber({ min: 0.001, max: 100000 }).default(1),
  /**
   * Pins where the simulated clock starts (ISO 8601 with offset, e.g. `2026-11-23T09:15:00+05:30`) for reproducible
   * runs. Unset: in session at once (now when the market is open, else the next session's 09:15 IST).
   */
  SIM_START: z.string().trim().transform((raw, ctx) => {
    const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : Number.NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO date-time with offset like 2026-11-23T09:15:00+05:30, was ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return ms;
  }).optional(),
} satisfies EnvShape;
